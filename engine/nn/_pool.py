"""Pooling on (N, C, H, W) arrays (1-D pooling runs with H = 1), as linear maps with adjoints.

Windows are visited one kernel offset at a time over shifted strided slices of the padded
input, so nothing of kernel-size times the input is ever materialised. Max pooling keeps,
per output, the offset of the FIRST maximum (PyTorch's rule, NaN wins), and its gradient
goes to exactly that element: never split across ties.
"""
import numpy as np

from .._backend import xp_of
from .._parallel import split, worth_splitting
from ..ops._base import apply_linear, linear_node


class PoolGeometry:
    __slots__ = ("kernel", "stride", "pad", "dilation", "in_hw", "out_hw", "padded_hw")

    def __init__(self, in_hw, kernel, stride, pad, dilation, ceil_mode, channels):
        self.kernel, self.stride, self.pad, self.dilation = kernel, stride, pad, dilation
        self.in_hw = in_hw
        for k, p, d in zip(kernel, pad, dilation):
            if p > (d * (k - 1) + 1) // 2:
                raise RuntimeError(f"pad should be at most half of effective kernel size, but "
                                   f"got pad={p}, kernel_size={k} and dilation={d}")
        out = tuple(_out_len(n, k, s, p, d, ceil_mode)
                    for n, k, s, p, d in zip(in_hw, kernel, stride, pad, dilation))
        if min(out) < 1:
            size = "x".join(map(str, (channels,) + in_hw))
            raise RuntimeError(f"Given input size: ({size}). Calculated output size: "
                               f"({'x'.join(map(str, (channels,) + out))}). Output size is "
                               "too small")
        self.out_hw = out
        self.padded_hw = tuple(max(n + 2 * p, (o - 1) * s + d * (k - 1) + 1)
                               for n, p, o, s, d, k in zip(in_hw, pad, out, stride, dilation,
                                                           kernel))

    def offsets(self):
        """(offset number, row slice, column slice) of each kernel position."""
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = self.kernel, self.stride, self.dilation, \
            self.out_hw
        for i in range(kh):
            rows = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh)
            for j in range(kw):
                yield i * kw + j, rows, slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)

    def padded(self, x, fill):
        (ph, pw), (h, w) = self.pad, self.in_hw
        hp, wp = self.padded_hw
        if (hp, wp) == (h, w):
            return x
        out = xp_of(x).full(x.shape[:2] + (hp, wp), fill, x.dtype)
        out[:, :, ph:ph + h, pw:pw + w] = x
        return out

    def crop(self, xpad):
        (ph, pw), (h, w) = self.pad, self.in_hw
        if xpad.shape[2:] == (h, w):
            return xpad
        return xpad[:, :, ph:ph + h, pw:pw + w]


def _out_len(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1  # the last window must start inside the input or its left padding
    return out


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


# ---- max pooling ---------------------------------------------------------------------------

def max_pool_forward(x, geo):
    """(values, offset of the first maximum per output as int8/int32), for large inputs
    computed a span of samples per core."""
    threads = worth_splitting(x)
    if threads == 1 or x.shape[0] < 2:
        return _max_pool_forward(x, geo)
    shape = x.shape[:2] + geo.out_hw
    best = np.empty(shape, x.dtype)
    arg = np.empty(shape, np.int8 if geo.kernel[0] * geo.kernel[1] <= 127 else np.int32)

    def samples(n0, n1):
        best[n0:n1], arg[n0:n1] = _max_pool_forward(x[n0:n1], geo)
    split(samples, x.shape[0], threads)
    return best, arg


def _max_pool_forward(x, geo):
    """(values, offset of the first maximum per output as int8/int32).

    The maximum is a running np.maximum over the offsets (which propagates NaN, as PyTorch
    does). The first offset holding it is e0 * (1 + e1 * (1 + e2 * ...)) with ek = "offset k
    is not the maximum": 0 when offset 0 holds it, 1 when only offset 1 does, and so on.
    """
    xp = xp_of(x)
    xpad = geo.padded(x, _lowest(x.dtype))
    views = [xpad[:, :, rows, cols] for _, rows, cols in geo.offsets()]
    if len(views) == 1:
        return views[0].copy(), xp.zeros(views[0].shape, np.int8)
    best = xp.maximum(views[0], views[1])
    for v in views[2:]:
        xp.maximum(best, v, out=best)
    small = np.int8 if len(views) <= 127 else np.int32
    arg = None
    for v in reversed(views[:-1]):
        miss = (v != best).astype(small, copy=False) if small is not np.int8 else \
            (v != best).view(np.int8)
        arg = miss if arg is None else miss * (arg + 1)
    if x.dtype.kind == "f":
        nan = best != best
        if nan.any():  # PyTorch lets every NaN replace the maximum: the last NaN wins
            for k in range(len(views)):
                xp.copyto(arg, k, where=nan & (views[k] != views[k]))
    return best, arg


def _scatter_to_offsets(g, arg, geo):
    """The adjoint of picking xpad[offset arg] per output: each g goes to its element."""
    xp = xp_of(g)
    acc = xp.empty(g.shape[:2] + geo.padded_hw, g.dtype)
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    disjoint = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1

    def samples(n0, n1):
        part, gs, args = acc[n0:n1], g[n0:n1], arg[n0:n1]
        part[...] = 0
        hit = xp.empty(gs.shape, bool)
        for k, rows, cols in geo.offsets():
            xp.equal(args, k, out=hit)
            if disjoint:  # windows do not overlap: every element is written at most once
                xp.multiply(gs, hit, out=part[:, :, rows, cols])
            else:
                part[:, :, rows, cols] += gs * hit
    split(samples, acc.shape[0], worth_splitting(acc))  # large ones a span of samples a core
    return geo.crop(acc)


def _gather_from_offsets(x, arg, geo):
    xpad = geo.padded(x, 0)
    out = None
    for k, rows, cols in geo.offsets():
        part = xpad[:, :, rows, cols] * (arg == k)
        out = part if out is None else out + part
    return out


def flat_indices(arg, geo):
    """PyTorch's return_indices: the flat position h * W + w of each maximum in its plane."""
    xp = xp_of(arg)
    kw = geo.kernel[1]
    (sh, sw), (dh, dw), (ph, pw) = geo.stride, geo.dilation, geo.pad
    oh, ow = geo.out_hw
    i, j = arg // kw, arg % kw
    rows = xp.arange(oh).reshape(-1, 1) * sh + i.astype(np.int64) * dh - ph
    cols = xp.arange(ow) * sw + j.astype(np.int64) * dw - pw
    return rows * geo.in_hw[1] + cols


MaxPool2DWithIndicesBackward0, _MaxPoolAdjoint = linear_node("MaxPool2DWithIndicesBackward0")


def max_pool(x, geo, node_cls=MaxPool2DWithIndicesBackward0):
    """Engine op: max pooling of x (N, C, H, W), or (N, C, L) when geo's H is 1.

    Returns the pooled tensor and the offsets of the maxima (for return_indices)."""
    in_shape = x._data.shape
    in4 = in_shape[:-1] + (1,) + in_shape[-1:] if len(in_shape) == 3 else in_shape
    out4 = in4[:2] + geo.out_hw
    out_shape = out4 if len(in_shape) == 4 else out4[:2] + out4[3:]
    values, arg = max_pool_forward(x._data.reshape(in4), geo)

    def forward_map(a):
        return _gather_from_offsets(a.reshape(in4), arg, geo).reshape(out_shape)

    def adjoint(g):
        return _scatter_to_offsets(g.reshape(out4), arg, geo).reshape(in_shape)

    out = apply_linear(x, forward_map, adjoint, node_cls, out_data=values.reshape(out_shape),
                       keep_input=True)  # PyTorch keeps the input: writes to it are refused
    return out, arg


# ---- average pooling -----------------------------------------------------------------------

def avg_divisor(geo, count_include_pad, divisor_override, xp):
    """(OH, OW) array of what each window's sum is divided by (PyTorch's rule)."""
    if divisor_override:
        return divisor_override
    sizes = []
    for n, k, s, p, o in zip(geo.in_hw, geo.kernel, geo.stride, geo.pad, geo.out_hw):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            sizes.append(end - start)
        else:
            sizes.append(np.minimum(end, n) - np.maximum(start, 0))
    return xp.asarray(np.outer(sizes[0], sizes[1]).astype(np.float64))


AvgPool2DBackward0, _AvgPoolAdjoint = linear_node("AvgPool2DBackward0")


def avg_pool(x, geo, count_include_pad, divisor_override):
    """Engine op: average pooling of x (N, C, H, W), or (N, C, L) when geo's H is 1."""
    xp = xp_of(x._data)
    div = avg_divisor(geo, count_include_pad, divisor_override, xp)
    in_shape = x._data.shape
    in4 = in_shape[:-1] + (1,) + in_shape[-1:] if len(in_shape) == 3 else in_shape
    out4 = in4[:2] + geo.out_hw
    out_shape = out4 if len(in_shape) == 4 else out4[:2] + out4[3:]

    def forward_map(a):
        xpad = geo.padded(a.reshape(in4), 0)
        out = None
        for _, rows, cols in geo.offsets():
            part = xpad[:, :, rows, cols]
            out = part.copy() if out is None else out + part
        return (out / div).astype(a.dtype, copy=False).reshape(out_shape)

    def adjoint(g):
        share = (g.reshape(out4) / div).astype(g.dtype, copy=False)
        acc = xp.zeros(out4[:2] + geo.padded_hw, g.dtype)
        for _, rows, cols in geo.offsets():
            acc[:, :, rows, cols] += share
        return geo.crop(acc).reshape(in_shape)

    return apply_linear(x, forward_map, adjoint, AvgPool2DBackward0, keep_input=True)


# ---- adaptive average pooling --------------------------------------------------------------

def _adaptive_matrix(n, o, dtype):
    """(o, n) matrix averaging input cells floor(i*n/o) .. ceil((i+1)*n/o) into output i."""
    m = np.zeros((o, n), dtype)
    for i in range(o):
        start, end = (i * n) // o, -((-(i + 1) * n) // o)
        m[i, start:end] = 1.0 / (end - start)
    return m


AdaptiveAvgPool2DBackward0, _AdaptiveAdjoint = linear_node("AdaptiveAvgPool2DBackward0")


def separable_map(x, ah, aw, node_cls):
    """out = ah @ x @ aw^T over the last two dims of x (any leading dims): adaptive average
    pooling and interpolation are such maps, and their adjoint swaps in the transposes."""
    xp = xp_of(x._data)
    lead = x._data.shape[:-2]
    ah, aw = xp.asarray(ah, x._data.dtype), xp.asarray(aw, x._data.dtype)

    def apply(a, left, right):
        rows, cols = a.shape[-2:]
        t = a.reshape(-1, cols) @ right.T                          # (..., rows, out cols)
        t = t.reshape(-1, rows, right.shape[0]).transpose(1, 0, 2).reshape(rows, -1)
        t = (left @ t).reshape(left.shape[0], -1, right.shape[0]).transpose(1, 0, 2)
        return xp.ascontiguousarray(t).reshape(tuple(lead) + (left.shape[0], right.shape[0]))

    return apply_linear(x, lambda a: apply(a, ah, aw), lambda g: apply(g, ah.T, aw.T),
                        node_cls)


def separable_map_3d(x, mats, node_cls):
    """``separable_map`` over the last three dims of x: one matrix per dim."""
    xp = xp_of(x._data)
    d, h, w = (xp.asarray(m, x._data.dtype) for m in mats)

    def apply(a, md, mh, mw):
        return xp.ascontiguousarray(xp.einsum("...dhw,Dd,Hh,Ww->...DHW", a, md, mh, mw,
                                              optimize=True))

    return apply_linear(x, lambda a: apply(a, d, h, w), lambda g: apply(g, d.T, h.T, w.T),
                        node_cls)


def adaptive_avg_pool(x, out_hw, node_cls=AdaptiveAvgPool2DBackward0):
    """Pool the last two dims of x (any leading dims) to out_hw."""
    h, w = x._data.shape[-2:]
    return separable_map(x, _adaptive_matrix(h, out_hw[0], np.float64),
                         _adaptive_matrix(w, out_hw[1], np.float64), node_cls)


# ---- interpolation (F.interpolate / nn.Upsample) --------------------------------------------

def interpolation_matrix(n_in, n_out, mode, align_corners, scale):
    """(n_out, n_in) weights of PyTorch's 'nearest' / 'bilinear' sampling along one dim.
    ``scale`` is 1/scale_factor when the caller gave one, else n_in / n_out."""
    m = np.zeros((n_out, n_in))
    dst = np.arange(n_out)
    if mode == "nearest":
        m[dst, np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1)] = 1.0
        return m
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    np.add.at(m, (dst, i0), 1.0 - frac)
    np.add.at(m, (dst, i1), frac)
    return m
