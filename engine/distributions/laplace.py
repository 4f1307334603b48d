"""torch.distributions.laplace, for imports that name PyTorch's module."""
from .univariate import Laplace  # noqa: F401

__all__ = ["Laplace"]
