"""torch.distributions.exponential, for imports that name PyTorch's module."""
from .univariate import Exponential  # noqa: F401

__all__ = ["Exponential"]
