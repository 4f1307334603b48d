"""Ordering, searching and counting: sort, argsort, msort, topk, unique, searchsorted,
bucketize and bincount."""
import numpy as np

from .. import return_types
from .._backend import xp_of
from ._base import Node, Tensor, _wrap_dim, record, wrap, write_out, zeros
from .gather_scatter import scatter


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
        return (scatter(zeros(self.in_shape, g), self.dim, self.indices, g),)


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
    return write_out(out, result)


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


__all__ = ["sort", "argsort", "msort", "topk", "unique", "searchsorted", "bucketize",
           "bincount"]
NOT_METHODS = {"searchsorted", "bucketize"}
