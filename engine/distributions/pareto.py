"""torch.distributions.pareto, for imports that name PyTorch's module."""
from .transformed_families import Pareto  # noqa: F401

__all__ = ["Pareto"]
