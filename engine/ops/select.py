"""Selecting and placing values by index or mask: index_select, gather, scatter, masked_fill,
masked_select, where, nonzero, take, index_add/fill/copy; ordering: sort, argsort, topk,
unique; and the special in-place writers zero_, fill_, copy_ and the random fills
(uniform_, normal_, ...).

Every backward is written with these same ops (gather's gradient is a scatter_add, whose
gradient is a gather, ...), so second derivatives flow through them.
"""
import numpy as np

from .. import _backend
from .._backend import xp_of
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..random import default_generator
from ._util import Tensor, _grad_state, _wrap_dim, broadcast_error, operands, record, wrap
from ._util import wrap as _wrap_array  # for fill_diagonal_, whose `wrap` argument shadows it
from .arith import _into
from .inplace import _snapshot, check_inplace, write_result

_INDEX_KINDS = "iu"

# PyTorch names C++ scalar types in some messages.
_C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
            "int16": "short int", "int32": "int", "int64": "long int", "float16": "c10::Half",
            "float32": "float", "float64": "double"}


def _zeros(shape, like):
    return wrap(xp_of(like._data).zeros(shape, dtype=like._data.dtype), like)


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
        zeros = _zeros(self.in_shape, g)
        return (index_add(zeros, self.dim, self.index, g),)


def index_select(input, dim, index, *, out=None):
    d, idx = _vector_index(input, dim, index, "index_select")
    data = input._data
    # Plain fancy indexing: np.take's Python wrapper costs more than the copy itself.
    result = wrap(data[(slice(None),) * d + (idx,)] if data.ndim else
                  data.reshape(1)[idx].reshape(()), input)
    node = record(IndexSelectBackward0, result, (input,))
    if node is not None:
        node.in_shape, node.dim, node.index, node.idx = data.shape, d, index, idx
    return _into(out, result)


class IndexAddBackward0(Node):
    def backward(self, g):
        gs = None
        if self.next_functions[1][0] is not None:
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
        if self.next_functions[1][0] is not None:
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
        if self.next_functions[0][0] is not None:
            gx = index_fill(g, self.dim, self.index, 0)
        if self.next_functions[1][0] is not None:
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
        return (scatter_add(_zeros(self.in_shape, g), self.dim, self.index, g),)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    d, where_ = _gather_checks(input, dim, index, "gather")
    data = input._data
    result = wrap(data[where_] if data.ndim else data.reshape(1)[where_].reshape(
        index._data.shape), input)
    node = record(GatherBackward0, result, (input,))
    if node is not None:
        node.in_shape, node.dim, node.index, node.where = data.shape, d, index, where_
    return _into(out, result)


def _pad_grad(g, shape):
    """g placed in the leading corner of zeros(shape) (the src entries scatter did not read)."""
    if g._data.shape == tuple(shape):
        return g
    from .index import index_put
    return index_put(_zeros(shape, g), tuple(slice(0, n) for n in g._data.shape), g)


class ScatterBackward0(Node):      # src is a tensor
    def backward(self, g):
        gx = gs = None
        if self.next_functions[0][0] is not None:
            gx = scatter(g, self.dim, self.index, 0)
        if self.next_functions[1][0] is not None:
            gs = _pad_grad(gather(g, self.dim, self.index), self.src_shape)
        return gx, gs


class ScatterBackward1(Node):      # src is a scalar value
    def backward(self, g):
        return (scatter(g, self.dim, self.index, 0),)


_REDUCE = ("add", "multiply")


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
        xp.multiply.at(target, where_, vals)
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
        if self.next_functions[1][0] is not None:
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
        if reduce == "prod" and grad_mode._state[0]:
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
    from .index import getitem
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
    getattr(xp, ufunc).at(target, where_, vals)
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


# ---- masks ---------------------------------------------------------------------------------

def _bool_mask(mask, message):
    if not isinstance(mask, Tensor):
        raise TypeError(f"mask must be a Tensor, not {type(mask).__name__}")
    if mask._data.dtype.kind != "b":
        raise RuntimeError(message.format(c=_C_NAMES[mask.dtype.name], legacy=mask.dtype.legacy))
    return mask._data


def _broadcast(a_shape, b_shape):
    try:
        return np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        raise broadcast_error(a_shape, b_shape) from None


class MaskedFillBackward0(Node):
    def backward(self, g):
        if not _grad_state[0]:
            gd = g._data
            return (wrap(xp_of(gd).where(self.mask._data, gd.dtype.type(0), gd), g),)
        return (masked_fill(g, self.mask, 0),)


class MaskedFillBackward1(Node):
    def backward(self, g):
        gv = None
        if self.next_functions[1][0] is not None:
            gv = where(self.mask, g, 0).sum()
        return masked_fill(g, self.mask, 0), gv


def masked_fill(input, mask, value):
    m = _bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype {c}")
    data = input._data
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        fill = value._data.astype(data.dtype)
    else:
        fill = data.dtype.type(value)  # a NumPy scalar: both NumPy and CuPy accept it
    _broadcast(data.shape, m.shape)  # PyTorch's message when they do not broadcast
    out = wrap(xp_of(data).where(m, fill, data), input)
    if isinstance(value, Tensor):
        node = record(MaskedFillBackward1, out, (input, value))
    else:
        node = record(MaskedFillBackward0, out, (input,))
    if node is not None:
        node.mask = mask
    return out


class MaskedSelectBackward0(Node):
    def backward(self, g):
        from .index import index_put
        mask = self.mask
        if mask._data.shape != self.shape:
            mask = mask.expand(self.shape)
        return (index_put(_zeros(self.shape, g), (mask,), g),)


def masked_select(input, mask, *, out=None):
    m = _bool_mask(mask, "masked_select: expected BoolTensor for mask")
    data = input._data
    shape = _broadcast(data.shape, m.shape)
    xp = xp_of(data)
    if data.shape != shape:
        data = xp.broadcast_to(data, shape)
    if m.shape != shape:
        m = xp.broadcast_to(m, shape)
    result = wrap(data[m], input)
    node = record(MaskedSelectBackward0, result, (input,))
    if node is not None:
        node.mask, node.shape = mask, shape
    return _into(out, result)


class MaskedScatterBackward0(Node):
    def backward(self, g):
        gx = gs = None
        mask = self.mask
        if self.next_functions[0][0] is not None:
            gx = masked_fill(g, mask, 0)
        if self.next_functions[1][0] is not None:
            # source's first k entries went to the k masked places, in order; the rest unused
            taken = masked_select(g, mask)
            flat = _zeros((self.src_numel,), g)
            from .index import index_put
            flat = index_put(flat, (slice(0, taken._data.shape[0]),), taken)
            gs = flat.reshape(self.src_shape)
        return gx, gs


def masked_scatter(input, mask, source):
    """Copy source's leading elements, in order, into the places where mask is True."""
    m = _bool_mask(mask, "masked_scatter_ only supports boolean masks, but got mask with dtype "
                         "{legacy}")
    if source.dtype is not input.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but "
                           f"got{input.dtype.legacy} and {source.dtype.legacy}")
    data = input._data
    xp = xp_of(data)
    shape = _broadcast(data.shape, m.shape)
    out = xp.broadcast_to(data, shape).copy()
    if m.shape != shape:
        m = xp.broadcast_to(m, shape)
    k = int(m.sum())
    if k > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out[m] = source._data.reshape(-1)[:k]
    result = wrap(out, input)
    node = record(MaskedScatterBackward0, result, (input, source))
    if node is not None:
        node.mask, node.src_shape, node.src_numel = mask, source._data.shape, source._data.size
    return result


# ---- where / nonzero / take ----------------------------------------------------------------

class WhereBackward0(Node):
    def backward(self, g):
        cond = self.condition
        if not _grad_state[0]:  # no graph of the gradient: plain arrays are enough
            c, gd, xp = cond._data, g._data, xp_of(g._data)
            zero = gd.dtype.type(0)
            ga = wrap(xp.where(c, gd, zero), g) if self.next_functions[0][0] is not None \
                else None
            gb = wrap(xp.where(c, zero, gd), g) if self.next_functions[1][0] is not None \
                else None
            return ga, gb
        ga = where(cond, g, 0) if self.next_functions[0][0] is not None else None
        gb = where(cond, 0, g) if self.next_functions[1][0] is not None else None
        return ga, gb


_SCALAR = (int, float, bool, np.number, np.bool_)


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes 1 or 3 arguments: (condition) or "
                        "(condition, input, other)")
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not "
                        f"{type(condition).__name__}")
    c = condition._data
    if c.dtype.kind != "b":
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype.legacy}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from ..creation import tensor
        input = tensor(input, device=condition.device)
    a, b, ad, bd = operands(input, other)
    try:
        data = xp_of(c).where(c, ad, bd)
    except ValueError:  # PyTorch's message names the shapes that do not broadcast
        _broadcast(c.shape, _broadcast(np.shape(ad), np.shape(bd)))
        raise
    result = wrap(data, a if isinstance(a, Tensor) else b)
    node = record(WhereBackward0, result, (a if isinstance(a, Tensor) else None,
                                           b if isinstance(b, Tensor) else None))
    if node is not None:
        node.condition = condition
    return _into(out, result)


def _where_method(self, condition, other):
    """Tensor.where(condition, y) is torch.where(condition, self, y)."""
    return where(condition, self, other)


def nonzero(input, *, as_tuple=False, out=None):
    if not isinstance(as_tuple, bool):
        raise TypeError(f"nonzero(): argument 'as_tuple' must be bool, not "
                        f"{type(as_tuple).__name__}")
    data = input._data
    xp = xp_of(data)
    if data.ndim == 0:
        hit = bool(data)
        if as_tuple:
            return (wrap(xp.zeros(int(hit), dtype=np.int64), input),)
        return wrap(xp.zeros((int(hit), 0), dtype=np.int64), input)
    coords = xp.nonzero(data)
    if as_tuple:
        return tuple(wrap(c.astype(np.int64, copy=False), input) for c in coords)
    return _into(out, wrap(xp.stack(coords, axis=1).astype(np.int64, copy=False), input))


def argwhere(input):
    return nonzero(input)


class TakeBackward0(Node):
    def backward(self, g):
        flat = _zeros((self.numel,), g)
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
    return _into(out, result)


# ---- sorting -------------------------------------------------------------------------------

def _sort_indices(data, d, descending):
    """Stable argsort along d; descending keeps ties in their original order, NaN first."""
    xp = xp_of(data)
    if not descending:
        return xp.argsort(data, axis=d, kind="stable")
    flipped = xp.argsort(xp.flip(data, d), axis=d, kind="stable")
    return (data.shape[d] - 1) - xp.flip(flipped, d)


class SortBackward0(Node):
    def backward(self, g):
        return (scatter(_zeros(self.in_shape, g), self.dim, self.indices, g),)


class TopkBackward0(SortBackward0):
    pass


def _sorted_parts(input, dim, descending, k, node_cls, name):
    data = input._data
    flat = data.ndim == 0
    if flat:
        data = data.reshape(1)
    d = _wrap_dim(dim, data.ndim)
    order = _sort_indices(data, d, descending)
    if k is not None:
        order = order[(slice(None),) * d + (slice(0, k),)]
    values = xp_of(data).take_along_axis(data, order, d)
    if flat:
        values, order = values.reshape(()), order.reshape(())
    values = wrap(values, input)
    indices = wrap(order.astype(np.int64, copy=False), input)
    node = record(node_cls, values, (input,))
    if node is not None:
        node.in_shape, node.dim, node.indices = input._data.shape, d if not flat else 0, indices
    from .reduce import return_types
    return getattr(return_types, name)((values, indices))


def sort(input, dim=-1, descending=False, *, stable=False):
    return _sorted_parts(input, dim, descending, None, SortBackward0, "sort")


def argsort(input, dim=-1, descending=False, *, stable=False):
    data = input._data
    if data.ndim == 0:
        return wrap(xp_of(data).zeros((), dtype=np.int64), input)
    order = _sort_indices(data, _wrap_dim(dim, data.ndim), descending)
    return wrap(order.astype(np.int64, copy=False), input)


def msort(input):
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    data = input._data
    n = data.shape[_wrap_dim(dim, data.ndim)] if data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    return _sorted_parts(input, dim, largest, k, TopkBackward0, "topk")


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted, as torch returns them on CPU); not differentiable."""
    data = input._data
    xp = xp_of(data)
    res = xp.unique(data if dim is not None else data.reshape(-1), return_inverse=True,
                    return_counts=True, axis=None if dim is None else _wrap_dim(dim, data.ndim))
    values, inverse, counts = res
    if dim is None:
        inverse = inverse.reshape(data.shape)
    out = [wrap(values, input)]
    if return_inverse:
        out.append(wrap(inverse.astype(np.int64, copy=False).reshape(
            data.shape if dim is None else -1), input))
    if return_counts:
        out.append(wrap(counts.astype(np.int64, copy=False), input))
    return out[0] if len(out) == 1 else tuple(out)


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
    both = _broadcast(tuple(a_rest), tuple(i_rest))  # every dim but d must broadcast
    for k in range(len(a_shape)):
        if k != d:
            a_target[k] = i_target[k] = both[k]
    if a_target != a_shape:
        input = input.expand(a_target)
    if i_target != i_shape:
        indices = indices.expand(i_target)
    return gather(input, d, indices)


# ---- searching and counting (not differentiable) ----------------------------------------------

def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    xp = xp_of(seq)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, -1)
    scalar = not isinstance(input, Tensor)
    values = xp.asarray(input) if scalar else input._data
    how = "right" if right else "left"
    if seq.ndim <= 1:
        found = xp.searchsorted(seq.reshape(-1), values, side=how)
    else:
        if scalar or seq.shape[:-1] != values.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension "
                               "or the first N-1 dimensions of boundaries tensor and input value "
                               "tensor must match, but we got boundaries tensor "
                               f"{list(seq.shape)} and input value tensor "
                               f"{list(values.shape)}")
        rows, vals = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
        found = xp.stack([xp.searchsorted(r, v, side=how) for r, v in zip(rows, vals)])
        found = found.reshape(values.shape)
    like = sorted_sequence
    result = wrap(xp.asarray(found).astype(np.int32 if out_int32 else np.int64), like)
    return _into(out, result)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def bincount(input, weights=None, minlength=0):
    data = input._data
    if data.dtype.kind == "f":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{input.dtype.legacy}\'')
    if data.ndim != 1 or (data.size and int(data.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = xp_of(data)
    if weights is None:
        return wrap(xp.bincount(data, minlength=minlength).astype(np.int64), input)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    counted = xp.bincount(data, weights=w, minlength=minlength)
    # torch keeps float32 weights' dtype and gives float64 for every other weight dtype
    return wrap(counted.astype(np.float32 if w.dtype == np.float32 else np.float64), input)


def _fill_diagonal_(self, fill_value, wrap=False):
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
    from .index import setitem
    setitem(self, tuple(_wrap_array(i, self) for i in index), fill_value)
    return self


# ---- the special in-place writers ----------------------------------------------------------

class ZeroBackward0(Node):
    def backward(self, g):
        return (_zeros(g._data.shape, g),)


class FillBackward2(ZeroBackward0):      # fill_ with a number
    pass


class FillBackward3(Node):               # fill_ with a 0-d tensor
    def backward(self, g):
        gv = g.sum() if self.next_functions[1][0] is not None else None
        return _zeros(g._data.shape, g), gv


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
        record(node_cls, result, (_snapshot(self),) + tuple(extra))
        return write_result(self, result)
    _store(self._data, arr, uniform=False)
    self._version_box[0] += 1
    return self


def zero_(self):
    check_inplace(self)
    if _grad_state[0] and self._rg:
        return _write_constant(self, xp_of(self._data).zeros_like(self._data), ZeroBackward0)
    _store(self._data, 0, uniform=True)
    self._version_box[0] += 1
    return self


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        arr = xp_of(self._data).full(self._data.shape, value.item(), dtype=self._data.dtype)
        return _write_constant(self, arr, FillBackward3, (value,))
    if not isinstance(value, _SCALAR):
        raise TypeError(f"fill_(): argument 'value' must be Number, not {type(value).__name__}")
    check_inplace(self)
    if _grad_state[0] and self._rg:
        arr = xp_of(self._data).full(self._data.shape, value, dtype=self._data.dtype)
        return _write_constant(self, arr, FillBackward2)
    _store(self._data, value, uniform=True)
    self._version_box[0] += 1
    return self


class CopyBackwards(Node):
    def backward(self, g):
        gx = _zeros(g._data.shape, g) if self.next_functions[0][0] is not None else None
        gs = g if self.next_functions[1][0] is not None else None
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
    if s.shape != shape and _broadcast(shape, s.shape) != shape:
        raise broadcast_error(shape, s.shape)
    if _grad_state[0] and (self._rg or src._rg):
        arr = xp_of(self._data).broadcast_to(s, shape).astype(self._data.dtype)
        result = wrap(arr, self)
        record(CopyBackwards, result, (_snapshot(self), src))
        return write_result(self, result)
    _store(self._data, s, uniform=False)
    self._version_box[0] += 1
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
    arr = _gen(generator).exponential(1.0 / lambd, self._data.shape)
    return _random_fill(self, arr, ExponentialBackward0)


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


__all__ = ["index_select", "index_add", "index_fill", "index_copy", "gather", "scatter",
           "scatter_add", "scatter_reduce", "masked_fill", "masked_select", "masked_scatter",
           "where", "nonzero", "argwhere", "take", "sort", "argsort", "msort", "topk", "unique",
           "take_along_dim", "searchsorted", "bucketize", "bincount"]
NOT_METHODS = {"where", "searchsorted", "bucketize"}
EXTRA_METHODS = {"where": _where_method, "zero_": zero_, "fill_": fill_, "copy_": copy_,
                 "fill_diagonal_": _fill_diagonal_,
                 "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
                 "exponential_": exponential_, "random_": random_}
