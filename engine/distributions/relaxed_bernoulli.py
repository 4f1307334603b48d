"""torch.distributions.relaxed_bernoulli, for imports that name PyTorch's module."""
from .transformed_families import RelaxedBernoulli, LogitRelaxedBernoulli  # noqa: F401

__all__ = ["RelaxedBernoulli", "LogitRelaxedBernoulli"]
