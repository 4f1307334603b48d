"""More elementwise ops: hypot, copysign, heaviside, gcd/lcm, ldexp/frexp, float_power,
fmax/fmin, nextafter, logaddexp(2), sign tests, bit shifts, and the
complex-number API as it reads on real tensors (angle, conj, real, ...).

Dtype rules, messages and grad_fn names are PyTorch 2.13's; each backward is written with
engine ops, beside its forward.
"""
import math

import numpy as np

from .._backend import xp_of
from .._dtype import _BY_NP, get_default_dtype
from ._base import (Node, Tensor, _grad_state, broadcast_error, check_tensor, const, operands,
                    record, to_float, wrap, write_out)
from .. import return_types


def _pair(name, input, other, fn, *, other_tensor=True, kinds="biuf", float_result=False):
    """(a, b, result) of ``fn(xp, a_data, b_data)`` on promoted operands; PyTorch's errors for
    a non-tensor ``other`` and for dtypes outside ``kinds``."""
    check_tensor(name, "input", 1, input)
    if other_tensor:
        check_tensor(name, "other", 2, other)
    a, b, ad, bd = operands(input, other)
    if ad.dtype.kind not in kinds:
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{_BY_NP[ad.dtype].legacy}'")
    if float_result:
        ad = to_float(ad)
        bd = bd.astype(ad.dtype, copy=False) if hasattr(bd, "dtype") else bd
    try:
        out = fn(xp_of(ad), ad, bd)
    except ValueError:
        raise broadcast_error(ad.shape, getattr(bd, "shape", ())) from None
    return a, b, wrap(out, a)


# ---- hypot, copysign, heaviside --------------------------------------------------------------

class HypotBackward0(Node):
    def backward(self, g):
        a, b, out = self.saved_tensors
        if _grad_state[0]:  # create_graph: the output as a function of the inputs
            out = hypot(a, b)
        return (g * a / out if self.needs_input_grad[0] else None,
                g * b / out if self.needs_input_grad[1] else None)


def hypot(input, other, *, out=None):
    a, b, result = _pair("hypot", input, other, lambda xp, x, y: xp.hypot(x, y), kinds="f")
    node = record(HypotBackward0, result, (a, b))
    if node is not None:
        node.save(a, b, result.detach())
    return write_out(out, result)


class CopysignBackward0(Node):     # tensor sign
    def backward(self, g):
        x, out = self.saved_tensors
        gx = _copysign_grad(g, x, out) if self.needs_input_grad[0] else None
        return gx, (g * 0 if self.needs_input_grad[1] else None)


class CopysignBackward1(Node):     # number sign
    def backward(self, g):
        x, out = self.saved_tensors
        return (_copysign_grad(g, x, out),)


def _copysign_grad(g, x, out):
    """d|x|*sign(y)/dx: out / x, and 0 where x is 0 (PyTorch's choice)."""
    ratio = (out / x).masked_fill(x == 0, 0)
    return g * ratio


def copysign(input, other, *, out=None):
    a, b, result = _pair("copysign", input, other, lambda xp, x, y: xp.copysign(x, y),
                         other_tensor=False, float_result=True)
    if isinstance(b, Tensor):
        node = record(CopysignBackward0, result, (a, b))
    else:
        node = record(CopysignBackward1, result, (a,))
    if node is not None:
        node.save(a, result.detach())
    return write_out(out, result)


def _not_implemented_backward(self, g):
    raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


# The grad_fn PyTorch gives an op without a derivative (its name is "NotImplemented"):
# backward through it fails, naming the op.
NotImplementedBackward = type("NotImplemented", (Node,), {"backward": _not_implemented_backward})


def heaviside(input, values, *, out=None):
    check_tensor("heaviside", "input", 1, input)
    check_tensor("heaviside", "values", 2, values)
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    xd, vd = input._data, values._data
    xp = xp_of(xd)
    try:
        data = xp.where(xd == 0, vd, (xd > 0).astype(xd.dtype))
    except ValueError:
        raise broadcast_error(xd.shape, vd.shape) from None
    result = wrap(data.astype(xd.dtype, copy=False), input)
    node = record(NotImplementedBackward, result, (input, values))
    if node is not None:
        node.op = "heaviside"
    return write_out(out, result)


# ---- gcd, lcm -------------------------------------------------------------------------------

def gcd(input, other, *, out=None):
    result = _pair("gcd", input, other, lambda xp, x, y: xp.gcd(x, y), kinds="iu")[2]
    return write_out(out, result)


def lcm(input, other, *, out=None):
    result = _pair("lcm", input, other, lambda xp, x, y: xp.lcm(x, y), kinds="iu")[2]
    return write_out(out, result)


# ---- ldexp, frexp, float_power --------------------------------------------------------------

class LdexpBackward0(Node):
    def backward(self, g):
        x, e = self.saved_tensors
        scale = e.exp2()
        gx = g * scale if self.needs_input_grad[0] else None
        ge = g * x * scale * math.log(2.0) if self.needs_input_grad[1] else None
        return gx, ge


def ldexp(input, other, *, out=None):
    """input * 2**other, in floating point."""
    a, b, result = _pair("ldexp", input, other, lambda xp, x, y: x * xp.exp2(y),
                         float_result=True)
    record(LdexpBackward0, result, (a, b), (a, b))
    return write_out(out, result)


class FrexpBackward0(Node):
    def backward(self, g_mantissa, g_exponent):
        (exponent,) = self.saved_tensors
        return (g_mantissa / exponent.exp2() if g_mantissa is not None else None,)


def frexp(input, *, out=None):
    """(mantissa, exponent) with input = mantissa * 2**exponent, |mantissa| in [0.5, 1)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    xd = input._data
    mantissa, exponent = xp_of(xd).frexp(xd)
    m = wrap(mantissa.astype(xd.dtype, copy=False), input)
    e = wrap(exponent.astype(np.int32), input)
    node = record(FrexpBackward0, (m, None), (input,))
    if node is not None:
        node.save(e.to(xd.dtype))
    return write_out(out, return_types.frexp((m, e)), "frexp")


def float_power(input, exponent, *, out=None):
    """pow in float64, whatever the operands' dtypes."""
    from .arith import pow
    from .._dtype import float64
    if isinstance(input, Tensor):
        base = input.to(float64)
        exp = exponent.to(float64) if isinstance(exponent, Tensor) else exponent
    else:
        base, exp = input, exponent.to(float64)
    return write_out(out, pow(base, exp))


def float_power_(self, exponent):
    if self.dtype.name != "float64":
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype.legacy} but "
                           "the operation's result requires dtype Double")
    return self.pow_(exponent)


# ---- fmax, fmin, nextafter ------------------------------------------------------------------

class FmaxBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        a_wins = const(self.wins(a._data, b._data), g)
        return (g * a_wins if self.needs_input_grad[0] else None,
                g * (1 - a_wins) if self.needs_input_grad[1] else None)


class FminBackward0(FmaxBackward0):
    pass


def _nan_ignoring(name, pick, node_cls, compare):
    def op(input, other, *, out=None):
        a, b, result = _pair(name, input, other, lambda xp, x, y: getattr(xp, pick)(x, y))
        node = record(node_cls, result, (a, b), (a, b))
        if node is not None:  # ties and a NaN other go to input, as in PyTorch
            node.wins = lambda x, y: (compare(x, y) | (y != y)).astype(x.dtype)
        return write_out(out, result)
    op.__name__ = name
    return op


fmax = _nan_ignoring("fmax", "fmax", FmaxBackward0, lambda x, y: x >= y)
fmin = _nan_ignoring("fmin", "fmin", FminBackward0, lambda x, y: x <= y)


class NextafterBackward0(Node):
    def backward(self, g):
        return (g if self.needs_input_grad[0] else None,
                g * 0 if self.needs_input_grad[1] else None)


def nextafter(input, other, *, out=None):
    a, b, result = _pair("nextafter", input, other, lambda xp, x, y: xp.nextafter(x, y),
                         kinds="f")
    record(NextafterBackward0, result, (a, b))
    return write_out(out, result)


# ---- logaddexp, logaddexp2, exp2 --------------------------------------------------------------

def _log_add(xp, x, y, log1p_exp, scale):
    """log(exp(x) + exp(y)) (base e, or base 2 with scale ln 2) without overflow."""
    hi = xp.maximum(x, y)
    tail = log1p_exp(-xp.abs(x - y)) / scale
    # equal infinities: x - y is NaN there, and the answer is that infinity
    return xp.where(xp.isinf(hi) & (x == y), hi, hi + tail)


class LogaddexpBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return (g / (1 + (b - a).exp()) if self.needs_input_grad[0] else None,
                g / (1 + (a - b).exp()) if self.needs_input_grad[1] else None)


class Logaddexp2Backward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return (g / (1 + (b - a).exp2()) if self.needs_input_grad[0] else None,
                g / (1 + (a - b).exp2()) if self.needs_input_grad[1] else None)


def logaddexp(input, other, *, out=None):
    a, b, result = _pair("logaddexp", input, other, lambda xp, x, y: _log_add(
        xp, x, y, lambda t: xp.log1p(xp.exp(t)), 1.0), kinds="f")
    record(LogaddexpBackward0, result, (a, b), (a, b))
    return write_out(out, result)


def logaddexp2(input, other, *, out=None):
    a, b, result = _pair("logaddexp2", input, other, lambda xp, x, y: _log_add(
        xp, x, y, lambda t: xp.log1p(xp.exp2(t)), math.log(2.0)), kinds="f")
    record(Logaddexp2Backward0, result, (a, b), (a, b))
    return write_out(out, result)


# ---- fix, sgn, positive (exp2, deg2rad, rad2deg are in ops/trig.py) -----------------------

def fix(input, *, out=None):
    from .unary import trunc
    return trunc(input, out=out)


class SgnBackward0(Node):
    def backward(self, g):
        return (g * 0,)


def sgn(input, *, out=None):
    """sign, for real tensors."""
    result = wrap(xp_of(input._data).sign(input._data), input)
    record(SgnBackward0, result, (input,))
    return write_out(out, result)


def positive(input):
    if input.dtype.name == "bool":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# ---- tests of sign and infinity -------------------------------------------------------------

def signbit(input, *, out=None):
    return write_out(out, wrap(xp_of(input._data).signbit(input._data), input))


def isposinf(input, *, out=None):
    xd = input._data
    return write_out(out, wrap(xp_of(xd).isposinf(xd) if xd.dtype.kind == "f" else
                               xp_of(xd).zeros(xd.shape, bool), input))


def isneginf(input, *, out=None):
    xd = input._data
    return write_out(out, wrap(xp_of(xd).isneginf(xd) if xd.dtype.kind == "f" else
                               xp_of(xd).zeros(xd.shape, bool), input))


def isreal(input):
    return wrap(xp_of(input._data).ones(input._data.shape, bool), input)


# ---- bit shifts -------------------------------------------------------------------------------

def _shift(name, kernel, left):
    def op(input, other, *, out=None):
        if not isinstance(input, Tensor):  # 3 << t
            from ..creation import tensor
            input = tensor(input, device=other.device)
        a, b, ad, bd = operands(input, other)
        if ad.dtype.kind not in "biu":
            raise NotImplementedError(f'"{kernel}_cpu" not implemented for '
                                      f"'{_BY_NP[ad.dtype].legacy}'")
        xp = xp_of(ad)
        bits = ad.dtype.itemsize * 8
        amount = xp.asarray(bd)
        wide = (amount >= bits) | (amount < 0)
        safe = xp.where(wide, 0, amount).astype(ad.dtype)
        if left:  # shifted past the width: 0, as PyTorch
            data = xp.where(wide, 0, xp.left_shift(ad, safe))
        else:     # arithmetic: past the width, the sign fills every bit
            data = xp.where(wide, xp.where(ad < 0, -1, 0), xp.right_shift(ad, safe))
        return write_out(out, wrap(data.astype(ad.dtype, copy=False), a))
    op.__name__ = name
    return op


bitwise_left_shift = _shift("bitwise_left_shift", "lshift", True)
bitwise_right_shift = _shift("bitwise_right_shift", "rshift", False)


# ---- the complex-number API on real tensors ---------------------------------------------------

class AngleBackward0(Node):
    def backward(self, g):
        return (g * 0,)


def angle(input, *, out=None):
    """0 for x >= 0, pi for x < 0 (NaN stays NaN), as a float tensor."""
    xd = to_float(input._data)
    xp = xp_of(xd)
    data = xp.where(xd < 0, math.pi, 0.0).astype(xd.dtype)
    data = xp.where(xd != xd, xd, data)
    result = wrap(data, input)
    record(AngleBackward0, result, (input,))
    return write_out(out, result)


def conj(input):
    """A real tensor is its own conjugate (PyTorch returns the tensor itself)."""
    return input


conj_physical = resolve_conj = resolve_neg = real = conj


def adjoint(input):
    """The conjugate transpose of the last two dims (a transpose, for real tensors)."""
    if input.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input.ndim}-D tensor.")
    return input.transpose(-2, -1)


def _H(self):
    if self.ndim != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor.")
    return self.transpose(0, 1)


def _mH(self):
    if self.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return self.transpose(-2, -1)


def conj_physical_(self):
    return self


def _method_as_function(name):
    """torch.<name>(t, ...) for a query Tensor has as a method (is_complex, numel, ...)."""
    def fn(input, *args):
        return getattr(input, name)(*args)
    fn.__name__ = name
    return fn


(is_complex, is_conj, is_neg, is_floating_point, is_signed, is_nonzero, is_same_size,
 is_inference, numel, get_device) = (_method_as_function(name) for name in (
    "is_complex", "is_conj", "is_neg", "is_floating_point", "is_signed", "is_nonzero",
    "is_same_size", "is_inference", "numel", "get_device"))


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on these two operands (tensors or numbers) gives."""
    from .._dtype import result_type as promote, scalar_dtype, scalar_result_type
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor):
        return promote(tensor1.dtype, tensor1.ndim == 0, tensor2.dtype, tensor2.ndim == 0)
    if isinstance(tensor1, Tensor) or isinstance(tensor2, Tensor):
        t, s = (tensor1, tensor2) if isinstance(tensor1, Tensor) else (tensor2, tensor1)
        return scalar_result_type(t.dtype, s)
    d1, d2 = scalar_dtype(tensor1), scalar_dtype(tensor2)
    from .._dtype import promote_types
    return promote_types(d1, d2) if d1 is not d2 else (
        get_default_dtype() if d1.is_floating_point else d1)


__all__ = ["hypot", "copysign", "heaviside", "gcd", "lcm", "ldexp", "frexp", "float_power",
           "fmax", "fmin", "nextafter", "logaddexp", "logaddexp2",
           "fix", "sgn", "positive", "signbit", "isposinf", "isneginf", "isreal",
           "bitwise_left_shift", "bitwise_right_shift", "angle", "conj", "conj_physical",
           "resolve_conj", "resolve_neg", "real", "adjoint", "is_complex", "is_conj", "is_neg",
           "is_floating_point", "is_signed", "is_nonzero", "is_same_size", "is_inference",
           "numel", "get_device", "result_type"]
# Tensor has these already as methods or properties of its own (tensor.py).
NOT_METHODS = {"real", "is_complex", "is_conj", "is_neg", "is_floating_point", "is_signed",
               "is_nonzero", "is_same_size", "is_inference", "numel", "get_device",
               "result_type"}
EXTRA_METHODS = {"float_power_": float_power_, "conj_physical_": conj_physical_,
                 "real": property(conj), "H": property(_H), "mH": property(_mH)}
