"""The convolution kernels on arrays: one large GEMM per batch chunk, im2col by strided view.

Three kernels, all on (N, C, H, W) arrays (1-D convolutions run with H = 1):

* ``conv``         y  = conv(x, w)                     forward
* ``input_grad``   dx = conv^T(g, w)  (col2im)         backward w.r.t. x, and ConvTranspose
* ``weight_grad``  dw = corr(x, g)                     backward w.r.t. w

The batch is folded into the GEMM: the im2col matrix is (C*kh*kw, columns) with every output
position of every sample of a chunk as a column. Three column orders keep its copies fast,
chosen by shape (each measured faster where it is used):

* rows: the input as it comes, (N, C, Hp, Wp); im2col rows are runs of OW elements;
* batch-innermost, for narrow maps (OW < 16): the chunk is first transposed to
  (C, Hp, Wp, nb), so each im2col row and col2im add moves runs of OW*nb elements;
* the wide grid (stride 1, wide images): output on a grid as wide as the padded input, so a
  row is ONE run of OH*Wp elements, with Wp - OW junk columns per row that are dropped (used
  when they cost under 10%).

conv^T on the wide grid runs as a full correlation of g with the flipped kernel (one im2col,
one GEMM) when the layer has no more output than input channels or is tiny; otherwise as a
GEMM and kh*kw shifted adds, sharing a chunk loop with the weight gradient (``grads``).

The im2col matrix is rebuilt in the backward rather than kept alive, and the batch runs in
chunks whose matrix stays under ``_COLS_BUDGET`` bytes, about a core's share of the cache:
the GEMM reads what the copy just wrote from cache (on 32x64x56x56 an 8 MiB budget is a
third faster than one 240 MiB matrix; on a machine shared with other work 2 MiB beat 8 by
a third on ResNet-block layers), and memory stays bounded. The chunks are shared among the
engine's threads (torch.set_num_threads), each GEMM on one BLAS thread (``_map_chunks``).
"""
import numpy

from .._backend import xp_of
from .._config import engine_threads
from .._parallel import map_spans, spans as even_spans, split, worth_splitting

_COLS_BUDGET = 2 * 1024 * 1024


class Geometry:
    """stride, (low, high) padding and dilation per spatial dim (always 2), and groups."""
    __slots__ = ("stride", "pad", "dilation", "groups", "one_d")

    def __init__(self, stride, pad, dilation, groups, one_d=False):
        self.stride, self.pad, self.dilation = stride, pad, dilation
        self.groups, self.one_d = groups, one_d

    def out_size(self, in_hw, k_hw):
        return tuple((n + p0 + p1 - d * (k - 1) - 1) // s + 1 for n, k, s, (p0, p1), d in
                     zip(in_hw, k_hw, self.stride, self.pad, self.dilation))


def _as_strided(xp, arr, shape, strides):
    """A strided view of ``arr``'s memory. NumPy's ndarray constructor on a contiguous buffer
    costs 2 us where stride_tricks.as_strided costs 16 (it goes through __array_interface__)."""
    if xp is numpy and arr.flags.c_contiguous:
        return numpy.ndarray(shape, arr.dtype, arr, 0, strides)
    return xp.lib.stride_tricks.as_strided(arr, shape=shape, strides=strides)


def _chunks(n, per_sample_bytes):
    """Batch spans whose im2col matrix fits the budget, as many as a multiple of the threads
    (3 chunks on 2 threads left one thread idle a third of the time)."""
    count = -(-n // max(1, min(n, _COLS_BUDGET // max(1, per_sample_bytes))))
    threads = _threads()
    if threads > 1:
        count = min(n, -(-count // threads) * threads)
    return even_spans(n, count)


def _map_chunks(fn, spans, xp):
    """[fn(n0, n1) for each span], the spans shared among the engine's threads.

    Each chunk's im2col copy and GEMM run in one thread with a one-thread BLAS: small GEMMs
    on a multi-threaded BLAS spend their time waking and syncing its threads (a ResNet-block
    conv ran 3x slower at two BLAS threads than at one), and the copies, single-threaded
    around a threaded GEMM, then run in parallel too. NumPy releases the GIL in both."""
    return map_spans(fn, spans, _threads() if xp is numpy else 1, blas=True)


def _threads():  # a seam for the chunking tests
    return engine_threads()


def _gemm(a, b):
    """(G, m, k) @ (G, k, n), one BLAS call per group (a plain 2-D product when G == 1).
    The 2-D product is dot, not matmul: NumPy's matmul keeps the GIL through the BLAS call
    when the result has under 500 elements (a weight gradient like the seed's 25 x 6), so
    the chunks of other threads waited on it (measured: no gain from a second thread)."""
    if a.shape[0] == 1:
        return xp_of(a).dot(a[0], b[0])[None]
    return a @ b


def _summed(parts):
    total = parts[0]
    for part in parts[1:]:
        total += part  # each chunk's GEMM returned a fresh array
    return total


def _weight_from_transposed(dw_t, w_shape):
    """(G, Cg*kh*kw, O/G) -> w's shape. The weight gradient is computed transposed,
    cols @ g^T, which OpenBLAS runs 20-40% faster than g @ cols^T."""
    return xp_of(dw_t).ascontiguousarray(dw_t.transpose(0, 2, 1)).reshape(w_shape)


# ---- row layout ---------------------------------------------------------------------------
# (N, C, Hp, Wp) as it comes: im2col rows are OW-long runs. Best when rows are long enough
# that the per-run cost vanishes and the batch-innermost transposes would cost more.

def _padded(x, geo, extra=(0, 0)):
    (ph0, ph1), (pw0, pw1) = geo.pad
    if not (ph0 or ph1 or pw0 or pw1 or extra[0] or extra[1]):
        return x
    xp = xp_of(x)
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h + ph0 + ph1 + extra[0], w + pw0 + pw1 + extra[1]), x.dtype)
    out[:, :, ph0:ph0 + h, pw0:pw0 + w] = x
    return out


def _cols(xp, xpad, n0, n1, k_hw, out_hw, geo):
    """The im2col matrix of samples n0:n1, shape (G, Cg*kh*kw, nb*OH*OW), a fresh copy."""
    sn, sc, sh, sw = xpad.strides
    c = xpad.shape[1]
    g = geo.groups
    (kh, kw), (oh, ow) = k_hw, out_hw
    (st_h, st_w), (d_h, d_w) = geo.stride, geo.dilation
    view = _as_strided(xp, xpad[n0:n1], (g, c // g, kh, kw, n1 - n0, oh, ow),
                       ((c // g) * sc, sc, d_h * sh, d_w * sw, sn, st_h * sh, st_w * sw))
    return view.reshape(g, (c // g) * kh * kw, (n1 - n0) * oh * ow)


def _g_matrix(g, n0, n1, groups):
    """g[n0:n1] (nb, O, OH, OW) as (G, O/G, nb*OH*OW)."""
    nb, o, oh, ow = g[n0:n1].shape
    if nb == 1:
        return g[n0].reshape(groups, o // groups, oh * ow)
    return g[n0:n1].transpose(1, 0, 2, 3).reshape(groups, o // groups, nb * oh * ow)


def _conv_rows(x, w, geo):
    xp = xp_of(x)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = geo.out_size((h, wd), (kh, kw))
    xpad = _padded(x, geo)
    wmat = w.reshape(geo.groups, o // geo.groups, cg * kh * kw)
    spans = _chunks(n, c * kh * kw * oh * ow * x.itemsize)
    if len(spans) == 1 and n == 1:
        out = _gemm(wmat, _cols(xp, xpad, 0, 1, (kh, kw), (oh, ow), geo))
        return out.reshape(1, o, oh, ow)
    y = xp.empty((n, o, oh, ow), x.dtype)

    def chunk(n0, n1):
        out = _gemm(wmat, _cols(xp, xpad, n0, n1, (kh, kw), (oh, ow), geo))
        y[n0:n1] = out.reshape(o, n1 - n0, oh, ow).transpose(1, 0, 2, 3)
    _map_chunks(chunk, spans, xp)
    return y


def _weight_grad_rows(x, g, w_shape, geo):
    xp = xp_of(x)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w_shape
    oh, ow = g.shape[2:]
    xpad = _padded(x, geo)

    def chunk(n0, n1):
        cols = _cols(xp, xpad, n0, n1, (kh, kw), (oh, ow), geo)
        return _gemm(cols, _g_matrix(g, n0, n1, geo.groups).transpose(0, 2, 1))
    parts = _map_chunks(chunk, _chunks(n, c * kh * kw * oh * ow * x.itemsize), xp)
    return _weight_from_transposed(_summed(parts), w_shape)


def _input_grad_rows(g, w, x_shape, geo):
    xp = xp_of(g)
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    oh, ow = g.shape[2:]
    (ph0, ph1), (pw0, pw1) = geo.pad
    (st_h, st_w), (d_h, d_w) = geo.stride, geo.dilation
    hp = max(h + ph0 + ph1, (oh - 1) * st_h + d_h * (kh - 1) + 1)
    wp = max(wd + pw0 + pw1, (ow - 1) * st_w + d_w * (kw - 1) + 1)
    wmat_t = w.reshape(geo.groups, o // geo.groups, cg * kh * kw).transpose(0, 2, 1)
    dx = xp.empty(x_shape, g.dtype)

    def chunk(n0, n1):
        nb = n1 - n0
        dcols = _gemm(wmat_t, _g_matrix(g, n0, n1, geo.groups))
        dcols = dcols.reshape(c, kh, kw, nb, oh, ow)
        acc = xp.zeros((c, nb, hp, wp), g.dtype)  # channel-major: every add is row-contiguous
        for i in range(kh):
            rows = slice(i * d_h, i * d_h + (oh - 1) * st_h + 1, st_h)
            for j in range(kw):
                cols_ = slice(j * d_w, j * d_w + (ow - 1) * st_w + 1, st_w)
                acc[:, :, rows, cols_] += dcols[:, i, j]
        dx[n0:n1] = acc[:, :, ph0:ph0 + h, pw0:pw0 + wd].transpose(1, 0, 2, 3)
    _map_chunks(chunk, _chunks(n, c * kh * kw * oh * ow * g.itemsize), xp)
    return dx


# ---- batch-innermost layout --------------------------------------------------------------

def _padded_extent(geo, in_hw, k_hw, out_hw):
    """(Hp, Wp): the padded input, large enough for every window (conv^T may need more)."""
    return tuple(max(n + p0 + p1, (o - 1) * s + d * (k - 1) + 1) for n, (p0, p1), o, s, d, k
                 in zip(in_hw, geo.pad, out_hw, geo.stride, geo.dilation, k_hw))


def _bn_input(x, n0, n1, geo, hp, wp):
    """Samples n0:n1 of x, zero-padded, as (C, Hp, Wp, nb)."""
    n, c, h, w = x.shape
    (ph0, _), (pw0, _) = geo.pad
    out = xp_of(x).zeros((c, hp, wp, n1 - n0), x.dtype)
    out[:, ph0:ph0 + h, pw0:pw0 + w, :] = x[n0:n1].transpose(1, 2, 3, 0)
    return out


def _bn_cols(xt, k_hw, out_hw, geo):
    """im2col of a (C, Hp, Wp, nb) chunk: (G, Cg*kh*kw, OH*OW*nb), a fresh copy."""
    c, _, _, nb = xt.shape
    s_c, s_h, s_w, s_n = xt.strides
    g = geo.groups
    (kh, kw), (oh, ow) = k_hw, out_hw
    (st_h, st_w), (d_h, d_w) = geo.stride, geo.dilation
    view = _as_strided(xp_of(xt), xt, (g, c // g, kh, kw, oh, ow, nb),
                       ((c // g) * s_c, s_c, d_h * s_h, d_w * s_w, st_h * s_h, st_w * s_w, s_n))
    return view.reshape(g, (c // g) * kh * kw, oh * ow * nb)


def _bn_g(g, n0, n1, groups):
    """g[n0:n1] (nb, O, OH, OW) as (G, O/G, OH*OW*nb)."""
    nb, o, oh, ow = g[n0:n1].shape
    return xp_of(g).ascontiguousarray(g[n0:n1].transpose(1, 2, 3, 0)).reshape(
        groups, o // groups, oh * ow * nb)


def _conv_bn(x, w, geo):
    xp = xp_of(x)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = geo.out_size((h, wd), (kh, kw))
    hp, wp = _padded_extent(geo, (h, wd), (kh, kw), (oh, ow))
    wmat = w.reshape(geo.groups, o // geo.groups, cg * kh * kw)
    y = xp.empty((n, o, oh, ow), x.dtype)

    def chunk(n0, n1):
        cols = _bn_cols(_bn_input(x, n0, n1, geo, hp, wp), (kh, kw), (oh, ow), geo)
        y[n0:n1] = _gemm(wmat, cols).reshape(o, oh, ow, n1 - n0).transpose(3, 0, 1, 2)
    _map_chunks(chunk, _chunks(n, c * kh * kw * oh * ow * x.itemsize), xp)
    return y


def _weight_grad_bn(x, g, w_shape, geo):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w_shape
    oh, ow = g.shape[2:]
    hp, wp = _padded_extent(geo, (h, wd), (kh, kw), (oh, ow))

    def chunk(n0, n1):
        cols = _bn_cols(_bn_input(x, n0, n1, geo, hp, wp), (kh, kw), (oh, ow), geo)
        return _gemm(cols, _bn_g(g, n0, n1, geo.groups).transpose(0, 2, 1))
    parts = _map_chunks(chunk, _chunks(n, c * kh * kw * oh * ow * x.itemsize), xp_of(x))
    return _weight_from_transposed(_summed(parts), w_shape)


def _input_grad_bn(g, w, x_shape, geo):
    xp = xp_of(g)
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    oh, ow = g.shape[2:]
    (ph0, _), (pw0, _) = geo.pad
    (st_h, st_w), (d_h, d_w) = geo.stride, geo.dilation
    hp, wp = _padded_extent(geo, (h, wd), (kh, kw), (oh, ow))
    wmat_t = w.reshape(geo.groups, o // geo.groups, cg * kh * kw).transpose(0, 2, 1)
    dx = xp.empty(x_shape, g.dtype)

    def chunk(n0, n1):
        nb = n1 - n0
        dcols = _gemm(wmat_t, _bn_g(g, n0, n1, geo.groups)).reshape(c, kh, kw, oh, ow, nb)
        acc = xp.zeros((c, hp, wp, nb), g.dtype)
        for i in range(kh):
            rows = slice(i * d_h, i * d_h + (oh - 1) * st_h + 1, st_h)
            for j in range(kw):
                cols = slice(j * d_w, j * d_w + (ow - 1) * st_w + 1, st_w)
                acc[:, rows, cols, :] += dcols[:, i, j]
        dx[n0:n1] = acc[:, ph0:ph0 + h, pw0:pw0 + wd, :].transpose(3, 0, 1, 2)
    _map_chunks(chunk, _chunks(n, c * kh * kw * oh * ow * g.itemsize), xp)
    return dx


# ---- stride 1: the "wide" layout ------------------------------------------------------------
# With stride 1 every kernel offset (i, j) reads the padded input shifted by i*Wp + j in the
# flattened (Hp*Wp) plane. Computing the output on a grid as wide as the padded input (Wp
# columns, of which the last Wp - OW are junk and dropped) turns each im2col row into ONE
# contiguous run of OH*Wp elements, and each col2im add into one contiguous shifted add, instead
# of OH short rows: the copies run at memcpy speed. The junk columns cost Wp/OW extra GEMM work.

def _wide_input(x, geo, kw):
    """The zero-padded input in a flat buffer with room for the last window's tail."""
    xp = xp_of(x)
    n, c, h, w = x.shape
    (ph0, ph1), (pw0, pw1) = geo.pad
    hp, wp = h + ph0 + ph1, w + pw0 + pw1
    size = n * c * hp * wp
    flat = xp.empty(size + geo.dilation[1] * (kw - 1), x.dtype)
    planes = flat[:size].reshape(n, c, hp, wp)

    def samples(n0, n1):
        dst = planes[n0:n1]
        dst[:, :, ph0:ph0 + h, pw0:pw0 + w] = x[n0:n1]
        # zero only the borders: a full memset costs as much as the copy
        dst[:, :, :ph0], dst[:, :, ph0 + h:] = 0, 0
        dst[:, :, ph0:ph0 + h, :pw0], dst[:, :, ph0:ph0 + h, pw0 + w:] = 0, 0
    split(samples, n, worth_splitting(flat))
    flat[size:] = 0
    return flat, hp, wp


def _wide_cols(xp, flat, c, hp, wp, n0, n1, kh, kw, oh, geo):
    """(G, Cg*kh*kw, nb*OH*Wp) im2col matrix of samples n0:n1 on the wide grid."""
    it = flat.itemsize
    g = geo.groups
    d_h, d_w = geo.dilation
    plane = hp * wp
    view = _as_strided(xp, flat[n0 * c * plane:],
                       (g, c // g, kh, kw, n1 - n0, oh * wp),
                       ((c // g) * plane * it, plane * it, d_h * wp * it, d_w * it,
                        c * plane * it, it))
    return view.reshape(g, (c // g) * kh * kw, (n1 - n0) * oh * wp)


def _wide_g(g, n0, n1, wp, groups):
    """g[n0:n1] as (G, O/G, nb*OH*Wp), zero in the junk columns."""
    xp = xp_of(g)
    nb, o, oh, ow = g[n0:n1].shape
    out = xp.empty((o, nb, oh, wp), g.dtype)
    out[:, :, :, :ow] = g[n0:n1].transpose(1, 0, 2, 3)
    out[:, :, :, ow:] = 0
    return out.reshape(groups, o // groups, nb * oh * wp)


def _conv_wide(x, w, geo):
    xp = xp_of(x)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = geo.out_size((h, wd), (kh, kw))
    flat, hp, wp = _wide_input(x, geo, kw)
    wmat = w.reshape(geo.groups, o // geo.groups, cg * kh * kw)
    y = xp.empty((n, o, oh, ow), x.dtype)

    def chunk(n0, n1):
        out = _gemm(wmat, _wide_cols(xp, flat, c, hp, wp, n0, n1, kh, kw, oh, geo))
        y[n0:n1] = out.reshape(o, n1 - n0, oh, wp)[:, :, :, :ow].transpose(1, 0, 2, 3)
    _map_chunks(chunk, _chunks(n, c * kh * kw * oh * wp * x.itemsize), xp)
    return y


def _grads_wide(x, g, w, x_shape, w_shape, geo):
    """(dx, dw) on the wide grid in ONE chunk loop: each chunk of g is laid out wide once and
    feeds both GEMMs while in cache. x None: dx alone; w None: dw alone."""
    xp = xp_of(g)
    n, c, h, wd = x_shape
    o, _, kh, kw = w_shape
    oh = g.shape[2]
    (ph0, ph1), (pw0, pw1) = geo.pad
    d_h, d_w = geo.dilation
    hp, wp = h + ph0 + ph1, wd + pw0 + pw1
    plane, run, groups = hp * wp, oh * wp, geo.groups
    flat = None if x is None else _wide_input(x, geo, kw)[0]
    wmat_t = None if w is None else \
        w.reshape(groups, o // groups, (c // groups) * kh * kw).transpose(0, 2, 1)
    dx = None if w is None else xp.empty(x_shape, g.dtype)

    def chunk(n0, n1):
        nb = n1 - n0
        g_wide = _wide_g(g, n0, n1, wp, groups)
        dw_part = None
        if flat is not None:
            cols = _wide_cols(xp, flat, c, hp, wp, n0, n1, kh, kw, oh, geo)
            dw_part = _gemm(cols, g_wide.transpose(0, 2, 1))
            del cols  # before dcols: the chunk's memory stays one matrix
        if wmat_t is not None:
            dcols = _gemm(wmat_t, g_wide).reshape(c, kh, kw, nb, run)
            acc = xp.zeros((c, nb, plane + d_w * (kw - 1)), g.dtype)
            for i in range(kh):
                for j in range(kw):
                    start = i * d_h * wp + j * d_w
                    acc[:, :, start:start + run] += dcols[:, i, j]
            planes = acc[:, :, :plane].reshape(c, nb, hp, wp)
            dx[n0:n1] = planes[:, :, ph0:ph0 + h, pw0:pw0 + wd].transpose(1, 0, 2, 3)
        return dw_part
    parts = _map_chunks(chunk, _chunks(n, c * kh * kw * run * g.itemsize), xp)
    dw = None if flat is None else _weight_from_transposed(_summed(parts), w_shape)
    return dx, dw


def _flipped_transposed(w, groups):
    """Per group, w (O, Cg, kh, kw) -> (C, Og, kh, kw) with the kernel rotated by 180 deg."""
    o, cg, kh, kw = w.shape
    og = o // groups
    wt = w.reshape(groups, og, cg, kh, kw).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
    return xp_of(w).ascontiguousarray(wt).reshape(groups * cg, og, kh, kw)


def _full_pads(w, geo):
    """The padding of g that turns conv^T into a full correlation (stride 1), or None when a
    padding exceeds the kernel's reach (negative padding)."""
    kh, kw = w.shape[2:]
    (ph0, ph1), (pw0, pw1) = geo.pad
    d_h, d_w = geo.dilation
    pads = ((d_h * (kh - 1) - ph0, d_h * (kh - 1) - ph1),
            (d_w * (kw - 1) - pw0, d_w * (kw - 1) - pw1))
    return None if min(min(p) for p in pads) < 0 else pads


def _full_correlation(g, w, geo):
    """Stride 1: dx is g, padded by d*(k-1) - p, convolved with the flipped, transposed
    kernel. One im2col + one GEMM, instead of a GEMM plus kh*kw shifted adds: faster on tiny
    layers only (its im2col has O, not C, rows per offset and spans the padded g)."""
    back = Geometry((1, 1), _full_pads(w, geo), geo.dilation, geo.groups)
    return _conv_wide(g, _flipped_transposed(w, geo.groups), back)


def _wide_pays(geo, in_w, k_w):
    """The wide grid when it adds at most 10% junk columns (Wp / OW); on narrow images
    (the seed's 14-pixel maps: 40%) the junk costs more than the short copies save."""
    if geo.stride != (1, 1):
        return False
    wp = in_w + geo.pad[1][0] + geo.pad[1][1]
    return wp * 10 <= (wp - geo.dilation[1] * (k_w - 1)) * 11


# ---- the kernels ----------------------------------------------------------------------------

def _narrow(out_w):
    """Rows this short make the batch-innermost layout pay for its transposes (measured:
    the seed's 10-wide maps gain a third, its 28-wide maps lose a quarter)."""
    return out_w < 16


def conv(x, w, geo):
    if _wide_pays(geo, x.shape[3], w.shape[3]):
        return _conv_wide(x, w, geo)
    if _narrow(geo.out_size(x.shape[2:], w.shape[2:])[1]):
        return _conv_bn(x, w, geo)
    return _conv_rows(x, w, geo)


def weight_grad(x, g, w_shape, geo):
    if _wide_pays(geo, x.shape[3], w_shape[3]):
        return _grads_wide(x, g, None, x.shape, w_shape, geo)[1]
    if _narrow(g.shape[3]):
        return _weight_grad_bn(x, g, w_shape, geo)
    return _weight_grad_rows(x, g, w_shape, geo)


def grads(x, g, w, geo):
    """(dx, dw) of y = conv(x, w) in one pass over g where a layout shares it (the wide
    grid); None where the two kernels run apart anyway."""
    if _dx_layout(g, w, x.shape, geo) != "wide":
        return None
    return _grads_wide(x, g, w, x.shape, w.shape, geo)


def _dx_layout(g, w, x_shape, geo):
    """Which kernel computes conv^T(g, w) for an input of x_shape."""
    if geo.stride == (1, 1) and geo.out_size(x_shape[2:], w.shape[2:]) == g.shape[2:]:
        # small layers and single samples: kh*kw shifted adds cost more in calls than a
        # second im2col does (the seed's conv2 at batch 1: 42 us against 93; at batch 2
        # 100 against 110; at batch 4 the adds win, 140 against 182)
        small = x_shape[0] == 1 or g.size * w.shape[1] * w[0, 0].size < 1 << 19
        if small and _full_pads(w, geo) is not None:
            return "full"
        if _wide_pays(geo, x_shape[3], w.shape[3]):
            # no more output than input channels: the full correlation's GEMM (K = O*kh*kw)
            # beats a GEMM that writes C*kh*kw rows then kh*kw shifted adds (measured on
            # 100x16x32x32: 10 ms against 18; 32 to 16 channels: 10 against 20; 64 to 64 even)
            if w.shape[0] <= w.shape[1] * geo.groups and _full_pads(w, geo) is not None:
                return "full"
            return "wide"
    return "bn" if _narrow(g.shape[3]) else "rows"


def input_grad(g, w, x_shape, geo):
    """conv^T: the (N, C, H, W) array whose conv with w pairs with g (col2im of w^T g)."""
    layout = _dx_layout(g, w, x_shape, geo)
    if layout == "full":
        return _full_correlation(g, w, geo)
    if layout == "wide":
        return _grads_wide(None, g, w, x_shape, w.shape, geo)[0]
    if layout == "bn":
        return _input_grad_bn(g, w, x_shape, geo)
    return _input_grad_rows(g, w, x_shape, geo)
