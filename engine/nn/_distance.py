"""Distances between rows: pairwise_distance, cosine_similarity and pdist.

pairwise_distance and cosine_similarity are compositions of engine ops, as in PyTorch;
pdist (every pair of rows of one matrix) has its own node, PdistBackward0, whose backward
gathers each pair's rows and adds the pair gradients back with index_add (engine ops, so
differentiable again).
"""
import numpy as np

from .._backend import xp_of
from ..autograd.graph import Node
from ..ops._base import const, record, to_float, wrap
from ..ops.shape import broadcast_tensors

_RENAMED = {}


def renamed(out, name):
    """Record ``out``'s last node under PyTorch's name for the same math (PyTorch's at::norm
    records NormBackward1 where Tensor.norm records LinalgVectorNormBackward0)."""
    node = out.grad_fn
    if node is not None:
        key = (type(node), name)
        if key not in _RENAMED:
            _RENAMED[key] = type(name, (type(node),), {})
        node.__class__ = _RENAMED[key]
    return out


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dimension of the broadcast shape."""
    dims = max(x1.dim(), x2.dim())
    diff = (x1 - x2) + eps
    if dims == 0:  # PyTorch takes the norm of the single element
        return renamed(diff.reshape(1).norm(p, 0), "NormBackward1")
    return renamed(diff.norm(p, dims - 1, keepdim=keepdim), "NormBackward1")


def _clamped(norm, eps):
    """max(norm, eps) whose gradient is norm's (PyTorch clamps in place under no_grad)."""
    data = norm._data
    if not (data < eps).any():
        return norm
    return norm + const(xp_of(data).maximum(data, eps) - data, norm)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    x1, x2 = broadcast_tensors(x1, x2)
    n1 = _clamped(x1.norm(2, dim, keepdim=True), eps)
    n2 = _clamped(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _pair_norm(diff, p):
    """Row norms of the (pairs, M) differences, as engine ops."""
    if p == 0:
        return (diff != 0).to(diff.dtype).sum(1)
    if p == float("inf"):
        return diff.abs().amax(1)
    return diff.norm(p, 1)


class PdistBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        i, j = self.pairs
        diff = x.index_select(0, i) - x.index_select(0, j)
        p = self.p
        gd = g.unsqueeze(1)
        if p == 0:
            pair = diff * 0
        elif p == 1:
            pair = diff.sign() * gd
        elif p == float("inf"):
            a = diff.abs()
            pair = diff.sign() * (a == a.amax(1, keepdim=True)) * gd
        else:
            d = _pair_norm(diff, p).unsqueeze(1)
            safe = d + (d == 0)  # a zero distance has a zero gradient, as in PyTorch
            pair = diff.sign() * diff.abs() ** (p - 1) / safe ** (p - 1) * (d != 0) * gd
        return ((x * 0).index_add(0, i, pair).index_add(0, j, -pair),)


def pdist(input, p=2.0):
    x = to_float(input._data)
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    xp = xp_of(x)
    i, j = (xp.asarray(a) for a in np.triu_indices(x.shape[0], 1))
    diff = xp.abs(x[i] - x[j])
    if p == 0:
        out = (diff != 0).sum(1)
    elif p == float("inf"):
        out = diff.max(1, initial=0)
    elif p == 1:
        out = diff.sum(1)
    elif p == 2:
        out = xp.sqrt((diff * diff).sum(1))
    else:
        out = (diff ** p).sum(1) ** (1.0 / p)
    res = wrap(out.astype(x.dtype, copy=False), input)
    node = record(PdistBackward0, res, (input,), (input,))
    if node is not None:
        node.p = p
        node.pairs = (wrap(i, input), wrap(j, input))
    return res
