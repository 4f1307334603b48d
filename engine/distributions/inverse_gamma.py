"""torch.distributions.inverse_gamma, for imports that name PyTorch's module."""
from .transformed_families import InverseGamma  # noqa: F401

__all__ = ["InverseGamma"]
