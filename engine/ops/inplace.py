"""In-place variants (add_, mul_, clamp_, ...) built from the out-of-place ops.

Without a graph to record they write straight into the storage. When autograd is recording,
the op runs out of place on a snapshot of the old value (so what its backward saves is the
value before the write, as PyTorch keeps it), the result is copied into the storage, the
version counter moves on (catching saved tensors that went stale), and the tensor's history
is rebased onto the new node.
"""
from .._backend import xp_of
from ._base import Tensor, _grad_state, check_inplace, snapshot, write_result


def _recording(t, args):
    if not _grad_state[0]:
        return False
    if t._rg:
        return True
    return any(isinstance(a, Tensor) and a._rg for a in args)


def make_inplace(fn, fast=None):
    """The ``name_`` method for out-of-place ``fn``; ``fast(data, *args)`` writes in place."""
    def method(self, *args, **kwargs):
        check_inplace(self)
        if _recording(self, args):
            return write_result(self, fn(snapshot(self), *args, **kwargs))
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
