"""torch.distributions.gumbel, for imports that name PyTorch's module."""
from .transformed_families import Gumbel  # noqa: F401

__all__ = ["Gumbel"]
