"""torch.distributions.exp_family, for imports that name PyTorch's module."""
from .distribution import ExponentialFamily  # noqa: F401

__all__ = ["ExponentialFamily"]
