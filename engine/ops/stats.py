"""Statistics and calculus over a dim: histograms, cov/corrcoef, quantiles, mode, kthvalue,
logcumsumexp, diff, trapezoid rules, gradient, renorm, dist, unique_consecutive.

Ops PyTorch builds from others (cov, quantile, diff, trapezoid, gradient) are built from the
engine's ops the same way, so autograd follows them; the others have their own Node.
"""
import math

import numpy as np

from .._backend import xp_of
from .._dtype import get_default_dtype, int64
from .. import return_types
from .shape import cat
from ._base import (Node, Tensor, _grad_state, _wrap_dim, check_tensor, const, kept_shape,
                    record, recomputed, wrap, write_out)


def _float_only(name, input, kernel=None):
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel or name + "_cpu"}" not implemented for '
                                  f"'{input.dtype.legacy}'")


def _as_float(t):
    return t if t.dtype.is_floating_point else t.to(get_default_dtype())


# ---- histograms (counts: never differentiable) ------------------------------------------------

def _edges(xp, lo, hi, bins, dtype):
    """bins+1 evenly spaced edges in the input's dtype."""
    return xp.linspace(lo, hi, bins + 1).astype(dtype)


def histc(input, bins=100, min=0, max=0, *, out=None):
    _float_only("histc", input, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    data = input._data.reshape(-1)
    xp = xp_of(data)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_c_float(lo)}, {_c_float(hi)}] is not "
                           "finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = xp.histogram(data, bins=_edges(xp, lo, hi, bins, data.dtype))
    return write_out(out, wrap(counts.astype(data.dtype), input))


def _c_float(v):
    return "-nan" if v != v else repr(v)


def _histogramdd(name, input, bins, range, weight, density):
    """(hist array, [edge arrays]) of input's last dim taken as the coordinates."""
    _float_only(name, input, "histogramdd")
    data = input._data
    d = data.shape[-1]
    sample = data.reshape(-1, d)
    xp = xp_of(sample)
    if isinstance(bins, int):
        bins = [bins] * d
    edges = []
    for k in builtins_range(d):
        b = bins[k]
        if isinstance(b, Tensor):
            edges.append(b._data.astype(data.dtype))
            continue
        if b <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {b} for "
                               f"dimension {k}")
        if range is not None:
            lo, hi = float(range[2 * k]), float(range[2 * k + 1])
        elif sample.shape[0]:
            lo, hi = float(sample[:, k].min()), float(sample[:, k].max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{lo:g} max {hi:g} for dimension {k}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges.append(_edges(xp, lo, hi, b, data.dtype))
    w = None if weight is None else weight._data.reshape(-1)
    hist, _ = xp.histogramdd(sample, bins=edges, weights=w, density=density)
    return hist.astype(data.dtype), edges


builtins_range = range


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    data = input._data
    edges_in = [bins] if isinstance(bins, Tensor) else bins
    hist, edges = _histogramdd("histogram", wrap(data.reshape(-1, 1), input), edges_in, range,
                               weight, density)
    result = return_types.histogram((wrap(hist, input), wrap(edges[0], input)))
    return write_out(out, result, "histogram")


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    hist, edges = _histogramdd("histogramdd", input, bins, range, weight, density)
    return return_types.histogramdd((wrap(hist, input), tuple(wrap(e, input) for e in edges)))


# ---- cov, corrcoef ----------------------------------------------------------------------------

def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) over the columns (observations), PyTorch's way."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    x = _as_float(input)
    if x.ndim < 2:
        x = x.reshape(1, -1)
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = n
        avg = x.mean(1)
    else:
        w = _as_float(w).to(x.dtype)
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if float(norm) <= 0:
        import warnings
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = 0 * norm
    centered = x - avg.unsqueeze(1)
    c = centered.mm((centered if w is None else centered * w).t())
    return (c / norm).squeeze()


def corrcoef(input):
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    return c.clamp(-1, 1)


# ---- quantile, nanquantile ------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    if input.dtype.name not in ("float32", "float64"):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    xp = xp_of(input._data)
    if isinstance(q, Tensor):
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        qs, scalar_q = q._data.reshape(-1).astype(np.float64), q.ndim == 0
    else:
        qs, scalar_q = xp.asarray([float(q)]), True
    if qs.size and (float(qs.min()) < 0 or float(qs.max()) > 1):
        bad = float(qs.min()) if float(qs.min()) < 0 else float(qs.max())
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {bad:g}")
    if dim is None:
        x, d = input.reshape(-1), 0
        out_shape = (1,) * input.ndim if keepdim else ()
    else:
        d = _wrap_dim(dim, max(input.ndim, 1))
        x = input if input.ndim else input.reshape(1)
        out_shape = kept_shape(x.shape, (d,)) if keepdim else \
            tuple(s for i, s in enumerate(x.shape) if i != d)
    x = x.movedim(d, -1)
    values = x.sort(-1).values  # NaN sorts last
    n = values.shape[-1]
    nan = values._data != values._data
    valid = (n - nan.sum(-1, keepdims=True)) if ignore_nan else \
        xp.where(nan.any(-1, keepdims=True), -1, n)
    # ranks into the sorted values, one per q (q on a new leading axis)
    last = xp.where(valid > 0, valid - 1, n - 1)
    ranks = qs.reshape((-1,) + (1,) * values.ndim) * last
    ranks = xp.where(valid > 0, ranks, n - 1)  # all NaN (or NaN in quantile): the NaN slot
    if interpolation == "lower":
        ranks = xp.floor(ranks)
    elif interpolation == "higher":
        ranks = xp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = xp.round(ranks)
    below = xp.floor(ranks).astype(np.int64)
    above = xp.ceil(ranks).astype(np.int64)
    stacked = values.unsqueeze(0).expand(len(qs), *values.shape)
    lo = stacked.gather(-1, const(below, input))
    hi = stacked.gather(-1, const(above, input))
    weights = xp.full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
    result = lo.lerp(hi, const(weights.astype(input._data.dtype), input))  # (q, ..., 1)
    result = result.reshape((len(qs),) + out_shape)
    return result[0] if scalar_q else result


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return write_out(out, _quantile("quantile", input, q, dim, keepdim, interpolation, False))


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return write_out(out, _quantile("nanquantile", input, q, dim, keepdim, interpolation, True))


# ---- mode, kthvalue: a value and where it was ---------------------------------------------------

class _PickedBackward(Node):
    """The gradient of values taken at ``indices`` along ``dim``: g placed there."""

    def backward(self, g):
        idx = const(self.indices, g)
        if not self.keepdim:
            g = g.unsqueeze(self.dim)
        zeros = wrap(xp_of(g._data).zeros(self.in_shape, g._data.dtype), g)
        return (zeros.scatter(self.dim, idx, g),)


class ModeBackward0(_PickedBackward):
    pass


class KthvalueBackward0(_PickedBackward):
    pass


def _picked(name, node_cls, input, dim, keepdim, pick):
    """(values, indices) of ``pick(rows) -> index per row`` along dim, as a return type."""
    data = input._data
    xp = xp_of(data)
    flat = data.reshape(1) if data.ndim == 0 else data
    d = _wrap_dim(dim, flat.ndim)
    rows = xp.moveaxis(flat, d, -1)
    idx = pick(xp, rows.reshape(-1, rows.shape[-1])).reshape(rows.shape[:-1] + (1,))
    idx = xp.moveaxis(idx, -1, d)
    values = xp.take_along_axis(flat, idx, axis=d)
    if not keepdim or data.ndim == 0:
        values, out_idx = values.squeeze(d), idx.squeeze(d)
    else:
        out_idx = idx
    if data.ndim == 0:
        values, out_idx = values.reshape(()), out_idx.reshape(())
    v = wrap(values, input)
    node = record(node_cls, v, (input,))
    if node is not None:
        node.indices, node.dim, node.keepdim = idx.reshape(kept_shape(data.shape, (d,))
                                                           if data.ndim else ()), d, keepdim
        node.in_shape = data.shape
        if data.ndim == 0:
            node.dim, node.keepdim = 0, True
            node.indices = idx.reshape(())
    return getattr(return_types, name)((v, wrap(out_idx.astype(int64.np), input)))


def _mode_rows(xp, rows):
    """Per row: the index (last occurrence) of the smallest of the most frequent values."""
    out = xp.empty(rows.shape[0], dtype=np.int64)
    for r in builtins_range(rows.shape[0]):
        row = rows[r]
        values, counts = xp.unique(row, return_counts=True)
        best = values[int(xp.argmax(counts))]
        hits = xp.nonzero((row == best) | ((row != row) & (best != best)))[0]
        out[r] = int(hits[-1])
    return out


def mode(input, dim=-1, keepdim=False, *, out=None):
    return write_out(out, _picked("mode", ModeBackward0, input, dim, keepdim, _mode_rows),
                     "mode")


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    data = input._data
    d = _wrap_dim(dim, max(data.ndim, 1))
    n = data.shape[d] if data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")

    def pick(xp, rows):  # NaN sorts last, as the largest value
        return xp.argsort(rows, axis=-1, kind="stable")[:, k - 1]
    return write_out(out, _picked("kthvalue", KthvalueBackward0, input, dim, keepdim, pick),
                     "kthvalue")


# ---- logcumsumexp -----------------------------------------------------------------------------

class LogcumsumexpBackward0(Node):
    def backward(self, g):
        """grad_i = sum_{j>=i} g_j exp(x_i - out_j), split by the sign of g so each part is a
        log-sum-exp (stable, as PyTorch computes it). Where a part is empty its log is a huge
        negative number rather than -inf, so that the double backward meets no inf - inf."""
        x, out = self.saved_tensors
        d = self.dim
        out = recomputed(x, out, lambda t: logcumsumexp(t, d))
        xp = xp_of(g._data)
        tiny = const(xp.full(g._data.shape, np.finfo(g._data.dtype).min / 4, g._data.dtype), g)
        pos, neg = g > 0, g < 0
        log_pos = g.masked_fill(~pos, 1).log().where(pos, tiny)
        log_neg = (-g).masked_fill(~neg, 1).log().where(neg, tiny)

        def reverse_lcse(t):
            return logcumsumexp(t.flip(d), d).flip(d)
        return ((reverse_lcse(log_pos - out) + x).exp() -
                (reverse_lcse(log_neg - out) + x).exp(),)


def _logcumsumexp_data(data, d):
    xp = xp_of(data)
    if xp is np:
        return np.logaddexp.accumulate(data, axis=d)
    out = data.copy()  # CuPy: a running logaddexp along the dim
    view = xp.moveaxis(out, d, 0)
    for i in builtins_range(1, view.shape[0]):
        view[i] = xp.logaddexp(view[i - 1], view[i])
    return out


def logcumsumexp(input, dim, *, out=None):
    _float_only("logcumsumexp", input, "logcumsumexp_out_cpu")
    data = input._data
    d = _wrap_dim(dim, max(data.ndim, 1))
    result = wrap(_logcumsumexp_data(data, d) if data.ndim else data.copy(), input)
    node = record(LogcumsumexpBackward0, result, (input,))
    if node is not None:
        node.dim = d if data.ndim else 0
        node.save(input if data.ndim else input.reshape(1), result.detach())
    return write_out(out, result)


# ---- diff, trapezoid rules, gradient ------------------------------------------------------------

def diff(input, n=1, dim=-1, prepend=None, append=None):
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _wrap_dim(dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in builtins_range(n):
        size = x.shape[d]
        if size == 0:
            break
        later, earlier = x.narrow(d, 1, size - 1), x.narrow(d, 0, size - 1)
        x = later.logical_xor(earlier) if x.dtype.name == "bool" else later - earlier
    return x


def _spacing_of(x, y, d):
    """The intervals between samples: x's differences along d (x 1-D or shaped like y)."""
    if x.ndim == 1:
        dx = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[d] = dx.shape[0]
        return dx.reshape(shape)
    return diff(x, dim=d)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid(): can't specify both x and dx")
    d = _wrap_dim(dim, y.ndim)
    y = _as_float(y)
    n = y.shape[d]
    if n == 0:
        return y.sum(d)
    if x is not None:
        check_tensor("trapezoid", "x", 2, x)
        pairs = y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)
        return (_spacing_of(_as_float(x), y, d) * pairs).sum(d) / 2
    step = 1 if dx is None else dx
    return (y.sum(d) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * step


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    d = _wrap_dim(dim, y.ndim)
    y = _as_float(y)
    n = y.shape[d]
    pairs = (y.narrow(d, 1, max(n - 1, 0)) + y.narrow(d, 0, max(n - 1, 0))) / 2
    if x is not None:
        pairs = pairs * _spacing_of(_as_float(x), y, d)
    elif dx is not None:
        pairs = pairs * dx
    return pairs.cumsum(d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences inside, one-sided (edge_order 1 or 2) at the ends, per dim; the
    spacing a number, a number per dim, or coordinates per dim."""
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(builtins_range(input.ndim)) if dim is None else \
        [_wrap_dim(k, input.ndim) for k in (dim if isinstance(dim, (list, tuple)) else [dim])]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or "
                               f"it's spacing and dim arguments to have the same length, but "
                               f"got a spacing argument of length {len(spacing)} and a dim "
                               f"argument of length {len(dims)}.")
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    f = _as_float(input)
    for d in dims:
        if f.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    return tuple(_gradient_along(f, d, h, edge_order) for d, h in zip(dims, steps))


def _gradient_along(f, d, h, edge_order):
    n = f.shape[d]

    def at(start, length):
        return f.narrow(d, start, length)
    if isinstance(h, Tensor) and h.ndim == 1:  # coordinates: uneven steps
        x = h.to(f.dtype)
        shape = [1] * f.ndim
        dx = x[1:] - x[:-1]
        a = dx[:-1].reshape(shape[:d] + [n - 2] + shape[d + 1:])
        b = dx[1:].reshape(shape[:d] + [n - 2] + shape[d + 1:])
        inner = (a * a * at(2, n - 2) - b * b * at(0, n - 2) + (b * b - a * a) * at(1, n - 2)) \
            / (a * b * (a + b))
        h0, h1, hl, hm = dx[0], dx[1] if n > 2 else dx[0], dx[-1], dx[-2] if n > 2 else dx[-1]
    else:
        step = float(h.item()) if isinstance(h, Tensor) else float(h)
        inner = (at(2, n - 2) - at(0, n - 2)) / (2 * step)
        h0 = h1 = hl = hm = step
    if edge_order == 1:
        first = (at(1, 1) - at(0, 1)) / h0
        last = (at(n - 1, 1) - at(n - 2, 1)) / hl
    else:  # second-order one-sided differences (NumPy's coefficients, uneven steps too)
        first = (-(2 * h0 + h1) / (h0 * (h0 + h1)) * at(0, 1) + (h0 + h1) / (h0 * h1) * at(1, 1)
                 - h0 / (h1 * (h0 + h1)) * at(2, 1))
        last = (hl / (hm * (hm + hl)) * at(n - 3, 1) - (hm + hl) / (hm * hl) * at(n - 2, 1)
                + (2 * hl + hm) / (hl * (hm + hl)) * at(n - 1, 1))
    return cat([first, inner, last], d)


# ---- renorm, dist -----------------------------------------------------------------------------

def _pnorm_grad(d, norm, p):
    """d||d||_p / dd, with ``norm`` broadcastable to d (0 where the norm is 0)."""
    if p == 0:
        return d * 0
    if p == 1:
        return d.sign()
    if math.isinf(p):
        hit = (d.abs() == norm).to(d.dtype)
        return d.sign() * hit / hit.sum(tuple(i for i in builtins_range(d.ndim)
                                              if norm.shape[i] == 1 and d.shape[i] != 1),
                                          keepdim=True)
    safe = norm.masked_fill(norm == 0, 1)
    grad = d.sign() * d.abs().pow(p - 1) / safe.pow(p - 1)
    return grad.masked_fill(norm == 0, 0)


def _vector_norm_data(data, p, axes):
    xp = xp_of(data)
    a = xp.abs(data)
    if p == 0:
        return (a != 0).sum(axis=axes, keepdims=True).astype(data.dtype)
    if math.isinf(p):
        red = a.max if p > 0 else a.min
        return red(axis=axes, keepdims=True) if data.size else xp.zeros(
            kept_shape(data.shape, axes), data.dtype)
    return (a ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)


def _vector_norm(x, p, axes):
    """The p-norm over axes (kept), with engine ops: differentiable."""
    if math.isinf(p):
        return x.abs().amax(axes, keepdim=True) if p > 0 else x.abs().amin(axes, keepdim=True)
    return x.abs().pow(p).sum(axes, keepdim=True).pow(1.0 / p)


class RenormBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        norm = _vector_norm(x, self.p, self.axes) if _grad_state[0] else \
            const(_vector_norm_data(x._data, self.p, self.axes), g)
        over = norm > self.maxnorm
        denom = norm + 1e-7
        factor = (self.maxnorm / denom).where(over, const(x._data.dtype.type(1), g))
        inner = (g * x).sum(self.axes, keepdim=True)
        correction = (-self.maxnorm / (denom * denom)) * inner * _pnorm_grad(x, norm, self.p)
        return (g * factor + correction * over.to(g.dtype),)


def renorm(input, p, dim, maxnorm, *, out=None):
    """Each slice along dim whose p-norm exceeds maxnorm is scaled down to maxnorm."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {input.dtype.legacy}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    data = input._data
    d = _wrap_dim(dim, max(data.ndim, 1))
    axes = tuple(i for i in builtins_range(data.ndim) if i != d)
    norm = _vector_norm_data(data, p, axes)
    xp = xp_of(data)
    factor = xp.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0).astype(data.dtype)
    result = wrap(data * factor, input)
    node = record(RenormBackward0, result, (input,), (input,))
    if node is not None:
        node.p, node.axes, node.maxnorm = p, axes, maxnorm
    return write_out(out, result)


class DistBackward0(Node):
    def backward(self, g):
        a, b, out = self.saved_tensors
        diff = a - b
        if _grad_state[0] and self.p not in (0.0,):  # create_graph: out as a function of a, b
            out = _vector_norm(diff, self.p, tuple(builtins_range(diff.ndim))).reshape(())
        shape = (1,) * diff.ndim
        grad = g * _pnorm_grad(diff, out.reshape(shape), self.p)
        ga = grad.sum_to_size(a.shape) if self.needs_input_grad[0] else None
        gb = -grad.sum_to_size(b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def dist(input, other, p=2):
    if not input.dtype.is_floating_point:
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {input.dtype.legacy} instead.")
    from .arith import sub
    diff = sub(input.detach(), other.detach())._data
    p = float(p)
    result = wrap(_vector_norm_data(diff, p, tuple(builtins_range(diff.ndim))).reshape(()),
                  input)
    node = record(DistBackward0, result, (input, other))
    if node is not None:
        node.p = p
        node.save(input, other, result.detach())
    return result


# ---- segment_reduce ---------------------------------------------------------------------------

_SEGMENT_EMPTY = {"sum": 0.0, "prod": 1.0, "mean": float("nan"), "amax": float("-inf"),
                  "amin": float("inf")}


def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0,
                   unsafe=False, initial=None):
    """One reduction per segment of consecutive entries along axis (segments given by their
    lengths or by offsets); an empty segment gives ``initial``, else the reduction's
    identity (NaN for mean)."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce not in _SEGMENT_EMPTY:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    _float_only("segment_reduce", data, "_segment_reduce_cpu")
    d = _wrap_dim(axis, data.ndim)
    if lengths is None:
        if offsets is None:
            raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined")
        bounds = offsets._data.reshape(-1).tolist()
        lengths_list = [b - a for a, b in zip(bounds, bounds[1:])]
        starts = bounds[:-1]
    else:
        lengths_list = lengths._data.reshape(-1).tolist()
        starts = np.concatenate([[0], np.cumsum(lengths_list)[:-1]]).tolist() \
            if lengths_list else []
    if not unsafe and sum(lengths_list) != data.shape[d]:
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum "
                           "to data.size(lengths.dim()-1) when !unsafe.")
    from .shape import stack
    pieces = []
    for start, n in zip(starts, lengths_list):
        if n == 0:
            fill = _SEGMENT_EMPTY[reduce] if initial is None else initial
            shape = data.shape[:d] + data.shape[d + 1:]
            pieces.append(data.new_full(shape, fill))
            continue
        seg = data.narrow(d, int(start), int(n))
        if initial is not None and reduce in ("sum", "prod", "amax", "amin"):
            seg = cat([seg, data.new_full(seg.shape[:d] + (1,) + seg.shape[d + 1:], initial)],
                      d)
        pieces.append(getattr(seg, reduce)(d))
    return stack(pieces, d)


# ---- unique_consecutive ----------------------------------------------------------------------

def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Each run of equal values (or equal slices along dim) kept once."""
    data = input._data
    xp = xp_of(data)
    if dim is None:
        flat = data.reshape(-1)
        changed = flat[1:] != flat[:-1]
        shape_of_inverse = data.shape
    else:
        d = _wrap_dim(dim, data.ndim)
        flat = xp.moveaxis(data, d, 0)
        changed = (flat[1:] != flat[:-1]).reshape(max(flat.shape[0] - 1, 0), -1).any(1)
        shape_of_inverse = (data.shape[d],)
    n = flat.shape[0]
    starts = xp.concatenate([xp.ones(min(n, 1), bool), changed])
    run_id = xp.cumsum(starts) - 1
    first = xp.nonzero(starts)[0]
    values = flat[first]
    if dim is not None:
        values = xp.moveaxis(values, 0, d)
    out = [wrap(values, input)]
    if return_inverse:
        out.append(wrap(run_id.astype(np.int64).reshape(shape_of_inverse), input))
    if return_counts:
        out.append(wrap(xp.diff(xp.concatenate([first, xp.asarray([n])])).astype(np.int64),
                        input))
    return out[0] if len(out) == 1 else tuple(out)


__all__ = ["histc", "histogram", "histogramdd", "cov", "corrcoef", "quantile", "nanquantile",
           "mode", "kthvalue", "logcumsumexp", "diff", "trapezoid", "trapz",
           "cumulative_trapezoid", "gradient", "renorm", "dist", "unique_consecutive",
           "segment_reduce"]
NOT_METHODS = {"histogramdd", "trapezoid", "trapz", "cumulative_trapezoid", "gradient",
               "segment_reduce"}
