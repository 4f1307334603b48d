"""torch.distributions.studentT, for imports that name PyTorch's module."""
from .more_families import StudentT  # noqa: F401

__all__ = ["StudentT"]
