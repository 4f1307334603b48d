"""Reductions over dims (int or tuple, keepdim) and the softmax family.

Backward formulas use engine ops, with masks (ties, zeros, indices) as constant tensors, so
second derivatives work; outputs a formula needs are recomputed under create_graph.
"""
import builtins
import math
import warnings

import numpy as np  # dtype limits only; array work goes through xp_of

from .. import return_types
from .._backend import ufunc_method, xp_of
from .._dtype import bool_, float16, int64, to_dtype, uint8
from ._base import (Node, Tensor, _grad_state, _wrap_dim, const, kept, kept_data, kept_shape,
                    note_reduction, record, recomputed, reduce_dims, to_float, wrap, write_out)


_HALF = float16.np


def row_sums(a, axis=-1, keepdims=True):
    """a.sum(axis, keepdims) for the last axis of an array, by BLAS where it pays: NumPy's
    reduce over short contiguous rows (a layer norm's 126, a softmax's 64) costs ~10x a
    GEMV with a vector of ones (it adds each row pairwise, call by call)."""
    if axis < 0:
        axis += a.ndim
    k = a.shape[-1] if a.ndim else 0
    if (axis == a.ndim - 1 and type(a) is np.ndarray and a.dtype in _BLAS_FLOATS and
            16 <= k and a.size >= 64 * k and a.flags.c_contiguous):
        sums = a.reshape(-1, k) @ np.ones(k, a.dtype)
        return sums.reshape(a.shape[:-1] + ((1,) if keepdims else ()))
    return a.sum(axis=axis, keepdims=keepdims)


_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _half_acc(method, dims, keepdim=False):
    """A half-precision sum/prod accumulated in float32 (as PyTorch does), cast back."""
    return method(axis=dims, keepdims=keepdim, dtype="float32").astype(_HALF)


def _grad_to_input(g, node):
    """Broadcast a reduced gradient back to the input's shape (undoing keepdim=False)."""
    if not node.keepdim and node.dims:
        g = g.reshape(node.kept_shape)
    return g.expand(node.in_shape)


class SumBackward0(Node):
    def backward(self, g):
        if not _grad_state[0]:  # not recording: a filled array is cheaper than a view
            out = wrap(xp_of(g._data).full(self.in_shape, g._data, dtype=g._data.dtype), g)
            return (out,)
        return (g.expand(self.in_shape),)


class SumBackward1(Node):
    def backward(self, g):
        return (_grad_to_input(g, self),)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    if out is not None:
        return write_out(out, sum(input, dim, keepdim, dtype=dtype, axis=axis,
                                  keepdims=keepdims), "sum")
    data = input._data
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_kwargs("sum", dim, keepdim, axis, keepdims)
    if dim is None and data.dtype.kind == "f" and dtype is None and not keepdim:
        # the hot case (loss.sum()): nothing to normalise; half precision adds up in float32
        out = wrap(data.sum() if data.dtype != _HALF else _half_acc(data.sum, None), input)
        node = record(SumBackward0, out, (input,))
        if node is not None:
            node.in_shape = data.shape
        return out
    if dtype is not None:
        data = data.astype(to_dtype(dtype).np)
    elif data.dtype.kind in "bi" or data.dtype.kind == "u":
        data = data.astype(int64.np)  # PyTorch sums integers and bools in int64
    dims = reduce_dims(dim, data.ndim)
    out = wrap(_half_acc(data.sum, dims, keepdim) if data.dtype == _HALF else
               data.sum(axis=dims, keepdims=keepdim), input)
    if dim is None:
        node = record(SumBackward0, out, (input,))
        if node is not None:
            node.in_shape = data.shape
    else:
        node = record(SumBackward1, out, (input,))
        if node is not None:
            note_reduction(node, input, dims, keepdim)
    return out


class MeanBackward0(Node):
    def backward(self, g):
        return (g.expand(self.in_shape) / self.count,)


class MeanBackward1(Node):
    def backward(self, g):
        return (_grad_to_input(g, self) / self.count,)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None):
    if out is not None:
        return write_out(out, mean(input, dim, keepdim, dtype=dtype, axis=axis,
                                   keepdims=keepdims), "mean")
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_kwargs("mean", dim, keepdim, axis, keepdims)
    data = input._data
    if dtype is not None:
        data = data.astype(to_dtype(dtype).np)
    if data.dtype.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: "
                           f"{input.dtype.legacy if dtype is None else to_dtype(dtype).legacy}")
    dims = reduce_dims(dim, data.ndim)
    out = wrap(data.mean(axis=dims, keepdims=keepdim), input)
    count = 1
    for d in dims:
        count *= data.shape[d]
    node = record(MeanBackward0 if dim is None else MeanBackward1, out, (input,))
    if node is not None:
        note_reduction(node, input, dims, keepdim)
        node.count = count
    return out


# ---- shared helpers ------------------------------------------------------------------------

def _numpy_kwargs(name, dim, keepdim, axis, keepdims):
    """PyTorch also takes NumPy's names: axis= for dim=, keepdims= for keepdim=."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}() got both dim and its alias axis")
        dim = axis
    return dim, keepdim if keepdims is None else keepdims


def _numpy_names(fn):
    """Let ``fn`` take axis= and keepdims= as well (PyTorch's NumPy aliases), and out=."""
    def op(*args, **kwargs):
        if kwargs and "out" in kwargs:
            out = kwargs.pop("out")
            return write_out(out, op(*args, **kwargs), fn.__name__)
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            if "axis" in kwargs:
                if "dim" in kwargs:
                    raise TypeError(f"{fn.__name__}() got both dim and its alias axis")
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    op.__name__ = op.__qualname__ = fn.__name__
    op.__doc__, op.__wrapped__ = fn.__doc__, fn
    return op


class _Required:
    """Default of a ``dim`` PyTorch requires, so the message is PyTorch's, not Python's."""


_REQUIRED = _Required()


def _missing_dim(name):
    return TypeError(f'{name}() missing 1 required positional arguments: "dim"')


def _int_dim(name, dim, ndim, position=" (position 1)"):
    """A single dim, wrapped; PyTorch's TypeError for a tuple where only an int is allowed."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim'{position} must be int, not "
                        f"{type(dim).__name__}")
    return _wrap_dim(dim, ndim)


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


# Backward formulas below have two forms: plain arrays when the backward is not being
# recorded (the usual case: one result tensor, no per-op overhead), and engine ops under
# create_graph, so that higher derivatives flow.

def _float_data(data):
    """Half-precision work is done in float32 (as PyTorch accumulates it), then cast back."""
    return data.astype("float32") if data.dtype == float16.np else data


# ---- prod ----------------------------------------------------------------------------------

class ProdBackward0(Node):
    def backward(self, g):
        return (_prod_grad(self, g),)


class ProdBackward1(ProdBackward0):
    pass


def _prod_grad(node, g):
    x, out = node.saved_tensors
    xd = x._data
    zero = xd == 0
    if not zero.any() and not _grad_state[0]:
        return wrap(kept_data(g, node) * (kept_data(out, node) / xd), g)
    g = kept(g, node)
    if not zero.any():  # the common case: d(prod)/dx_i = prod / x_i
        out = recomputed(x, out, lambda x: prod(x, node.dim, keepdim=True)
                     if node.dim is not None else prod(x).reshape(node.kept_shape))
        return g * (kept(out, node) / x)
    # With zeros: a slice with one zero passes the product of the others to that zero, and
    # zero (written as that zero times the rest, so it still has a derivative) to the others;
    # a slice with two or more zeros passes nothing.
    zmask = const(zero.astype(xd.dtype), x)
    x_safe = x * (1 - zmask) + zmask  # zeros replaced by a constant 1
    p_nz = x_safe.prod(node.dim, keepdim=True) if node.dim is not None else \
        x_safe.prod().reshape(node.kept_shape)
    n_zero = zero.sum(axis=node.dims, keepdims=True)
    c0 = const((n_zero == 0).astype(xd.dtype), x)
    c1 = const((n_zero == 1).astype(xd.dtype), x)
    the_zero = (x * zmask).sum(node.dims, keepdim=True)
    return g * ((1 - zmask) * p_nz / x_safe * (c0 + c1 * the_zero) + zmask * c1 * p_nz)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    data = input._data
    if dtype is not None:
        data = data.astype(to_dtype(dtype).np)
    elif data.dtype.kind in "biu":
        data = data.astype(int64.np)  # PyTorch multiplies integers and bools in int64
    if dim is None:
        dims = tuple(range(data.ndim))
        out = wrap(_half_acc(data.prod, None) if data.dtype == _HALF else data.prod(), input)
        node = record(ProdBackward0, out, (input,))
    else:
        if isinstance(dim, (tuple, list)):
            raise TypeError("prod(): argument 'dim' must be int, not tuple (prod reduces over "
                            "one dim at a time)")
        d = _wrap_dim(dim, data.ndim)
        dims = (d,) if data.ndim else ()
        out = wrap(_half_acc(data.prod, dims, keepdim) if data.dtype == _HALF else
                   data.prod(axis=dims, keepdims=keepdim), input)
        node = record(ProdBackward1, out, (input,))
    if node is not None:
        note_reduction(node, input, dims, keepdim)
        node.dim = None if dim is None else dims[0] if dims else None
        node.save(input, out.detach())
    return out


# ---- var, std ------------------------------------------------------------------------------

def _correction(dim, unbiased, correction):
    """(dim, correction) from PyTorch's two signatures: (dim, unbiased, keepdim) and
    (dim, *, correction, keepdim); ``x.std(False)`` means unbiased=False."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError("std/var: got unbiased twice (positionally as dim and by keyword)")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError("std/var: pass either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _var_data(name, input, dim, unbiased, keepdim, correction):
    dim, c = _correction(dim, unbiased, correction)
    data = input._data
    if data.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = reduce_dims(dim, data.ndim)
    n = _count(data.shape, dims)
    if n - c <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    work = _float_data(data)
    dev = work - work.sum(axis=dims, keepdims=True) * (1 / n if n else math.nan)
    var_ = (dev * dev).sum(axis=dims, keepdims=keepdim) / builtins.max(n - c, 0)
    return dims, n, c, var_, data.dtype


def _set_var_node(node, input, dims, keepdim, n, c):
    note_reduction(node, input, dims, keepdim)
    node.n, node.c = n, c


class VarBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (_var_grad(self, g, x),)


class StdBackward0(Node):
    def backward(self, g):
        x, out = self.saved_tensors
        return (_std_grad(self, g, x, out),)


def _var_grad(node, g, x):
    denom = builtins.max(node.n - node.c, 0)
    scale = 2.0 / denom if denom else math.inf
    if not _grad_state[0]:
        xd = x._data
        centred = xd - xd.mean(axis=node.dims, keepdims=True)
        return wrap(kept_data(g, node) * (scale * centred), g)
    return kept(g, node) * scale * (x - x.mean(node.dims, keepdim=True))


def _std_grad(node, g, x, out):
    denom = builtins.max(node.n - node.c, 0)
    if not _grad_state[0] and denom:
        xd, od = x._data, kept_data(out, node)
        zero = od == 0
        scale = (~zero / ((od + zero) * denom)).astype(xd.dtype, copy=False)
        centred = xd - xd.mean(axis=node.dims, keepdims=True)
        return wrap(kept_data(g, node) * centred * scale, g)
    out = kept(recomputed(x, out, lambda x: std(x, node.dims, keepdim=True,
                                                   correction=node.c)), node)
    centred = x - x.mean(node.dims, keepdim=True)
    if not denom:  # std is inf or nan here, and so is its gradient (as in PyTorch)
        return kept(g, node) * centred * math.nan
    # PyTorch sends no gradient through a zero std (all values equal).
    zero = const((out._data == 0).astype(out._data.dtype), out)
    return kept(g, node) * centred * ((1 - zero) / ((out + zero) * denom))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dims, n, c, data, dt = _var_data("var", input, dim, unbiased, keepdim, correction)
    out = wrap(data.astype(dt, copy=False), input)
    node = record(VarBackward0, out, (input,), (input,))
    if node is not None:
        _set_var_node(node, input, dims, keepdim, n, c)
    return out


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dims, n, c, data, dt = _var_data("std", input, dim, unbiased, keepdim, correction)
    out = wrap(xp_of(data).sqrt(data).astype(dt, copy=False), input)
    node = record(StdBackward0, out, (input,))
    if node is not None:
        _set_var_node(node, input, dims, keepdim, n, c)
        node.save(input, out.detach())
    return out


# ---- max, min, amax, amin, argmax, argmin --------------------------------------------------

def _no_empty(name, data, dim=None):
    if dim is None:
        if data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
    elif data.ndim and data.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


def _ties(xd, ref):
    """Where x equals the reduced value (NaN counts as equal to a NaN result)."""
    xp = xp_of(xd)
    return (xd == ref) | (xp.isnan(xd) & xp.isnan(ref)) if xd.dtype.kind == "f" else xd == ref


class _EvenSplit(Node):
    """max()/min()/amax/amin: the gradient is shared evenly among the tied extremes."""
    nan_ties = True  # max()/min()/median() share among NaNs; amax/amin (in PyTorch) do not

    def backward(self, g):
        x, out = self.saved_tensors
        return (_even_split(self, g, x, out),)


def _even_split(node, g, x, out, nan_ties=None):
    ref = out._data.reshape(node.kept_shape)
    nan_ties = node.nan_ties if nan_ties is None else nan_ties
    mask = _ties(x._data, ref) if nan_ties else x._data == ref
    share = (mask / mask.sum(axis=node.dims, keepdims=True)).astype(x._data.dtype)
    if not _grad_state[0]:
        return wrap(kept_data(g, node) * share, g)
    return kept(g, node) * const(share, x)


class MaxBackward1(_EvenSplit):
    pass


class MinBackward1(_EvenSplit):
    pass


class AmaxBackward0(_EvenSplit):
    nan_ties = False  # a NaN maximum makes the whole slice's gradient NaN, as in PyTorch


class AminBackward0(_EvenSplit):
    nan_ties = False


class _ToIndex(Node):
    """max(dim)/min(dim): the gradient goes to the element the index points at."""

    def backward(self, g):
        if not self.in_shape:  # a 0-d input is its own maximum
            return (g,)
        shape = [1] * len(self.in_shape)
        shape[self.dim] = self.in_shape[self.dim]
        xp = xp_of(self.indices)
        onehot = (xp.arange(self.in_shape[self.dim]).reshape(shape) == self.indices).astype(
            g._data.dtype)
        if not _grad_state[0]:
            return (wrap(kept_data(g, self) * onehot, g),)
        return (kept(g, self) * const(onehot, g),)


class MaxBackward0(_ToIndex):
    pass


class MinBackward0(_ToIndex):
    pass


def _extreme(name, input, dim, keepdim, all_node, dim_node, pick, arg):
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        return getattr(input, "maximum" if name == "max" else "minimum")(dim)
    data = input._data
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim=True needs a dim to reduce over")
        _no_empty(name, data)
        out = wrap(pick(data), input)
        node = record(all_node, out, (input,))
        if node is not None:
            note_reduction(node, input, tuple(range(data.ndim)), False)
            node.save(input, out.detach())
        return out
    d = _int_dim(name, dim, data.ndim)
    _no_empty(name, data, d)
    flat = data.reshape(1) if data.ndim == 0 else data
    # Two reductions beat gathering the values at the indices (take_along_axis), and agree
    # with it: NaN wins both (argmax/argmin point at the first NaN).
    keep = keepdim and data.ndim > 0
    values = wrap(pick(flat, axis=d, keepdims=keep), input)
    out_idx = arg(flat, axis=d, keepdims=keep)
    node = record(dim_node, values, (input,))
    if node is not None:
        note_reduction(node, input, (d,) if data.ndim else (), keepdim)
        node.dim, node.indices = d, out_idx.reshape(node.kept_shape)
    return getattr(return_types, name)((values, wrap(out_idx.astype(int64.np), input)))


def max(input, dim=None, keepdim=False):
    xp = xp_of(input._data)
    return _extreme("max", input, dim, keepdim, MaxBackward1, MaxBackward0, xp.max, xp.argmax)


def min(input, dim=None, keepdim=False):
    xp = xp_of(input._data)
    return _extreme("min", input, dim, keepdim, MinBackward1, MinBackward0, xp.min, xp.argmin)


def _aextreme(name, node_cls, input, dim, keepdim):
    data = input._data
    dims = reduce_dims(None if dim in ((), []) else dim, data.ndim)
    if dim in ((), []) or dim is None:
        _no_empty(name, data)
    given = dim if isinstance(dim, (tuple, list)) else (dim,)
    for d, as_given in zip(dims, given):  # PyTorch names the dim as it was given here
        if data.ndim and data.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {as_given} to have non-zero "
                             "size.")
    xp = xp_of(data)
    fn = xp.max if name == "amax" else xp.min
    out = wrap(fn(data, axis=dims, keepdims=keepdim), input)
    node = record(node_cls, out, (input,))
    if node is not None:
        note_reduction(node, input, dims, keepdim)
        node.save(input, out.detach())
    return out


def amax(input, dim=(), keepdim=False):
    return _aextreme("amax", AmaxBackward0, input, dim, keepdim)


def amin(input, dim=(), keepdim=False):
    return _aextreme("amin", AminBackward0, input, dim, keepdim)


def _arg_extreme(name, input, dim, keepdim):
    data = input._data
    if data.dtype == bool_.np:
        raise RuntimeError(f"{name}(): does not support bool input")
    xp = xp_of(data)
    fn = xp.argmax if name == "argmax" else xp.argmin
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        idx = fn(data.reshape(-1))
        if keepdim:
            idx = xp.asarray(idx).reshape((1,) * data.ndim)
        return wrap(xp.asarray(idx, dtype=int64.np), input)
    d = _int_dim(name, dim, data.ndim)
    _no_empty(name, data, d)
    if data.ndim == 0:
        return wrap(xp.zeros((), dtype=int64.np), input)
    return wrap(fn(data, axis=d, keepdims=keepdim).astype(int64.np, copy=False), input)


def argmax(input, dim=None, keepdim=False):
    return _arg_extreme("argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _arg_extreme("argmin", input, dim, keepdim)


# ---- all, any, count_nonzero (never differentiable) ----------------------------------------

def _logical(fn, input, dim, keepdim):
    data = input._data
    dims = () if dim == () or dim == [] else reduce_dims(dim, data.ndim)  # () reduces nothing here
    result = fn(data, axis=dims, keepdims=keepdim)
    if data.dtype == uint8.np:  # PyTorch keeps uint8 for uint8 input
        result = xp_of(data).asarray(result).astype(uint8.np)
    return wrap(result, input)


def all(input, dim=None, keepdim=False):
    return _logical(xp_of(input._data).all, input, dim, keepdim)


def any(input, dim=None, keepdim=False):
    return _logical(xp_of(input._data).any, input, dim, keepdim)


def count_nonzero(input, dim=None):
    data = input._data
    nz = xp_of(data).count_nonzero(data, axis=reduce_dims(dim, data.ndim))
    return wrap(xp_of(data).asarray(nz, dtype=int64.np), input)


# ---- cumsum, cumprod -----------------------------------------------------------------------

class CumsumBackward0(Node):
    def backward(self, g):
        # Each input feeds every later output: the gradient is a reversed cumulative sum.
        d = self.dim
        if d is None:
            return (g,)
        if not _grad_state[0]:
            xp = xp_of(g._data)
            return (wrap(xp.flip(xp.flip(g._data, d).cumsum(axis=d), d), g),)
        return (g.flip(d).cumsum(d).flip(d),)


class CumprodBackward0(Node):
    def backward(self, g):
        x, out = self.saved_tensors
        d = self.dim
        if d is None:
            return (g,)
        if not (x._data == 0).any():
            out = recomputed(x, out, lambda x: cumprod(x, d))
            return ((g * out).flip(d).cumsum(d).flip(d) / x,)
        return (_cumprod_grad_with_zeros(g, x, d),)


def _cumprod_grad_with_zeros(g, x, d):
    """Exact gradient when x holds zeros (prod/x is undefined there): for each position i,
    the cumulative products with x_i set to 1, summed over the outputs at or after i."""
    xp = xp_of(x._data)
    n = x._data.shape[d]
    shape = [1] * x._data.ndim
    shape[d] = n
    pos = xp.arange(n).reshape(shape)
    grad = None
    for i in range(n):
        at_i = const((pos == i).astype(x._data.dtype), x)
        after_i = const((pos >= i).astype(x._data.dtype), x)
        partial = (x * (1 - at_i) + at_i).cumprod(d)
        term = (g * partial * after_i).sum(d, keepdim=True) * at_i
        grad = term if grad is None else grad + term
    return grad


def _cumulative(name, fn, node_cls, input, dim, dtype):
    if dim is _REQUIRED:
        raise _missing_dim(name)
    data = input._data
    d = _int_dim(name, dim, data.ndim)
    if dtype is not None:
        data = data.astype(to_dtype(dtype).np)
    elif data.dtype.kind in "biu":
        data = data.astype(int64.np)
    if not data.ndim:
        result = data.copy()
    elif data.dtype == _HALF:  # accumulate in float32, as PyTorch does for half
        result = fn(data, axis=d, dtype="float32").astype(_HALF)
    else:
        result = fn(data, axis=d)
    out = wrap(result, input)
    node = record(node_cls, out, (input,))
    if node is not None:
        node.dim = d if data.ndim else None
        if node_cls is CumprodBackward0:
            node.save(input, out.detach())
    return out


def cumsum(input, dim=_REQUIRED, *, dtype=None):
    return _cumulative("cumsum", xp_of(input._data).cumsum, CumsumBackward0, input, dim, dtype)


def cumprod(input, dim=_REQUIRED, *, dtype=None):
    return _cumulative("cumprod", xp_of(input._data).cumprod, CumprodBackward0, input, dim,
                       dtype)


# ---- logsumexp -----------------------------------------------------------------------------

class LogsumexpBackward0(Node):
    def backward(self, g):
        x, out = self.saved_tensors
        if not _grad_state[0]:
            xd = x._data
            return (wrap(kept_data(g, self) * xp_of(xd).exp(xd - kept_data(out, self)), g),)
        out = recomputed(x, out, lambda x: logsumexp(x, self.dims, keepdim=True))
        return (kept(g, self) * (x - kept(out, self)).exp(),)


def _logsumexp_data(data, dims, keepdim):
    """log(sum(exp(x))) with the maximum taken out first, so exp cannot overflow."""
    xp = xp_of(data)
    if data.size:
        m = data.max(axis=dims, keepdims=True)
        m = xp.where(xp.isinf(m), 0, m)  # all -inf (or an inf) slices: nothing to subtract
    else:
        m = xp.zeros(kept_shape(data.shape, dims), dtype=data.dtype)
    out = xp.log(xp.exp(data - m).sum(axis=dims, keepdims=True)) + m
    return out if keepdim else out.squeeze(dims)


def logsumexp(input, dim=_REQUIRED, keepdim=False):
    if dim is _REQUIRED:
        raise _missing_dim("logsumexp")
    data = input._data
    dims = reduce_dims(dim, data.ndim)
    work = _float_data(to_float(data))
    out = wrap(_logsumexp_data(work, dims, keepdim).astype(to_float(data).dtype, copy=False),
               input)
    node = record(LogsumexpBackward0, out, (input,))
    if node is not None:
        note_reduction(node, input, dims, keepdim)
        node.save(input, out.detach())
    return out


# ---- softmax, log_softmax ------------------------------------------------------------------

class SoftmaxBackward0(Node):
    def backward(self, g):
        (y,) = self.saved_tensors
        d = self.dim
        if not _grad_state[0]:
            gd, yd = g._data, y._data
            out = gd * yd  # worked in place: large softmaxes are bound by memory traffic
            xp_of(gd).subtract(gd, row_sums(out, d), out=out)
            out *= yd
            return (wrap(out, g),)
        y = recomputed(self.input, y, lambda x: softmax(x, d))
        return (y * (g - (g * y).sum(d, keepdim=True)),)


class LogSoftmaxBackward0(Node):
    def backward(self, g):
        (y,) = self.saved_tensors
        d = self.dim
        if not _grad_state[0]:
            gd, yd = g._data, y._data
            xp = xp_of(gd)
            out = xp.exp(yd)
            out *= row_sums(gd, d)
            xp.subtract(gd, out, out=out)
            return (wrap(out, g),)
        y = recomputed(self.input, y, lambda x: log_softmax(x, d))
        return (g - y.exp() * g.sum(d, keepdim=True),)


def _softmax_input(name, input, dim, dtype):
    if dim is _REQUIRED or dim is None:
        raise _missing_dim(name)
    if dtype is not None:
        input = input.to(dtype=to_dtype(dtype))
    data = input._data
    d = _int_dim(name, dim, data.ndim)
    if data.dtype.kind not in "f" and data.size:
        kernel = "lastdim_kernel_impl" if d == data.ndim - 1 or data.ndim == 0 else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for '
                                  f"'{input.dtype.legacy}'")
    return input, d, _float_data(data.reshape(1) if data.ndim == 0 else data)


def _finish_softmax(node_cls, input, d, result):
    out = wrap(result.reshape(input._data.shape).astype(input._data.dtype, copy=False), input)
    node = record(node_cls, out, (input,))
    if node is not None:
        # Like PyTorch, only the result is saved (and version-checked): the input may be
        # changed in place afterwards. It is kept, unchecked, to recompute the result when
        # the backward is recorded (create_graph).
        node.dim, node.input = d, input
        alias = out.detach()
        alias._output_of = node_cls.__name__  # names it in version errors
        node.save(alias)
    return out


def softmax(input, dim=_REQUIRED, dtype=None):
    input, d, work = _softmax_input("softmax", input, dim, dtype)
    if not work.size:  # nothing to normalise (PyTorch allows any dtype here)
        return _finish_softmax(SoftmaxBackward0, input, d, work.copy())
    e = work - work.max(axis=d, keepdims=True)
    xp_of(work).exp(e, out=e)
    e /= row_sums(e, d)
    return _finish_softmax(SoftmaxBackward0, input, d, e)


def log_softmax(input, dim=_REQUIRED, dtype=None):
    input, d, work = _softmax_input("log_softmax", input, dim, dtype)
    if not work.size:
        return _finish_softmax(LogSoftmaxBackward0, input, d, work.copy())
    xp = xp_of(work)
    shifted = work - work.max(axis=d, keepdims=True)
    shifted -= xp.log(row_sums(xp.exp(shifted), d))
    return _finish_softmax(LogSoftmaxBackward0, input, d, shifted)


# ---- std_mean, var_mean --------------------------------------------------------------------

class VarMeanBackward0(Node):
    def backward(self, g_var, g_mean):
        (x,) = self.saved_tensors
        grad = _var_grad(self, g_var, x) if g_var is not None else None
        return (_add_mean_grad(self, grad, g_mean),)


class StdMeanBackward0(Node):
    def backward(self, g_std, g_mean):
        x, out = self.saved_tensors
        grad = _std_grad(self, g_std, x, out) if g_std is not None else None
        return (_add_mean_grad(self, grad, g_mean),)


def _add_mean_grad(node, grad, g_mean):
    if g_mean is None:
        return grad
    part = kept(g_mean, node).expand(node.in_shape) / (node.n or math.nan)
    return part if grad is None else grad + part


def _stat_mean(name, node_cls, input, dim, unbiased, keepdim, correction):
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    dims, n, c, var_, dt = _var_data(name.split("_")[0], input, dim, unbiased, keepdim,
                                     correction)
    data = input._data
    mean_ = wrap(data.mean(axis=dims, keepdims=keepdim).astype(dt, copy=False), input)
    stat = xp_of(var_).sqrt(var_) if name == "std_mean" else var_
    stat = wrap(stat.astype(dt, copy=False), input)
    node = record(node_cls, (stat, mean_), (input,))
    if node is not None:
        _set_var_node(node, input, dims, keepdim, n, c)
        node.save(input, stat.detach()) if name == "std_mean" else node.save(input)
    return stat, mean_


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _stat_mean("std_mean", StdMeanBackward0, input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _stat_mean("var_mean", VarMeanBackward0, input, dim, unbiased, keepdim, correction)


# ---- aminmax -------------------------------------------------------------------------------

class AminmaxBackward0(Node):
    def backward(self, g_min, g_max):
        x, lo, hi = self.saved_tensors
        grad = None
        for g, ref in ((g_min, lo), (g_max, hi)):
            if g is not None:
                part = _even_split(self, g, x, ref, nan_ties=False)
                grad = part if grad is None else grad + part
        return (grad,)


def aminmax(input, *, dim=None, keepdim=False):
    data = input._data
    if dim is None:
        if data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = tuple(range(data.ndim))
    else:
        d = _int_dim("aminmax", dim, data.ndim, position="")  # dim is keyword-only
        if data.ndim and data.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
        dims = (d,) if data.ndim else ()
    lo = wrap(data.min(axis=dims, keepdims=keepdim), input)
    hi = wrap(data.max(axis=dims, keepdims=keepdim), input)
    node = record(AminmaxBackward0, (lo, hi), (input,))
    if node is not None:
        note_reduction(node, input, dims, keepdim)
        node.save(input, lo.detach(), hi.detach())
    return return_types.aminmax((lo, hi))


# ---- median, nanmedian ---------------------------------------------------------------------

class MedianBackward0(_EvenSplit):
    pass


class NanmedianBackward0(_EvenSplit):
    pass


class MedianBackward1(_ToIndex):
    pass


class NanmedianBackward1(_ToIndex):
    pass


def _median_index(data, d, ignore_nan):
    """Index (keepdims) of the lower median along d: the element at position (n-1)//2 of a
    stable sort, as PyTorch picks it; NaN wins unless ignored (then it is left out)."""
    xp = xp_of(data)
    order = xp.argsort(data, axis=d, kind="stable")  # NaN sorts last
    nan = xp.isnan(data) if data.dtype.kind == "f" else None
    if ignore_nan and nan is not None:
        count = data.shape[d] - nan.sum(axis=d, keepdims=True)
        k = xp.maximum((count - 1) // 2, 0)
    else:
        k = xp.full(kept_shape(data.shape, (d,)), (data.shape[d] - 1) // 2)
    idx = xp.take_along_axis(order, k, axis=d)
    if nan is not None and not ignore_nan:
        has_nan = nan.any(axis=d, keepdims=True)
        idx = xp.where(has_nan, nan.argmax(axis=d, keepdims=True), idx)
    return idx


def _median(name, all_node, dim_node, input, dim, keepdim, ignore_nan):
    data = input._data
    if dim is not None:
        _no_empty(name, data, _int_dim(name, dim, data.ndim))
    if data.dtype.kind == "b" and (data.size or dim is not None):
        kernel = "cpu" if dim is None else "out"
        raise NotImplementedError(f"\"{name}_{kernel}\" not implemented for 'Bool'")
    xp = xp_of(data)
    if dim is None:
        flat = data.reshape(-1)
        if flat.size == 0:  # NaN, or NaN cast as PyTorch does (ints: the minimum; bool: True)
            fill = xp.nan if data.dtype.kind == "f" else True if data.dtype.kind == "b" else \
                np.iinfo(data.dtype).min
            value = xp.asarray(fill, dtype=data.dtype)
        else:
            value = xp.take(flat, _median_index(flat, 0, ignore_nan)).reshape(())
        out = wrap(value, input)
        node = record(all_node, out, (input,))
        if node is not None:
            note_reduction(node, input, tuple(range(data.ndim)), False)
            node.save(input, out.detach())
        return out
    d = _int_dim(name, dim, data.ndim)
    _no_empty(name, data, d)
    flat = data.reshape(1) if data.ndim == 0 else data
    idx = _median_index(flat, d, ignore_nan)
    values = xp.take_along_axis(flat, idx, axis=d)
    out_idx = idx
    if not keepdim or data.ndim == 0:
        values, out_idx = values.squeeze(d), idx.squeeze(d)
    values = wrap(values, input)
    node = record(dim_node, values, (input,))
    if node is not None:
        note_reduction(node, input, (d,) if data.ndim else (), keepdim)
        node.dim, node.indices = d, idx.reshape(node.kept_shape)
    return getattr(return_types, name)((values, wrap(out_idx.astype(int64.np), input)))


def median(input, dim=None, keepdim=False):
    return _median("median", MedianBackward0, MedianBackward1, input, dim, keepdim, False)


def nanmedian(input, dim=None, keepdim=False):
    return _median("nanmedian", NanmedianBackward0, NanmedianBackward1, input, dim, keepdim,
                   True)


# ---- nansum, nanmean -----------------------------------------------------------------------

class NansumBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        keep = ~xp_of(x._data).isnan(x._data)
        if not _grad_state[0]:
            return (wrap(kept_data(g, self) * keep.astype(g._data.dtype), g),)
        return (kept(g, self) * const(keep.astype(x._data.dtype), x),)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    data = input._data
    if dtype is not None:
        data = data.astype(to_dtype(dtype).np)
    elif data.dtype.kind in "biu":
        data = data.astype(int64.np)
    dims = reduce_dims(dim, data.ndim)
    acc = "float32" if data.dtype == _HALF else None  # half adds up in float32
    out = wrap(xp_of(data).nansum(data, axis=dims, keepdims=keepdim, dtype=acc)
               .astype(data.dtype), input)
    node = record(NansumBackward0, out, (input,), (input,))
    if node is not None:
        note_reduction(node, input, dims, keepdim)
    return out


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """nansum / the count of non-NaN elements (so its grad_fn is DivBackward0, as in PyTorch)."""
    if dtype is None and input._data.dtype.kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {input.dtype.legacy}")
    data = input._data
    dims = reduce_dims(dim, data.ndim)
    count = (~xp_of(data).isnan(data)).sum(axis=dims, keepdims=keepdim)
    total = nansum(input, dim, keepdim, dtype=dtype)
    return total / const(count.astype(total._data.dtype), total)


# ---- cummax, cummin ------------------------------------------------------------------------

class CummaxBackward0(Node):
    def backward(self, g):
        if self.dim is None:
            return (g,)
        zeros = const(xp_of(g._data).zeros(self.in_shape, dtype=g._data.dtype), g)
        return (zeros.scatter_add(self.dim, const(self.indices, g), g),)


class CumminBackward0(CummaxBackward0):
    pass


def _cumextreme(name, node_cls, input, dim):
    data = input._data
    d = _int_dim(name, dim, data.ndim)
    xp = xp_of(data)
    if data.ndim == 0:
        values, idx = data.copy(), xp.zeros((), dtype=int64.np)
    else:
        ufunc = "maximum" if name == "cummax" else "minimum"
        values = ufunc_method(ufunc, "accumulate", data, axis=d)
        # The running index moves to every element that ties or beats the running extreme
        # (PyTorch's x >= max, so the latest tie wins), and to every NaN.
        hit = data == values
        if data.dtype.kind == "f":
            hit |= xp.isnan(data)
        shape = [1] * data.ndim
        shape[d] = data.shape[d]
        pos = xp.arange(data.shape[d], dtype=int64.np).reshape(shape)
        idx = ufunc_method("maximum", "accumulate", xp.where(hit, pos, 0), axis=d)
    out = wrap(values, input)
    node = record(node_cls, out, (input,))
    if node is not None:
        node.dim = d if data.ndim else None
        node.in_shape, node.indices = data.shape, idx
    return getattr(return_types, name)((out, wrap(idx, input)))


def cummax(input, dim):
    return _cumextreme("cummax", CummaxBackward0, input, dim)


def cummin(input, dim):
    return _cumextreme("cummin", CumminBackward0, input, dim)


for _name in ("prod", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "all",
              "any", "count_nonzero", "cumsum", "cumprod", "logsumexp", "softmax",
              "log_softmax", "std_mean", "var_mean", "median", "nanmedian", "nansum", "nanmean"):
    globals()[_name] = _numpy_names(globals()[_name])

__all__ = ["sum", "mean", "prod", "var", "std", "max", "min", "amax", "amin", "argmax",
           "argmin", "all", "any", "count_nonzero", "cumsum", "cumprod", "logsumexp",
           "softmax", "log_softmax", "std_mean", "var_mean", "aminmax",
           "median", "nanmedian", "nansum", "nanmean", "cummax", "cummin"]
NOT_METHODS = {"std_mean", "var_mean"}
