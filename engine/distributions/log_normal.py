"""torch.distributions.log_normal, for imports that name PyTorch's module."""
from .univariate import LogNormal  # noqa: F401

__all__ = ["LogNormal"]
