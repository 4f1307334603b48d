"""torch.distributions.chi2, for imports that name PyTorch's module."""
from .gamma import Chi2  # noqa: F401

__all__ = ["Chi2"]
