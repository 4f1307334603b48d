"""Elementwise unary ops. Each Node says what its backward needs: the input, the output, both.

Ops whose gradient is cheapest from their output (exp, sigmoid, tanh, sqrt) keep a detached
alias of it, which holds no reference cycle; when the backward itself is being recorded
(create_graph=True) they recompute the output from the input so the second derivative flows.
"""
import math

import numpy

from .._backend import special_function, xp_of
from .. import _parallel
from ._base import Node, _grad_state, record, recomputed, to_float, wrap, write_out


def _unary(node_cls, fn, *, floating=True, keep="input"):
    """Make the op ``fn(xp, array)``; ``keep`` is what the backward needs saved."""
    def op(input, *, out=None):
        data = input._data
        if floating:
            data = to_float(data)
        result = wrap(fn(xp_of(data), data), input)
        if node_cls is not None:
            if keep == "input":
                record(node_cls, result, (input,), (input,))
            elif keep == "output":  # PyTorch saves only the result: input is unchecked
                alias = result.detach()
                node = record(node_cls, result, (input,))
                if node is not None:
                    node.save(input, alias, unchecked=(input,))
                    alias._output_of = node_cls.__name__  # names it in version errors
            elif keep == "result":
                alias = result.detach()
                if record(node_cls, result, (input,), (alias,)) is not None:
                    alias._output_of = node_cls.__name__
            else:
                record(node_cls, result, (input,))
        return write_out(out, result)
    op.__name__ = fn.__name__
    return op


class ExpBackward0(Node):
    forward_again = staticmethod(lambda x: exp(x))

    def backward(self, g):
        x, y = self.saved_tensors
        return (g * recomputed(x, y, self.forward_again),)


class LogBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / x,)


class Log1PBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (x + 1),)


class Log2Backward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (x * 0.6931471805599453),)


class Log10Backward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (x * 2.302585092994046),)


class Expm1Backward0(Node):
    forward_again = staticmethod(lambda x: expm1(x))

    def backward(self, g):
        x, y = self.saved_tensors
        return (g * (recomputed(x, y, self.forward_again) + 1),)


class SqrtBackward0(Node):
    forward_again = staticmethod(lambda x: sqrt(x))

    def backward(self, g):
        x, y = self.saved_tensors
        return (g / (2 * recomputed(x, y, self.forward_again)),)


class RsqrtBackward0(Node):
    forward_again = staticmethod(lambda x: rsqrt(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (g * -0.5 * y * y * y,)


class AbsBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * x.sign(),)


class SignBackward0(Node):
    def backward(self, g):
        return (g * 0,)


class SinBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * x.cos(),)


class CosBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (-g * x.sin(),)


class TanBackward0(Node):
    forward_again = staticmethod(lambda x: tan(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (g * (1 + y * y),)


class TanhBackward0(Node):
    forward_again = staticmethod(lambda x: tanh(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (g * (1 - y * y),)


class SigmoidBackward0(Node):
    forward_again = staticmethod(lambda x: sigmoid(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (g * y * (1 - y),)


class ReluBackward0(Node):
    def backward(self, g):
        (y,) = self.saved_tensors  # the result, as PyTorch saves it: y > 0 where x > 0
        if _grad_state[0]:
            return (g * (y > 0),)
        # no float copy of the mask (the tensor ops cast it first); large ones on every core
        gd, yd = g._data, y._data
        if gd.size < _parallel.MIN_ITEMS or gd.shape != yd.shape or gd.dtype != yd.dtype:
            return (wrap(gd * (yd > 0), g),)
        out = _parallel.pointwise(_multiply_by_positive, xp_of(gd).empty_like(gd), gd, yd)
        return (wrap(out, g),)


class ReciprocalBackward0(Node):
    forward_again = staticmethod(lambda x: reciprocal(x))

    def backward(self, g):
        x, y = self.saved_tensors
        y = recomputed(x, y, self.forward_again)
        return (-g * y * y,)


class ErfBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (x * x).neg().exp() * (2.0 / math.sqrt(math.pi)),)


class ZeroGradBackward(Node):
    """floor, ceil, round, trunc: piecewise constant, so the gradient is zero."""

    def backward(self, g):
        return (g * 0,)


class FloorBackward0(ZeroGradBackward):
    pass


class CeilBackward0(ZeroGradBackward):
    pass


class RoundBackward0(ZeroGradBackward):
    pass


class TruncBackward0(ZeroGradBackward):
    pass


class FracBackward0(Node):
    def backward(self, g):
        return (g,)


def _sigmoid(xp, x):
    # PyTorch's formula, 1 / (1 + exp(-x)): exp overflows to inf for x < -88 (float32) and
    # the result is then 0, as PyTorch's; NumPy's overflow warning is silenced. Written in
    # place (4 passes); masking by sign instead cost 10x more (boolean indexing).
    t = xp.negative(x, out=xp.empty_like(x))  # an array even for 0-d x (not a scalar)
    if xp is numpy:
        with numpy.errstate(over="ignore"):
            xp.exp(t, out=t)
    else:
        xp.exp(t, out=t)
    t += 1
    xp.reciprocal(t, out=t)
    return t


_exact_erf = numpy.frompyfunc(math.erf, 1, 1)


def erf_array(xp, x):
    """erf (NumPy has none): exact (math.erf, as PyTorch's) for float64 on the CPU, SciPy's
    (CuPy's on the GPU) otherwise."""
    if xp is numpy and x.dtype == numpy.float64:
        return numpy.asarray(_exact_erf(x), numpy.float64)  # 0-d: frompyfunc gives a float
    return special_function("erf", x)(x).astype(x.dtype, copy=False)


def _multiply_by_positive(out, g, y):
    xp_of(g).multiply(g, y > 0, out=out)


def _relu(xp, x):
    if x.size < _parallel.MIN_ITEMS or x.dtype.kind != "f":
        return xp.maximum(x, 0)  # NaN stays NaN, as in PyTorch
    return _parallel.pointwise(lambda o, x_: xp.maximum(x_, 0, out=o), xp.empty_like(x), x)


exp = _unary(ExpBackward0, lambda xp, x: xp.exp(x), keep="output")
log = _unary(LogBackward0, lambda xp, x: xp.log(x))
log1p = _unary(Log1PBackward0, lambda xp, x: xp.log1p(x))
log2 = _unary(Log2Backward0, lambda xp, x: xp.log2(x))
log10 = _unary(Log10Backward0, lambda xp, x: xp.log10(x))
expm1 = _unary(Expm1Backward0, lambda xp, x: xp.expm1(x), keep="output")
sqrt = _unary(SqrtBackward0, lambda xp, x: xp.sqrt(x), keep="output")
rsqrt = _unary(RsqrtBackward0, lambda xp, x: 1 / xp.sqrt(x), keep="output")
abs = _unary(AbsBackward0, lambda xp, x: xp.abs(x), floating=False)
absolute = abs
sign = _unary(SignBackward0, lambda xp, x: xp.sign(x), floating=False, keep=None)
sin = _unary(SinBackward0, lambda xp, x: xp.sin(x))
cos = _unary(CosBackward0, lambda xp, x: xp.cos(x))
tan = _unary(TanBackward0, lambda xp, x: xp.tan(x), keep="output")
tanh = _unary(TanhBackward0, lambda xp, x: xp.tanh(x), keep="output")
sigmoid = _unary(SigmoidBackward0, _sigmoid, keep="output")
relu = _unary(ReluBackward0, _relu, floating=False, keep="result")
erf = _unary(ErfBackward0, erf_array)
reciprocal = _unary(ReciprocalBackward0, lambda xp, x: 1 / x, keep="output")
floor = _unary(FloorBackward0, lambda xp, x: xp.floor(x), floating=False, keep=None)
ceil = _unary(CeilBackward0, lambda xp, x: xp.ceil(x), floating=False, keep=None)
trunc = _unary(TruncBackward0, lambda xp, x: xp.trunc(x), floating=False, keep=None)
frac = _unary(FracBackward0, lambda xp, x: x - xp.trunc(x), keep=None)
_round0 = _unary(RoundBackward0, lambda xp, x: xp.round(x), floating=False, keep=None)


class RoundBackward1(ZeroGradBackward):
    pass


def _round_decimals(decimals):
    """PyTorch's kernel: nearbyint(x * 10^d) / 10^d, or nearbyint(x / 10^-d) * 10^-d for
    negative d, in the tensor's own precision."""
    def fn(xp, x):
        scale = x.dtype.type(10.0 ** (decimals if decimals > 0 else -decimals))
        return xp.round(x * scale) / scale if decimals > 0 else xp.round(x / scale) * scale
    return fn


def round(input, *, decimals=0, out=None):
    if decimals == 0:
        return _round0(input, out=out)
    if input._data.dtype.kind != "f":
        from .._dtype import _BY_NP
        raise NotImplementedError("\"round_cpu\" not implemented for "
                                  f"'{_BY_NP[input._data.dtype].legacy}'")
    return _unary(RoundBackward1, _round_decimals(decimals), keep=None)(input, out=out)


__all__ = ["exp", "log", "log1p", "log2", "log10", "expm1", "sqrt", "rsqrt", "abs",
           "absolute", "sign", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "erf", "reciprocal",
           "floor", "ceil", "trunc", "frac", "round"]
