"""Elementwise binary arithmetic, comparisons and logic, with broadcasting and promotion."""
from .._backend import xp_of
from ._base import Node, Tensor, broadcast_error, operands, record, to_float, wrap, write_out


def _binary(fn, a, b):
    """Run the array function on promoted operands; PyTorch's error for bad broadcasting."""
    a, b, ad, bd = operands(a, b)
    try:
        out = fn(ad, bd)
    except ValueError:
        raise broadcast_error(ad.shape, getattr(bd, "shape", ())) from None
    return a, b, wrap(out, a if isinstance(a, Tensor) else b)


# ---- + - * / ------------------------------------------------------------------------------

class AddBackward0(Node):
    def backward(self, g):
        return g, g  # alpha is folded into ``other`` before the add, as PyTorch records it


def _add_arrays(x, y):
    return x + y


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    a, b, result = _binary(_add_arrays, input, other)
    record(AddBackward0, result, (a, b))
    return write_out(out, result)


class SubBackward0(Node):
    def backward(self, g):
        return g, -g


def _sub_arrays(x, y):
    return x - y


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = other * alpha
    a, b, result = _binary(_sub_arrays, input, other)
    record(SubBackward0, result, (a, b))
    return write_out(out, result)


class RsubBackward1(Node):
    def backward(self, g):
        return (-g,)


def rsub(input, other):
    """other - input, for a Python scalar ``other``."""
    a, b, result = _binary(lambda x, y: y - x, input, other)
    record(RsubBackward1, result, (a,))
    return result


class MulBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return (g * b if self.needs_input_grad[0] else None,
                g * a if self.needs_input_grad[1] else None)


def _mul_arrays(x, y):
    return x * y


def mul(input, other, *, out=None):
    a, b, result = _binary(_mul_arrays, input, other)
    # each operand is saved only for the other's gradient, as in PyTorch: x[1:] * 2 keeps
    # nothing of x, so a later write to x is no error
    record(MulBackward0, result, (a, b), (a if getattr(b, "_rg", False) else None,
                                          b if getattr(a, "_rg", False) else None))
    return write_out(out, result)


class DivBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        ga = g / b if self.needs_input_grad[0] else None
        gb = -g * a / (b * b) if self.needs_input_grad[1] else None
        return ga, gb


def _true_div(x, y):
    x = to_float(x)
    if not hasattr(y, "dtype"):
        return x / y
    return x / to_float(y) if x.dtype == y.dtype or y.dtype.kind in "biu" else x / y


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode == "floor":
        return write_out(out, floor_divide(input, other))
    if rounding_mode == "trunc":
        return write_out(out, _binary(_trunc_div, input, other)[2])
    if rounding_mode is not None:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    a, b, result = _binary(_true_div, input, other)
    record(DivBackward0, result, (a, b), (a, b))
    return write_out(out, result)


def _trunc_div(x, y):
    arr = x if hasattr(x, "dtype") else y
    q = xp_of(arr).trunc(x / y)
    return q if arr.dtype.kind == "f" else q.astype(arr.dtype)


def rdiv(input, other):
    """other / input: PyTorch computes it as reciprocal(input) * other (MulBackward0)."""
    return mul(input.reciprocal(), other)


def floor_divide(input, other, *, out=None):
    _, _, result = _binary(lambda x, y: x // y, input, other)
    return write_out(out, result)  # not differentiable (gradient is zero almost everywhere)


# remainder has the sign of the divisor (Python's %), fmod that of the dividend (C's fmod):
# remainder(-3, 2) is 1, fmod(-3, 2) is -1. Both are a - b * q, q the quotient rounded down
# (floor) or toward zero (trunc), so d/da is 1 and d/db is -q.

class RemainderBackward0(Node):     # number divisor
    def backward(self, g):
        return (g,)


class RemainderBackward1(Node):     # tensor divisor
    def backward(self, g):
        a, b = self.saved_tensors
        return g, (-g * (a / b).floor() if self.needs_input_grad[1] else None)


class FmodBackward0(RemainderBackward0):
    pass


class FmodBackward1(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return g, (-g * (a / b).trunc() if self.needs_input_grad[1] else None)


def _modulo(array_fn, by_number, by_tensor):
    def op(input, other, *, out=None):
        a, b, result = _binary(array_fn, input, other)
        if isinstance(b, Tensor):
            record(by_tensor, result, (a, b), (a, b))
        else:
            record(by_number, result, (a,))
        return write_out(out, result)
    return op


remainder = _modulo(lambda x, y: x % y, RemainderBackward0, RemainderBackward1)
fmod = _modulo(lambda x, y: xp_of(x if hasattr(x, "dtype") else y).fmod(x, y),
                     FmodBackward0, FmodBackward1)
remainder.__name__, fmod.__name__ = "remainder", "fmod"


class NegBackward0(Node):
    def backward(self, g):
        return (-g,)


def neg(input):
    if input.dtype.name == "bool":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    result = wrap(-input._data, input)
    record(NegBackward0, result, (input,))
    return result


# ---- powers -------------------------------------------------------------------------------

class PowBackward0(Node):   # tensor ** scalar
    def backward(self, g):
        (a,) = self.saved_tensors
        e = self.exponent
        if e == 0:
            return (g * 0,)
        return (g * e * a ** (e - 1),)


class PowBackward1(Node):   # tensor ** tensor
    def backward(self, g):
        a, b, out = self.saved_tensors
        ga = g * b * a ** (b - 1) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            gb = g * out * a.log().masked_fill((a == 0) & (b >= 0), 0)
        return ga, gb


class PowBackward2(Node):   # scalar ** tensor
    def backward(self, g):
        (out,) = self.saved_tensors
        import math
        return (g * out * math.log(self.base) if self.base > 0 else g * 0,)


def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor):
        return write_out(out, _scalar_pow(input, exponent))
    if isinstance(exponent, Tensor):
        a, b, result = _binary(_pow_arrays, input, exponent)
        node = record(PowBackward1, result, (a, b))
        if node is not None:
            node.save(a, b, result.detach())
        return write_out(out, result)
    a, e, result = _binary(_pow_arrays, input, exponent)
    node = record(PowBackward0, result, (a,), (a,))
    if node is not None:
        node.exponent = exponent
    return write_out(out, result)


def _pow_arrays(x, y):
    if y.__class__ in (int, float) and x.dtype.kind in "fc":
        by_products = _POW_BY_PRODUCTS.get(y)
        if by_products is not None:
            return by_products(x)
    if x.dtype.kind in "iu" and not hasattr(y, "dtype") and isinstance(y, int) and y < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return x ** y


# PyTorch's CPU pow turns these scalar exponents into products and roots (its
# pow_tensor_scalar_optimized_kernel), which are both faster than a general power (NumPy's
# float32 x ** 3 costs ~50x x * x * x) and round as PyTorch's do.
_POW_BY_PRODUCTS = {
    2: lambda x: x * x,
    3: lambda x: x * x * x,
    -1: lambda x: 1 / x,
    -2: lambda x: 1 / (x * x),
    0.5: lambda x: xp_of(x).sqrt(x),
}


def _scalar_pow(base, t):
    _, _, result = _binary(lambda x, y: y ** x, t, base)
    node = record(PowBackward2, result, (t,))
    if node is not None:
        node.save(result.detach())
        node.base = base
    return result


def square(input):
    return pow(input, 2)


# ---- comparisons and logic (never differentiable, results are bool) ------------------------

def _compare(fn):
    def op(input, other, *, out=None):
        _, _, result = _binary(fn, input, other)
        return write_out(out, result)
    return op


eq = _compare(lambda x, y: x == y)
ne = _compare(lambda x, y: x != y)
lt = _compare(lambda x, y: x < y)
le = _compare(lambda x, y: x <= y)
gt = _compare(lambda x, y: x > y)
ge = _compare(lambda x, y: x >= y)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _xp(t):
    return xp_of(t._data)


def logical_and(input, other):
    return wrap(_xp(input).logical_and(input._data, _data_of(other)), input)


def logical_or(input, other):
    return wrap(_xp(input).logical_or(input._data, _data_of(other)), input)


def logical_xor(input, other):
    return wrap(_xp(input).logical_xor(input._data, _data_of(other)), input)


def logical_not(input):
    return wrap(_xp(input).logical_not(input._data), input)


def _bitwise(fn, name):
    def op(input, other):
        if not isinstance(other, Tensor) and not isinstance(other, (int, bool)):
            raise TypeError(f"unsupported operand for {name}: {type(other).__name__}")
        promoted = operands(input, other)[2]
        if promoted.dtype.kind == "f":  # NumPy would raise its own TypeError first
            raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                      f"'{Tensor._dtype_of_np(promoted.dtype).legacy}'")
        return _binary(fn, input, other)[2]
    return op


bitwise_and = _bitwise(lambda x, y: x & y, "bitwise_and")
bitwise_or = _bitwise(lambda x, y: x | y, "bitwise_or")
bitwise_xor = _bitwise(lambda x, y: x ^ y, "bitwise_xor")


def bitwise_not(input):
    if input.dtype.is_floating_point:
        raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
    return wrap(~input._data, input)


def _data_of(x):
    return x._data if isinstance(x, Tensor) else x


def equal(input, other):
    return input.shape == other.shape and bool((input._data == other._data).all())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(_xp(input).allclose(input._data, other._data, rtol=rtol, atol=atol,
                                    equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap(_xp(input).isclose(input._data, _data_of(other), rtol=rtol, atol=atol,
                                   equal_nan=equal_nan), input)


def isnan(input):
    return wrap(_xp(input).isnan(input._data), input)


def isinf(input):
    return wrap(_xp(input).isinf(input._data), input)


def isfinite(input):
    return wrap(_xp(input).isfinite(input._data), input)


multiply, subtract, divide, true_divide, negative = mul, sub, div, div, neg

__all__ = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "neg", "pow",
           "square", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
           "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor",
           "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "equal",
           "allclose", "isclose", "isnan", "isinf", "isfinite", "multiply", "subtract",
           "divide", "true_divide", "negative"]


# ---- maximum, minimum, clamp ---------------------------------------------------------------

def _tie_weight(a, b, win):
    """1 where ``a`` wins (win: '>' or '<'), 0.5 on ties, 0 where it loses: a constant mask in
    a's dtype. PyTorch splits the gradient evenly between tied inputs."""
    ad, bd = a._data, b._data
    xp = xp_of(ad)
    wins = ad > bd if win == ">" else ad < bd
    w = xp.where(wins, 1.0, xp.where(ad == bd, 0.5, 0.0)).astype(ad.dtype)
    return wrap(w, a)


class MaximumBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        ga = g * _tie_weight(a, b, self.win) if self.needs_input_grad[0] else None
        gb = g * _tie_weight(b, a, self.win) if self.needs_input_grad[1] else None
        return ga, gb


class MinimumBackward0(MaximumBackward0):
    pass


def _extremum(name, fn, node_cls, win):
    def op(input, other, *, out=None):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                            f"{type(other).__name__}")
        a, b, result = _binary(fn, input, other)
        node = record(node_cls, result, (a, b), (a, b))
        if node is not None:
            node.win = win
        return write_out(out, result)
    op.__name__ = name
    return op


maximum = _extremum("maximum", lambda x, y: xp_of(x).maximum(x, y), MaximumBackward0, ">")
minimum = _extremum("minimum", lambda x, y: xp_of(x).minimum(x, y), MinimumBackward0, "<")


def _bound_data(bound, dtype_np):
    if isinstance(bound, Tensor):
        return bound._data.astype(dtype_np, copy=False)
    return bound


def _mask(cond, like):
    """A boolean condition as a constant tensor in like's dtype (multiplies a gradient)."""
    return wrap(cond.astype(like._data.dtype), like)


class ClampBackward1(Node):    # number bounds
    def backward(self, g):
        (x,) = self.saved_tensors
        xd = x._data
        keep = xp_of(xd).ones(xd.shape, dtype=bool)
        if self.lo is not None:
            keep &= xd >= self.lo
        if self.hi is not None:
            keep &= xd <= self.hi
        return (g * _mask(keep, g),)


class ClampBackward0(Node):    # tensor bounds
    def backward(self, g):
        x, lo, hi = self.saved_tensors
        xd = x._data
        ones = xp_of(xd).ones(xd.shape, dtype=bool)
        lod = lo._data if lo is not None else None
        hid = hi._data if hi is not None else None
        above_lo = xd >= lod if lod is not None else ones
        below_hi = xd <= hid if hid is not None else ones
        gx = g * _mask(above_lo & below_hi, g)
        glo = ghi = None
        if lo is not None and self.needs_input_grad[1]:
            lo_wins = ~above_lo if hid is None else ~above_lo & (lod <= hid)
            glo = g * _mask(lo_wins, g)
        if hi is not None and self.needs_input_grad[2]:
            raised = xd if lod is None else xp_of(xd).maximum(xd, lod)
            ghi = g * _mask(raised > hid, g)
        return gx, glo, ghi


class ClampMinBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * _mask(x._data >= self.lo, g),)


class ClampMaxBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * _mask(x._data <= self.hi, g),)


class ClampMinBackward1(Node):
    def backward(self, g):
        x, lo = self.saved_tensors
        keep = x._data >= lo._data
        return g * _mask(keep, g), g * _mask(~keep, g)


class ClampMaxBackward1(Node):
    def backward(self, g):
        x, hi = self.saved_tensors
        keep = x._data <= hi._data
        return g * _mask(keep, g), g * _mask(~keep, g)


def _clamp_arrays(input, lo, hi):
    """(input array, lo, hi) all in the promoted dtype; bounds stay numbers when numbers."""
    xd = input._data
    if xd.dtype.kind == "f" and lo.__class__ in _PLAIN and hi.__class__ in _PLAIN:
        return xd, lo, hi  # the common case: no promotion can happen
    for b in (lo, hi):
        if b is not None:
            _, _, ad, bd = operands(wrap(xd, input), b)
            xd = ad
    return xd, _bound_data(lo, xd.dtype), _bound_data(hi, xd.dtype)


_PLAIN = (float, int, type(None))


def _clamp_forward(xd, lo, hi):
    xp = xp_of(xd)
    if lo is not None:
        xd = xp.maximum(xd, lo)
    if hi is not None:
        xd = xp.minimum(xd, hi)
    return xd


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    xd, lo, hi = _clamp_arrays(input, min, max)
    try:
        result = wrap(_clamp_forward(xd, lo, hi), input)
    except ValueError:
        other = min if isinstance(min, Tensor) else max
        raise broadcast_error(xd.shape, other._data.shape) from None
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        node = record(ClampBackward0, result, (input, min if isinstance(min, Tensor) else None,
                                               max if isinstance(max, Tensor) else None))
        if node is not None:
            node.save(input,
                      min if isinstance(min, Tensor) else _as_tensor(min, input),
                      max if isinstance(max, Tensor) else _as_tensor(max, input))
    else:
        node = record(ClampBackward1, result, (input,), (input,))
        if node is not None:
            node.lo, node.hi = lo, hi
    return write_out(out, result)


def _as_tensor(bound, like):
    return None if bound is None else wrap(xp_of(like._data).asarray(bound), like)


def clamp_min(input, min):
    xd, lo, _ = _clamp_arrays(input, min, None)
    result = wrap(_clamp_forward(xd, lo, None), input)
    if isinstance(min, Tensor):
        record(ClampMinBackward1, result, (input, min), (input, min))
    else:
        node = record(ClampMinBackward0, result, (input,), (input,))
        if node is not None:
            node.lo = lo
    return result


def clamp_max(input, max):
    xd, _, hi = _clamp_arrays(input, None, max)
    result = wrap(_clamp_forward(xd, None, hi), input)
    if isinstance(max, Tensor):
        record(ClampMaxBackward1, result, (input, max), (input, max))
    else:
        node = record(ClampMaxBackward0, result, (input,), (input,))
        if node is not None:
            node.hi = hi
    return result


clip = clamp


# ---- lerp, addcmul, addcdiv, atan2 ---------------------------------------------------------

class LerpBackward0(Node):     # number weight
    def backward(self, g):
        w = self.weight
        return g * (1 - w), g * w


class LerpBackward1(Node):     # tensor weight
    def backward(self, g):
        start, end, weight = self.saved_tensors
        gw = g * (end - start) if self.needs_input_grad[2] else None
        return g * (1 - weight), g * weight, gw


def _scalar_name(t):
    return {"float32": "float", "float64": "double", "float16": "c10::Half"}.get(
        t.dtype.name, t.dtype.name)


def lerp(input, end, weight, *, out=None):
    if input.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {_scalar_name(input)} for `end` but got dtype "
                           f"{_scalar_name(end)}")
    if isinstance(weight, Tensor) and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {_scalar_name(input)} for `weight` but got dtype "
                           f"{_scalar_name(weight)}")
    if not input.dtype.is_floating_point:
        kernel = "tensor" if isinstance(weight, Tensor) else "scalar"
        raise NotImplementedError(f'"lerp_kernel_{kernel}" not implemented for '
                                  f"'{input.dtype.legacy}'")
    sd, ed = input._data, end._data
    wd = weight._data if isinstance(weight, Tensor) else weight
    try:
        data = sd + wd * (ed - sd)
    except ValueError:
        raise broadcast_error(sd.shape, ed.shape) from None
    result = wrap(data.astype(sd.dtype, copy=False), input)
    if isinstance(weight, Tensor):
        record(LerpBackward1, result, (input, end, weight), (input, end, weight))
    else:
        node = record(LerpBackward0, result, (input, end))
        if node is not None:
            node.weight = weight
    return write_out(out, result)


class AddcmulBackward0(Node):
    def backward(self, g):
        t1, t2 = self.saved_tensors
        v = self.value
        g1 = g * t2 * v if self.needs_input_grad[1] else None
        g2 = g * t1 * v if self.needs_input_grad[2] else None
        return g, g1, g2


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    prod = mul(tensor1.detach(), tensor2.detach())
    result = add(input.detach(), prod * value if value != 1 else prod)
    node = record(AddcmulBackward0, result, (input, tensor1, tensor2), (tensor1, tensor2))
    if node is not None:
        node.value = value
    return write_out(out, result)


class AddcdivBackward0(Node):
    def backward(self, g):
        t1, t2 = self.saved_tensors
        v = self.value
        g1 = g * v / t2 if self.needs_input_grad[1] else None
        g2 = -g * v * t1 / (t2 * t2) if self.needs_input_grad[2] else None
        return g, g1, g2


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future  release addcdiv will perform a true division of tensor1 and "
                           "tensor2. The historic addcdiv behavior can be implemented as "
                           "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) "
                           "for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter "
                           "implementation: (input + value * tensor1 / tensor2), for all "
                           "dtypes.")
    quot = div(tensor1.detach(), tensor2.detach())
    result = add(input.detach(), quot * value if value != 1 else quot)
    node = record(AddcdivBackward0, result, (input, tensor1, tensor2), (tensor1, tensor2))
    if node is not None:
        node.value = value
    return write_out(out, result)


class Atan2Backward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        denom = a * a + b * b
        ga = g * b / denom if self.needs_input_grad[0] else None
        gb = -g * a / denom if self.needs_input_grad[1] else None
        return ga, gb


def atan2(input, other, *, out=None):
    a, b, result = _binary(lambda x, y: xp_of(x).arctan2(to_float(x), to_float(y)), input,
                           other)
    record(Atan2Backward0, result, (a, b), (a, b))
    return write_out(out, result)


arctan2 = atan2


class NanToNumBackward0(Node):
    def backward(self, g):
        (finite,) = self.saved_tensors
        return (g * finite,)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    data = input._data
    if data.dtype.kind != "f":
        return write_out(out, wrap(data.copy(), input))
    xp = xp_of(data)
    result = wrap(xp.nan_to_num(data, nan=nan, posinf=posinf, neginf=neginf), input)
    node = record(NanToNumBackward0, result, (input,))
    if node is not None:  # only the finite entries pass their gradient through
        node.save(wrap(xp.isfinite(data).astype(data.dtype), input))
    return write_out(out, result)

__all__ += ["maximum", "minimum", "clamp", "clamp_min", "clamp_max", "clip", "lerp", "addcmul",
            "addcdiv", "atan2", "arctan2", "nan_to_num"]
