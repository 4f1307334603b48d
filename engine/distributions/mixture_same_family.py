"""torch.distributions.mixture_same_family, for imports that name PyTorch's module."""
from .more_families import MixtureSameFamily  # noqa: F401

__all__ = ["MixtureSameFamily"]
