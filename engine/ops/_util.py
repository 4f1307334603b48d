"""What every op needs: wrapping results, recording graph nodes, promoting operands."""
import numbers

import numpy as np

from .. import _backend
from .._device import CPU
from .._dtype import _BY_NP, get_default_dtype, result_type, scalar_result_type
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..tensor import Tensor, _make, _view, _wrap_dim  # noqa: F401  (re-exported for ops)

_ndarray = np.ndarray
_grad_state = grad_mode._state


def wrap(data, like=None):
    """A new tensor for an op's result array (NumPy 0-d results come back as scalars)."""
    if type(data) is not _ndarray:
        data = _backend.xp_of(like._data if like is not None else data).asarray(data)
    t = _make(data)
    if like is not None and like._device is not CPU:
        t._device = like._device
    return t


def record(node_cls, out, inputs, saved=None):
    """Attach a new ``node_cls`` as ``out``'s grad_fn when autograd is on for ``inputs``."""
    if _grad_state[0]:
        for t in inputs:
            if getattr(t, "_rg", False):
                node = node_cls(inputs)
                if saved is not None:
                    node.save(*saved)
                out.grad_fn = node
                out._rg = True
                return node
    return None


def needs_grad(*inputs):
    if _grad_state[0]:
        for t in inputs:
            if getattr(t, "_rg", False):
                return True
    return False


_SCALARS = (int, float, bool, np.number, np.bool_)


def operands(a, b):
    """Two arrays (or array and Python scalar) cast to PyTorch's result dtype, with the
    operand tensors: ``(a, b, a_data, b_data)``. Python scalars stay scalars."""
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            ad, bd = a._data, b._data
            if ad.dtype is not bd.dtype and ad.dtype != bd.dtype:
                rt = result_type(_BY_NP[ad.dtype], ad.ndim == 0, _BY_NP[bd.dtype], bd.ndim == 0)
                ad = ad.astype(rt.np, copy=False)
                bd = bd.astype(rt.np, copy=False)
            if a._device is not b._device and a._device != b._device:
                raise RuntimeError("Expected all tensors to be on the same device, but found "
                                   f"at least two devices, {b._device} and {a._device}!")
            return a, b, ad, bd
        b2, a2, bd, ad = operands(b, a)
        return a2, b2, ad, bd
    if not isinstance(a, Tensor):
        raise TypeError(f"expected a Tensor operand, got {type(a).__name__}")
    if isinstance(b, _SCALARS):
        b = b.item() if isinstance(b, (np.number, np.bool_)) else b
        ad = a._data
        rt = scalar_result_type(_BY_NP[ad.dtype], b)
        if rt.np != ad.dtype:
            ad = ad.astype(rt.np)
        elif b.__class__ is int and not -128 <= b <= 127 and ad.dtype.kind in "iu":
            b = _wrap_int(b, ad.dtype)
        return a, b, ad, b
    if isinstance(b, (np.ndarray, list, tuple)):
        from ..creation import tensor as make_tensor
        return operands(a, make_tensor(b, device=a._device))
    raise TypeError(f"unsupported operand type: Tensor and {type(b).__name__}")


def _wrap_int(value, dtype):
    """A Python int cast to a small integer dtype wraps around, as PyTorch casts scalars."""
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return value
    return np.array(value & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64).astype(dtype)[()]


def to_float(t_data):
    """Integer/bool arrays become the default float dtype (for sqrt, exp, true division...)."""
    if t_data.dtype.kind in "biu":
        return t_data.astype(get_default_dtype().np)
    return t_data


def broadcast_error(a_shape, b_shape):
    """PyTorch's message for shapes that do not broadcast."""
    n = max(len(a_shape), len(b_shape))
    pa = (1,) * (n - len(a_shape)) + tuple(a_shape)
    pb = (1,) * (n - len(b_shape)) + tuple(b_shape)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor "
                                f"b ({pb[i]}) at non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} do not broadcast")


def shape_of(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def normalize_dims(dim, ndim):
    """dim (None, int or tuple of ints) -> tuple of non-negative axes, PyTorch's range check."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return dims
    return (_wrap_dim(dim, ndim),)


def is_scalar(x):
    return isinstance(x, numbers.Number)
