"""torch.distributions.uniform, for imports that name PyTorch's module."""
from .univariate import Uniform  # noqa: F401

__all__ = ["Uniform"]
