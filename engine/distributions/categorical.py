"""torch.distributions.categorical, for imports that name PyTorch's module."""
from .discrete import Categorical  # noqa: F401

__all__ = ["Categorical"]
