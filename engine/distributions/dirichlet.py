"""torch.distributions.dirichlet, for imports that name PyTorch's module."""
from .gamma import Dirichlet  # noqa: F401

__all__ = ["Dirichlet"]
