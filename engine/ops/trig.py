"""Inverse trigonometric and hyperbolic functions, exp2, angle conversions and sinc; each
forward beside its Node. Integer inputs give float32 results, as in PyTorch."""
import math

from ._base import Node, const, float_unary, recomputed


class AcosBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (-g * (1 - x * x).rsqrt(),)


class AsinBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (1 - x * x).rsqrt(),)


class AtanBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (1 + x * x),)


class AcoshBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (x * x - 1).rsqrt(),)


class AsinhBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * (x * x + 1).rsqrt(),)


class AtanhBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g / (1 - x * x),)


class CoshBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * sinh(x),)


class SinhBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        return (g * cosh(x),)


class Exp2Backward0(Node):
    forward_again = staticmethod(lambda x: exp2(x))

    def backward(self, g):
        x, y = self.saved_tensors
        return (g * recomputed(x, y, self.forward_again) * math.log(2.0),)


class Deg2RadBackward0(Node):
    def backward(self, g):
        return (g * (math.pi / 180),)


class Rad2DegBackward0(Node):
    def backward(self, g):
        return (g * (180 / math.pi),)


class SincBackward0(Node):
    def backward(self, g):
        (x,) = self.saved_tensors
        px = x * math.pi
        at_zero = const((x._data == 0).astype(x._data.dtype), x)
        # (pi x cos(pi x) - sin(pi x)) / (pi x^2), and 0 at x = 0 (PyTorch's masked_fill)
        slope = (px * px.cos() - px.sin()) / (px * x + at_zero)
        return (g * slope * (1 - at_zero),)


def _sinc(xp, x):
    # PyTorch's kernel: sin(pi x) / (pi x), exactly 1 at 0 (NumPy's sinc differs by an ulp)
    px = x * x.dtype.type(math.pi)
    with_zero = xp.where(x == 0, 1, px)
    return xp.where(x == 0, 1, xp.sin(with_zero) / with_zero)


acos = float_unary(AcosBackward0, lambda xp, x: xp.arccos(x), name="acos")
asin = float_unary(AsinBackward0, lambda xp, x: xp.arcsin(x), name="asin")
atan = float_unary(AtanBackward0, lambda xp, x: xp.arctan(x), name="atan")
acosh = float_unary(AcoshBackward0, lambda xp, x: xp.arccosh(x), name="acosh")
asinh = float_unary(AsinhBackward0, lambda xp, x: xp.arcsinh(x), name="asinh")
atanh = float_unary(AtanhBackward0, lambda xp, x: xp.arctanh(x), name="atanh")
cosh = float_unary(CoshBackward0, lambda xp, x: xp.cosh(x), name="cosh")
sinh = float_unary(SinhBackward0, lambda xp, x: xp.sinh(x), name="sinh")
exp2 = float_unary(Exp2Backward0, lambda xp, x: xp.exp2(x), keep="output", name="exp2")
deg2rad = float_unary(Deg2RadBackward0, lambda xp, x: x * x.dtype.type(math.pi / 180),
                      name="deg2rad")
rad2deg = float_unary(Rad2DegBackward0, lambda xp, x: x * x.dtype.type(180 / math.pi),
                      name="rad2deg")
sinc = float_unary(SincBackward0, _sinc, name="sinc")
arccos, arcsin, arctan, arccosh, arcsinh, arctanh = acos, asin, atan, acosh, asinh, atanh

__all__ = ["acos", "asin", "atan", "acosh", "asinh", "atanh", "arccos", "arcsin", "arctan",
           "arccosh", "arcsinh", "arctanh", "cosh", "sinh", "exp2", "deg2rad", "rad2deg",
           "sinc"]
INPLACE = __all__  # each has a name_ variant (Tensor.acos_, torch.acos_, ...)
