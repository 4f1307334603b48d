"""torch.distributions.relaxed_categorical, for imports that name PyTorch's module."""
from .transformed_families import RelaxedOneHotCategorical, ExpRelaxedCategorical  # noqa: F401

__all__ = ["RelaxedOneHotCategorical", "ExpRelaxedCategorical"]
