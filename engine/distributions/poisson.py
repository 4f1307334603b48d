"""torch.distributions.poisson, for imports that name PyTorch's module."""
from .discrete import Poisson  # noqa: F401

__all__ = ["Poisson"]
