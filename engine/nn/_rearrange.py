"""Ops that move elements without arithmetic: pixel_shuffle / pixel_unshuffle, channel_shuffle,
unfold (im2col) and fold (col2im). Each is linear, so each is a pair of array maps (forward,
adjoint) recorded through ops/_base.apply_linear, and double backward comes for free.
"""
from .._backend import xp_of
from ..ops._base import apply_linear, linear_node

PixelShuffleBackward0, _ = linear_node("PixelShuffleBackward0")
PixelUnshuffleBackward0, _ = linear_node("PixelUnshuffleBackward0")
ChannelShuffleBackward0, _ = linear_node("ChannelShuffleBackward0")
Im2ColBackward0, _ = linear_node("Im2ColBackward0")
Col2ImBackward0, _ = linear_node("Col2ImBackward0")


# ---- pixel shuffle -------------------------------------------------------------------------

def _shuffle(a, r):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    *lead, c, h, w = a.shape
    k = len(lead)
    b = a.reshape(*lead, c // (r * r), r, r, h, w)
    b = b.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return b.reshape(*lead, c // (r * r), h * r, w * r)


def _unshuffle(a, r):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    *lead, c, h, w = a.shape
    k = len(lead)
    b = a.reshape(*lead, c, h // r, r, w // r, r)
    b = b.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return b.reshape(*lead, c * r * r, h // r, w // r)


def _check_shuffle(input, factor, name, what):
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {input.dim()} dimension(s)")
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input, upscale_factor):
    r = int(upscale_factor)
    _check_shuffle(input, r, "pixel_shuffle", "upscale_factor")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           "divisible by the square of upscale_factor, but input.size(-3)="
                           f"{c} is not divisible by {r * r}")
    return apply_linear(input, lambda a: _shuffle(a, r), lambda g: _unshuffle(g, r),
                        PixelShuffleBackward0)


def pixel_unshuffle(input, downscale_factor):
    r = int(downscale_factor)
    _check_shuffle(input, r, "pixel_unshuffle", "downscale_factor")
    for dim, what in ((-2, "height"), (-1, "width")):
        n = input.shape[dim]
        if n % r:
            raise RuntimeError(f"pixel_unshuffle expects {what} to be divisible by "
                               f"downscale_factor, but input.size({dim})={n} is not divisible "
                               f"by {r}")
    return apply_linear(input, lambda a: _unshuffle(a, r), lambda g: _shuffle(g, r),
                        PixelUnshuffleBackward0)


# ---- channel shuffle -----------------------------------------------------------------------

def _channels(a, first, second):
    """(N, first*second, *) -> (N, second*first, *): the channel grid transposed."""
    n, c, *rest = a.shape
    return a.reshape(n, first, second, *rest).swapaxes(1, 2).reshape(n, c, *rest)


def channel_shuffle(input, groups):
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    g, per = groups, c // groups
    return apply_linear(input, lambda a: _channels(a, g, per), lambda a: _channels(a, per, g),
                        ChannelShuffleBackward0)


# ---- unfold / fold -------------------------------------------------------------------------

def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


class _Blocks:
    """The sliding-block geometry shared by unfold and fold."""

    def __init__(self, spatial, kernel_size, dilation, padding, stride):
        self.spatial = tuple(spatial)
        self.k, self.d = _pair(kernel_size), _pair(dilation)
        self.p, self.s = _pair(padding), _pair(stride)
        self.blocks = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in
                            zip(self.spatial, self.k, self.d, self.p, self.s))

    def describe(self):
        return (f"kernel_size={self.k}, dilation={self.d}, padding={self.p}")

    def offsets(self):
        (kh, kw), (dh, dw), (sh, sw), (oh, ow) = self.k, self.d, self.s, self.blocks
        for i in range(kh):
            for j in range(kw):
                yield i, j, (slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                             slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))

    def im2col(self, a):
        """(N, C, H, W) -> (N, C*kh*kw, L)."""
        xp = xp_of(a)
        n, c = a.shape[:2]
        (ph, pw), (h, w) = self.p, self.spatial
        padded = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), a.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = a
        out = xp.empty((n, c, self.k[0], self.k[1]) + self.blocks, a.dtype)
        for i, j, window in self.offsets():
            out[:, :, i, j] = padded[(slice(None), slice(None)) + window]
        return out.reshape(n, c * self.k[0] * self.k[1], -1)

    def col2im(self, cols):
        """(N, C*kh*kw, L) -> (N, C, H, W), overlapping blocks adding up."""
        xp = xp_of(cols)
        n = cols.shape[0]
        (kh, kw), (ph, pw), (h, w) = self.k, self.p, self.spatial
        c = cols.shape[1] // (kh * kw)
        blocks = cols.reshape((n, c, kh, kw) + self.blocks)
        acc = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
        for i, j, window in self.offsets():
            acc[(slice(None), slice(None)) + window] += blocks[:, :, i, j]
        return acc[:, :, ph:ph + h, pw:pw + w]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    if 0 < input.dim() < 3:  # PyTorch reads the sizes of dims 1 and 2 first
        d = input.dim()
        raise IndexError(f"Dimension out of range (expected to be in range of [{-d}, {d - 1}], "
                         f"but got {d})")
    if input.dim() not in (3, 4):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           "and other non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    geo = _Blocks(input.shape[-2:], kernel_size, dilation, padding, stride)
    if min(geo.blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {geo.spatial}, {geo.describe()}, "
                           "calculated shape of the array of sliding blocks as "
                           f"{geo.blocks}, but its components must be at least one.")
    if input.dim() == 4:
        return apply_linear(input, geo.im2col, geo.col2im, Im2ColBackward0)
    return apply_linear(input, lambda a: geo.im2col(a[None])[0],
                        lambda g: geo.col2im(g[None])[0], Im2ColBackward0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    if input.dim() not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           "batch size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    geo = _Blocks(_pair(output_size), kernel_size, dilation, padding, stride)
    kk = geo.k[0] * geo.k[1]
    if input.shape[-2] % kk:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={input.shape[-2]} and "
                           f"kernel_size={geo.k}.")
    n_blocks = geo.blocks[0] * geo.blocks[1]
    if input.shape[-1] != n_blocks or min(geo.blocks) < 1:
        raise RuntimeError(f"Given output_size={geo.spatial}, {geo.describe()}, "
                           f"stride={geo.s}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {geo.blocks[0]} * "
                           f"{geo.blocks[1]} = {n_blocks}, but got input.size(2)="
                           f"{input.shape[-1]}.")
    if input.dim() == 3:
        return apply_linear(input, geo.col2im, geo.im2col, Col2ImBackward0)
    # unbatched: one op all the same (PyTorch records Col2ImBackward0 here too)
    return apply_linear(input, lambda a: geo.col2im(a[None])[0],
                        lambda g: geo.im2col(g[None])[0], Col2ImBackward0)
