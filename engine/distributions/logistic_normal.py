"""torch.distributions.logistic_normal, for imports that name PyTorch's module."""
from .transformed_families import LogisticNormal  # noqa: F401

__all__ = ["LogisticNormal"]
