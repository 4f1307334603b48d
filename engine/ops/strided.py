"""Views by strides and their scatters (as_strided, diagonal/select/slice_scatter), writes at
flat or tuple indices (put, index_put with accumulate, index_reduce), and the splitting and
repeating ops that build on the shape ops (split_with_sizes, repeat_interleave, ...).

A *_scatter op is the out-of-place form of writing into a view: a copy of ``input`` with the
view's elements replaced by ``src``. Its backward is two views of the gradient: the gradient
with the view zeroed (for input) and the view itself (for src), written with these same ops
so that double backward works.
"""
import numpy as np

from .._backend import ufunc_at, xp_of
from ._base import (Node, Tensor, _view, _wrap_dim, check_tensor, const, operands, record,
                    wrap)


# ---- as_strided ---------------------------------------------------------------------------------

def _storage(data):
    """(flat array over the memory ``data`` views, data's offset in it, in elements); None
    for the array when that memory is not one contiguous block."""
    from .._backend import storage_offset
    root, node = data, data.base
    for _ in range(64):  # through views and the helper objects NumPy puts between them
        if node is None:
            break
        if hasattr(node, "strides"):
            root = node
        node = getattr(node, "base", None)
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        return None, 0
    return root.reshape(-1, order="A"), storage_offset(data)


def _positions(size, stride, offset):
    """Flat storage positions of each element of a (size, stride, offset) view."""
    pos = np.full(tuple(size), offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[k] = n
        pos = pos + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return pos


def _check_geometry(size, stride, offset, itemsize, storage_size):
    size, stride = [int(s) for s in size], [int(s) for s in stride]
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {stride}")
    if 0 in size:
        return size, stride
    needed = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if needed > storage_size:
        raise RuntimeError(f"setStorage: sizes {size}, strides {stride}, storage offset "
                           f"{offset}, and itemsize {itemsize} requiring a storage size of "
                           f"{needed * itemsize} are out of bounds for storage of size "
                           f"{storage_size * itemsize}")
    return size, stride


class AsStridedBackward0(Node):
    def backward(self, g):
        """Sum g into a zeroed storage at the view's positions, read it back where the input
        sat (overlapping views add up, as in PyTorch)."""
        xp = xp_of(g._data)
        storage = xp.zeros(self.storage_size, g._data.dtype)
        out_pos = xp.asarray(self.out_pos.reshape(-1))
        if xp is np:
            np.add.at(storage, out_pos, g._data.reshape(-1))
        else:
            xp.add.at(storage, out_pos, g._data.reshape(-1))
        result = wrap(storage[xp.asarray(self.in_pos)], g)
        node = record(AsStridedBackwardBackward, result, (g,))
        if node is not None:
            node.in_pos, node.out_pos = self.in_pos, self.out_pos
            node.storage_size = self.storage_size
        return (result,)


class AsStridedBackwardBackward(Node):
    def backward(self, gg):
        xp = xp_of(gg._data)
        storage = xp.zeros(self.storage_size, gg._data.dtype)
        storage[xp.asarray(self.in_pos)] = gg._data
        return (wrap(storage[xp.asarray(self.out_pos)], gg),)


def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage with the given sizes, strides (in elements) and offset."""
    data = input._data
    flat, own_offset = _storage(data)
    if flat is None:  # an array NumPy cannot describe as a view of one buffer: its copy
        flat, own_offset = data.copy().reshape(-1), 0
    offset = own_offset if storage_offset is None else int(storage_offset)
    size, stride = _check_geometry(size, stride, offset, data.itemsize, flat.size)
    xp = xp_of(data)
    view = xp.lib.stride_tricks.as_strided(flat[offset:] if flat.size else flat, size,
                                           [s * data.itemsize for s in stride])
    out = _view(input, view)
    node = record(AsStridedBackward0, out, (input,))
    if node is not None:
        node.out_pos = _positions(size, stride, offset)
        node.in_pos = _positions(data.shape, input.stride(), own_offset)
        node.storage_size = flat.size
    return out


# ---- *_scatter: a copy with a view's elements replaced --------------------------------------------

def _scatter_into(input, src, view_of):
    """A copy of input whose ``view_of(array)`` holds src (PyTorch's size check)."""
    check_tensor("scatter", "src", 2, src)
    out = input._data.copy()
    target = view_of(out)
    if tuple(target.shape) != tuple(src._data.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src._data.shape)}, slice size = {list(target.shape)}")
    target[...] = src._data.astype(out.dtype, copy=False)
    return wrap(out, input)


class _ScatterBackward(Node):
    def backward(self, g):
        gi = self.scatter(g, zeros_like_data(self.src_meta, g)) if self.needs_input_grad[0] \
            else None
        gs = self.view(g).clone() if self.needs_input_grad[1] else None
        return gi, gs


def zeros_like_data(meta, like):
    shape, dtype = meta
    return wrap(xp_of(like._data).zeros(shape, dtype), like)


def _scatter_op(node_name, view_array, view_tensor):
    """A *_scatter op from the array view it writes and the tensor view its backward reads."""
    node_cls = type(node_name, (_ScatterBackward,), {})

    def op(input, src, *args, **kwargs):
        result = _scatter_into(input, src, lambda a: view_array(a, *args, **kwargs))
        node = record(node_cls, result, (input, src))
        if node is not None:
            node.src_meta = (src._data.shape, src._data.dtype)
            node.view = lambda g: view_tensor(g, *args, **kwargs)
            node.scatter = lambda g, s: op(g, s, *args, **kwargs)
        return result
    return op


def _diagonal_array(a, offset=0, dim1=0, dim2=1):
    view = xp_of(a).diagonal(a, offset, _wrap_dim(dim1, a.ndim), _wrap_dim(dim2, a.ndim))
    if type(view) is np.ndarray:
        view.flags.writeable = True  # a view of our own copy: writing it is the point
    return view


def _select_index(a, dim, index):
    d = _wrap_dim(dim, a.ndim)
    n = a.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(a.shape)} at dimension {d}")
    return (slice(None),) * d + (int(index),)


def _slice_index(a, dim=0, start=None, end=None, step=1):
    return (slice(None),) * _wrap_dim(dim, a.ndim) + (slice(start, end, step),)


diagonal_scatter = _scatter_op(
    "DiagonalScatterBackward0", _diagonal_array,
    lambda g, offset=0, dim1=0, dim2=1: g.diagonal(offset, dim1, dim2))
select_scatter = _scatter_op(
    "SelectScatterBackward0", lambda a, dim, index: a[_select_index(a, dim, index)],
    lambda g, dim, index: g.select(dim, index))
slice_scatter = _scatter_op(
    "SliceScatterBackward0", lambda a, *args, **kw: a[_slice_index(a, *args, **kw)],
    lambda g, *args, **kw: g[_slice_index(g._data, *args, **kw)])
as_strided_scatter = _scatter_op(
    "AsStridedScatterBackward0",
    lambda a, size, stride, storage_offset=None: as_strided(wrap(a), size, stride,
                                                            storage_offset)._data,
    lambda g, size, stride, storage_offset=None: g.as_strided(size, stride, storage_offset))
diagonal_scatter.__name__, select_scatter.__name__ = "diagonal_scatter", "select_scatter"
slice_scatter.__name__, as_strided_scatter.__name__ = "slice_scatter", "as_strided_scatter"


# ---- put, index_put, index_reduce ------------------------------------------------------------

def _flat_index(input, index):
    idx = index._data.reshape(-1).astype(np.int64)
    n = input._data.size
    if idx.size:
        bad = idx[(idx >= n) | (idx < -n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor "
                             f"of {n} elements.")
    return idx % max(n, 1)


class PutBackward0(Node):
    def backward(self, g):
        idx = const(self.index, g)
        flat = g.reshape(-1)
        gi = None
        if self.needs_input_grad[0]:
            gi = g if self.accumulate else put(g, idx, flat.take(idx) * 0)
        gs = flat.take(idx).reshape(self.src_shape) if self.needs_input_grad[2] else None
        return gi, None, gs


def put(input, index, source, accumulate=False):
    """A copy of input with source written at flat (row-major) indices; summed when
    accumulate."""
    idx = _flat_index(input, index)
    data = input._data.copy()
    flat = data.reshape(-1)
    src = source._data.reshape(-1).astype(data.dtype, copy=False)
    xp = xp_of(data)
    if accumulate:
        xp.add.at(flat, idx, src)
    else:
        flat[idx] = src
    result = wrap(flat.reshape(data.shape), input)
    node = record(PutBackward0, result, (input, index, source))
    if node is not None:
        node.index, node.accumulate, node.src_shape = idx, accumulate, source._data.shape
    return result


class IndexPutBackward0(Node):
    def backward(self, g):
        gi = gv = None
        if self.needs_input_grad[0]:
            gi = g if self.accumulate else g.index_put(self.indices, g.new_zeros(()))
        if self.needs_input_grad[1]:
            gv = g[self.indices].sum_to_size(self.values_shape)
        return gi, gv


def _advanced_indices(indices):
    """index_put's indices (a tuple of tensors, None for a whole dim) as a numpy index."""
    out = []
    for it in indices:
        if it is None:
            out.append(slice(None))
        elif isinstance(it, Tensor):
            d = it._data
            if d.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if d.dtype.kind == "b":
                out.extend(xp_of(d).nonzero(d))
            else:
                out.append(d)
        else:
            raise TypeError(f"index_put(): indices must be a tuple of Tensors, got "
                            f"{type(it).__name__}")
    return tuple(out)


def index_put(input, indices, values, accumulate=False):
    """A copy of input with input[indices] = values (added when accumulate)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    idx = _advanced_indices(indices)
    _, values, _, vdata = operands(input, values)
    data = input._data.copy()
    xp = xp_of(data)
    try:
        if accumulate:
            target_shape = data[idx].shape
            xp.add.at(data, idx, xp.broadcast_to(vdata.astype(data.dtype), target_shape))
        else:
            data[idx] = vdata.astype(data.dtype, copy=False)
    except IndexError as exc:
        raise IndexError(str(exc).replace("axis", "dimension")) from None
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vdata.shape)} cannot "
                           f"be broadcast to indexing result of shape "
                           f"{list(input._data[idx].shape)}") from None
    result = wrap(data, input)
    node = record(IndexPutBackward0, result, (input, values))
    if node is not None:
        node.indices = tuple(const(i, input) if not isinstance(i, slice) else i for i in idx)
        node.accumulate, node.values_shape = accumulate, values._data.shape
    return result


_REDUCE_INIT = {"prod": 1.0, "amax": -np.inf, "amin": np.inf, "mean": 0.0}


class IndexReduceBackward0(Node):
    def backward(self, g):
        """First-order gradient in arrays: prod by the product of the others (zeros counted),
        mean by the counts, amax/amin split evenly over the elements equal to the result."""
        x, src, out = (t._data for t in self.saved_tensors)
        xp = xp_of(x)
        d, idx, reduce, inc = self.dim, self.index, self.reduce, self.include_self
        gd = g._data
        src_t = xp.moveaxis(src, d, 0)
        g_at = xp.moveaxis(gd, d, 0)[idx]          # the gradient each source element feeds
        out_at = xp.moveaxis(out, d, 0)[idx]
        touched = xp.zeros(x.shape[d], bool)
        touched[idx] = True
        shape = [1] * x.ndim
        shape[d] = x.shape[d]
        touched = touched.reshape(shape)
        if reduce == "mean":
            count = xp.zeros(x.shape[d], x.dtype)
            xp.add.at(count, idx, 1)
            count = count + (1 if inc else 0)
            gx = gd * xp.where(touched, (1.0 if inc else 0.0) / xp.maximum(count.reshape(shape),
                                                                           1), 1.0)
            gs = g_at / xp.moveaxis(count.reshape(shape), d, 0)[idx]
        elif reduce == "prod":
            gx, gs = self._prod_grads(xp, x, src_t, out, gd, g_at, touched, d, idx, inc)
        else:
            hits_x = (x == out) & touched if inc else xp.zeros(x.shape, bool)
            hits_s = src_t == out_at
            ties = hits_x.astype(x.dtype)
            ties_t = xp.moveaxis(ties, d, 0).copy()
            xp.add.at(ties_t, idx, hits_s.astype(x.dtype))
            ties = xp.moveaxis(ties_t, 0, d)
            gx = xp.where(touched, gd * hits_x / xp.maximum(ties, 1), gd)
            gs = g_at * hits_s / xp.moveaxis(xp.maximum(ties, 1), d, 0)[idx]
        gi = wrap(gx.astype(x.dtype, copy=False), g) if self.needs_input_grad[0] else None
        gsrc = wrap(xp.moveaxis(gs, 0, d).astype(x.dtype, copy=False), g) \
            if self.needs_input_grad[1] else None
        return gi, gsrc

    @staticmethod
    def _prod_grads(xp, x, src_t, out, gd, g_at, touched, d, idx, inc):
        x_t = xp.moveaxis(x, d, 0)
        zeros = xp.zeros(x_t.shape, x.dtype)
        nonzero_prod = xp.where(touched, 1.0, 0.0).astype(x.dtype)
        nonzero_prod = xp.moveaxis(nonzero_prod, d, 0).copy()
        if inc:
            zeros = zeros + (x_t == 0)
            nonzero_prod = xp.where(xp.moveaxis(touched, d, 0),
                                    xp.where(x_t == 0, 1, x_t), nonzero_prod)
        xp.add.at(zeros, idx, (src_t == 0).astype(x.dtype))
        ufunc_at("multiply", nonzero_prod, idx, xp.where(src_t == 0, 1, src_t))
        out_t = xp.moveaxis(out, d, 0)

        def others(vals, zc, nzp, outv):
            safe = xp.where(vals == 0, 1, vals)
            return xp.where(zc == 0, outv / safe, xp.where((zc == 1) & (vals == 0), nzp, 0))
        gx = gd
        if inc:
            gx_t = xp.moveaxis(gd, d, 0) * others(x_t, zeros, nonzero_prod, out_t)
            gx = xp.where(touched, xp.moveaxis(gx_t, 0, d), gd)
        else:
            gx = xp.where(touched, 0, gd)
        gs = g_at * others(src_t, zeros[idx], nonzero_prod[idx], out_t[idx])
        return gx, gs


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    if reduce not in _REDUCE_INIT:
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    data = input._data
    xp = xp_of(data)
    d = _wrap_dim(dim, max(data.ndim, 1))
    idx = index._data.reshape(-1).astype(np.int64)
    out = xp.moveaxis(data.copy(), d, 0)
    src = xp.moveaxis(source._data.astype(data.dtype, copy=False), d, 0)
    if not include_self:
        out[idx] = _REDUCE_INIT[reduce]
    if reduce == "mean":
        xp.add.at(out, idx, src)
        count = xp.zeros(out.shape[0], data.dtype)
        xp.add.at(count, idx, 1)
        count = count + (1 if include_self else 0)
        touched = count > 0
        out[touched] = out[touched] / count[touched].reshape((-1,) + (1,) * (out.ndim - 1))
    else:
        ufunc = {"prod": "multiply", "amax": "maximum", "amin": "minimum"}[reduce]
        ufunc_at(ufunc, out, idx, src)
    if data.dtype.kind in "iu" and reduce == "mean":
        out = xp.floor(out)
    result = wrap(xp.moveaxis(out, 0, d).astype(data.dtype, copy=False), input)
    node = record(IndexReduceBackward0, result, (input, source))
    if node is not None:
        node.dim, node.index, node.reduce, node.include_self = d, idx, reduce, include_self
        node.save(input, source, result.detach())
    return result


# ---- splitting, copying, repeating ---------------------------------------------------------------

def split_with_sizes(input, split_sizes, dim=0):
    from .shape import split
    return split(input, list(split_sizes), dim)


def narrow_copy(input, dim, start, length):
    return input.narrow(dim, start, length).clone()


def alias_copy(input):
    return input.clone()


def slice_copy(input, dim=0, start=None, end=None, step=1):
    return input[_slice_index(input._data, dim, start, end, step)].clone()


def resize_as(input, the_template):
    """The deprecated out-of-place resize_as: a reshape, so the element count must match."""
    shape = tuple(the_template.shape)
    n = int(np.prod(shape)) if shape else 1
    if n != input.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, shape))} ({n} elements in "
                           f"total), but the given tensor has a size of "
                           f"{'x'.join(map(str, input.shape))} ({input.numel()} elements). "
                           "autograd's resize can only change the shape of a given tensor, "
                           "while preserving the number of elements. ")
    return input.reshape(shape)


def unsafe_split(input, split_size, dim=0):
    return input.split(split_size, dim)


def unsafe_chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return split_with_sizes(input, split_sizes, dim)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along dim) repeated ``repeats`` times; a lone tensor of counts
    gives the indices repeated by their counts."""
    if repeats is None:  # torch.repeat_interleave(counts)
        counts = input._data.astype(np.int64)
        return wrap(xp_of(counts).repeat(xp_of(counts).arange(counts.size), counts), input)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _wrap_dim(dim, max(x.ndim, 1))
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        reps = repeats._data.reshape(-1).astype(np.int64)
        if reps.size != x.shape[d]:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {reps.size} and input.size(0) = "
                               f"{x.shape[d]}")
        if reps.size and int(reps.min()) < 0:
            raise RuntimeError("repeats can not be negative")
        xp = xp_of(reps)
        index = xp.repeat(xp.arange(reps.size), reps)
        return x.index_select(d, const(index, input))
    n = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
    if n < 0:
        raise RuntimeError("Repeats must be non-negative")
    if x.ndim == 0:
        x = x.reshape(1)
    shape = list(x.shape)
    expanded = x.unsqueeze(d + 1).expand(*shape[:d + 1], n, *shape[d + 1:])
    shape[d] *= n
    return expanded.contiguous().view(shape)


def unravel_index(indices, shape):
    """The coordinates of flat indices in a tensor of ``shape`` (one tensor per dim)."""
    check_tensor("unravel_index", "indices", 1, indices)
    if indices.dtype.is_floating_point or indices.dtype.name == "bool":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    flat = indices._data.astype(np.int64)
    out = []
    for n in reversed(shape):
        out.append(flat % n)
        flat = flat // n
    return tuple(wrap(c, indices) for c in reversed(out))


def nonzero_static(input, *, size, fill_value=-1):
    """nonzero() padded with fill_value (or cut) to exactly ``size`` rows."""
    data = input._data
    xp = xp_of(data)
    found = xp.stack(xp.nonzero(data), axis=1) if data.ndim else \
        xp.zeros((int(bool(data)), 0), np.int64)
    out = xp.full((size, data.ndim), fill_value, dtype=np.int64)
    k = min(size, found.shape[0])
    out[:k] = found[:k]
    return wrap(out, input)


def fill(input, value):
    """A new tensor shaped and typed like input, filled with value."""
    from .fills import fill_
    return fill_(input.clone(), value)


def detach(input):
    return input.detach()


__all__ = ["as_strided", "as_strided_scatter", "diagonal_scatter", "select_scatter",
           "slice_scatter", "put", "index_put", "index_reduce", "split_with_sizes",
           "narrow_copy", "unsafe_split", "unsafe_chunk", "unsafe_split_with_sizes",
           "repeat_interleave", "unravel_index", "nonzero_static", "fill", "detach",
           "alias_copy", "slice_copy", "resize_as"]
NOT_METHODS = {"unravel_index", "fill", "detach", "alias_copy", "slice_copy"}
NOT_FUNCTIONS = {"resize_as"}
