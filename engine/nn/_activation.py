"""Activation ops beyond engine's unary set: each forward on arrays beside its Node.

Backwards are engine ops on the saved input, so they are differentiable again. The softmax
family is engine's own (engine/ops/reduce.py).
"""
import math

import numpy

from .._backend import xp_of
from ..autograd.graph import Node
from ..ops._util import record, to_float, wrap


def _op(node_cls, input, out_array, saved, **attrs):
    out = wrap(out_array, input)
    node = record(node_cls, out, (input,), saved)
    if node is not None:
        node.__dict__.update(attrs)
    return out


# ---- erf (NumPy has none) --------------------------------------------------------------------

_exact_erf = numpy.frompyfunc(math.erf, 1, 1)


def _erf_array(x):
    """erf: exact (math.erf) for float64 on the CPU, CuPy's on the GPU, and for float32 on the
    CPU Numerical Recipes' erfc Chebyshev fit (relative error below 1.2e-7, a float32 ulp)."""
    xp = xp_of(x)
    if xp is not numpy:
        from cupyx.scipy.special import erf as cupy_erf
        return cupy_erf(x)
    if x.dtype == numpy.float64:
        return _exact_erf(x).astype(numpy.float64)
    z = xp.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * xp.exp(poly)
    return xp.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(x.dtype, copy=False)


class ErfBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (x * x).neg().exp() * (2.0 / math.sqrt(math.pi)),)


def erf(input):
    return _op(ErfBackward0, input, _erf_array(to_float(input._data)), (input,))


# ---- rectifiers ---------------------------------------------------------------------------

class LeakyReluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        slope = self.negative_slope
        return (g * ((x > 0) * (1.0 - slope) + slope),)


def leaky_relu(input, negative_slope=0.01):
    x = input._data
    return _op(LeakyReluBackward0, input, xp_of(x).where(x > 0, x, x * negative_slope),
               (input,), negative_slope=negative_slope)


class EluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        pos = x > 0
        return (g * (pos + (~pos) * (x.exp() * self.alpha)),)


def elu(input, alpha=1.0):
    x = input._data
    xp = xp_of(x)
    neg = alpha * xp.expm1(xp.minimum(x, 0))
    return _op(EluBackward0, input, xp.where(x > 0, x, neg), (input,), alpha=alpha)


class GeluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        if self.approximate == "tanh":
            k = math.sqrt(2.0 / math.pi)
            inner = (x + x * x * x * 0.044715) * k
            th = inner.tanh()
            d_inner = (x * x * (3 * 0.044715) + 1) * k
            return (g * ((th + 1) * 0.5 + x * 0.5 * (1 - th * th) * d_inner),)
        cdf = (erf(x * (1 / math.sqrt(2.0))) + 1) * 0.5
        pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return (g * (cdf + x * pdf),)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = to_float(input._data)
    xp = xp_of(x)
    if approximate == "tanh":
        k = math.sqrt(2.0 / math.pi)
        out = 0.5 * x * (1 + xp.tanh(k * (x + 0.044715 * x * x * x)))
    else:
        out = 0.5 * x * (1 + _erf_array(x * (1 / math.sqrt(2.0))))
    return _op(GeluBackward0, input, out.astype(x.dtype, copy=False), (input,),
               approximate=approximate)


class SiluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        s = x.sigmoid()
        return (g * s * (x * (1 - s) + 1),)


def _sigmoid_array(x):
    xp = xp_of(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def silu(input):
    x = to_float(input._data)
    return _op(SiluBackward0, input, x * _sigmoid_array(x), (input,))


class SoftplusBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        bx = x * self.beta
        linear = bx > self.threshold
        return (g * ((bx.sigmoid() * (~linear)) + linear),)


def softplus(input, beta=1.0, threshold=20.0):
    x = to_float(input._data)
    xp = xp_of(x)
    bx = x * beta
    soft = (xp.logaddexp(0, bx) / beta).astype(x.dtype, copy=False)
    return _op(SoftplusBackward0, input, xp.where(bx > threshold, x, soft), (input,),
               beta=beta, threshold=threshold)


class HardtanhBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * ((x > self.lo) & (x < self.hi)),)


def hardtanh(input, min_val=-1.0, max_val=1.0):
    x = input._data
    return _op(HardtanhBackward0, input, xp_of(x).clip(x, min_val, max_val), (input,),
               lo=min_val, hi=max_val)
