"""The matrix products nn.Linear needs: mm and addmm on 2-D tensors (one BLAS GEMM each).

Kept here so F.linear does not wait on, or pay for, the general broadcasting matmul.
"""
from ..autograd.graph import Node
from ..ops._util import Tensor, record, wrap


def _check(a, b, what):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{what}: expected Tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    ad, bd = a._data, b._data
    if ad.ndim != 2 or bd.ndim != 2:
        raise RuntimeError(f"{'self' if ad.ndim != 2 else 'mat2'} must be a matrix")
    if ad.shape[1] != bd.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({ad.shape[0]}x"
                           f"{ad.shape[1]} and {bd.shape[0]}x{bd.shape[1]})")
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_cpp(a)} != {_cpp(b)}")
    if a._device != b._device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {a._device} and {b._device}!")


def _cpp(t):
    return {"Float": "float", "Double": "double", "Half": "c10::Half", "Long": "long int",
            "Int": "int"}.get(t.dtype.legacy, t.dtype.legacy)


class MmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        ga = mm(g, b.t()) if self.next_functions[0][0] is not None else None
        gb = mm(a.t(), g) if self.next_functions[1][0] is not None else None
        return ga, gb


def mm(a, b):
    _check(a, b, "mm")
    out = wrap(a._data @ b._data, a)
    record(MmBackward0, out, (a, b), (a, b))
    return out


class AddmmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        nf = self.next_functions
        gbias = None
        if nf[0][0] is not None:  # summing here saves the engine's generic broadcast fit
            gbias = g.sum(0) if self._in_meta[0][0] == g._data.shape[1:] else g
        ga = mm(g, b.t()) if nf[1][0] is not None else None
        gb = mm(a.t(), g) if nf[2][0] is not None else None
        return gbias, ga, gb


def addmm(bias, a, b):
    """bias + a @ b, bias broadcast over rows (what F.linear computes for 2-D input)."""
    _check(a, b, "addmm")
    out = a._data @ b._data
    out += bias._data
    out = wrap(out, a)
    record(AddmmBackward0, out, (bias, a, b), (a, b))
    return out
