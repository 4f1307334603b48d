"""torch.distributions.half_normal, for imports that name PyTorch's module."""
from .univariate import HalfNormal  # noqa: F401

__all__ = ["HalfNormal"]
