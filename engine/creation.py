"""Tensor creation: tensor, zeros, ones, full, arange, linspace, eye, the random family."""
import numbers

import numpy as np

from . import _backend
from ._device import as_device, factory_device
from ._dtype import from_numpy_dtype, get_default_dtype, int64, scalar_dtype, to_dtype
from .random import default_generator
from .tensor import Tensor, _make


def _finish(arr, dtype, device, requires_grad):
    """Cast, move and wrap a freshly built NumPy array."""
    if dtype is not None:
        dtype = to_dtype(dtype)
        if arr.dtype != dtype.np:
            arr = arr.astype(dtype.np)
    else:
        from_numpy_dtype(arr.dtype)  # TypeError for dtypes PyTorch does not have
    device = factory_device(device)
    if device.type != "cpu":
        arr = _backend.to_device(arr, device)
    t = _make(arr, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_array(data, dtype=None):
    """np.array of Python data with PyTorch's dtype inference (floats -> default float).

    With an explicit ``dtype`` the inference is skipped, so float64 data keeps its precision.
    """
    if isinstance(data, Tensor):
        return _backend.to_numpy(data._data).copy()
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, (np.generic,)):
        return np.array(data)
    if isinstance(data, numbers.Number) and not isinstance(data, (bool, int, float)):
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if isinstance(_first_leaf(data), Tensor):  # torch.tensor([a, b]) of tensors, grad or GPU
        data = _tensors_as_arrays(data)         # too: not their __array__, which refuses those
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(f"expected sequence of equal-length lists: {exc}") from None
    if arr.dtype == object or arr.dtype.kind in "USV":
        bad = type(_first_leaf(data)).__name__
        raise TypeError(f"new(): invalid data type '{bad}'")
    if dtype is not None:
        return arr
    if arr.dtype.kind == "f" and not _has_numpy_or_tensor(data):
        arr = arr.astype(get_default_dtype().np)
    elif arr.dtype.kind in "iu" and not _has_numpy_or_tensor(data):
        arr = arr.astype(np.int64)
    return arr


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _tensors_as_arrays(data):
    if isinstance(data, Tensor):
        return _backend.to_numpy(data._data)
    if isinstance(data, (list, tuple)):
        return [_tensors_as_arrays(d) for d in data]
    return data


def _has_numpy_or_tensor(data):
    leaf = _first_leaf(data)
    return isinstance(leaf, (Tensor, np.ndarray, np.generic))


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return _finish(_infer_array(data, dtype), dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or to_dtype(dtype) is data.dtype) and \
            (device is None or as_device(device) == data.device):
        return data
    if isinstance(data, np.ndarray) and dtype is None and device is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    from_numpy_dtype(array.dtype)
    return _make(array)  # shares memory, as PyTorch does


def _size(args, fn_name):
    """Sizes given as ints, a tuple/list, or a Size."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{fn_name}(): argument 'size' must be tuple of ints, but found "
                            f"element of type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(args)}")
    return tuple(int(s) for s in args)


def _float_dtype(dtype):
    return to_dtype(dtype) if dtype is not None else get_default_dtype()


def _filled(fn_name, np_fn):
    def create(*size, out=None, dtype=None, device=None, requires_grad=False, **_):
        shape = _size(size, fn_name)
        d = _float_dtype(dtype)
        return _finish(np_fn(shape, dtype=d.np), d, device, requires_grad)
    create.__name__ = fn_name
    return create


zeros = _filled("zeros", np.zeros)
ones = _filled("ones", np.ones)
empty = _filled("empty", np.zeros)  # zero-filled: uninitialised memory would leak old data


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    shape = _size((size,) if isinstance(size, int) else (size,), "full")
    d = to_dtype(dtype) if dtype is not None else scalar_dtype(
        fill_value.item() if isinstance(fill_value, (Tensor, np.generic)) else fill_value)
    return _finish(np.full(shape, fill_value, dtype=d.np), d, device, requires_grad)


def _like(fn):
    def create(input, *, dtype=None, device=None, requires_grad=False, **_):
        return fn(*input.shape, dtype=dtype or input.dtype,
                  device=device if device is not None else input.device,
                  requires_grad=requires_grad)
    create.__name__ = fn.__name__ + "_like"
    return create


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                device=device if device is not None else input.device,
                requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = int64 if all(isinstance(v, int) for v in vals) else get_default_dtype()
    dtype = to_dtype(dtype)
    # Computed in float64/int64 like PyTorch, then cast: keeps the count exact.
    arr = np.arange(*vals, dtype=np.float64 if dtype.is_floating_point else np.int64)
    return _finish(arr, dtype, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(np.linspace(start, end, steps), _float_dtype(dtype), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.logspace(start, end, steps, base=base), _float_dtype(dtype), device,
                   requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m), _float_dtype(dtype), device, requires_grad)


# ---- random (reproducible under engine.manual_seed) ----------------------------------------

def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    d = _float_dtype(dtype)
    gen = (generator or default_generator).numpy
    arr = gen.random(_size(size, "rand"), dtype=np.float64 if d.itemsize == 8 else np.float32)
    return _finish(arr, d, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    d = _float_dtype(dtype)
    gen = (generator or default_generator).numpy
    arr = gen.standard_normal(_size(size, "randn"),
                              dtype=np.float64 if d.itemsize == 8 else np.float32)
    return _finish(arr, d, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    gen = (generator or default_generator).numpy
    arr = gen.integers(low, high, size=_size((size,), "randint"), dtype=np.int64)
    return _finish(arr, dtype or int64, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    gen = (generator or default_generator).numpy
    return _finish(gen.permutation(n).astype(np.int64), dtype or int64, device, requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return rand(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return randn(*input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low, high=None, *, dtype=None, device=None):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    gen = (generator or default_generator).numpy
    # drawn on the host from the one generator (the same stream on every device)
    m = _backend.to_numpy(mean._data) if isinstance(mean, Tensor) else mean
    s = _backend.to_numpy(std._data) if isinstance(std, Tensor) else std
    if size is None:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        if isinstance(std, Tensor) and (np.asarray(s) < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        shape = _size((size,), "normal")
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    like = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    d = to_dtype(dtype) if dtype is not None else (like.dtype if like is not None
                                                   else get_default_dtype())
    arr = gen.normal(m, s, size=shape)
    if device is None and like is not None:
        device = like.device  # as PyTorch: the result is on the tensor arguments' device
    return _finish(np.asarray(arr), d, device, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    gen = (generator or default_generator).numpy
    probs = _backend.to_numpy(input._data) if p is None else np.full(input.shape, p)
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    return _finish((gen.random(probs.shape) < probs).astype(input._data.dtype), input.dtype,
                   input.device, False)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    gen = (generator or default_generator).numpy
    probs = np.atleast_2d(_backend.to_numpy(input._data)).astype(np.float64)
    rows = []
    for row in probs:
        if not replacement and num_samples > (row > 0).sum():
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        rows.append(gen.choice(len(row), size=num_samples, replace=replacement,
                               p=row / row.sum()))
    out = np.array(rows, dtype=np.int64)
    return _finish(out if input.dim() == 2 else out[0], int64, input.device, False)


def poisson(input, generator=None):
    """Samples of Poisson distributions with the given rates (not differentiable)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"poisson_cpu" not implemented for \'{input.dtype.legacy}\'')
    rates = _backend.to_numpy(input._data)
    if rates.size and not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    draws = (generator or default_generator).numpy.poisson(rates)
    return _finish(np.asarray(draws), input.dtype, input.device, False)


def binomial(count, prob, generator=None):
    """Samples of Binomial(count, prob), elementwise."""
    if not count.dtype.is_floating_point:
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{count.dtype.legacy}")
    n = _backend.to_numpy(count._data).astype(np.int64)
    p = np.clip(_backend.to_numpy(prob._data).astype(np.float64), 0, 1)
    draws = (generator or default_generator).numpy.binomial(n, p)
    return _finish(np.asarray(draws), count.dtype, count.device, False)


# ---- more factories: scalars, strides, buffers, DLPack ------------------------------------------

def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False):
    return _finish(np.array(s, dtype=np.float64), _float_dtype(dtype), device, requires_grad)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """A tensor over obj's memory when it can be (a tensor, a NumPy array), else a copy;
    copy=True always copies, copy=False refuses to."""
    if isinstance(obj, Tensor) or isinstance(obj, np.ndarray):
        src = obj if isinstance(obj, Tensor) else from_numpy(obj)
        target = to_dtype(dtype) if dtype is not None else src.dtype
        if copy is False and target is not src.dtype:
            raise ValueError(f"can't alias tensor with dtype '{src.dtype.legacy}' into dtype "
                             f"'{target.legacy}'.")
        out = src.to(dtype=target, device=device, copy=bool(copy))
    else:
        if copy is False:
            raise ValueError(f"can't alias {type(obj).__name__} into a tensor: copy=False "
                             "needs a tensor or an array")
        out = tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        out.requires_grad_(True)
    return out


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A zeroed tensor whose elements sit at the given strides (in elements)."""
    d = _float_dtype(dtype)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    span = 1 + sum((n - 1) * st for n, st in zip(size, stride)) if 0 not in size else 0
    buf = np.zeros(max(span, 0), dtype=d.np)
    arr = np.lib.stride_tricks.as_strided(buf, size, tuple(st * d.itemsize for st in stride))
    if factory_device(device).type != "cpu":  # CuPy gets a contiguous copy
        arr = np.ascontiguousarray(arr)
    return _finish(arr, d, device, requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """A zeroed tensor of ``size`` laid out in memory in the dim order ``physical_layout``."""
    size = tuple(int(s) for s in size)
    order = tuple(int(p) for p in physical_layout)
    if sorted(order) != list(range(len(size))):
        raise RuntimeError(f"Dimension mismatch: physical_layout {list(order)} is not a "
                           f"permutation of the dims of size {list(size)}")
    d = _float_dtype(dtype)
    physical = np.zeros(tuple(size[p] for p in order), dtype=d.np)
    return _finish(physical.transpose(np.argsort(order)), d, device, requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over a Python buffer's memory (writes go through to it)."""
    d = to_dtype(dtype)
    arr = np.frombuffer(buffer, dtype=d.np, count=count, offset=offset)
    if not arr.flags.writeable:
        import warnings
        warnings.warn("The given buffer is not writable, and PyTorch does not support "
                      "non-writable tensors. This means you can write to the underlying "
                      "(supposedly non-writable) buffer using the tensor. You may want to copy "
                      "the buffer to protect its data or make it writable before converting it "
                      "to a tensor.", UserWarning, stacklevel=2)
        arr = np.frombuffer(bytearray(arr.tobytes()), dtype=d.np)
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_dlpack(ext_tensor):
    """A tensor over the memory of any DLPack producer (NumPy, CuPy, PyTorch, JAX...)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    capsule_only = type(ext_tensor).__name__ == "PyCapsule"
    if not capsule_only:
        device_type = ext_tensor.__dlpack_device__()[0] if hasattr(
            ext_tensor, "__dlpack_device__") else 1
        if device_type == 2:  # kDLCUDA
            arr = _backend.cupy.from_dlpack(ext_tensor)
            return _make(arr, device=as_device(f"cuda:{arr.device.id}"))
        return from_numpy(np.from_dlpack(ext_tensor))
    return from_numpy(np.from_dlpack(_Capsule(ext_tensor)))


class _Capsule:
    """A bare DLPack capsule (torch.utils.dlpack.to_dlpack's) dressed as a producer."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, stream=None, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)


def to_dlpack(tensor):
    """A DLPack capsule over the tensor's memory."""
    return tensor._data.__dlpack__()


__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
           "ones_like", "empty_like", "full_like", "arange", "linspace", "logspace", "eye",
           "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like",
           "normal", "bernoulli", "multinomial", "poisson", "binomial", "scalar_tensor",
           "asarray", "empty_strided", "empty_permuted", "frombuffer", "from_dlpack",
           "to_dlpack"]


# ---- Tensor.new_*: same dtype and device as the tensor unless told otherwise --------------

def _new_factory(fn):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return fn(*size, dtype=dtype or self.dtype,
                  device=device if device is not None else self.device,
                  requires_grad=requires_grad)
    method.__name__ = "new_" + fn.__name__
    return method


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype,
                device=device if device is not None else self.device,
                requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype,
                  device=device if device is not None else self.device,
                  requires_grad=requires_grad)


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    return empty_strided(size, stride, dtype=dtype or self.dtype,
                         device=device if device is not None else self.device,
                         requires_grad=requires_grad)


EXTRA_METHODS = {"new_zeros": _new_factory(zeros), "new_ones": _new_factory(ones),
                 "new_empty": _new_factory(empty), "new_full": _new_full,
                 "new_tensor": _new_tensor, "new_empty_strided": _new_empty_strided,
                 "bernoulli": bernoulli, "multinomial": multinomial,
                 "__dlpack__": lambda self, *args, **kw: self._data.__dlpack__(*args, **kw),
                 "__dlpack_device__": lambda self: self._data.__dlpack_device__()}
