"""torch.distributions.geometric, for imports that name PyTorch's module."""
from .discrete import Geometric  # noqa: F401

__all__ = ["Geometric"]
