"""torch.distributions.weibull, for imports that name PyTorch's module."""
from .transformed_families import Weibull  # noqa: F401

__all__ = ["Weibull"]
