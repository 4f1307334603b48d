"""torch.distributions.beta, for imports that name PyTorch's module."""
from .gamma import Beta  # noqa: F401

__all__ = ["Beta"]
