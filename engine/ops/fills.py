"""In-place writers of a whole tensor: zero_, fill_, copy_, fill_diagonal_ and the random
fills (uniform_, normal_, bernoulli_, exponential_, random_).

What they write does not depend on the old value, so under autograd the old value's
gradient is zero (ZeroBackward0, FillBackward2, ...) and only copy_'s source gets one.
"""
import numpy as np

from .. import _backend
from .._backend import xp_of
from ..random import default_generator
from ._base import (SCALARS, Node, Tensor, _grad_state, broadcast_error, broadcast_shape,
                    check_inplace, const, record, snapshot, wrap, write_result, zeros)
from .index import setitem


def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal in place (through indexing, so autograd sees CopySlices)."""
    shape = self._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    xp = xp_of(self._data)
    if len(shape) == 2 and wrap and shape[0] > shape[1] + 1:
        rows, cols = shape
        flat = xp.arange(0, rows * cols, cols + 1)
        index = (flat // cols, flat % cols)
    else:
        n = min(shape)
        index = tuple(xp.arange(n) for _ in shape)
    setitem(self, tuple(const(i, self) for i in index), fill_value)
    return self


# ---- zero_, fill_, copy_ and the random fills ----------------------------------------------

class ZeroBackward0(Node):
    def backward(self, g):
        return (zeros(g._data.shape, g),)


class FillBackward2(ZeroBackward0):      # fill_ with a number
    pass


class FillBackward3(Node):               # fill_ with a 0-d tensor
    def backward(self, g):
        gv = g.sum() if self.needs_input_grad[1] else None
        return zeros(g._data.shape, g), gv


class UniformBackward0(ZeroBackward0):
    pass


class NormalBackward0(ZeroBackward0):
    pass


class BernoulliBackward1(ZeroBackward0):
    pass


class ExponentialBackward0(ZeroBackward0):
    pass


class RandomBackward0(ZeroBackward0):
    pass


class CauchyBackward0(ZeroBackward0):
    pass


class GeometricBackward0(ZeroBackward0):
    pass


class LogNormalBackward0(ZeroBackward0):
    pass


_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers "
                "to a single memory location. Please clone() the tensor before performing the "
                "operation.")


def _store(data, value, uniform):
    """data[...] = value. An expanded view takes one value for every element, as in torch;
    anything else written to it is refused with torch's message."""
    if not uniform and any(st == 0 and n > 1 for st, n in zip(data.strides, data.shape)):
        raise RuntimeError(_OVERLAP_MSG)
    data[...] = value


def _write_constant(self, arr, node_cls, extra=()):
    """In-place write of a value that does not depend on self's old value."""
    check_inplace(self)
    if _grad_state[0] and (self._rg or any(getattr(e, "_rg", False) for e in extra)):
        result = wrap(arr, self)
        record(node_cls, result, (snapshot(self),) + tuple(extra))
        return write_result(self, result)
    _store(self._data, arr, uniform=False)
    self._bump_version()
    return self


def zero_(self):
    check_inplace(self)
    if _grad_state[0] and self._rg:
        return _write_constant(self, xp_of(self._data).zeros_like(self._data), ZeroBackward0)
    _store(self._data, 0, uniform=True)
    self._bump_version()
    return self


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        arr = xp_of(self._data).full(self._data.shape, value.item(), dtype=self._data.dtype)
        return _write_constant(self, arr, FillBackward3, (value,))
    if not isinstance(value, SCALARS):
        raise TypeError(f"fill_(): argument 'value' must be Number, not {type(value).__name__}")
    check_inplace(self)
    if _grad_state[0] and self._rg:
        arr = xp_of(self._data).full(self._data.shape, value, dtype=self._data.dtype)
        return _write_constant(self, arr, FillBackward2)
    _store(self._data, value, uniform=True)
    self._bump_version()
    return self


class CopyBackwards(Node):
    def backward(self, g):
        gx = zeros(g._data.shape, g) if self.needs_input_grad[0] else None
        gs = g if self.needs_input_grad[1] else None
        return gx, gs


def copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    check_inplace(self)
    shape = self._data.shape
    s = src._data
    if src._device != self._device:
        s = _backend.to_device(s, self._device)
    if s.shape != shape and broadcast_shape(shape, s.shape) != shape:
        raise broadcast_error(shape, s.shape)
    if _grad_state[0] and (self._rg or src._rg):
        arr = xp_of(self._data).broadcast_to(s, shape).astype(self._data.dtype)
        result = wrap(arr, self)
        record(CopyBackwards, result, (snapshot(self), src))
        return write_result(self, result)
    _store(self._data, s, uniform=False)
    self._bump_version()
    return self


def _random_fill(self, arr, node_cls):
    if self._device.type != "cpu":
        arr = _backend.to_device(arr, self._device)
    return _write_constant(self, arr.astype(self._data.dtype, copy=False), node_cls)


def _gen(generator):
    return (generator or default_generator).numpy


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} "
                           f"> to={b}")
    arr = _gen(generator).uniform(a, b, self._data.shape)
    return _random_fill(self, arr, UniformBackward0)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    arr = _gen(generator).normal(mean, std, self._data.shape)
    return _random_fill(self, arr, NormalBackward0)


def bernoulli_(self, p=0.5, *, generator=None):
    probs = _backend.to_numpy(p._data) if isinstance(p, Tensor) else p
    arr = _gen(generator).random(self._data.shape) < probs
    return _random_fill(self, arr, BernoulliBackward1)


def exponential_(self, lambd=1.0, *, generator=None):
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    arr = _gen(generator).exponential(1.0 / lambd, self._data.shape)
    return _random_fill(self, arr, ExponentialBackward0)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _floating_fill("cauchy", self)
    arr = median + sigma * _gen(generator).standard_cauchy(self._data.shape)
    return _random_fill(self, arr, CauchyBackward0)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    _floating_fill("log_normal", self)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    arr = _gen(generator).lognormal(mean, std, self._data.shape)
    return _random_fill(self, arr, LogNormalBackward0)


def geometric_(self, p, *, generator=None):
    """Trials until the first success: values 1, 2, ... with P(k) = (1-p)^(k-1) p."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    arr = _gen(generator).geometric(p, self._data.shape)
    return _random_fill(self, arr, GeometricBackward0)


def _floating_fill(name, t):
    if not t.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'{t.dtype.legacy}\'')


def random_(self, from_=0, to=None, *, generator=None):
    """random_(to) draws from [0, to), random_(from, to) from [from, to), random_() from
    [0, 2**mantissa] for floats (every value exactly representable) or the dtype's range."""
    if to is None:
        if from_:
            from_, to = 0, from_
        elif self.dtype.is_floating_point:
            to = 2 ** {2: 11, 4: 24, 8: 53}[self._data.itemsize] + 1
        else:
            to = int(np.iinfo(self._data.dtype).max) + 1 if self._data.dtype.kind != "b" else 2
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} "
                           f">= to={to}")
    arr = _gen(generator).integers(from_, to, self._data.shape)
    return _random_fill(self, arr, RandomBackward0)


# ---- Python functions over the elements, and storage reshaping (CPU, no autograd) ----------

def _host_only(self, name):
    if self._rg:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    if self._device.type != "cpu":
        raise TypeError(f"{name}_ is only implemented on CPU tensors")


def _map_values(self, name, fn, *others):
    """self[i] = fn(self[i], other[i], ...), the values cast back to self's dtype."""
    _host_only(self, name)
    shape = self._data.shape
    columns = [self._data.reshape(-1).tolist()] + \
        [np.broadcast_to(o._data, shape).reshape(-1).tolist() for o in others]
    values = [fn(*items) for items in zip(*columns)]
    self._data[...] = np.array(values, dtype=np.float64 if self.dtype.is_floating_point else
                               None).reshape(shape).astype(self._data.dtype)
    self._bump_version()
    return self


def apply_(self, callable):
    return _map_values(self, "apply_", callable)


def map_(self, tensor, callable):
    return _map_values(self, "map_", callable, tensor)


def map2_(self, x, y, callable):
    return _map_values(self, "map2_", callable, x, y)


def resize_(self, *sizes, memory_format=None):
    """The tensor takes the new shape: its first elements kept, new ones zero (PyTorch leaves
    them uninitialised)."""
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) \
        else tuple(sizes)
    old = self._data.reshape(-1)
    n = int(np.prod(shape)) if shape else 1
    xp = xp_of(self._data)
    if n <= old.size:
        self._data = old[:n].reshape(shape)
    else:
        grown = xp.zeros(n, dtype=old.dtype)
        grown[:old.size] = old
        self._data = grown.reshape(shape)
    self._bump_version()
    return self


def resize_as_(self, the_template, memory_format=None):
    return resize_(self, tuple(the_template.shape))


def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """With a tensor: this tensor now views source's data (shape, dtype and all); with no
    argument: an empty tensor."""
    check_inplace(self)
    if source is None:
        self._data = xp_of(self._data).zeros(0, dtype=self._data.dtype)
    elif isinstance(source, Tensor):
        if size is not None:
            source = source.as_strided(size, stride if stride is not None else
                                       _contiguous_strides(size), storage_offset)
        self._data, self._device = source._data, source._device
        self._version_box = source._version_box
    else:
        raise TypeError(f"set_(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__} (storages are not supported)")
    self._bump_version()
    return self


def _contiguous_strides(size):
    strides, step = [], 1
    for n in reversed(tuple(size)):
        strides.append(step)
        step *= max(int(n), 1)
    return tuple(reversed(strides))


EXTRA_METHODS = {"zero_": zero_, "fill_": fill_, "copy_": copy_, "fill_diagonal_": fill_diagonal_,
                 "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
                 "exponential_": exponential_, "random_": random_, "cauchy_": cauchy_,
                 "log_normal_": log_normal_, "geometric_": geometric_, "apply_": apply_,
                 "map_": map_, "map2_": map2_, "resize_": resize_, "resize_as_": resize_as_,
                 "set_": set_}
