"""engine.fft (torch.fft): the real-valued helpers, sample frequencies and shifts.

The transforms themselves (fft, rfft, ifft, ...) return complex tensors, and the engine has
no complex dtype: they stay missing names that say so (see docs/engine.md).
"""
import numpy as np

from .creation import _finish, _float_dtype
from .ops._base import normalize_dims
from .ops.shape import roll

__all__ = ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _frequencies(name, numpy_fn, n, d, dtype, device, requires_grad):
    dtype = _float_dtype(dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    values = numpy_fn(n, d) if n else np.zeros(0)
    return _finish(values, dtype, device, requires_grad)


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point FFT with sample spacing d:
    [0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)."""
    return _frequencies("fftfreq", np.fft.fftfreq, n, d, dtype, device, requires_grad)


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The non-negative sample frequencies of an n-point real FFT: [0, ..., n // 2] / (d * n)."""
    return _frequencies("rfftfreq", np.fft.rfftfreq, n, d, dtype, device, requires_grad)


def _shift(input, dim, sign):
    dims = normalize_dims(dim, input.dim())
    if not dims:
        raise RuntimeError("`shifts` required")  # PyTorch's message for a 0-d input
    sizes = [input.shape[d] for d in dims]
    shifts = [s // 2 if sign > 0 else -(s // 2) for s in sizes]
    return roll(input, shifts, dims)


def fftshift(input, dim=None):
    """Move the zero frequency to the middle (a roll by n // 2 along each dim)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of fftshift (a roll by -(n // 2) along each dim)."""
    return _shift(input, dim, -1)
