"""Spatial transformers: affine_grid and grid_sample (2-d and 3-d).

affine_grid is linear in theta (grid = base @ theta^T): a linear map with its adjoint.
grid_sample reads the input at the grid's points, 'bilinear' (n-linear: 2^d corners weighted
by distance) or 'nearest', with PyTorch's coordinate rules: unnormalise from [-1, 1] (pixel
centres or corners, align_corners), then pad ('zeros', 'border' clamps, 'reflection' mirrors).
The node, GridSampler2DBackward0 / GridSampler3DBackward0, scatters the gradient back onto the
corners it read and gives the grid the derivative of the interpolation.
"""
import numpy as np

from .. import _backend
from .._backend import xp_of
from ..autograd.graph import Node
from ..ops._base import apply_linear, linear_node, record, wrap

AffineGridGeneratorBackward0, _ = linear_node("AffineGridGeneratorBackward0")


def _base_coords(n, align_corners):
    """Normalised pixel-centre coordinates along one dim."""
    if n <= 1:
        return np.zeros(max(n, 0))
    lin = np.linspace(-1.0, 1.0, n)
    return lin if align_corners else lin * (n - 1) / n


def affine_grid(theta, size, align_corners):
    """(N, *spatial, d) sampling points: base (x, y[, z], 1) @ theta^T."""
    spatial = tuple(size[2:])
    xp = xp_of(theta._data)
    dtype = theta._data.dtype
    axes = [_base_coords(n, align_corners) for n in reversed(spatial)]  # x varies fastest
    mesh = np.meshgrid(*reversed(axes), indexing="ij")                  # in (D,) H, W order
    base = np.stack([m for m in reversed(mesh)] + [np.ones(spatial)], -1)  # (..., d + 1)
    base = xp.asarray(base.reshape(-1, len(spatial) + 1).astype(dtype))
    n = size[0]
    out_shape = (n,) + spatial + (len(spatial),)

    def forward(t):
        return (base @ xp.swapaxes(t, 1, 2)).reshape(out_shape)

    def adjoint(g):
        return xp.swapaxes(g.reshape(n, -1, len(spatial)), 1, 2) @ base

    return apply_linear(theta, forward, adjoint, AffineGridGeneratorBackward0)


# ---- grid_sample ----------------------------------------------------------------------------

def _unnormalise(coord, size, align_corners):
    """(pixel coordinate, d pixel / d normalised)."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1), (size - 1) / 2
    return ((coord + 1) * size - 1) / 2, size / 2


def _reflect(x, low, high, xp):
    """Mirror x into [low, high] (twice the span is the period); returns (x, d x / d x_in)."""
    span = high - low
    if span <= 0:
        return xp.zeros_like(x), xp.zeros_like(x)
    shifted = xp.abs(x - low)
    flips = xp.floor(shifted / span)
    extra = shifted - flips * span
    even = (flips % 2) == 0
    out = xp.where(even, low + extra, high - extra)
    sign = xp.where(x >= low, 1.0, -1.0) * xp.where(even, 1.0, -1.0)
    return out, sign


def _source_coords(grid_coord, size, padding_mode, align_corners, xp):
    """Pixel coordinates to sample along one dim, and their derivative by the grid value."""
    x, scale = _unnormalise(grid_coord, size, align_corners)
    d = xp.full(x.shape, scale)
    if padding_mode == "reflection":
        if align_corners:
            x, sign = _reflect(x, 0.0, size - 1.0, xp)
        else:
            x, sign = _reflect(x, -0.5, size - 0.5, xp)
        d = d * sign
    if padding_mode in ("border", "reflection"):
        inside = (x > 0) & (x < size - 1)
        x = xp.clip(x, 0, size - 1)
        d = d * inside
    return x, d


class GridSamplerBackward(Node):
    """Shared by GridSampler2DBackward0 and GridSampler3DBackward0."""

    def backward(self, g):
        n, c = self.in_shape[:2]
        gd = g._data.reshape(n, c, -1)
        xp = xp_of(gd)
        need = self.needs_input_grad
        grad_input = grad_grid = None
        if need[0]:
            plane = int(np.prod(self.in_shape[2:]))
            offsets = (xp.arange(n)[:, None] * c + xp.arange(c)[None, :]) * plane  # (N, C)
            acc = xp.zeros(n * c * plane, gd.dtype)
            for flat, weight, valid in self.corners:
                values = (gd * (weight * valid)[:, None, :]).reshape(-1)
                _scatter_add(acc, (offsets[:, :, None] + flat[:, None, :]).reshape(-1), values)
            grad_input = wrap(acc.reshape(self.in_shape), g)
        if len(need) > 1 and need[1]:
            if self.grid_terms is None:  # nearest: piecewise constant in the grid
                grad_grid = wrap(xp.zeros(self.grid_shape, gd.dtype), g)
            else:
                parts = [(gd * term).sum(1) * dcoord for term, dcoord in self.grid_terms]
                grad_grid = wrap(xp.stack(parts, -1).reshape(self.grid_shape), g)
        return grad_input, grad_grid


def _scatter_add(acc, where, values):
    if xp_of(acc) is np:
        acc += np.bincount(where, weights=values, minlength=acc.size).astype(acc.dtype)
    else:
        _backend.scatter_add(acc, where, values)


GridSampler2DBackward0 = type("GridSampler2DBackward0", (GridSamplerBackward,), {})
GridSampler3DBackward0 = type("GridSampler3DBackward0", (GridSamplerBackward,), {})


def grid_sample(input, grid, mode, padding_mode, align_corners):
    x, gr = input._data, grid._data
    xp = xp_of(x)
    dims = x.ndim - 2
    n, c = x.shape[:2]
    spatial = x.shape[2:]
    points = gr.reshape(n, -1, dims)        # the grid's last dim is x (W), y (H)[, z (D)]
    coords, dcoords = [], []
    for axis in range(dims):                # axis 0 is the first spatial dim (H, or D)
        src, d = _source_coords(points[..., dims - 1 - axis], spatial[axis], padding_mode,
                                align_corners, xp)
        coords.append(src)
        dcoords.append(d)
    planes = x.reshape(n, c, -1)
    strides = [int(np.prod(spatial[a + 1:])) for a in range(dims)]
    corners, grid_terms = [], None
    if mode == "nearest":
        idx = [xp.rint(cd).astype(np.int64) for cd in coords]
        corners.append(_corner(idx, spatial, strides, xp, xp.ones(idx[0].shape, x.dtype)))
    else:
        low = [xp.floor(cd).astype(np.int64) for cd in coords]
        frac = [cd - lo for cd, lo in zip(coords, low)]
        # per spatial axis: sum over corners of value * d weight / d coordinate
        slopes = [xp.zeros((n, c, points.shape[1]), x.dtype) for _ in range(dims)]
        for bits in np.ndindex(*(2,) * dims):
            weights = [f if b else 1 - f for f, b in zip(frac, bits)]
            corner = _corner([lo + b for lo, b in zip(low, bits)], spatial, strides, xp,
                             _prod(weights))
            corners.append(corner)
            values = _read(planes, corner, xp)
            for a in range(dims):
                others = [w for j, w in enumerate(weights) if j != a]
                factor = _prod(others) if others else xp.ones_like(corner[1])
                slopes[a] += values * ((1.0 if bits[a] else -1.0) * factor)[:, None, :]
        # the grid's last dim runs x first, i.e. the spatial axes in reverse
        grid_terms = [(slopes[a], dcoords[a]) for a in reversed(range(dims))]
    out = sum(_read(planes, corner, xp) * corner[1][:, None, :] for corner in corners)
    res = wrap(out.reshape((n, c) + tuple(gr.shape[1:-1])).astype(x.dtype, copy=False), input)
    node_cls = GridSampler2DBackward0 if dims == 2 else GridSampler3DBackward0
    node = record(node_cls, res, (input, grid))
    if node is not None:
        node.in_shape, node.grid_shape = x.shape, gr.shape
        node.corners, node.grid_terms = corners, grid_terms
    return res


def _prod(arrays):
    out = arrays[0]
    for a in arrays[1:]:
        out = out * a
    return out


def _corner(idx, spatial, strides, xp, weight):
    """(flat index in the plane, weight, 1.0 where inside the input else 0.0) per point."""
    valid = None
    flat = 0
    for i, size, stride in zip(idx, spatial, strides):
        ok = (i >= 0) & (i < size)
        valid = ok if valid is None else valid & ok
        flat = flat + xp.clip(i, 0, size - 1) * stride
    return flat, weight, valid.astype(weight.dtype)


def _read(planes, corner, xp):
    """planes (N, C, P) at each point's corner: (N, C, points), zero outside."""
    flat, _, valid = corner
    picked = xp.take_along_axis(planes, flat[:, None, :].repeat(planes.shape[1], 1), 2)
    return picked * valid[:, None, :]
