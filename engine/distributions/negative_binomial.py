"""torch.distributions.negative_binomial, for imports that name PyTorch's module."""
from .more_families import NegativeBinomial  # noqa: F401

__all__ = ["NegativeBinomial"]
