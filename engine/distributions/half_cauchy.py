"""torch.distributions.half_cauchy, for imports that name PyTorch's module."""
from .transformed_families import HalfCauchy  # noqa: F401

__all__ = ["HalfCauchy"]
