"""Reductions over dims (int or tuple, keepdim) and the softmax family."""
from .._dtype import int64
from ..autograd.graph import Node
from .._backend import xp_of
from ._util import _grad_state, normalize_dims, record, wrap


def _grad_to_input(g, node):
    """Broadcast a reduced gradient back to the input's shape (undoing keepdim=False)."""
    if not node.keepdim and node.dims:
        g = g.reshape(node.kept_shape)
    return g.expand(node.in_shape)


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _reduce_node(node, input, dims, keepdim):
    node.in_shape = input._data.shape
    node.dims = dims
    node.keepdim = keepdim
    node.kept_shape = _kept_shape(input._data.shape, dims)


class SumBackward0(Node):
    def backward(self, g):
        if not _grad_state[0]:  # not recording: a filled array is cheaper than a view
            out = wrap(xp_of(g._data).full(self.in_shape, g._data, dtype=g._data.dtype), g)
            return (out,)
        return (g.expand(self.in_shape),)


class SumBackward1(Node):
    def backward(self, g):
        return (_grad_to_input(g, self),)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    data = input._data
    if dtype is not None:
        from .._dtype import to_dtype
        data = data.astype(to_dtype(dtype).np)
    elif data.dtype.kind in "bi" or data.dtype.kind == "u":
        data = data.astype(int64.np)  # PyTorch sums integers and bools in int64
    dims = normalize_dims(dim, data.ndim)
    out = wrap(data.sum(axis=dims, keepdims=keepdim), input)
    if dim is None:
        node = record(SumBackward0, out, (input,))
        if node is not None:
            node.in_shape = data.shape
    else:
        node = record(SumBackward1, out, (input,))
        if node is not None:
            _reduce_node(node, input, dims, keepdim)
    return out


class MeanBackward0(Node):
    def backward(self, g):
        return (g.expand(self.in_shape) / self.count,)


class MeanBackward1(Node):
    def backward(self, g):
        return (_grad_to_input(g, self) / self.count,)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    data = input._data
    if data.dtype.kind not in "fc" and dtype is None:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {input.dtype.legacy}")
    dims = normalize_dims(dim, data.ndim)
    out = wrap(data.mean(axis=dims, keepdims=keepdim), input)
    count = 1
    for d in dims:
        count *= data.shape[d]
    node = record(MeanBackward0 if dim is None else MeanBackward1, out, (input,))
    if node is not None:
        _reduce_node(node, input, dims, keepdim)
        node.count = count
    return out


__all__ = ["sum", "mean"]
