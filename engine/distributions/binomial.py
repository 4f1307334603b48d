"""torch.distributions.binomial, for imports that name PyTorch's module."""
from .discrete import Binomial  # noqa: F401

__all__ = ["Binomial"]
