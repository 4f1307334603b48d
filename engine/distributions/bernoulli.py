"""torch.distributions.bernoulli, for imports that name PyTorch's module."""
from .discrete import Bernoulli  # noqa: F401

__all__ = ["Bernoulli"]
