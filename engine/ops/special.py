"""Special functions (torch.special and their torch.* / Tensor names): error functions,
gamma family, Bessel functions, incomplete gamma, zeta, xlogy, logit, and the orthogonal
polynomials. Forwards run on SciPy's special functions (cupyx.scipy.special for cuda
tensors, through engine._backend), patched where PyTorch's kernels answer otherwise at an
edge; the polynomials are PyTorch's recurrences. Each Node sits beside its forward.

Where PyTorch defines no derivative (Bessel functions, the polynomials) the result does not
require grad, as in PyTorch; where it raises "the derivative for ... is not implemented"
(igamma's first argument, zeta's first), so does the backward here.
"""
import math

import numpy as np

from .._backend import special_function, xp_of
from .._dtype import get_default_dtype
from ._base import (Node, Tensor, _grad_state, check_tensor, const, float_unary, float_work,
                    operands, record, recomputed, to_float, wrap, write_out)

SQRT_PI = math.sqrt(math.pi)
LOG_PI = math.log(math.pi)


def _sp(name):
    """fn(xp, array) calling the scipy.special function ``name`` of the array's backend."""
    return lambda xp, x: special_function(name, x)(x)


# ---- error functions and the normal distribution -----------------------------------------

class ErfcBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (x * x).neg().exp() * (-2 / SQRT_PI),)


class SpecialErfcxBackward0(Node):
    forward_again = staticmethod(lambda x: erfcx(x))

    def backward(self, g):
        x, y = self.saved_tensors
        return (g * (2 * x * recomputed(x, y, self.forward_again) - 2 / SQRT_PI),)


class ErfinvBackward0(Node):
    forward_again = staticmethod(lambda x: erfinv(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (g * (y * y).exp() * (SQRT_PI / 2),)


class SpecialNdtriBackward0(Node):
    forward_again = staticmethod(lambda x: ndtri(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (g * (y * y / 2).exp() * math.sqrt(2 * math.pi),)


class SpecialLogNdtrBackward0(Node):
    forward_again = staticmethod(lambda x: log_ndtr(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (g / math.sqrt(2 * math.pi) * (y + x * x / 2).neg().exp(),)


erfc = float_unary(ErfcBackward0, _sp("erfc"), name="erfc")
erfcx = float_unary(SpecialErfcxBackward0, _sp("erfcx"), keep="output", name="erfcx")
erfinv = float_unary(ErfinvBackward0, _sp("erfinv"), keep="output", name="erfinv")
ndtri = float_unary(SpecialNdtriBackward0, _sp("ndtri"), keep="output", name="ndtri")
log_ndtr = float_unary(SpecialLogNdtrBackward0, _sp("log_ndtr"), keep="output",
                       name="log_ndtr")


def ndtr(input, *, out=None):
    """The standard normal CDF; in PyTorch a composite, (1 + erf(x / sqrt(2))) / 2."""
    check_tensor("special_ndtr", "input", 1, input)
    x = input if input._data.dtype.kind == "f" else input.to(get_default_dtype())
    return write_out(out, (1 + (x * math.sqrt(0.5)).erf()) * 0.5)


# ---- gamma family -----------------------------------------------------------------------

def _lgamma(xp, x):
    y = special_function("gammaln", x)(x)
    return xp.where(x == -math.inf, math.inf, y)  # PyTorch: lgamma(-inf) = inf


def _trigamma(xp, x):
    """PyTorch's trigamma: reflection below 1/2, six recurrence steps, then the asymptotic
    series (SciPy's differs at the poles and at -inf)."""
    pi = x.dtype.type(math.pi)
    reflect = x < 0.5
    sin_pi_x = xp.sin(pi * x)
    result = xp.where(reflect, -(pi * pi) / (sin_pi_x * sin_pi_x), 0).astype(x.dtype)
    x = xp.where(reflect, 1 - x, x)
    for _ in range(6):
        result = result + 1 / (x * x)
        x = x + 1
    ixx = 1 / (x * x)
    result = result + (1 + 1 / (2 * x) + ixx * (x.dtype.type(1 / 6) - ixx * (
        x.dtype.type(1 / 30) - ixx * x.dtype.type(1 / 42)))) / x
    return xp.where(reflect, -result, result)


def _zeta(x, q):
    """The Hurwitz zeta function; PyTorch's kernel gives nan at q = +inf."""
    xp = xp_of(x)
    y = special_function("zeta", x)(x, q)
    return xp.where((q == math.inf) & (x > 1), math.nan, y)


def _polygamma_data(n, x):
    xp = xp_of(x)
    if n == 0:
        return special_function("psi", x)(x)
    if n == 1:
        return _trigamma(xp, x)
    sign = 1.0 if n % 2 else -1.0
    return (sign * math.exp(math.lgamma(n + 1.0)) * _zeta(xp.asarray(n + 1.0, x.dtype), x)
            ).astype(x.dtype, copy=False)


class LgammaBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * digamma(x),)


class DigammaBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * polygamma(1, x),)


class PolygammaBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * polygamma(self.n + 1, x),)


lgamma = float_unary(LgammaBackward0, _lgamma, name="lgamma")
digamma = float_unary(DigammaBackward0, _sp("psi"), name="digamma")


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma (n = 0 is digamma itself)."""
    if isinstance(n, Tensor):
        n = n.item()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    check_tensor("polygamma", "input", 2, input)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    n = int(n)
    work, dtype = float_work(input._data)
    result = wrap(_polygamma_data(n, work).astype(dtype, copy=False), input)
    node = record(PolygammaBackward0, result, (input,), (input,))
    if node is not None:
        node.n = n
    return write_out(out, result)


def _polygamma_method(self, n):
    """Tensor.polygamma(n): the tensor comes first, unlike torch.polygamma(n, input)."""
    return polygamma(n, self)


class MvlgammaBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * _mvlgamma_terms(x, self.p).digamma().sum(-1),)


def _mvlgamma_terms(x, p):
    """x - i/2 for i = 0..p-1, along a new last dim (PyTorch's arange(-p/2 + 0.5, 0.5, 0.5))."""
    offsets = np.arange(-p / 2 + 0.5, 0.5, 0.5)
    return x.unsqueeze(-1) + const(xp_of(x._data).asarray(offsets, x._data.dtype), x)


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma: sum_i lgamma(x - i/2) + p(p-1)/4 log(pi)."""
    check_tensor("mvlgamma", "input", 1, input)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = input if input._data.dtype.kind == "f" else input.to(get_default_dtype())
    with _no_grad():
        terms = _mvlgamma_terms(x.detach(), p)
        result = wrap(lgamma(terms)._data.sum(-1) + p * (p - 1) * LOG_PI / 4, x)
    result = wrap(result._data.astype(x._data.dtype, copy=False), x)
    node = record(MvlgammaBackward0, result, (input,), (x,))
    if node is not None:
        node.p = p
    return write_out(out, result)


def _no_grad():
    from ..autograd.grad_mode import no_grad
    return no_grad()


# ---- Bessel functions -------------------------------------------------------------------

class I0Backward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * i1(x),)


class SpecialI0EBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (i1e(x) - x.sign() * i0e(x)),)


def _tiny_safe(x):
    """PyTorch's i1/i1e backward: x where |x| > eps, eps elsewhere (where the limit 1/2 is
    used instead), and the mask of those tiny entries."""
    eps = float(np.finfo(x._data.dtype).eps)
    tiny = const((abs(x._data) <= eps).astype(x._data.dtype), x)
    return x * (1 - tiny) + tiny * eps, tiny


class SpecialI1Backward0(Node):
    forward_again = staticmethod(lambda x: i1(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        safe, tiny = _tiny_safe(x)
        slope = i0(safe) - y / safe
        return (g * (slope * (1 - tiny) + tiny * 0.5),)


class SpecialI1EBackward0(Node):
    forward_again = staticmethod(lambda x: i1e(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        safe, tiny = _tiny_safe(x)
        slope = i0e(safe) - y * (safe.sign() + 1 / safe)
        return (g * (slope * (1 - tiny) + tiny * 0.5),)


i0 = float_unary(I0Backward0, _sp("i0"), name="i0")
i0e = float_unary(SpecialI0EBackward0, _sp("i0e"), name="i0e")
i1 = float_unary(SpecialI1Backward0, _sp("i1"), keep="output", name="i1")
i1e = float_unary(SpecialI1EBackward0, _sp("i1e"), keep="output", name="i1e")
# PyTorch defines no derivatives for these: their results never require grad.
bessel_j0 = float_unary(None, _sp("j0"), name="bessel_j0")
bessel_j1 = float_unary(None, _sp("j1"), name="bessel_j1")
bessel_y0 = float_unary(None, _sp("y0"), name="bessel_y0")
bessel_y1 = float_unary(None, _sp("y1"), name="bessel_y1")
modified_bessel_i0 = float_unary(None, _sp("i0"), name="modified_bessel_i0")
modified_bessel_i1 = float_unary(None, _sp("i1"), name="modified_bessel_i1")
modified_bessel_k0 = float_unary(None, _sp("k0"), name="modified_bessel_k0")
modified_bessel_k1 = float_unary(None, _sp("k1"), name="modified_bessel_k1")
scaled_modified_bessel_k0 = float_unary(None, _sp("k0e"), name="scaled_modified_bessel_k0")
scaled_modified_bessel_k1 = float_unary(None, _sp("k1e"), name="scaled_modified_bessel_k1")
airy_ai = float_unary(None, lambda xp, x: special_function("airy", x)(x)[0], name="airy_ai")


def _spherical_j0(xp, x):
    # sin(x)/x, 1 at 0 and 0 at +-inf as PyTorch's kernel gives
    safe = xp.where((x == 0) | xp.isinf(x), 1, x)
    return xp.where(x == 0, 1, xp.where(xp.isinf(x), 0, xp.sin(safe) / safe))


spherical_bessel_j0 = float_unary(None, _spherical_j0, name="spherical_bessel_j0")


# ---- entr, logit ------------------------------------------------------------------------

class SpecialEntrBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * -(1 + x.log()),)


entr = float_unary(SpecialEntrBackward0, _sp("entr"), name="entr")


class LogitBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        eps = self.eps
        lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
        xd = x._data
        outside_mask = (xd < lo) | (xd > hi)
        outside = const(outside_mask.astype(xd.dtype), x)
        inside_grad = g / (x * (1 - x) + outside)  # outside entries are replaced below
        fill = const(xp_of(xd).where(outside_mask, math.nan if eps is None else 0.0, 0.0)
                     .astype(xd.dtype), x)
        return (inside_grad * (1 - outside) + fill,)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    check_tensor("logit", "input", 1, input)
    work, dtype = float_work(input._data)
    xp = xp_of(work)
    if eps is not None:
        work = xp.clip(work, eps, 1 - eps)
    result = wrap(xp.log(work / (1 - work)).astype(dtype, copy=False), input)
    node = record(LogitBackward0, result, (input,), (input,))
    if node is not None:
        node.eps = eps
    return write_out(out, result)


# ---- two-argument functions -------------------------------------------------------------

def _float_operands(a, b):
    """Promoted operands (PyTorch's result type, integers to the default float) as
    (a, b, a_array_or_scalar, b_array_or_scalar, result dtype, work dtype)."""
    a, b, ad, bd = operands(a, b)
    dtype = to_float(_array_of(ad, bd)).dtype
    wdt = np.float32 if dtype.itemsize < 4 else dtype
    ad = ad.astype(wdt, copy=False) if hasattr(ad, "astype") else float(ad)
    bd = bd.astype(wdt, copy=False) if hasattr(bd, "astype") else float(bd)
    return a, b, ad, bd, dtype


def _binary(node_classes, fn, input, other, out, name):
    """A two-argument float op whose node depends on which operands are tensors:
    node_classes = (both, only other, only input), PyTorch's Backward0/1/2."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        check_tensor(name, "input", 1, input)
    a, b, ad, bd, dtype = _float_operands(input, other)
    xp = xp_of(ad if hasattr(ad, "dtype") else bd)
    result = wrap(xp.asarray(fn(ad, bd)).astype(dtype, copy=False),
                  a if isinstance(a, Tensor) else b)
    if _grad_state[0]:
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            record(node_classes[0], result, (a, b), (a, b))
        elif isinstance(b, Tensor):
            node = record(node_classes[1], result, (b,), (b,))
            if node is not None:
                node.scalar = a
        else:
            node = record(node_classes[2], result, (a,), (a,))
            if node is not None:
                node.scalar = b
    return write_out(out, result)


def _operands_of(node):
    """(input, other) of a binary node: saved tensors and the scalar in its place."""
    saved = node.saved_tensors
    cls = type(node).__name__
    if cls.endswith("0"):
        return saved
    if cls.endswith("1"):
        return node.scalar, saved[0]
    return saved[0], node.scalar


def _needs(node):
    """Which of (input, other) want a gradient, whichever are tensors."""
    cls = type(node).__name__
    need = node.needs_input_grad
    if cls.endswith("0"):
        return need
    return (False, need[0]) if cls.endswith("1") else (need[0], False)


def _grads(node, g_input, g_other):
    """The backward's tuple for the node's recorded inputs."""
    cls = type(node).__name__
    if cls.endswith("0"):
        return g_input, g_other
    return (g_other,) if cls.endswith("1") else (g_input,)


class _XlogyBase(Node):
    log_fn = staticmethod(lambda y: y.log())
    shift = 0.0  # xlog1py: log(1 + y)

    def backward(self, g):
        x, y = _operands_of(self)
        need_x, need_y = _needs(self)
        gx = gy = None
        if need_x:
            yt = y if isinstance(y, Tensor) else const(np.asarray(y, g._data.dtype), g)
            gx = g * self.log_fn(yt)
            xd = x._data if isinstance(x, Tensor) else x  # a number mixes with any device
            gx = gx.masked_fill(const((xd == 0) & (yt._data <= -self.shift), gx), 0.0)
        if need_y:
            gy = g * x / (y + self.shift)
        return _grads(self, gx, gy)


XlogyBackward0 = type("XlogyBackward0", (_XlogyBase,), {})
XlogyBackward1 = type("XlogyBackward1", (_XlogyBase,), {})
XlogyBackward2 = type("XlogyBackward2", (_XlogyBase,), {})
_LOG1P = {"log_fn": staticmethod(lambda y: y.log1p()), "shift": 1.0}
SpecialXlog1PyBackward0 = type("SpecialXlog1PyBackward0", (_XlogyBase,), dict(_LOG1P))
SpecialXlog1PyBackward1 = type("SpecialXlog1PyBackward1", (_XlogyBase,), dict(_LOG1P))
SpecialXlog1PyBackward2 = type("SpecialXlog1PyBackward2", (_XlogyBase,), dict(_LOG1P))


def xlogy(input, other, *, out=None):
    """x * log(y), 0 where x is 0 (unless y is nan)."""
    return _binary((XlogyBackward0, XlogyBackward1, XlogyBackward2),
                   lambda x, y: special_function("xlogy", _array_of(x, y))(x, y),
                   input, other, out, "xlogy")


def xlog1py(input, other, *, out=None):
    """x * log1p(y), 0 where x is 0 (unless y is nan)."""
    return _binary((SpecialXlog1PyBackward0, SpecialXlog1PyBackward1,
                    SpecialXlog1PyBackward2),
                   lambda x, y: special_function("xlog1py", _array_of(x, y))(x, y),
                   input, other, out, "special_xlog1py")


def _array_of(x, y):
    return x if hasattr(x, "dtype") else y


class _ZetaBase(Node):
    def backward(self, g):
        x, q = _operands_of(self)
        need_x, need_q = _needs(self)
        if need_x:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        return _grads(self, None, g * -x * zeta(x + 1, q) if need_q else None)


SpecialZetaBackward0 = type("SpecialZetaBackward0", (_ZetaBase,), {})
SpecialZetaBackward1 = type("SpecialZetaBackward1", (_ZetaBase,), {})
SpecialZetaBackward2 = type("SpecialZetaBackward2", (_ZetaBase,), {})


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function sum_k (k + q)^-x (x = input, q = other)."""
    def fn(x, q):
        xp = xp_of(_array_of(x, q))
        dtype = _array_of(x, q).dtype
        return _zeta(xp.asarray(x, dtype), xp.asarray(q, dtype))
    return _binary((SpecialZetaBackward0, SpecialZetaBackward1, SpecialZetaBackward2), fn,
                   input, other, out, "special_zeta")


class IgammaBackward0(Node):
    sign = 1.0

    def backward(self, g):
        a, x = self.saved_tensors
        if self.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{self.op}: input' is not "
                                      "implemented.")
        # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)
        density = ((a - 1) * x.log() - x - a.lgamma()).exp()
        return None, g * density * self.sign


IgammaBackward0.op = "igamma"
IgammacBackward0 = type("IgammacBackward0", (IgammaBackward0,), {"sign": -1.0,
                                                                 "op": "igammac"})


def _incomplete_gamma(node_cls, scipy_name, op, input, other, out):
    check_tensor(op, "input", 1, input)
    check_tensor(op, "other", 2, other)
    a, x, ad, xd = operands(input, other)
    if ad.dtype.kind != "f":
        from .._dtype import _BY_NP
        raise NotImplementedError(f'"{op}_cpu" not implemented for '
                                  f"'{_BY_NP[ad.dtype].legacy}'")
    work = np.float32 if ad.dtype.itemsize < 4 else ad.dtype
    data = special_function(scipy_name, ad)(ad.astype(work, copy=False),
                                            xd.astype(work, copy=False))
    result = wrap(data.astype(ad.dtype, copy=False), a)
    record(node_cls, result, (a, x), (a, x))
    return write_out(out, result)


def igamma(input, other, *, out=None):
    """The regularized lower incomplete gamma function P(a, x)."""
    return _incomplete_gamma(IgammaBackward0, "gammainc", "igamma", input, other, out)


def igammac(input, other, *, out=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _incomplete_gamma(IgammacBackward0, "gammaincc", "igammac", input, other, out)


# ---- orthogonal polynomials (PyTorch's recurrences; no derivatives) -----------------------

def _degrees(n):
    """Degrees as int64 (truncated, as PyTorch casts them); non-finite ones become -1."""
    xp = xp_of(n)
    if n.dtype.kind == "f":
        return xp.where(xp.isfinite(n), xp.trunc(xp.where(xp.isfinite(n), n, 0)), -1) \
            .astype(np.int64)
    return n.astype(np.int64)


def _recurrence(xp, x, n, first, step, todo):
    """q_n for each entry marked in ``todo``: q_0 = 1, q_1 = first, and for j = 1..n-1
    q_(j+1) = step(j, q_(j-1), q_j), run only on the entries whose degree is still ahead."""
    out = xp.where(n == 0, xp.ones_like(x), first)
    idx = xp.nonzero(todo & (n >= 2))[0]
    if idx.size:
        xs, ns = x[idx], n[idx]
        p, q = xp.ones_like(xs), first[idx]
        for j in range(1, int(ns.max())):
            active = ns > j
            if not active.any():
                break
            r = step(j, xs, p, q)
            p, q = xp.where(active, q, p), xp.where(active, r, q)
            if xp.isnan(q).all():  # PyTorch stops at nan
                break
        out[idx] = q
    return out


def _chebyshev(kind, shifted):
    """T, U, V or W, on [-1, 1] or shifted to [0, 1] (y = 2x - 1), as PyTorch's kernels:
    endpoint values, the closed form in acos above a degree threshold, else the recurrence."""
    threshold = {(k, False): 6 if k == "t" else 8 for k in "tuvw"}
    threshold.update({("t", True): 6, ("u", True): 6, ("v", True): 6, ("w", True): 4})
    limit = threshold[(kind, shifted)]

    def fn(xp, x, n):
        one = x.dtype.type(1)
        y = x + x - one if shifted else x
        plus, minus = (x == 1, x == 0) if shifted else (x == 1, x == -1)
        nf = n.astype(x.dtype)
        even = n % 2 == 0
        sign = xp.where(even, one, -one)
        ends = {"t": (one, sign), "u": (nf + 1, sign * (nf + 1)),
                "v": (one, sign * (2 * nf + 1)), "w": (2 * nf + 1, sign)}[kind]
        a = xp.arccos(xp.clip(y, -1, 1))
        with np.errstate(all="ignore"):
            if kind == "t":
                closed = xp.cos(nf * a)
            elif kind == "u":
                s = xp.sin(a)
                closed = xp.where(s != 0, xp.sin((nf + 1) * a) / s,
                                  (nf + 1) * xp.cos((nf + 1) * a) / y)
            elif kind == "v":
                closed = xp.where(xp.sin(a / 2) != 1,
                                  xp.cos((nf + x.dtype.type(0.5)) * a) / xp.cos(a / 2),
                                  sign * (2 * nf + 1))
            else:
                at_one = sign if shifted else xp.where(x > 0, 2 * nf + 1, sign)
                closed = xp.where(xp.cos(a / 2) != 1,
                                  xp.sin((nf + x.dtype.type(0.5)) * a) / xp.sin(a / 2), at_one)
        first = {"t": y, "u": y + y, "v": y + y - one, "w": y + y + one}[kind]
        use_closed = (n > limit) & (xp.abs(y) < 1)
        todo = (n >= 0) & ~plus & ~minus & ~use_closed
        rec = _recurrence(xp, y, n, first, lambda j, y, p, q: (y + y) * q - p, todo)
        out = xp.where(use_closed, closed, rec)
        out = xp.where(plus, ends[0], xp.where(minus, ends[1], out))
        return xp.where(n < 0, 0, out)
    return fn


def _hermite_h(xp, x, n):
    limit = 128 if x.dtype == np.float32 else 512
    out = _recurrence(xp, x, n, x + x, lambda j, x, p, q: (x + x) * q - (2 * j) * p,
                      (n >= 0) & (n <= limit))
    return xp.where(n < 0, 0, xp.where(n > limit, math.nan, out))


def _hermite_he(xp, x, n):
    limit = 128 if x.dtype == np.float32 else 512
    out = _recurrence(xp, x, n, x, lambda j, x, p, q: x * q - j * p, (n >= 0) & (n <= limit))
    return xp.where(n < 0, 0, xp.where(n > limit, math.nan, out))


def _laguerre_l(xp, x, n):
    one = x.dtype.type(1)
    out = _recurrence(xp, x, n, one - x,
                      lambda j, x, p, q: (((j + j) + (one - x)) * q - j * p) / (j + 1),
                      (n >= 0) & (x != 0))
    return xp.where(n < 0, 0, xp.where(x == 0, one, out))


def _legendre_p(xp, x, n):
    one = x.dtype.type(1)
    out = _recurrence(xp, x, n, x, lambda j, x, p, q: ((j + j + 1) * x * q - j * p) / (j + 1),
                      (n >= 0) & (xp.abs(x) != 1))
    ends = xp.where((x > 0) | (n % 2 == 0), one, -one)
    return xp.where(n < 0, 0, xp.where(xp.abs(x) == 1, ends, out))


def _polynomial(name, fn):
    """The op ``name(input, n, *, out=None)``; input or n may be a Python number, n may be a
    tensor of degrees (broadcast against input)."""
    def op(input, n, *, out=None):
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            check_tensor(name, "input", 1, input)
        a, b, xd, nd = operands(input, n)
        like = a if isinstance(a, Tensor) else b
        xp = xp_of(like._data)
        dtype = to_float(xd if hasattr(xd, "dtype") else nd).dtype
        if dtype.itemsize < 4:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'Half\'')
        x = xp.asarray(xd, dtype=dtype)
        degrees = _degrees(xp.asarray(nd))
        x, degrees = xp.broadcast_arrays(x, degrees)
        data = fn(xp, xp.array(x, dtype=dtype).reshape(-1), degrees.reshape(-1))
        return write_out(out, wrap(xp.asarray(data, dtype=dtype).reshape(x.shape), like))
    op.__name__ = name
    return op


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", _chebyshev("t", False))
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", _chebyshev("u", False))
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", _chebyshev("v", False))
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", _chebyshev("w", False))
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t",
                                             _chebyshev("t", True))
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u",
                                             _chebyshev("u", True))
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v",
                                             _chebyshev("v", True))
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w",
                                             _chebyshev("w", True))
hermite_polynomial_h = _polynomial("hermite_polynomial_h", _hermite_h)
hermite_polynomial_he = _polynomial("hermite_polynomial_he", _hermite_he)
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", _laguerre_l)
legendre_polynomial_p = _polynomial("legendre_polynomial_p", _legendre_p)

# torch.* functions and Tensor methods (torch.special's own names are in engine/special.py)
__all__ = ["erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "igamma",
           "igammac", "logit", "xlogy"]
NOT_METHODS = {"polygamma"}
EXTRA_METHODS = {"polygamma": _polygamma_method}
INPLACE = ["erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "igamma",
           "igammac", "logit", "xlogy"]
