"""torch.distributions.kumaraswamy, for imports that name PyTorch's module."""
from .transformed_families import Kumaraswamy  # noqa: F401

__all__ = ["Kumaraswamy"]
