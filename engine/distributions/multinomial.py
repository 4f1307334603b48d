"""torch.distributions.multinomial, for imports that name PyTorch's module."""
from .more_families import Multinomial  # noqa: F401

__all__ = ["Multinomial"]
