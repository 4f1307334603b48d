"""Helpers the distributions share (torch.distributions.utils): broadcasting parameters,
probabilities <-> logits, lazily computed attributes, and drawing from the engine's
random generator."""
import numbers

import numpy as np

from .. import creation, random
from .._dtype import get_default_dtype
from ..tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]


def broadcast_all(*values):
    """Tensors (numbers become tensors of the tensors' dtype, or the default dtype)
    broadcast to one shape."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    tensors = [v for v in values if isinstance(v, Tensor)]
    if len(tensors) < len(values):
        like = tensors[0] if tensors else None
        dtype = like.dtype if like is not None else get_default_dtype()
        device = like.device if like is not None else None
        values = [v if isinstance(v, Tensor) else creation.tensor(v, dtype=dtype, device=device)
                  for v in values]
    import engine
    return tuple(engine.broadcast_tensors(*values))


def clamp_probs(probs):
    """probs in [eps, 1 - eps] (eps of their dtype), so that logs stay finite."""
    import engine
    eps = engine.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    ps = clamp_probs(probs)
    return ps.log() - (-ps).log1p() if is_binary else ps.log()


def logits_to_probs(logits, is_binary=False):
    return logits.sigmoid() if is_binary else logits.softmax(-1)


class lazy_property:
    """An attribute computed on first access (from the other parameterization) and then
    kept in the instance's __dict__."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        import engine
        with engine.enable_grad():
            value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


def sum_rightmost(value, dim):
    """value summed over its ``dim`` rightmost dims."""
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1) if dim else value


def draw(fn, like):
    """A tensor of values that fn(numpy_generator) draws from the engine's generator
    (engine.manual_seed makes them repeatable), in like's dtype and on its device."""
    data = np.asarray(fn(random.default_generator.numpy))
    return creation.tensor(data, dtype=like.dtype, device=like.device)
