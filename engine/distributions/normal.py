"""torch.distributions.normal, for imports that name PyTorch's module."""
from .univariate import Normal  # noqa: F401

__all__ = ["Normal"]
