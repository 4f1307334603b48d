"""The matrix products nn.Linear needs: mm and addmm on 2-D tensors (one BLAS GEMM each).

Kept here so F.linear does not wait on, or pay for, the general broadcasting matmul.
"""
from ..autograd import grad_mode
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
        if what == "addmm":
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{a.dtype.legacy} and {b.dtype.legacy}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_cpp(a)} != {_cpp(b)}")
    if a._device != b._device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {a._device} and {b._device}!")


def _cpp(t):
    return {"Float": "float", "Double": "double", "Half": "c10::Half", "Long": "long int",
            "Int": "int"}.get(t.dtype.legacy, t.dtype.legacy)


def _product_grads(node, g, a, b):
    """d(a @ b): (g @ b^T, a^T @ g), as engine ops while the backward is being recorded
    (create_graph) and straight on the arrays otherwise (no graph is needed then)."""
    nf = node.next_functions
    need_a, need_b = nf[-2][0] is not None, nf[-1][0] is not None
    if grad_mode._state[0]:
        return (mm(g, b.t()) if need_a else None), (mm(a.t(), g) if need_b else None)
    gd = g._data
    # b is usually a weight's transpose (F.linear): computing its gradient transposed
    # leaves the weight's own gradient C-contiguous, so AccumulateGrad can keep it.
    return (wrap(_matmul(gd, b._data.T), g) if need_a else None,
            wrap(_matmul(gd.T, a._data).T, g) if need_b else None)


class MmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return _product_grads(self, g, a, b)


def _matmul(x, y):
    """x @ y; an inner size of 1 is an outer product, which OpenBLAS runs 50x slower as a
    GEMM than NumPy does as a broadcast multiply (the weight gradient of a batch of one)."""
    if x.shape[1] == 1:
        return x * y
    return x @ y


def mm(a, b):
    _check(a, b, "mm")
    out = wrap(_matmul(a._data, b._data), a)
    record(MmBackward0, out, (a, b), (a, b))
    return out


class AddmmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        nf = self.next_functions
        gbias = None
        if nf[0][0] is not None:  # summing here saves the engine's generic broadcast fit
            gbias = g.sum(0) if self._in_meta[0][0] == g._data.shape[1:] else g
        return (gbias,) + _product_grads(self, g, a, b)


def addmm(bias, a, b):
    """bias + a @ b, bias broadcast over rows (what F.linear computes for 2-D input)."""
    _check(a, b, "addmm")
    out = _matmul(a._data, b._data)
    out += bias._data
    out = wrap(out, a)
    record(AddmmBackward0, out, (bias, a, b), (a, b))
    return out
