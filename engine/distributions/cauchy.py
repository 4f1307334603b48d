"""torch.distributions.cauchy, for imports that name PyTorch's module."""
from .univariate import Cauchy  # noqa: F401

__all__ = ["Cauchy"]
