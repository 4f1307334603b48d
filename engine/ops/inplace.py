"""In-place variants (add_, mul_, clamp_, ...) built from the out-of-place ops.

Without a graph to record they write straight into the storage. When autograd is recording,
the op runs out of place on a snapshot of the old value (so what its backward saves is the
value before the write, as PyTorch keeps it), the result is copied into the storage, the
version counter moves on (catching saved tensors that went stale), and the tensor's history
is rebased onto the new node.
"""
import numpy as np

from .._backend import xp_of
from .._dtype import _BY_NP
from ._base import Tensor, _grad_state, _make

_LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."


def check_inplace(t):
    if t._rg and t.grad_fn is None and _grad_state[0]:
        raise RuntimeError(_LEAF_MSG)


def _recording(t, args):
    if not _grad_state[0]:
        return False
    if t._rg:
        return True
    return any(isinstance(a, Tensor) and a._rg for a in args)


def _snapshot(t):
    """A copy of t's current value that stands where t stands in the graph."""
    s = _make(t._data.copy(), device=t._device)
    s.grad_fn, s._output_nr, s._rg = t.grad_fn, t._output_nr, t._rg
    if t.grad_fn is None and t._rg:
        s._acc = t._grad_edge()[0]
    return s


def write_result(t, result):
    """Store ``result`` into t's storage and make t the output of result's node."""
    data = result._data
    src, dst = _BY_NP[data.dtype], _BY_NP[t._data.dtype]
    if src._category > dst._category:  # PyTorch's canCast: no float -> int, no int -> bool
        raise RuntimeError(f"result type {src.legacy} can't be cast to the desired "
                           f"output type {dst.legacy}")
    if data.shape != t._data.shape and \
            _broadcast_shape(data.shape, t._data.shape) != t._data.shape:
        raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the "
                           f"broadcast shape {list(_broadcast_shape(data.shape, t._data.shape))}")
    t._data[...] = data
    t._bump_version()
    if result.grad_fn is not None:
        if t._base is not None and t._base._rg:
            raise RuntimeError(
                "in-place operation on a view of a tensor that requires grad is not supported "
                "by this engine: use the out-of-place op, or assign through indexing on the "
                "base tensor (base[idx] = value)")
        t.grad_fn, t._output_nr, t._rg = result.grad_fn, 0, True
    return t


def _broadcast_shape(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


def make_inplace(fn, fast=None):
    """The ``name_`` method for out-of-place ``fn``; ``fast(data, *args)`` writes in place."""
    def method(self, *args, **kwargs):
        if self._rg and self.grad_fn is None and _grad_state[0]:
            raise RuntimeError(_LEAF_MSG)
        if _recording(self, args):
            return write_result(self, fn(_snapshot(self), *args, **kwargs))
        if fast is not None and self._data.flags.writeable:
            if fast(self._data, *args, **kwargs):
                self._bump_version()
                return self
        from ..autograd import grad_mode
        with grad_mode.no_grad():
            result = fn(self, *args, **kwargs)
        return write_result(self, result)
    method.__name__ = fn.__name__ + "_"
    return method


def _fast_binary(ufunc_name):
    """In-place ufunc on the storage when the operand needs no casting; else decline."""
    def fast(data, other, alpha=1):
        if isinstance(other, Tensor):
            other = other._data
            if other.dtype != data.dtype and not (data.dtype.kind == "f" and
                                                  other.dtype.kind in "biuf"):
                return False
        elif isinstance(other, float) and data.dtype.kind != "f":
            return False
        elif not isinstance(other, (int, float)):
            return False
        if alpha != 1:
            other = other * alpha
        getattr(xp_of(data), ufunc_name)(data, other, out=data)
        return True
    return fast


def _fast_div(data, other, rounding_mode=None):
    if rounding_mode is not None or data.dtype.kind != "f":
        return False
    return _fast_binary("true_divide")(data, other)


def _fast_mul(data, other):
    return _fast_binary("multiply")(data, other)
