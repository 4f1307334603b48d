"""Pooling that picks or places elements by index, and 3-d pooling.

* max_pool3d / avg_pool3d: kernel offsets visited one at a time over shifted strided
  slices of the padded input (as _pool.py does in 2-d).
* adaptive max pooling (1-3d), fractional max pooling (2-3d) and max pooling in 3-d pick one
  element per output window: their op is ``gather_op``, a linear map "take element idx of each
  plane" whose adjoint adds each gradient back at idx; max_unpool is the same pair of maps
  the other way round. Where several elements tie, the first in row-major order wins (NaN:
  the last NaN), as in PyTorch's kernels.
* adaptive average pooling in 3-d: averaging matrices applied along each dim (separable).
"""
import itertools

import numpy as np

from .. import _backend
from .._backend import xp_of
from ..ops._base import apply_linear, linear_node, wrap
from ._pool import _lowest, _out_len

_NODES = {}


def node(name):
    if name not in _NODES:
        _NODES[name] = linear_node(name)[0]
    return _NODES[name]


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


# ---- index gather / scatter -----------------------------------------------------------------

def _scatter_add(size, flat_index, values):
    """A length-``size`` array holding the sum of ``values`` at each ``flat_index``."""
    xp = xp_of(values)
    if xp is np:
        return np.bincount(flat_index, weights=values, minlength=size).astype(values.dtype)
    out = xp.zeros(size, values.dtype)
    _backend.scatter_add(out, flat_index, values)
    return out


def _global(idx, plane, dims):
    """Per-plane indices (*lead, *out) -> indices into the flattened (*lead, plane) array."""
    xp = xp_of(idx)
    lead = _prod(idx.shape[:idx.ndim - dims])
    offsets = (xp.arange(lead) * plane)[:, None]
    return (idx.reshape(lead, -1) + offsets).reshape(-1)


def gather_op(x, idx, dims, node_cls):
    """out[*l, *o] = x[*l].flat[idx[*l, *o]] over the last ``dims`` dims, as a linear op."""
    in_shape = x._data.shape
    flat = _global(idx, _prod(in_shape[len(in_shape) - dims:]), dims)

    def forward(a):
        return a.reshape(-1)[flat].reshape(idx.shape)

    def adjoint(g):
        return _scatter_add(_prod(in_shape), flat, g.reshape(-1)).reshape(in_shape)

    return apply_linear(x, forward, adjoint, node_cls)


def scatter_op(x, idx, out_spatial, node_cls):
    """max_unpool: out[*l].flat[idx[*l, *i]] = x[*l, *i], zeros elsewhere."""
    xp = xp_of(x._data)
    dims = len(out_spatial)
    lead = x._data.shape[:x._data.ndim - dims]
    plane = _prod(out_spatial)
    out_shape = tuple(lead) + tuple(out_spatial)
    flat = _global(idx, plane, dims)

    def forward(a):
        out = xp.zeros(_prod(out_shape), a.dtype)
        out[flat] = a.reshape(-1)
        return out.reshape(out_shape)

    def adjoint(g):
        return g.reshape(-1)[flat].reshape(idx.shape)

    return apply_linear(x, forward, adjoint, node_cls)


def _first_max(values, axis):
    """Index along ``axis`` of the first maximum (the last NaN where there is one)."""
    xp = xp_of(values)
    arg = values.argmax(axis)
    if values.dtype.kind == "f":
        nan = xp.isnan(values)
        if nan.any():
            last = values.shape[axis] - 1 - xp.flip(nan, axis).argmax(axis)
            arg = xp.where(nan.any(axis), last, arg)
    return arg


def windows_max(planes, tables):
    """Max over windows of (P, *spatial) planes: ``tables[d]`` lists, per output along spatial
    dim d, the input positions of its window ((o, L), or (P, o, L) where each plane has its
    own windows; a short window repeats its last position). Returns (values, flat index of
    each maximum in its plane), both (P, *out)."""
    xp = xp_of(planes)
    spatial = planes.shape[1:]
    values = planes
    index = xp.broadcast_to(xp.arange(_prod(spatial)).reshape(spatial), planes.shape)
    for d in reversed(range(len(spatial))):  # last dim first: ties go to row-major order
        table = xp.asarray(tables[d])
        if table.ndim == 2:
            table = table[None]
        _, o, width = table.shape
        moved_v = xp.moveaxis(values, 1 + d, -1)                  # (P, ..., n_d)
        moved_i = xp.moveaxis(index, 1 + d, -1)
        lookup = table.reshape((table.shape[0],) + (1,) * (moved_v.ndim - 2) + (o * width,))
        lookup = xp.broadcast_to(lookup, moved_v.shape[:-1] + (o * width,))
        picked = xp.take_along_axis(moved_v, lookup, -1).reshape(moved_v.shape[:-1] + (o, width))
        arg = xp.expand_dims(_first_max(picked, -1), -1)
        values = xp.moveaxis(xp.take_along_axis(picked, arg, -1)[..., 0], -1, 1 + d)
        picked_i = xp.take_along_axis(xp.broadcast_to(moved_i, moved_v.shape), lookup, -1)
        picked_i = picked_i.reshape(picked.shape)
        index = xp.moveaxis(xp.take_along_axis(picked_i, arg, -1)[..., 0], -1, 1 + d)
    return values, index


# ---- adaptive max pooling -------------------------------------------------------------------

def adaptive_table(n, o):
    """(o, L) input positions of each adaptive window: floor(i*n/o) .. ceil((i+1)*n/o)."""
    i = np.arange(o)
    start = (i * n) // o
    end = -((-(i + 1) * n) // o)
    width = int((end - start).max()) if o else 0
    table = start[:, None] + np.arange(max(width, 1))[None, :]
    return np.minimum(table, (end - 1)[:, None])


def _planes(x, dims):
    """The (P, *spatial) planes of an array whose last ``dims`` dims are spatial."""
    return x.reshape((-1,) + x.shape[x.ndim - dims:])


def adaptive_max_pool(input, out, dims):
    """(values, indices) of adaptive max pooling over the last ``dims`` dims."""
    x = input._data
    spatial = x.shape[x.ndim - dims:]
    _, index = windows_max(_planes(x, dims), [adaptive_table(n, o)
                                              for n, o in zip(spatial, out)])
    index = index.reshape(x.shape[:x.ndim - dims] + tuple(out))
    return gather_op(input, index, dims, node(f"AdaptiveMaxPool{dims}DBackward0")), \
        wrap(index.astype(np.int64), input)


# ---- fractional max pooling -----------------------------------------------------------------

def fractional_table(u, n, k, o):
    """(P, o, k) window positions along one dim from PyTorch's pseudo-random sequence, one
    sample u in [0, 1) per plane (computed in u's dtype, as PyTorch computes in the input's)."""
    if o == 1:
        starts = np.full((u.shape[0], 1), n - k)
    else:
        alpha = u.dtype.type(n - k) / u.dtype.type(o - 1)
        i = np.arange(o - 1, dtype=u.dtype)
        starts = (((i[None, :] + u[:, None]) * alpha).astype(np.int64)
                  - (u[:, None] * alpha).astype(np.int64))
        starts = np.concatenate([starts, np.full((u.shape[0], 1), n - k)], 1)
    return starts[:, :, None] + np.arange(k)[None, None, :]


def fractional_max_pool(input, kernel, out, samples, dims):
    """(values, indices) of fractional max pooling over the last ``dims`` dims; ``samples``
    (N, C, dims) in [0, 1): PyTorch reads them as (W, H) in 2-d and (T, H, W) in 3-d."""
    x = input._data
    spatial = x.shape[x.ndim - dims:]
    # the window tables are small: built on the host, moved by windows_max
    u = _backend.to_numpy(samples).astype(x.dtype).reshape(-1, dims)
    order = (1, 0) if dims == 2 else tuple(range(dims))
    tables = [fractional_table(u[:, order[d]], spatial[d], kernel[d], out[d])
              for d in range(dims)]
    _, index = windows_max(_planes(x, dims), tables)
    index = index.reshape(x.shape[:x.ndim - dims] + tuple(out))
    return gather_op(input, index, dims, node(f"FractionalMaxPool{dims}DBackward0")), \
        wrap(index.astype(np.int64), input)


# ---- 3-d max and average pooling ------------------------------------------------------------

class PoolGeometryNd:
    def __init__(self, in_sizes, kernel, stride, pad, dilation, ceil_mode, channels):
        self.in_sizes, self.kernel, self.stride = in_sizes, kernel, stride
        self.pad, self.dilation = pad, dilation
        for k, p, d in zip(kernel, pad, dilation):
            if p > (d * (k - 1) + 1) // 2:
                raise RuntimeError(f"pad should be at most half of effective kernel size, but "
                                   f"got pad={p}, kernel_size={k} and dilation={d}")
        out = tuple(_out_len(n, k, s, p, d, ceil_mode)
                    for n, k, s, p, d in zip(in_sizes, kernel, stride, pad, dilation))
        if min(out) < 1:
            raise RuntimeError(f"Given input size: ({'x'.join(map(str, (channels,) + in_sizes))}"
                               f"). Calculated output size: "
                               f"({'x'.join(map(str, (channels,) + out))}). Output size is too "
                               "small")
        self.out = out
        self.padded = tuple(max(n + 2 * p, (o - 1) * s + d * (k - 1) + 1) for n, p, o, s, d, k
                            in zip(in_sizes, pad, out, stride, dilation, kernel))

    def offsets(self):
        """(kernel offset tuple, window slices) of each kernel position."""
        for offset in itertools.product(*(range(k) for k in self.kernel)):
            yield offset, tuple(slice(i * d, i * d + (o - 1) * s + 1, s) for i, d, o, s in
                                zip(offset, self.dilation, self.out, self.stride))

    def padded_array(self, x, fill):
        xp = xp_of(x)
        if self.padded == tuple(x.shape[2:]):
            return x
        out = xp.full(x.shape[:2] + self.padded, fill, x.dtype)
        out[self.inner()] = x
        return out

    def inner(self):
        return (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in
                                                  zip(self.pad, self.in_sizes))


def _max_and_first_offset(views, xp):
    """(running maximum, offset of its first occurrence) over equally shaped views: the
    maximum by np.maximum (NaN propagates), the offset as e0*(1 + e1*(1 + ...)) with ek = "view
    k misses the maximum" (as _pool.max_pool_forward does), the last NaN where there is one."""
    best = xp.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy()
    for v in views[2:]:
        xp.maximum(best, v, out=best)
    small = np.int8 if len(views) <= 127 else np.int32
    arg = xp.zeros(best.shape, small) if len(views) == 1 else None
    for v in reversed(views[:-1]):
        miss = (v != best).astype(small, copy=False)
        arg = miss if arg is None else miss * (arg + 1)
    if best.dtype.kind == "f":
        nan = xp.isnan(best)
        if nan.any():
            for k, v in enumerate(views):
                xp.copyto(arg, k, where=nan & xp.isnan(v))
    return best, arg


def max_pool3d(input, geo):
    """(values, flat indices) of 3-d max pooling of a (N, C, D, H, W) or (C, D, H, W) input;
    the flat input position of each maximum is worked out from its kernel offset."""
    x = input._data
    xp = xp_of(x)
    if x.ndim == 4:
        x = x[None]
    xpad = geo.padded_array(x, _lowest(x.dtype))
    views = [xpad[(slice(None), slice(None)) + window] for _, window in geo.offsets()]
    _, which = _max_and_first_offset(views, xp)
    offset = xp.unravel_index(which, geo.kernel)
    arg = 0
    for d in range(3):  # flat position in the unpadded (D, H, W) volume
        starts = (xp.arange(geo.out[d]) * geo.stride[d] - geo.pad[d]).reshape(
            (-1,) + (1,) * (2 - d))
        arg = arg * geo.in_sizes[d] + starts + offset[d] * geo.dilation[d]
    arg = arg.reshape(input._data.shape[:-3] + geo.out)
    return gather_op(input, arg, 3, node("MaxPool3DWithIndicesBackward0")), \
        wrap(arg.astype(np.int64, copy=False), input)


def avg_divisor(geo, count_include_pad, divisor_override, xp, dtype):
    if divisor_override:
        return divisor_override
    sizes = []
    for n, k, s, p, o in zip(geo.in_sizes, geo.kernel, geo.stride, geo.pad, geo.out):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        sizes.append(end - start if count_include_pad else
                     np.minimum(end, n) - np.maximum(start, 0))
    div = sizes[0].astype(np.float64)
    for more in sizes[1:]:
        div = np.multiply.outer(div, more)
    return xp.asarray(div.astype(dtype))


def avg_pool3d(input, geo, count_include_pad, divisor_override):
    """3-d average pooling of a (N, C, D, H, W) or (C, D, H, W) input."""
    x = input._data
    xp = xp_of(x)
    div = avg_divisor(geo, count_include_pad, divisor_override, xp, x.dtype)
    lead = x.shape[:-3]

    def forward(a):
        xpad = geo.padded_array(a.reshape((-1, 1) + a.shape[-3:]), 0)
        out = xp.zeros(xpad.shape[:2] + geo.out, a.dtype)
        for _, window in geo.offsets():
            out += xpad[(slice(None), slice(None)) + window]
        return (out / div).astype(a.dtype, copy=False).reshape(lead + geo.out)

    def adjoint(g):
        share = (g.reshape((-1, 1) + geo.out) / div).astype(g.dtype, copy=False)
        acc = xp.zeros(share.shape[:2] + geo.padded, g.dtype)
        for _, window in geo.offsets():
            acc[(slice(None), slice(None)) + window] += share
        return acc[geo.inner()].reshape(lead + geo.in_sizes)

    return apply_linear(input, forward, adjoint, node("AvgPool3DBackward0"))


# ---- adaptive average pooling in 3-d ---------------------------------------------------------

def _average_matrix(n, o):
    table = adaptive_table(n, o)
    m = np.zeros((o, n))
    for i, row in enumerate(table):
        cells = np.unique(row)
        m[i, cells] = 1.0 / len(cells)
    return m


def adaptive_avg_pool3d(input, out):
    x = input._data
    xp = xp_of(x)
    mats = [xp.asarray(_average_matrix(n, o), x.dtype) for n, o in zip(x.shape[-3:], out)]

    def apply(a, transpose):
        for d, m in enumerate(mats):
            m = m.T if transpose else m
            axis = a.ndim - 3 + d
            a = xp.moveaxis(xp.tensordot(a, m, axes=([axis], [1])), -1, axis)
        return xp.ascontiguousarray(a)

    return apply_linear(input, lambda a: apply(a, False), lambda g: apply(g, True),
                        node("AdaptiveAvgPool3DBackward0"))
