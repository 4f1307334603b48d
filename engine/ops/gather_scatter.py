"""Reading and writing at integer positions along a dim: index_select and the index_add /
index_fill / index_copy family, gather, scatter, scatter_add, scatter_reduce, take and
take_along_dim.

Every backward is written with these same ops (gather's gradient is a scatter_add, whose
gradient is a gather, ...), so second derivatives flow through them.
"""
import numpy as np

from .._backend import ufunc_at, xp_of
from ._base import (Node, Tensor, _grad_state, _wrap_dim, broadcast_shape, record, wrap,
                    write_out, zeros)
from .index import getitem, index_put
from .masked import where

_INDEX_KINDS = "iu"


def _dim_prefix(d):
    return (slice(None),) * d


def _check_index_dtype(index, message):
    if not isinstance(index, Tensor):
        raise TypeError(f"index must be a Tensor, not {type(index).__name__}")
    if index._data.dtype.kind not in _INDEX_KINDS or index._data.dtype.itemsize < 4:
        raise RuntimeError(message)


# ---- index_select / index_add / index_fill / index_copy ------------------------------------

def _vector_index(input, dim, index, fn_name):
    """(dim, 1-D int64 index array) for the index_* family, with PyTorch's checks."""
    _check_index_dtype(index, f"{fn_name}(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise IndexError(f"{fn_name}(): Index is supposed to be a vector")
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    idx = index._data.reshape(-1).astype(np.int64, copy=False)
    n = input._data.shape[d] if nd else 1
    if _out_of_range(idx, n):
        if int(idx.min()) < 0:
            raise IndexError("index out of range in self")
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(idx.max())} "
                           f"axis_dim={n}")
    return d, idx


def _out_of_range(idx, n):
    """Whether any int64 index lies outside [0, n): one reduction, since negative values
    read as unsigned are larger than any size."""
    return idx.size != 0 and bool(idx.view(np.uint64).max() >= n)


class IndexSelectBackward0(Node):
    def backward(self, g):
        if not _grad_state[0]:
            gd = g._data
            xp = xp_of(gd)
            out = xp.zeros(self.in_shape, dtype=gd.dtype)
            target = out if out.ndim else out.reshape(1)
            xp.add.at(target, _dim_prefix(self.dim) + (self.idx,), gd.reshape(
                target.shape[:self.dim] + (-1,) + target.shape[self.dim + 1:]))
            return (wrap(out, g),)
        return (index_add(zeros(self.in_shape, g), self.dim, self.index, g),)


def index_select(input, dim, index, *, out=None):
    d, idx = _vector_index(input, dim, index, "index_select")
    data = input._data
    # Plain fancy indexing: np.take's Python wrapper costs more than the copy itself.
    result = wrap(data[(slice(None),) * d + (idx,)] if data.ndim else
                  data.reshape(1)[idx].reshape(()), input)
    node = record(IndexSelectBackward0, result, (input,))
    if node is not None:
        node.in_shape, node.dim, node.index, node.idx = data.shape, d, index, idx
    return write_out(out, result)


class IndexAddBackward0(Node):
    def backward(self, g):
        gs = None
        if self.needs_input_grad[1]:
            gs = index_select(g, self.dim, self.index)
            if self.alpha != 1:
                gs = gs * self.alpha
        return g, gs


def index_add(input, dim, index, source, *, alpha=1):
    d, idx = _vector_index(input, dim, index, "index_add_")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype.legacy}) and source "
                           f"({source.dtype.legacy}) must have the same scalar type")
    src_shape = source._data.shape
    n_src = src_shape[d] if source._data.ndim else 1
    if idx.size != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({n_src}), for dim: {d}")
    data = input._data.copy()
    src = source._data.astype(data.dtype, copy=False)
    if alpha != 1:
        src = src * alpha
    xp_of(data).add.at(data, _dim_prefix(d) + (idx,), src)
    out = wrap(data, input)
    node = record(IndexAddBackward0, out, (input, source))
    if node is not None:
        node.dim, node.index, node.alpha = d, index, alpha
    return out


class IndexFillBackward0(Node):
    def backward(self, g):
        return (index_fill(g, self.dim, self.index, 0),)


class IndexFillBackward1(Node):
    def backward(self, g):
        gv = None
        if self.needs_input_grad[1]:
            gv = index_select(g, self.dim, self.index).sum()
        return index_fill(g, self.dim, self.index, 0), gv


def index_fill(input, dim, index, value):
    _check_index_dtype(index, "index_fill_(): Expected dtype int64 for index.")
    d = _wrap_dim(dim, input._data.ndim)
    idx = index._data.reshape(-1).astype(np.int64, copy=False)
    n = input._data.shape[d] if input._data.ndim else 1
    for i in idx.tolist():
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of bounds for dimension {d} with size {n}")
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    data = input._data.copy()
    fill = value._data if isinstance(value, Tensor) else value
    data[_dim_prefix(d) + (idx,)] = fill
    out = wrap(data, input)
    if isinstance(value, Tensor):
        node = record(IndexFillBackward1, out, (input, value))
    else:
        node = record(IndexFillBackward0, out, (input,))
    if node is not None:
        node.dim, node.index = d, index
    return out


class IndexCopyBackward0(Node):
    def backward(self, g):
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = index_fill(g, self.dim, self.index, 0)
        if self.needs_input_grad[1]:
            gs = index_select(g, self.dim, self.index)
        return gx, gs


def index_copy(input, dim, index, source):
    d, idx = _vector_index(input, dim, index, "index_copy_")
    if source.dtype is not input.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {input.dtype.legacy} and (source) "
                           f"{source.dtype.legacy}")
    n_src = source._data.shape[d] if source._data.ndim else 1
    if idx.size != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({n_src})")
    data = input._data.copy()
    data[_dim_prefix(d) + (idx,)] = source._data
    out = wrap(data, input)
    node = record(IndexCopyBackward0, out, (input, source))
    if node is not None:
        node.dim, node.index = d, index
    return out


# ---- gather / scatter ----------------------------------------------------------------------

def _gather_checks(input, dim, index, fn_name, src=None):
    """(dim, full index tuple) addressing input at ``index`` along dim, PyTorch's checks."""
    _check_index_dtype(index, f"{fn_name}(): Expected dtype int64 for index")
    data, idx = input._data, index._data
    nd = data.ndim
    d = _wrap_dim(dim, nd)
    if idx.ndim != max(nd, 1) and not (nd == 0 and idx.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if fn_name == 'gather' else 'self'} tensor")
    shape = data.shape if nd else (1,)
    for k in range(idx.ndim):
        too_big_self = k != d and idx.shape[k] > shape[k]
        too_big_src = src is not None and src._data.ndim and idx.shape[k] > src._data.shape[k]
        if too_big_self or too_big_src:
            if src is None:
                raise RuntimeError(f"Size does not match at dimension {k} expected index "
                                   f"{list(idx.shape)} to be no larger than self "
                                   f"{list(data.shape)} apart from dimension {d}")
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(data.shape)} apart from dimension {d} and to be no "
                               f"larger size than src {list(src._data.shape)}")
    idx = idx.astype(np.int64, copy=False)
    if _out_of_range(idx, shape[d]):
        lo = int(idx.min())
        bad = lo if lo < 0 else int(idx.max())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size "
                           f"{shape[d]}")
    if not nd:
        return d, (idx.reshape(-1),)
    xp = xp_of(data)
    # An open grid (like np.indices(sparse=True), which CuPy lacks) with dim d replaced.
    n = idx.ndim
    grid = [idx if k == d else xp.arange(size).reshape((1,) * k + (size,) + (1,) * (n - k - 1))
            for k, size in enumerate(idx.shape)]
    return d, tuple(grid)


def _src_block(src, index_shape):
    """The leading corner of src that matches the index's shape (scatter uses only that)."""
    data = src._data
    if data.shape == index_shape:
        return data
    return data[tuple(slice(0, n) for n in index_shape)]


class GatherBackward0(Node):
    def backward(self, g):
        if not _grad_state[0]:  # the checks ran in the forward: add straight into zeros
            gd = g._data
            xp = xp_of(gd)
            out = xp.zeros(self.in_shape, dtype=gd.dtype)
            xp.add.at(out if out.ndim else out.reshape(1), self.where, gd)
            return (wrap(out, g),)
        return (scatter_add(zeros(self.in_shape, g), self.dim, self.index, g),)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    d, where_ = _gather_checks(input, dim, index, "gather")
    data = input._data
    result = wrap(data[where_] if data.ndim else data.reshape(1)[where_].reshape(
        index._data.shape), input)
    node = record(GatherBackward0, result, (input,))
    if node is not None:
        node.in_shape, node.dim, node.index, node.where = data.shape, d, index, where_
    return write_out(out, result)


def _pad_grad(g, shape):
    """g placed in the leading corner of zeros(shape) (the src entries scatter did not read)."""
    if g._data.shape == tuple(shape):
        return g
    return index_put(zeros(shape, g), tuple(slice(0, n) for n in g._data.shape), g)


class ScatterBackward0(Node):      # src is a tensor
    def backward(self, g):
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = scatter(g, self.dim, self.index, 0)
        if self.needs_input_grad[1]:
            gs = _pad_grad(gather(g, self.dim, self.index), self.src_shape)
        return gx, gs


class ScatterBackward1(Node):      # src is a scalar value
    def backward(self, g):
        return (scatter(g, self.dim, self.index, 0),)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    is_tensor = isinstance(src, Tensor)
    d, where_ = _gather_checks(input, dim, index, "scatter", src if is_tensor else None)
    if is_tensor:
        _same_dtype_as_src(input, src)
    data = input._data.copy()
    target = data if data.ndim else data.reshape(1)
    vals = _src_block(src, index._data.shape).astype(data.dtype, copy=False) if is_tensor \
        else src
    xp = xp_of(data)
    if reduce is None:
        target[where_] = vals
    elif reduce == "add":
        xp.add.at(target, where_, vals)
    elif reduce == "multiply":
        ufunc_at("multiply", target, where_, vals)
    else:
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    out = wrap(data, input)
    if reduce is not None:
        if _grad_state[0] and (input._rg or (is_tensor and src._rg)):
            raise RuntimeError("the derivative for 'scatter' with a reduce argument is not "
                               "implemented; use scatter_add or scatter_reduce")
        return out
    if is_tensor:
        node = record(ScatterBackward0, out, (input, src))
        if node is not None:
            node.src_shape = src._data.shape
    else:
        node = record(ScatterBackward1, out, (input,))
    if node is not None:
        node.dim, node.index = d, index
    return out


def _same_dtype_as_src(input, src):
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")


class ScatterAddBackward0(Node):
    def backward(self, g):
        gs = None
        if self.needs_input_grad[1]:
            gs = _pad_grad(gather(g, self.dim, self.index), self.src_shape)
        return g, gs


def scatter_add(input, dim, index, src):
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not "
                        f"{type(src).__name__}")
    d, where_ = _gather_checks(input, dim, index, "scatter_add", src)
    _same_dtype_as_src(input, src)
    data = input._data.copy()
    target = data if data.ndim else data.reshape(1)
    xp_of(data).add.at(target, where_,
                       _src_block(src, index._data.shape).astype(data.dtype, copy=False))
    out = wrap(data, input)
    node = record(ScatterAddBackward0, out, (input, src))
    if node is not None:
        node.dim, node.index, node.src_shape = d, index, src._data.shape
    return out


_REDUCE_UFUNC = {"sum": "add", "prod": "multiply", "mean": "add", "amax": "maximum",
                 "amin": "minimum"}


def _reduce_identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else (np.iinfo(dtype).max if dtype.kind != "b" else True)
    small = -np.inf if dtype.kind == "f" else (np.iinfo(dtype).min if dtype.kind != "b" else
                                               False)
    return small if reduce == "amax" else big


class ScatterReduceBackward0(Node):
    def backward(self, g):
        x, src, result = self.saved_tensors
        d, index, reduce, inc = self.dim, self.index, self.reduce, self.include_self
        hit = self.hit  # the positions some src element was reduced into
        xp = xp_of(g._data)
        gd = g._data.dtype
        if reduce == "prod" and _grad_state[0]:
            # recompute the product with the graph on, so second derivatives flow
            result = scatter_reduce(x, d, index, src, "prod", include_self=inc)
        if reduce in ("sum", "mean"):
            per = self.count if reduce == "mean" else xp.ones(hit.shape, dtype=gd)
            w_self = xp.where(hit, (1.0 / per) if inc else 0.0, 1.0).astype(gd)
            gx = g * wrap(w_self.reshape(x._data.shape), g)
            gs = gather(g * wrap((1.0 / per).astype(gd).reshape(g._data.shape), g), d, index)
        elif reduce in ("amax", "amin"):
            n_eq = self.n_equal
            x_eq = x._data == result._data
            w_self = xp.where(hit, (x_eq & inc) / n_eq, 1.0).astype(gd)
            gx = g * wrap(w_self.reshape(x._data.shape), g)
            src_eq = _src_block(src, index._data.shape) == gather(result.detach(), d, index)._data
            gs = gather(g * wrap((1.0 / n_eq).astype(gd).reshape(g._data.shape), g), d, index)
            gs = gs * wrap(src_eq.astype(gd), g)
        else:  # prod: d result / d v = result / v (contributors are checked nonzero)
            gr = g * result
            hit_t = wrap(hit.reshape(x._data.shape), g)
            if inc:  # hit places: result / x; untouched places pass g through
                gx = where(hit_t, gr / where(hit_t, x, 1.0), g)
            else:
                gx = where(hit_t, 0.0, g)
            gs = gather(gr, d, index) / _block_tensor(src, index._data.shape)
        return gx, _pad_grad(gs, src._data.shape)


def _block_tensor(src, shape):
    if tuple(src._data.shape) == tuple(shape):
        return src
    return getitem(src, tuple(slice(0, n) for n in shape))


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src into input at index along dim: "sum", "prod", "mean", "amax" or "amin"."""
    ufunc = _REDUCE_UFUNC.get(reduce)
    if ufunc is None:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d, where_ = _gather_checks(input, dim, index, "scatter_reduce", src)
    _same_dtype_as_src(input, src)
    data = input._data
    xp = xp_of(data)
    out = data.copy()
    target = out if out.ndim else out.reshape(1)
    vals = _src_block(src, index._data.shape)
    hit = xp.zeros(target.shape, dtype=bool)
    hit[where_] = True
    if not include_self:
        target[hit] = _reduce_identity(reduce, data.dtype)
    ufunc_at(ufunc, target, where_, vals)
    count = None
    if reduce == "mean":
        count = xp.zeros(target.shape, dtype=np.int64)
        xp.add.at(count, where_, 1)
        count = xp.maximum(count + (1 if include_self else 0), 1)
        target[...] = target / count if data.dtype.kind == "f" else target // count
    result = wrap(out, input)
    node = record(ScatterReduceBackward0, result, (input, src))
    if node is not None:
        if reduce == "prod":
            zero = bool((vals == 0).any())
            if include_self:
                zero = zero or bool((hit & (data.reshape(target.shape) == 0)).any())
            if zero:
                raise RuntimeError("scatter_reduce(reduce='prod') cannot be differentiated by "
                                   "this engine when a reduced value is zero")
        node.save(input, src, result.detach())
        node.dim, node.index, node.reduce, node.include_self = d, index, reduce, include_self
        node.hit, node.count = hit, count
        if reduce in ("amax", "amin"):
            n_eq = xp.zeros(target.shape, dtype=np.int64)
            xp.add.at(n_eq, where_, vals == target[where_])
            # torch 2.13 counts a tie with self even when include_self=False (self then gets
            # no gradient, but the tied src elements still get a share of it)
            n_eq += hit & (data.reshape(target.shape) == target)
            node.n_equal = xp.maximum(n_eq, 1)
    return result


# ---- take / take_along_dim ----------------------------------------------------------------

class TakeBackward0(Node):
    def backward(self, g):
        flat = zeros((self.numel,), g)
        flat = index_add(flat, 0, self.index.reshape(-1), g.reshape(-1))
        return (flat.reshape(self.in_shape),)


def take(input, index, *, out=None):
    _check_index_dtype(index, "take(): Expected a long tensor for index, but got "
                       f"{index.dtype.legacy if isinstance(index, Tensor) else ''}")
    data = input._data
    n = data.size
    idx = index._data.astype(np.int64, copy=False)
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < -n or hi >= n:
            bad = lo if lo < -n else hi
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                             "elements.")
        if lo < 0:
            idx = idx % n
    result = wrap(data.reshape(-1)[idx], input)
    node = record(TakeBackward0, result, (input,))
    if node is not None:
        node.numel, node.in_shape = n, data.shape
        node.index = wrap(idx, index)
    return write_out(out, result)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = _wrap_dim(dim, input._data.ndim)
    a_shape, i_shape = list(input._data.shape), list(indices._data.shape)
    if len(a_shape) != len(i_shape):
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {len(a_shape)} dimensions for input,"
                           f" and {len(i_shape)} dimensions for indices")
    a_target, i_target = list(a_shape), list(i_shape)
    a_rest = a_shape[:d] + [1] + a_shape[d + 1:]
    i_rest = i_shape[:d] + [1] + i_shape[d + 1:]
    both = broadcast_shape(tuple(a_rest), tuple(i_rest))  # every dim but d must broadcast
    for k in range(len(a_shape)):
        if k != d:
            a_target[k] = i_target[k] = both[k]
    if a_target != a_shape:
        input = input.expand(a_target)
    if i_target != i_shape:
        indices = indices.expand(i_target)
    return gather(input, d, indices)


__all__ = ["index_select", "index_add", "index_fill", "index_copy", "gather", "scatter",
           "scatter_add", "scatter_reduce", "take", "take_along_dim"]
