"""3-d convolution kernels on arrays (Conv3d, ConvTranspose3d), one GEMM per batch chunk.

The same three kernels as _im2col.py has for 2-d (``conv``, ``input_grad``,
``weight_grad``), written for any number of spatial dims: the im2col matrix
(G, Cg*prod(k), nb*prod(out)) is a copy of a strided view of the padded input, and col2im
adds one shifted slice per kernel offset. _conv.py's ops pick these kernels for a
``GeometryNd``, so Conv3d shares ConvolutionBackward0 and double backward with 2-d.
"""
import itertools

from .._backend import xp_of
from ._im2col import _COLS_BUDGET, _as_strided, _gemm, _weight_from_transposed


class GeometryNd:
    """stride, (low, high) padding and dilation per spatial dim, and groups."""
    __slots__ = ("stride", "pad", "dilation", "groups")
    one_d = False

    def __init__(self, stride, pad, dilation, groups):
        self.stride, self.pad, self.dilation, self.groups = stride, pad, dilation, groups

    def out_size(self, in_sizes, k_sizes):
        return tuple((n + p0 + p1 - d * (k - 1) - 1) // s + 1 for n, k, s, (p0, p1), d in
                     zip(in_sizes, k_sizes, self.stride, self.pad, self.dilation))

    def padded_sizes(self, in_sizes, k_sizes, out_sizes):
        """Padded input extent: large enough for every window (conv^T may need more)."""
        return tuple(max(n + p0 + p1, (o - 1) * s + d * (k - 1) + 1) for n, (p0, p1), o, s, d, k
                     in zip(in_sizes, self.pad, out_sizes, self.stride, self.dilation, k_sizes))


def _chunks(n, per_sample_bytes):
    step = max(1, min(n, _COLS_BUDGET // max(1, per_sample_bytes)))
    return [(i, min(n, i + step)) for i in range(0, n, step)]


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


def _padded(x, geo, sizes):
    xp = xp_of(x)
    n, c = x.shape[:2]
    out = xp.zeros((n, c) + sizes, x.dtype)
    inner = tuple(slice(p0, p0 + s) for (p0, _), s in zip(geo.pad, x.shape[2:]))
    out[(slice(None), slice(None)) + inner] = x
    return out


def _cols(xpad, n0, n1, k, out, geo):
    """im2col of samples n0:n1: (G, Cg*prod(k), nb*prod(out)), a fresh copy."""
    c, g = xpad.shape[1], geo.groups
    sub = xpad[n0:n1]  # a slice along the batch keeps the padded array contiguous
    sn, sc, spatial = sub.strides[0], sub.strides[1], sub.strides[2:]
    view = _as_strided(xp_of(xpad), sub, (g, c // g) + k + (n1 - n0,) + out,
                       ((c // g) * sc, sc) + tuple(d * s for d, s in zip(geo.dilation, spatial))
                       + (sn,) + tuple(st * s for st, s in zip(geo.stride, spatial)))
    return view.reshape(g, (c // g) * _prod(k), (n1 - n0) * _prod(out))


def _g_matrix(g, n0, n1, groups):
    """g[n0:n1] (nb, O, *out) as (G, O/G, nb*prod(out))."""
    part = g[n0:n1]
    o = part.shape[1]
    return xp_of(g).ascontiguousarray(part.swapaxes(0, 1)).reshape(groups, o // groups, -1)


def conv(x, w, geo):
    xp = xp_of(x)
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    k = w.shape[2:]
    out = geo.out_size(x.shape[2:], k)
    xpad = _padded(x, geo, geo.padded_sizes(x.shape[2:], k, out))
    wmat = w.reshape(geo.groups, o // geo.groups, cg * _prod(k))
    y = xp.empty((n, o) + out, x.dtype)
    for n0, n1 in _chunks(n, c * _prod(k) * _prod(out) * x.itemsize):
        res = _gemm(wmat, _cols(xpad, n0, n1, k, out, geo))
        y[n0:n1] = res.reshape((o, n1 - n0) + out).swapaxes(0, 1)
    return y


def weight_grad(x, g, w_shape, geo):
    n, c = x.shape[:2]
    k = tuple(w_shape[2:])
    out = g.shape[2:]
    xpad = _padded(x, geo, geo.padded_sizes(x.shape[2:], k, out))
    dw = None
    for n0, n1 in _chunks(n, c * _prod(k) * _prod(out) * x.itemsize):
        cols = _cols(xpad, n0, n1, k, out, geo)
        part = _gemm(cols, _g_matrix(g, n0, n1, geo.groups).transpose(0, 2, 1))
        dw = part if dw is None else dw + part
    return _weight_from_transposed(dw, w_shape)


def input_grad(g, w, x_shape, geo):
    """conv^T: the (N, C, *in) array whose conv with w pairs with g (col2im of w^T g)."""
    xp = xp_of(g)
    n, c = x_shape[:2]
    o, cg = w.shape[:2]
    k = w.shape[2:]
    out = g.shape[2:]
    sizes = geo.padded_sizes(x_shape[2:], k, out)
    wmat_t = w.reshape(geo.groups, o // geo.groups, cg * _prod(k)).transpose(0, 2, 1)
    inner = tuple(slice(p0, p0 + s) for (p0, _), s in zip(geo.pad, x_shape[2:]))
    dx = xp.empty(tuple(x_shape), g.dtype)
    for n0, n1 in _chunks(n, c * _prod(k) * _prod(out) * g.itemsize):
        nb = n1 - n0
        dcols = _gemm(wmat_t, _g_matrix(g, n0, n1, geo.groups)).reshape((c,) + k + (nb,) + out)
        acc = xp.zeros((c, nb) + sizes, g.dtype)
        for offset in itertools.product(*(range(kk) for kk in k)):
            window = tuple(slice(i * d, i * d + (m - 1) * s + 1, s) for i, d, m, s in
                           zip(offset, geo.dilation, out, geo.stride))
            acc[(slice(None), slice(None)) + window] += dcols[(slice(None),) + offset]
        dx[n0:n1] = acc[(slice(None), slice(None)) + inner].swapaxes(0, 1)
    return dx
