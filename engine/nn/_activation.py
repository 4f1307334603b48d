"""Activation ops beyond engine's unary set: each forward on arrays beside its Node.

Backwards are engine ops on the saved input, so they are differentiable again. The softmax
family is engine's own (engine/ops/reduce.py).
"""
import math

import numpy

from .._backend import xp_of
from .._parallel import pointwise, split, worth_splitting
from ..ops._base import Node, _grad_state, check_inplace, record, to_float, wrap, write_result
from ..ops.shape import cat
from ..ops.unary import erf, erf_array


def _op(node_cls, input, out_array, saved, **attrs):
    out = wrap(out_array, input)
    node = record(node_cls, out, (input,), saved)
    if node is not None:
        node.__dict__.update(attrs)
    return out


def _op_(node_cls, input, out_array, **attrs):
    """The in-place rectifiers (leaky_relu_, elu_, selu_, celu_, rrelu_) save their result
    as PyTorch does: the input tensor after the write, so that backward catches a later
    in-place write to it while writes to the tensors before it stay allowed; ``node_cls``
    (PyTorch's ...Backward1) computes the gradient from that result."""
    check_inplace(input)
    result = wrap(out_array, input)
    node = record(node_cls, result, (input,))
    write_result(input, result)
    if node is not None:
        node.__dict__.update(attrs)
        node.save(input)
        node.resave_output(input, input)  # a detached alias of it, named for errors
    return input


# ---- rectifiers ---------------------------------------------------------------------------

class LeakyReluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        slope = self.negative_slope
        return (g * ((x > 0) * (1.0 - slope) + slope),)


class LeakyReluBackward1(Node):
    def backward(self, g):
        (y,) = self.saved_tensors  # the result: same sign as the input for a slope >= 0
        slope = self.negative_slope
        if slope < 0:  # the sign of the input is lost: PyTorch refuses here, in backward
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope "
                "which is not supported. This is caused by calling in-place forward function "
                "with a negative slope, please call out-of-place version instead. File an "
                "issue at https://github.com/pytorch/pytorch if you do require supporting "
                "in-place leakRelu backward calculation with negative slope")
        return (g * ((y > 0) * (1.0 - slope) + slope),)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    x = input._data
    out = xp_of(x).where(x > 0, x, x * negative_slope)
    if inplace:
        return _op_(LeakyReluBackward1, input, out, negative_slope=negative_slope)
    return _op(LeakyReluBackward0, input, out, (input,), negative_slope=negative_slope)


class EluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        pos = x > 0
        return (g * (pos + (~pos) * (x.exp() * self.alpha)),)


class EluBackward1(Node):
    """elu_, selu_ (and celu_ as CeluBackward1) from the result y = scale * alpha *
    (exp(x * input_scale) - 1) for x <= 0: the slope there is input_scale * (y + scale *
    alpha), PyTorch's elu_backward(is_result=True)."""

    def backward(self, g):
        (y,) = self.saved_tensors
        pos = y > 0
        neg = (y + self.alpha * self.scale) * self.input_scale
        return (g * (pos * self.scale + (~pos) * neg),)


class CeluBackward1(EluBackward1):
    pass


def elu(input, alpha=1.0, inplace=False):
    x = input._data
    xp = xp_of(x)
    neg = alpha * xp.expm1(xp.minimum(x, 0))
    out = xp.where(x > 0, x, neg)
    if inplace:
        return _op_(EluBackward1, input, out, alpha=alpha, scale=1.0, input_scale=1.0)
    return _op(EluBackward0, input, out, (input,), alpha=alpha)


class GeluBackward0(Node):
    cdf = None  # Phi(x) from the forward (exact GELU)

    def backward(self, g):
        (x,) = self.saved_tensors
        if self.approximate == "tanh":
            k = math.sqrt(2.0 / math.pi)
            inner = (x + x * x * x * 0.044715) * k
            th = inner.tanh()
            d_inner = (x * x * (3 * 0.044715) + 1) * k
            return (g * ((th + 1) * 0.5 + x * 0.5 * (1 - th * th) * d_inner),)
        if not _grad_state[0]:  # no graph of the gradient: on arrays
            xd, gd = x._data, g._data
            xp = xp_of(xd)
            cdf = self.cdf if self.cdf is not None else _normal_cdf(xp, xd)
            if gd.shape != xd.shape:
                gd = xp.broadcast_to(gd, xd.shape)
            slope = xp.empty(xd.shape, cdf.dtype)  # 0-d: still an array; half: float32
            slope = pointwise(_gelu_grad, slope, xd, cdf, gd)
            return (wrap(slope.astype(xd.dtype, copy=False), g),)
        cdf = (erf(x * (1 / math.sqrt(2.0))) + 1) * 0.5
        pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return (g * (cdf + x * pdf),)


def _gelu_grad(slope, x, cdf, g):
    """slope = g * (Phi(x) + x phi(x)), in place."""
    xp = xp_of(x)
    xp.multiply(x, x, out=slope)
    slope *= -0.5
    xp.exp(slope, out=slope)
    slope *= x
    slope *= 1 / math.sqrt(2 * math.pi)
    slope += cdf
    slope *= g


# Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the erf of PyTorch's vectorized CPU
# kernels (Vectorized<float>::erf), used by its float GELU: SciPy's float32 erf costs ~100x
# more, and exact float64 erf stays for float64.
_AS_P = 0.3275911
_AS_COEFFS = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


# elements: the ~20 passes below then run in a core's L2 cache (1M-element passes were 2x
# slower), in calls long enough that two threads do not queue for the GIL between them
_CDF_BLOCK = 1 << 17


def _normal_cdf(xp, x):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, a new array of x's dtype (float32 for half)."""
    if x.dtype.itemsize >= 8:
        return (erf_array(xp, x * (1 / math.sqrt(2.0))) + 1) * 0.5
    if x.dtype.itemsize < 4:  # half precision: in float32, as PyTorch computes it
        return _normal_cdf(xp, x.astype(numpy.float32))
    if xp is not numpy or x.size <= 2 * _CDF_BLOCK:
        return _normal_cdf_block(xp, x)
    flat = x.reshape(-1)
    out = xp.empty_like(flat)

    def blocks(b0, b1):  # large inputs: a span of blocks per core
        for start in range(b0 * _CDF_BLOCK, min(flat.size, b1 * _CDF_BLOCK), _CDF_BLOCK):
            out[start:start + _CDF_BLOCK] = _normal_cdf_block(xp, flat[start:start + _CDF_BLOCK])
    split(blocks, -(-flat.size // _CDF_BLOCK), worth_splitting(flat))
    return out.reshape(x.shape)


def _normal_cdf_block(xp, x):
    """(1 + erf(z)) / 2, z = x / sqrt 2, erf(z) = sign(z) (1 - poly(t) exp(-z^2)) with
    t = 1 / (1 + p |z|), as PyTorch's vectorized erf computes it. Every pass is one of
    NumPy's SIMD loops (its where() and reciprocal() cost 40x and 3x an add)."""
    z = xp.multiply(x, 1 / math.sqrt(2.0), out=xp.empty_like(x))  # 0-d: still an array
    t = xp.abs(z, out=xp.empty_like(z))
    t *= _AS_P
    t += 1
    xp.divide(1, t, out=t)
    poly = xp.multiply(t, _AS_COEFFS[0], out=xp.empty_like(t))
    for c in _AS_COEFFS[1:]:
        poly += c
        poly *= t
    xp.multiply(z, z, out=t)
    xp.negative(t, out=t)
    xp.exp(t, out=t)
    poly *= t                               # 1 - erf(|z|)
    xp.subtract(1, poly, out=poly)          # erf(|z|), >= 0
    _copy_sign(xp, poly, z)                 # erf(z)
    poly += 1
    poly *= 0.5
    return poly


_SIGN_BIT = {2: (numpy.int16, numpy.int16(-1 << 15)), 4: (numpy.int32, numpy.int32(-1 << 31))}


def _copy_sign(xp, magnitude, like):
    """magnitude (>= 0) takes like's sign, in place: on NumPy as an OR of the sign bit
    (its copysign() costs 5x an add)."""
    if xp is numpy and magnitude.dtype.itemsize in _SIGN_BIT:
        ints, bit = _SIGN_BIT[magnitude.dtype.itemsize]
        sign = numpy.bitwise_and(like.view(ints), bit)
        numpy.bitwise_or(magnitude.view(ints), sign, out=magnitude.view(ints))
    else:
        xp.copysign(magnitude, like, out=magnitude)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = to_float(input._data)
    xp = xp_of(x)
    if approximate == "tanh":
        k = math.sqrt(2.0 / math.pi)
        out = 0.5 * x * (1 + xp.tanh(k * (x + 0.044715 * x * x * x)))
    else:
        cdf = _normal_cdf(xp, x)  # kept for the backward: it costs ~20 passes to redo
        out = pointwise(lambda o, a, b: xp.multiply(a, b, out=o), xp.empty_like(cdf), x, cdf)
        return _op(GeluBackward0, input, out.astype(x.dtype, copy=False), (input,),
                   approximate=approximate, cdf=cdf)
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


def hardtanh(input, min_val=-1.0, max_val=1.0):  # hardtanh_: on a snapshot, as in PyTorch
    x = input._data
    return _op(HardtanhBackward0, input, xp_of(x).clip(x, min_val, max_val), (input,),
               lo=min_val, hi=max_val)


# ---- more activations: celu, selu, glu, shrinks, hard sigmoid/swish, logsigmoid, mish,
# prelu, rrelu, threshold (PyTorch's node names; softsign and tanhshrink are composites in
# PyTorch too, written in nn.functional) ---------------------------------------------------

class CeluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        pos = x > 0
        return (g * (pos + (~pos) * (x * (1.0 / self.alpha)).exp()),)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    x = to_float(input._data)
    xp = xp_of(x)
    neg = alpha * xp.expm1(xp.minimum(x, 0) / alpha)
    out = xp.where(x > 0, x, neg).astype(x.dtype, copy=False)
    if inplace:
        return _op_(CeluBackward1, input, out, alpha=alpha, scale=1.0, input_scale=1.0 / alpha)
    return _op(CeluBackward0, input, out, (input,), alpha=alpha)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class SeluBackward(Node):
    """PyTorch records selu as an elu with a scale: EluBackward0."""

    def backward(self, g):
        (x,) = self.saved_tensors
        pos = x > 0
        return (g * (pos * SELU_SCALE + (~pos) * (x.exp() * (SELU_ALPHA * SELU_SCALE))),)


SeluBackward.__name__ = SeluBackward.__qualname__ = "EluBackward0"


def selu(input, inplace=False):
    x = to_float(input._data)
    xp = xp_of(x)
    out = SELU_SCALE * xp.where(x > 0, x, SELU_ALPHA * xp.expm1(xp.minimum(x, 0)))
    out = out.astype(x.dtype, copy=False)
    if inplace:  # PyTorch's selu_ is elu_ with a scale
        return _op_(EluBackward1, input, out, alpha=SELU_ALPHA, scale=SELU_SCALE,
                    input_scale=1.0)
    return _op(SeluBackward, input, out, (input,))


class GluBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        a, b = x.chunk(2, self.dim)
        s = b.sigmoid()
        return (cat([g * s, g * a * s * (1 - s)], self.dim),)


def glu(input, dim=-1):
    x = to_float(input._data)
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % x.ndim if -x.ndim <= dim < x.ndim else dim
    n = x.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = x[(slice(None),) * d + (slice(0, n // 2),)], x[(slice(None),) * d +
                                                            (slice(n // 2, n),)]
    return _op(GluBackward0, input, a * _sigmoid_array(b), (input,), dim=d)


def _check_lambda(lambd, x):
    if lambd < 0:
        top = "3.40282e+38" if x.dtype.itemsize <= 4 else "1.79769e+308"
        kind = {2: "Half", 4: "Float", 8: "Double"}[x.dtype.itemsize]
        raise RuntimeError(f"lambda must be in range [0, {top}] for input dtype {kind}, but "
                           f"found {lambd:g}")


class HardshrinkBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (x.abs() > self.lambd),)


def hardshrink(input, lambd=0.5):
    x = to_float(input._data)
    keep = (x > lambd) | (x < -lambd)
    return _op(HardshrinkBackward0, input, x * keep, (input,), lambd=lambd)


class SoftshrinkBackward0(HardshrinkBackward0):
    pass


def softshrink(input, lambd=0.5):
    x = to_float(input._data)
    _check_lambda(lambd, x)
    xp = xp_of(x)
    out = xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, 0))
    return _op(SoftshrinkBackward0, input, out.astype(x.dtype, copy=False), (input,),
               lambd=lambd)


class HardsigmoidBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * ((x > -3) & (x < 3)) * (1.0 / 6),)


def hardsigmoid(input):
    x = to_float(input._data)
    out = xp_of(x).clip(x + 3, 0, 6) / 6
    return _op(HardsigmoidBackward0, input, out.astype(x.dtype, copy=False), (input,))


class HardswishBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        middle = (x >= -3) & (x <= 3)
        return (g * (middle * (x * (1.0 / 3) + 0.5) + (x > 3)),)


def hardswish(input):
    x = to_float(input._data)
    out = x * xp_of(x).clip(x + 3, 0, 6) / 6
    return _op(HardswishBackward0, input, out.astype(x.dtype, copy=False), (input,))


class LogSigmoidBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (-x).sigmoid(),)


def logsigmoid(input):
    x = to_float(input._data)
    out = -xp_of(x).logaddexp(0, -x)
    return _op(LogSigmoidBackward0, input, out.astype(x.dtype, copy=False), (input,))


class MishBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        t = softplus(x).tanh()
        return (g * (t + x * x.sigmoid() * (1 - t * t)),)


def mish(input):
    x = to_float(input._data)
    xp = xp_of(x)
    out = x * xp.tanh(xp.logaddexp(0, x))
    return _op(MishBackward0, input, out.astype(x.dtype, copy=False), (input,))


class PreluKernelBackward0(Node):
    def backward(self, g):
        x, w = self.saved_tensors
        need = self.needs_input_grad
        wb = w.reshape(self.shape)
        pos = x > 0
        gx = g * (pos + (~pos) * wb) if need[0] else None
        gw = None
        if need[1]:
            gw = (g * x * (~pos)).sum_to_size(self.shape).reshape(w.shape)
        return gx, gw


def prelu(input, weight):
    x, w = input._data, weight._data
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {w.ndim}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size != 1 and w.size != channels:
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {w.size} and channel size = {channels}.")
    shape = (1,) * x.ndim
    if w.size != 1 and x.ndim >= 2:
        shape = (1, w.size) + (1,) * (x.ndim - 2)
    wb = w.reshape(shape) if w.size != 1 or x.ndim else w.reshape(())
    out = xp_of(x).where(x > 0, x, x * wb).astype(x.dtype, copy=False)
    res = wrap(out, input)
    node = record(PreluKernelBackward0, res, (input, weight), (input, weight))
    if node is not None:
        node.shape = shape
    return res


class RreluWithNoiseBackward0(Node):
    def backward(self, g):
        (x, noise) = self.saved_tensors
        if noise is not None:
            return (g * noise,)
        pos = x > 0
        return (g * (pos + (~pos) * self.slope),)


class RreluWithNoiseBackward1(Node):
    """rrelu_: from the result (the noise, in training), as PyTorch saves it."""

    def backward(self, g):
        if self.noise is not None:
            return (g * self.noise,)
        (y,) = self.saved_tensors
        return (g * ((y > 0) + (y <= 0) * self.slope),)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    x = to_float(input._data)
    xp = xp_of(x)
    noise, slope = None, (lower + upper) / 2
    if training and upper - lower > 1e-6:
        from ..random import default_generator
        draw = default_generator.numpy.uniform(lower, upper, x.shape)
        noise = xp.where(x > 0, 1, xp.asarray(draw)).astype(x.dtype, copy=False)
        out = x * noise
    else:
        out = xp.where(x > 0, x, x * slope).astype(x.dtype, copy=False)
    if inplace:
        return _op_(RreluWithNoiseBackward1, input, out, slope=slope,
                    noise=None if noise is None else wrap(noise, input))
    if noise is not None:
        return _op(RreluWithNoiseBackward0, input, out, (input, wrap(noise, input)))
    return _op(RreluWithNoiseBackward0, input, out, (input, None), slope=slope)


class ThresholdBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (x > self.threshold),)


class ThresholdBackward1(ThresholdBackward0):
    """threshold_: the same formula, on the input from before the write (a snapshot)."""


def threshold(input, threshold, value, node_cls=ThresholdBackward0):
    x = input._data
    out = xp_of(x).where(x > threshold, x, value).astype(x.dtype, copy=False)
    return _op(node_cls, input, out, (input,), threshold=threshold)
