"""Activation ops beyond engine's unary set: each forward on arrays beside its Node.

Backwards are engine ops on the saved input, so they are differentiable again. The softmax
family is engine's own (engine/ops/reduce.py).
"""
import math

from .._backend import xp_of
from ..ops._base import Node, record, to_float, wrap
from ..ops.unary import erf, erf_array


def _op(node_cls, input, out_array, saved, **attrs):
    out = wrap(out_array, input)
    node = record(node_cls, out, (input,), saved)
    if node is not None:
        node.__dict__.update(attrs)
    return out


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
        out = 0.5 * x * (1 + erf_array(xp, x * (1 / math.sqrt(2.0))))
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
