"""Indexing, read and write: ints, slices, steps, ellipsis, None, bool masks, int tensors/lists.

Basic indexing (ints, slices, None, ...) returns a view; anything with a tensor or list
index copies, as in PyTorch. Both are differentiable, and so is assignment (CopySlices).
"""
import warnings

import numpy as np

from .._backend import xp_of
from ._base import (Node, Tensor, _grad_state, _view, check_inplace, operands, record, snapshot,
                    wrap, write_result)


def _dims_taken(it):
    """How many of the tensor's dims an index item consumes (a bool mask: its ndim)."""
    if it is None or it is Ellipsis or type(it) is bool:
        return 0
    return it.ndim if getattr(it, "dtype", None) is not None and it.dtype.kind == "b" else 1


def _expand_ellipsis(items, ndim):
    """Ellipsis written out as full slices. PyTorch does this before indexing, so advanced
    indices on both sides of an empty ``...`` stay adjacent (NumPy would separate them)."""
    if not any(it is Ellipsis for it in items):
        return items
    rest = ndim - sum(_dims_taken(it) for it in items)
    out = []
    for it in items:
        out.extend([slice(None)] * rest if it is Ellipsis else [it])
    return tuple(out)


class _IntsFirst:
    """An index whose integers PyTorch applies before its advanced (list/tensor) parts.

    NumPy moves advanced dims to the front when a slice separates them from an integer
    (x[0, :, [2, 3]] -> shape (2, 3)); PyTorch selects the integers first (-> (3, 2)).
    """
    __slots__ = ("first", "rest")

    def __init__(self, expanded):
        first = []
        for it in expanded:
            if type(it) is int:
                first.append(it)
            elif it is not None and type(it) is not bool:
                first.extend([slice(None)] * _dims_taken(it))
        self.first = tuple(first)
        self.rest = tuple(it for it in expanded if type(it) is not int)


def get_at(data, idx):
    if idx.__class__ is _IntsFirst:
        return data[idx.first][idx.rest]
    return data[idx]


def set_at(data, idx, value):
    if idx.__class__ is _IntsFirst:
        data[idx.first][idx.rest] = value
    else:
        data[idx] = value


_SEQUENCE_AS_TUPLE = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result")


def _sequence_as_tuple(index):
    """PyTorch 2.13 still reads a short list holding a sequence, slice, tensor, None or
    ``...`` (x[[[0, 1], [1, 2]]], x[[range(2)]]) as the tuple of its items, with a warning."""
    if len(index) >= 32:
        return False
    return any(isinstance(it, (list, tuple, range, slice, Tensor)) or it is None or
               it is Ellipsis for it in index)


def _convert(t, index):
    """Our index -> (backend index, is_advanced, last basic kind for the grad_fn name)."""
    if index.__class__ is _IntsFirst:
        return index, True, None
    if index.__class__ is list and _sequence_as_tuple(index):
        warnings.warn(_SEQUENCE_AS_TUPLE, UserWarning, stacklevel=3)
        index = tuple(index)
    items = index if isinstance(index, tuple) else (index,)
    out, advanced, last = [], False, None
    xp = xp_of(t._data)
    for it in items:
        if isinstance(it, Tensor):
            if it.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if it._data.ndim == 0 and it.dtype.name != "bool":
                out.append(int(it.item()))
                last = "int"
                continue
            out.append(it._data)
            advanced = True
        elif isinstance(it, range):  # x[range(3)]: the indices it yields, as a list would
            out.append(xp.arange(it.start, it.stop, it.step, dtype=np.int64))
            advanced = True
        elif isinstance(it, list) or (not isinstance(it, np.generic) and (
                hasattr(it, "__array_interface__") or hasattr(it, "__cuda_array_interface__"))):
            arr = xp.asarray(it)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(arr.astype(np.int64) if arr.dtype.kind in "iu" else arr)
            advanced = True
        elif isinstance(it, slice):
            if it.step is not None and int(it.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(slice(*(int(v) if isinstance(v, Tensor) else v
                               for v in (it.start, it.stop, it.step))))
            last = "slice"
        elif it is None:
            out.append(None)
            last = "none"
        elif it is Ellipsis:
            out.append(it)
        elif isinstance(it, (bool, np.bool_)):
            out.append(bool(it))
            advanced = True
        elif isinstance(it, (int, np.integer)):
            out.append(int(it))
            last = "int"
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             "byte Variables are valid indices (got "
                             f"{type(it).__name__})")
    if not advanced:
        return tuple(out), False, last
    out = _expand_ellipsis(tuple(out), t._data.ndim)
    if any(type(it) is int for it in out):
        return _IntsFirst(out), True, last
    return out, True, last


def _index_error(exc, t):
    msg = str(exc)
    if "out of bounds for axis" in msg:
        msg = msg.replace("for axis", "for dimension")
    if msg.startswith("too many indices"):
        msg = f"too many indices for tensor of dimension {t._data.ndim}"
    return IndexError(msg)


class SelectBackward0(Node):
    def backward(self, g):
        return (_index_grad(g, self.in_shape, self.index, False),)


class SliceBackward0(SelectBackward0):
    pass


class UnsqueezeBackward0(SelectBackward0):
    pass


class AliasBackward0(SelectBackward0):
    pass


class IndexBackward0(Node):
    def backward(self, g):
        return (_index_grad(g, self.in_shape, self.index, True),)


_BASIC_NODES = {"int": SelectBackward0, "slice": SliceBackward0, "none": UnsqueezeBackward0,
                None: AliasBackward0}


def getitem(t, index):
    idx, advanced, last = _convert(t, index)
    try:
        data = get_at(t._data, idx)
    except IndexError as exc:
        raise _index_error(exc, t) from None
    if advanced:
        out = wrap(xp_of(data).ascontiguousarray(data), t)  # torch's index results are contiguous
        cls = IndexBackward0
    else:
        out = _view(t, data if type(data) is type(t._data) else xp_of(t._data).asarray(data))
        cls = _BASIC_NODES[last]
    node = record(cls, out, (t,))
    if node is not None:
        node.in_shape, node.index = t._data.shape, idx
    return out


class _IndexGradBackward(Node):
    """The gradient of indexing, itself differentiable (double backward reads it back)."""

    def backward(self, g):
        return (g[self.index],)


def _index_grad(g, shape, idx, accumulate):
    """zeros(shape) with g placed (summed where indices repeat) at idx."""
    xp = xp_of(g._data)
    data = xp.zeros(shape, dtype=g._data.dtype)
    if accumulate:
        if idx.__class__ is _IntsFirst:
            xp.add.at(data[idx.first], idx.rest, g._data)
        else:
            xp.add.at(data, idx, g._data)
    else:
        data[idx] = g._data
    out = wrap(data, g)
    node = record(_IndexGradBackward, out, (g,))
    if node is not None:
        node.index = idx
    return out


class CopySlices(Node):
    """grad_fn of a tensor written through indexing: x[idx] = value."""

    def name(self):  # a C++ class of PyTorch's autograd, named with its namespace
        return "torch::autograd::CopySlices"

    def backward(self, g):
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = index_put(g, self.index, 0)
        if self.needs_input_grad[1]:
            gv = g[self.index]
        return gx, gv


class IndexPutBackward0(CopySlices):
    pass


def index_put(t, index, value, *, _node=IndexPutBackward0):
    """Out of place: a copy of t with t[index] = value."""
    idx = _convert(t, index)[0]
    if isinstance(value, Tensor):
        _, value, _, vdata = operands(t, value)
        vdata = vdata.astype(t._data.dtype, copy=False)
    else:
        vdata = value
    data = t._data.copy()
    try:
        set_at(data, idx, vdata)
    except IndexError as exc:
        raise _index_error(exc, t) from None
    except ValueError:
        target = get_at(data, idx).shape
        raise RuntimeError(f"shape mismatch: value tensor of shape "
                           f"{list(np.shape(vdata))} cannot be broadcast to indexing result of "
                           f"shape {list(target)}") from None
    out = wrap(data, t)
    node = record(_node, out, (t, value if isinstance(value, Tensor) else None))
    if node is not None:
        node.index = idx
    return out


def setitem(t, index, value):
    check_inplace(t)
    if _grad_state[0] and (t._rg or (isinstance(value, Tensor) and value._rg)):
        write_result(t, index_put(snapshot(t), index, value, _node=CopySlices))
        return
    idx = _convert(t, index)[0]
    if isinstance(value, Tensor):
        value = value._data
    try:
        set_at(t._data, idx, value)
    except IndexError as exc:
        raise _index_error(exc, t) from None
    except ValueError as exc:
        raise RuntimeError(f"shape mismatch: {exc}") from None
    t._bump_version()
