"""torch.distributions.one_hot_categorical, for imports that name PyTorch's module."""
from .discrete import OneHotCategorical, OneHotCategoricalStraightThrough  # noqa: F401

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]
