"""The matmul family (matmul/@, mm, bmm, mv, dot, outer, addmm, addmv, baddbmm, addbmm),
norms, inverse/det/solve, and the engine.linalg module.

Products go straight to the backend's matmul, which hands float32/float64 work to BLAS.
A batch of matrices times one matrix (x @ W with x of shape (..., k)) is folded into a
single 2-D GEMM instead of a broadcast batched product, which is far slower in NumPy.
"""
import math
import sys
import types

import numpy as np  # shape arithmetic only; array work goes through xp_of

from .._backend import to_numpy, xp_of
from ..autograd.graph import Node
from .arith import _into as _arith_into
from ._util import Tensor, _grad_state, _wrap_dim, broadcast_error, normalize_dims, record, wrap
from .reduce import _const, _dims, _kept, _reduce_node
from .shape import UnsafeViewBackward0

# C++ type names, as PyTorch's "expected m1 and m2 to have the same dtype" message prints them.
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _check_tensor(fn, name, pos, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _same_device(a, b):
    if a._device is not b._device and a._device != b._device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {b._device} and {a._device}!")


def _no_bool(a, kernel, empty=False):
    """PyTorch has no bool products, but an empty product runs no kernel and so no check."""
    if a._data.dtype.kind == "b" and not empty:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _mm_shapes_error(a, b):
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                        f"{b[0]}x{b[1]})")


def _unsafe_view(t, shape):
    """Reshape a fresh product to its final shape (PyTorch's _unsafe_view)."""
    out = wrap(t._data.reshape(shape), t)
    node = record(UnsafeViewBackward0, out, (t,))
    if node is not None:
        node.in_shape = t._data.shape
    return out


# ---- mm, bmm, mv, dot ----------------------------------------------------------------------

def _matmul(x, y):
    """x @ y for 2-D arrays. An inner size of 1 is an outer product, which OpenBLAS runs 50x
    slower as a GEMM than NumPy does as a broadcast multiply (a batch of one's weight grad)."""
    if x.shape[1] == 1:
        return x * y
    return x @ y


def _mm_grads(node, g, a, b, i_a, i_b):
    """d(a @ b) for the node's inputs i_a, i_b: engine ops while the backward is itself
    recorded (create_graph), straight on the arrays otherwise."""
    nf = node.next_functions
    need_a, need_b = nf[i_a][0] is not None, nf[i_b][0] is not None
    if _grad_state[0]:
        return (mm(g, b.t()) if need_a else None), (mm(a.t(), g) if need_b else None)
    gd = g._data
    # b is usually a weight's transpose (F.linear): computing its gradient transposed
    # leaves the weight's own gradient C-contiguous, so AccumulateGrad can keep it.
    return (wrap(_matmul(gd, b._data.T), g) if need_a else None,
            wrap(_matmul(gd.T, a._data).T, g) if need_b else None)


class MmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return _mm_grads(self, g, a, b, 0, 1)


def mm(input, mat2, *, out=None):
    _check_tensor("mm", "mat2", 2, mat2)
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise _mm_shapes_error(a.shape, b.shape)
    if a.dtype != b.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_CPP_NAMES[input.dtype.name]} != {_CPP_NAMES[mat2.dtype.name]}")
    _no_bool(input, "addmm_impl_cpu_", empty=not (a.shape[0] and a.shape[1] and b.shape[1]))
    _same_device(input, mat2)
    result = wrap(_matmul(a, b), input)
    record(MmBackward0, result, (input, mat2), (input, mat2))
    return _into(out, result)


class BmmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return (bmm(g, b.transpose(1, 2)) if self.next_functions[0][0] is not None else None,
                bmm(a.transpose(1, 2), g) if self.next_functions[1][0] is not None else None)


def bmm(input, mat2, *, out=None):
    _check_tensor("bmm", "mat2", 2, mat2)
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, "
                           f"{b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.legacy} but found "
                           f"{mat2.dtype.legacy}")
    _no_bool(input, "bmm")
    _same_device(input, mat2)
    result = wrap(a @ b, input)
    record(BmmBackward0, result, (input, mat2), (input, mat2))
    return _into(out, result)


class MvBackward0(Node):
    def backward(self, g):
        a, v = self.saved_tensors
        return (g.unsqueeze(1) * v if self.next_functions[0][0] is not None else None,
                mv(a.t(), g) if self.next_functions[1][0] is not None else None)


def mv(input, vec, *, out=None):
    _check_tensor("mv", "vec", 2, vec)
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat "
                           f"({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{vec.dtype.legacy}, {input.dtype.legacy}, and {vec.dtype.legacy}")
    _no_bool(input, "addmv_impl_cpu", empty=not (a.shape[0] and a.shape[1]))
    _same_device(input, vec)
    result = wrap(a @ v, input)
    record(MvBackward0, result, (input, vec), (input, vec))
    return _into(out, result)


class DotBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return (g * b if self.next_functions[0][0] is not None else None,
                g * a if self.next_functions[1][0] is not None else None)


def dot(input, tensor, *, out=None):
    _check_tensor("dot", "tensor", 2, tensor)
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype.legacy} and {tensor.dtype.legacy}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    _no_bool(input, "dot")
    _same_device(input, tensor)
    result = wrap(xp_of(a).asarray(a @ b), input)
    record(DotBackward0, result, (input, tensor), (input, tensor))
    return _into(out, result)


def outer(input, vec2):
    """PyTorch computes it as input.reshape(n, 1) * vec2 (so its grad_fn is MulBackward0)."""
    _check_tensor("outer", "vec2", 2, vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(input._data.shape[0], 1) * vec2


ger = outer


# ---- addmm ---------------------------------------------------------------------------------

class AddmmBackward0(Node):
    def backward(self, g):
        m1, m2 = self.saved_tensors
        alpha, beta = self.alpha, self.beta
        nf = self.next_functions
        g_in = None
        if nf[0][0] is not None:
            g_in = g if beta == 1 else g * beta
            if self._in_meta[0][0] == g._data.shape[1:]:  # a bias row (F.linear): sum here
                g_in = g_in.sum(0)
        g1, g2 = _mm_grads(self, g, m1, m2, 1, 2)
        if alpha != 1:
            g1 = g1 * alpha if g1 is not None else None
            g2 = g2 * alpha if g2 is not None else None
        return g_in, g1, g2


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to the product's shape."""
    _check_tensor("addmm", "mat1", 2, mat1)
    _check_tensor("addmm", "mat2", 3, mat2)
    m1, m2 = mat1._data, mat2._data
    # PyTorch's order: dtypes first (self against mat2, then mat1), then shapes.
    if input._data.dtype != m2.dtype:
        raise RuntimeError("self and mat2 must have the same dtype, but got "
                           f"{input.dtype.legacy} and {mat2.dtype.legacy}")
    if m1.dtype != m2.dtype:
        raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                           f"{mat1.dtype.legacy} and {mat2.dtype.legacy}")
    for name, m in (("mat1", m1), ("mat2", m2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if m1.shape[1] != m2.shape[0]:
        raise _mm_shapes_error(m1.shape, m2.shape)
    _no_bool(mat1, "addmm_impl_cpu_", empty=not (m1.shape[0] and m1.shape[1] and m2.shape[1]))
    _same_device(mat1, mat2)
    _same_device(input, mat1)
    shape = (m1.shape[0], m2.shape[1])
    if input._data.shape != shape:
        input.expand(shape)  # PyTorch's message when input does not broadcast to the product
    # beta=0 ignores input entirely (nan and inf in it do not propagate)
    result = wrap(_add_scaled(_matmul(m1, m2), input, beta, alpha), mat1)
    node = record(AddmmBackward0, result, (input, mat1, mat2), (mat1, mat2))
    if node is not None:
        node.alpha, node.beta = alpha, beta
    return _into(out, result)


# ---- addmv, baddbmm, addbmm ----------------------------------------------------------------

def _scaled_grads(g, beta, alpha, grad_a, grad_b, nf):
    """beta * g for the added input, alpha * (the product's gradients) for the factors."""
    g_in = (g if beta == 1 else g * beta) if nf[0][0] is not None else None
    ga = grad_a() if nf[1][0] is not None else None
    gb = grad_b() if nf[2][0] is not None else None
    if alpha != 1:
        ga = ga * alpha if ga is not None else None
        gb = gb * alpha if gb is not None else None
    return g_in, ga, gb


def _add_scaled(product, input, beta, alpha):
    """alpha * product + beta * input, in place on the fresh product (beta=0 drops input)."""
    if product.dtype.kind in "iu":  # PyTorch truncates the scalars for integer products
        alpha, beta = int(alpha), int(beta)
    if alpha != 1:
        product *= alpha
    if beta != 0:
        product += input._data if beta == 1 else beta * input._data
    return product


class AddmvBackward0(Node):
    def backward(self, g):
        mat, vec = self.saved_tensors
        return _scaled_grads(g, self.beta, self.alpha, lambda: g.unsqueeze(1) * vec,
                             lambda: mv(mat.t(), g), self.next_functions)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    for name, pos, t in (("mat", 2, mat), ("vec", 3, vec)):
        _check_tensor("addmv", name, pos, t)
    i, m, v = input._data, mat._data, vec._data
    if m.ndim != 2 or v.ndim != 1 or i.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {i.ndim}, {m.ndim}, "
                           f"{v.ndim}")
    if m.shape[1] != v.shape[0] or (i.ndim == 1 and i.shape[0] not in (1, m.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({i.shape[0] if i.ndim else 1}), mat "
                           f"({m.shape[0]}x{m.shape[1]}), vec ({v.shape[0]})")
    if not i.dtype == m.dtype == v.dtype:
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{input.dtype.legacy}, {mat.dtype.legacy}, and {vec.dtype.legacy}")
    _no_bool(mat, "addmv_impl_cpu")
    _same_device(mat, vec)
    _same_device(input, mat)
    result = wrap(_add_scaled(m @ v, input, beta, alpha), mat)
    node = record(AddmvBackward0, result, (input, mat, vec), (mat, vec))
    if node is not None:
        node.alpha, node.beta = alpha, beta
    return _into(out, result)


def _check_batches(fn, input, batch1, batch2):
    _check_tensor(fn, "batch1", 2, batch1)
    _check_tensor(fn, "batch2", 3, batch2)
    b1, b2 = batch1._data, batch2._data
    if b1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _same_device(batch1, batch2)
    _same_device(input, batch1)
    _no_bool(batch1, fn)
    return b1, b2


class BaddbmmBackward0(Node):
    def backward(self, g):
        b1, b2 = self.saved_tensors
        return _scaled_grads(g, self.beta, self.alpha,
                             lambda: bmm(g, b2.transpose(1, 2)),
                             lambda: bmm(b1.transpose(1, 2), g), self.next_functions)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2); input broadcasts to the product."""
    b1, b2 = _check_batches("baddbmm", input, batch1, batch2)
    if b2.shape[:2] != (b1.shape[0], b1.shape[2]):
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1.shape[0]}, {b1.shape[2]}] but got: [{b2.shape[0]}, "
                           f"{b2.shape[1]}].")
    if input._data.dtype != b1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input "
                           f"{_CPP_NAMES[input.dtype.name]}, batch1: "
                           f"{_CPP_NAMES[batch1.dtype.name]}, batch2: "
                           f"{_CPP_NAMES[batch2.dtype.name]}")
    if b1.dtype != b2.dtype:
        raise RuntimeError(f"expected scalar type {batch1.dtype.legacy} but found "
                           f"{batch2.dtype.legacy}")
    shape = (b1.shape[0], b1.shape[1], b2.shape[2])
    if input._data.shape != shape:
        input.expand(shape)  # PyTorch's message when input does not broadcast
    result = wrap(_add_scaled(b1 @ b2, input, beta, alpha), batch1)
    node = record(BaddbmmBackward0, result, (input, batch1, batch2), (batch1, batch2))
    if node is not None:
        node.alpha, node.beta = alpha, beta
    return _into(out, result)


class AddbmmBackward0(Node):
    def backward(self, g):
        b1, b2 = self.saved_tensors
        gb = g.unsqueeze(0).expand(b1._data.shape[0], *g._data.shape)
        return _scaled_grads(g, self.beta, self.alpha,
                             lambda: bmm(gb, b2.transpose(1, 2)),
                             lambda: bmm(b1.transpose(1, 2), gb), self.next_functions)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * the sum over the batch of batch1[i] @ batch2[i]."""
    b1, b2 = _check_batches("addbmm", input, batch1, batch2)
    if b1.shape[0] != b2.shape[0]:
        raise RuntimeError("batch1 and batch2 must have same number of batches, got "
                           f"{b1.shape[0]} and {b2.shape[0]}")
    if b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({b1.shape[1]}x{b1.shape[2]} "
                           f"and {b2.shape[1]}x{b2.shape[2]})")
    if not input._data.dtype == b1.dtype == b2.dtype:
        raise RuntimeError("self and mat2 must have the same dtype, but got "
                           f"{input.dtype.legacy} and {batch2.dtype.legacy}")
    shape = (b1.shape[1], b2.shape[2])
    if input._data.shape != shape:
        input.expand(shape)
    # The batch sum is one GEMM: (n, B*k) @ (B*k, p).
    n_b, n, k = b1.shape
    lhs = b1.transpose(1, 0, 2).reshape(n, n_b * k)
    product = lhs @ b2.reshape(n_b * k, b2.shape[2])
    result = wrap(_add_scaled(product, input, beta, alpha), batch1)
    node = record(AddbmmBackward0, result, (input, batch1, batch2), (batch1, batch2))
    if node is not None:
        node.alpha, node.beta = alpha, beta
    return _into(out, result)


# ---- matmul --------------------------------------------------------------------------------

class SqueezeBackward4(Node):
    def backward(self, g):
        return (g.unsqueeze(self.dim),)


def _squeeze_result(t, dim):
    out = wrap(t._data.squeeze(dim), t)
    node = record(SqueezeBackward4, out, (t,))
    if node is not None:
        node.dim = dim
    return out


def matmul(input, other, *, out=None):
    """PyTorch's matmul dispatch: dot, mv, mm, a folded mm for (..., n, k) @ (k, p), or a
    broadcast batched bmm."""
    _check_tensor("matmul", "other", 2, other)
    da, db = input._data.ndim, other._data.ndim
    if da == 2 and db == 2 and out is None:  # the common case first
        return mm(input, other)
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if db <= 2 and da <= 2:
        if da == 1:
            result = dot(input, other) if db == 1 else \
                _squeeze_result(mm(input.unsqueeze(0), other), 0)
        else:
            result = mv(input, other) if db == 1 else mm(input, other)
    elif _should_fold(input, other, out is not None):
        result = _folded(input, other)
    else:
        result = _batched(input, other)
    return _into(out, result)


def _should_fold(a, b, has_out):
    """PyTorch's rule: fold the batch of the larger operand into one GEMM when the smaller
    one is a vector or matrix and either it requires grad (a batched gradient for it would be
    large) or the fold needs no copy."""
    a_larger = a._data.ndim >= b._data.ndim
    big = a if a_larger else b
    small = b if a_larger else a
    if not (big._data.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._rg and not has_out:
        return True
    if a._data.ndim == 2:  # 2-D @ N-D would need a transposed copy of the result
        return False
    data = big._data if a_larger else xp_of(big._data).swapaxes(big._data, -1, -2)
    if data.size == 0:
        return True
    shape, strides = data.shape, data.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(data.ndim - 2))


def _folded(input, other):
    """(..., n, k) @ (k, p) as one (N, k) @ (k, p) product; N-D on the right is transposed
    to the left first: a @ B = (B^T @ a^T)^T."""
    transpose = other._data.ndim > input._data.ndim
    big = other.mT if transpose else input
    small = (input.t() if input._data.ndim == 2 else input) if transpose else other
    lead = big._data.shape[:-1]
    folded = big.reshape(-1, big._data.shape[-1])
    if small._data.ndim == 1:
        return _unsafe_view(mv(folded, small), lead)
    result = _unsafe_view(mm(folded, small), lead + (small._data.shape[-1],))
    return result.mT.contiguous() if transpose else result


def _batched(input, other):
    a = input.unsqueeze(0) if input._data.ndim == 1 else input
    b = other.unsqueeze(-1) if other._data.ndim == 1 else other
    n, p = a._data.shape[-2], b._data.shape[-1]
    try:
        batch = tuple(np.broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2]))
    except ValueError:
        raise broadcast_error(a._data.shape[:-2], b._data.shape[:-2]) from None
    size = math.prod(batch)
    a3 = _as_batch(a, batch, size)
    b3 = _as_batch(b, batch, size)
    shape = batch + ((n,) if input._data.ndim > 1 else ()) + ((p,) if other._data.ndim > 1
                                                              else ())
    return _unsafe_view(bmm(a3, b3), shape)


def _as_batch(t, batch, size):
    """(*batch, r, c) -> (size, r, c), as PyTorch does it: expand (a no-op view when the
    batch already matches) then reshape, so the graph shows the same nodes."""
    shape = t._data.shape
    return t.expand(batch + shape[-2:]).reshape(size, *shape[-2:])


def _matmul_dunder(a, b):
    if b.__class__ is Tensor and a._data.ndim == 2 and b._data.ndim == 2:
        return mm(a, b)
    return matmul(a, b) if isinstance(b, Tensor) else NotImplemented


def _rmatmul_dunder(a, b):
    return matmul(b, a) if isinstance(b, Tensor) else NotImplemented


def _into(out, result):
    return result if out is None else _arith_into(out, result)


# ---- trace ---------------------------------------------------------------------------------

class TraceBackward0(Node):
    def backward(self, g):
        eye = xp_of(g._data).eye(*self.in_shape, dtype=g._data.dtype)
        return (g * _const(eye, g),)


def trace(input):
    data = input._data
    if data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {data.ndim}")
    _no_bool(input, "trace")
    if data.dtype.kind in "iu":  # PyTorch sums integer diagonals in int64
        data = data.astype("int64")
    out = wrap(xp_of(data).asarray(xp_of(data).trace(data)), input)
    node = record(TraceBackward0, out, (input,))
    if node is not None:
        node.in_shape = data.shape
    return out


# ---- tensordot, inner, vdot, kron, matrix_power, cross -------------------------------------

def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b (the last ``dims`` of a with the first of b, or two
    lists): permute, fold to matrices, one mm, unfold (PyTorch's own route)."""
    _check_tensor("tensordot", "b", 2, b)
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
        named = [d - na for d in da]  # PyTorch names the int form's dims from the end
    else:
        da, db = [list(x) if isinstance(x, (list, tuple)) else [x] for x in dims]
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        named = da
        da = [d % na for d in da]
        db = [d % nb for d in db]
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    sum_a, sum_b = [], []
    for i, (x, y) in enumerate(zip(da, db)):
        sx, sy = a._data.shape[x], b._data.shape[y]
        if sx != sy:
            if sx != 1 and sy != 1:
                raise RuntimeError(f"contracted dimensions need to match, but first has size "
                                   f"{sx} in dim {named[i]} and second has size {sy} in dim "
                                   f"{db[i]}")
            # A size-1 dim broadcasts: the other operand is summed over its dim first.
            (sum_a if sy == 1 else sum_b).append(x if sy == 1 else y)
    if sum_a:
        a = a.sum(sum_a, keepdim=True)
    if sum_b:
        b = b.sum(sum_b, keepdim=True)
    free_a = [d for d in range(na) if d not in da]
    free_b = [d for d in range(nb) if d not in db]
    k = math.prod(a._data.shape[d] for d in da)
    free_a_shape = tuple(a._data.shape[d] for d in free_a)
    free_b_shape = tuple(b._data.shape[d] for d in free_b)
    a2 = a.permute(*(free_a + da)).reshape(math.prod(free_a_shape), k)
    b2 = b.permute(*(db + free_b)).reshape(k, math.prod(free_b_shape))
    return _into(out, mm(a2, b2).reshape(free_a_shape + free_b_shape))


def inner(input, other, *, out=None):
    """Sum over the last dims: a dot for vectors, tensordot over the last dims otherwise."""
    _check_tensor("inner", "other", 2, other)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return _into(out, input * other)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError("inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(a.shape)} and {list(b.shape)}")
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if a.ndim == 1 and b.ndim == 1:
        return _into(out, dot(input.permute(0), other).reshape(()))
    return tensordot(input, other, ([-1], [-1]), out=out)


class VdotBackward0(DotBackward0):
    pass


def vdot(input, other, *, out=None):
    """dot(conj(input), other); tensors here are real, so it is dot with its own grad_fn."""
    result = dot(input, other)
    if result.grad_fn is not None:
        node = VdotBackward0((input, other))
        node.save(input, other)
        result.grad_fn = node
    return _into(out, result)


def kron(input, other, *, out=None):
    """The Kronecker product: interleave the dims of both, multiply, merge the pairs."""
    _check_tensor("kron", "other", 2, other)
    nd = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + input._data.shape
    sb = (1,) * (nd - other._data.ndim) + other._data.shape
    a = input.reshape(*[s for d in sa for s in (d, 1)])
    b = other.reshape(*[s for d in sb for s in (1, d)])
    return _into(out, _unsafe_view(a * b, tuple(x * y for x, y in zip(sa, sb))))


def matrix_power(A, n):
    """A @ A @ ... (n times) by repeated squaring; the inverse's powers for n < 0."""
    data = A._data
    if data.ndim < 2 or data.shape[-1] != data.shape[-2]:
        shape = data.shape[-2:] if data.ndim >= 2 else (data.shape + (1,))[:2]
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {shape[0]} by {shape[1]} matrices")
    if n == 0:  # the identity, still attached to A's graph as PyTorch's is
        eye = xp_of(data).broadcast_to(xp_of(data).eye(data.shape[-1], dtype=data.dtype),
                                       data.shape)
        result = A.clone()
        result.copy_(_const(eye, A))
        return result
    if n < 0:
        A, n = inv(A), -n
        if n == 1:
            return A
    if n == 1:
        return A.clone()
    if n <= 3:  # PyTorch's own small cases (so the graph reads the same)
        return A @ A if n == 2 else (A @ A) @ A
    result, z = None, A
    while n:
        if n & 1:
            result = z if result is None else result @ z
        n >>= 1
        if n:
            z = z @ z
    return result


class LinalgCrossBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        d = self.dim
        nf = self.next_functions
        return (linalg_cross(b, g, dim=d) if nf[0][0] is not None else None,
                linalg_cross(g, a, dim=d) if nf[1][0] is not None else None)


def linalg_cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along dim (batch dims broadcast)."""
    _check_tensor("linalg.cross", "other", 2, other)
    a, b = input._data, other._data
    nd = max(a.ndim, b.ndim)
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, nd)
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    try:
        data = xp_of(a).cross(a, b, axis=d)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    result = wrap(data, input)
    node = record(LinalgCrossBackward0, result, (input, other), (input, other))
    if node is not None:
        node.dim = d
    return _into(out, result)


def cross(input, other, dim=None, *, out=None):
    """torch.cross: dim defaults to the first dim of size 3 (PyTorch's deprecated default)."""
    if dim is None:
        dim = next((i for i, s in enumerate(input._data.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim, out=out)


# ---- cdist ---------------------------------------------------------------------------------

class CdistBackward0(Node):
    def backward(self, g):
        x1, x2, d = self.saved_tensors
        p = self.p
        nf = self.next_functions
        if _grad_state[0]:
            d = cdist(x1, x2, p)
        if p == 0:
            return (x1 * 0 if nf[0][0] is not None else None,
                    x2 * 0 if nf[1][0] is not None else None)
        if p == 2:  # no (r1, r2, m) difference tensor: two products instead
            zero = _const((d._data == 0).astype(d._data.dtype), d)
            w = g * (1 - zero) / (d + zero)
            g1 = x1 * w.sum(-1, keepdim=True) - w @ x2 if nf[0][0] is not None else None
            g2 = x2 * w.sum(-2).unsqueeze(-1) - w.mT @ x1 if nf[1][0] is not None else None
            return g1, g2
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)            # (..., r1, r2, m)
        dd = d.unsqueeze(-1)
        if p == 1:
            each = diff.sign()
        elif math.isinf(p):  # every coordinate that attains the max gets the whole gradient
            each = diff.sign() * _const((abs(diff._data) == dd._data).astype(diff._data.dtype),
                                        diff)
        else:
            at_zero = _const((diff._data == 0).astype(diff._data.dtype), diff)
            d_zero = _const((dd._data == 0).astype(dd._data.dtype), dd)
            ratio = (diff.abs() + at_zero) / (dd + d_zero)
            each = diff.sign() * ratio ** (p - 1) * (1 - at_zero)
        each = g.unsqueeze(-1) * each
        return (each.sum(-2) if nf[0][0] is not None else None,
                -each.sum(-3) if nf[1][0] is not None else None)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of x1 (..., r1, m) and x2 (..., r2, m)."""
    _check_tensor("cdist", "x2", 2, x2)
    a, b = x1._data, x2._data
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t.dtype.legacy}")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError("X1 and X2 must have the same number of columns. X1: "
                           f"{a.shape[-1]} X2: {b.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    xp = xp_of(a)
    p = float(p)
    if p == 2 and compute_mode != "donot_use_mm_for_euclid_dist" and (
            a.shape[-2] > 25 or b.shape[-2] > 25 or compute_mode == "use_mm_for_euclid_dist"):
        # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y: one GEMM instead of an (r1, r2, m) tensor
        sq = (a * a).sum(-1)[..., :, None] + (b * b).sum(-1)[..., None, :] - \
            2 * (a @ xp.swapaxes(b, -1, -2))
        data = xp.sqrt(xp.maximum(sq, 0))
    else:
        diff = xp.abs(a[..., :, None, :] - b[..., None, :, :])
        if p == 0:
            data = (diff != 0).sum(-1).astype(a.dtype)
        elif math.isinf(p):
            data = diff.max(-1) if diff.shape[-1] else xp.zeros(diff.shape[:-1], a.dtype)
        elif p == 1:
            data = diff.sum(-1)
        else:
            data = (diff ** p).sum(-1) ** (1 / p)
    out = wrap(xp.asarray(data, dtype=a.dtype), x1)
    node = record(CdistBackward0, out, (x1, x2))
    if node is not None:
        node.p = p
        node.save(x1, x2, out.detach())
    return out


# ---- einsum --------------------------------------------------------------------------------

def _einsum_error(msg):
    return RuntimeError(f"einsum(): {msg}")


def _parse_subscripts(equation, start, text):
    """Labels of one term: letters, and -1 for an ellipsis ('...')."""
    labels, i = [], 0
    while i < len(text):
        ch = text[i]
        if text.startswith("...", i):
            if -1 in labels:
                raise _einsum_error("found more than one ellipsis ('...') in one operand")
            labels.append(-1)
            i += 3
            continue
        if not ("a" <= ch <= "z" or "A" <= ch <= "Z"):
            raise _einsum_error(f"invalid subscript given at index {start + i} in the equation "
                                "string, subscripts must be in [a-zA-Z]")
        labels.append(ch)
        i += 1
    return labels


def _einsum_terms(equation, n_ops):
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms, pos = [], 0
    for text in lhs.split(","):
        terms.append(_parse_subscripts(eq, pos, text))
        pos += len(text) + 1
    if len(terms) > n_ops:
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < n_ops:
        raise _einsum_error("more operands were provided than specified in the equation")
    if arrow:
        out = _parse_subscripts(eq, len(lhs) + 2, rhs)
        seen = set()
        for lab in out:
            if lab in seen and lab != -1:
                raise _einsum_error(f"output subscript {lab} appears more than once in the "
                                    "output")
            seen.add(lab)
            if lab != -1 and not any(lab in t for t in terms):
                raise _einsum_error(f"output subscript {lab} does not appear in the equation "
                                    "for any input operand")
    else:  # implicit output: the labels seen once, in alphabetical order, after the ellipsis
        counts = {}
        for t in terms:
            for lab in t:
                if lab != -1:
                    counts[lab] = counts.get(lab, 0) + 1
        out = ([-1] if any(-1 in t for t in terms) else []) + sorted(
            lab for lab, c in counts.items() if c == 1)
    return terms, out


def _take_diagonal(t, labels, index):
    """Repeated labels in one operand ('ii'): keep their diagonal (a view, as in PyTorch)."""
    while True:
        dup = next((lab for lab in labels if labels.count(lab) > 1), None)
        if dup is None:
            return t, labels
        p = labels.index(dup)
        q = labels.index(dup, p + 1)
        if t._data.shape[q] != t._data.shape[p]:
            raise _einsum_error(f"subscript {dup} is repeated for operand {index} but the sizes "
                                f"don't match, {t._data.shape[q]} != {t._data.shape[p]}")
        t = t.diagonal(0, p, q)  # drops dims p and q, appends the diagonal
        labels = [lab for i, lab in enumerate(labels) if i not in (p, q)] + [dup]


def einsum(equation, *operands):
    """Einstein summation, built from permute/reshape/mul/sum/bmm (so gradients of every
    order come from those ops, and the grad_fns are the ones PyTorch's einsum shows)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        _check_tensor("einsum", f"operands[{i}]", i + 2, t)
    terms, out_labels = _einsum_terms(equation, len(operands))
    n_ell = 0
    for i, (t, labels) in enumerate(zip(operands, terms)):
        n_named = len([lab for lab in labels if lab != -1])
        nd = t._data.ndim
        if -1 in labels:
            if nd < n_named:
                raise _einsum_error(f"the number of subscripts in the equation ({n_named}) is "
                                    f"more than the number of dimensions ({nd}) for operand "
                                    f"{i}")
            n_ell = max(n_ell, nd - n_named)
        elif nd != n_named:
            raise _einsum_error(f"the number of subscripts in the equation ({n_named}) does not "
                                f"match the number of dimensions ({nd}) for operand "
                                f"{i} and no ellipsis was given")
    ell = [("...", i) for i in range(n_ell)]  # ellipsis dims get labels of their own

    def expand_ellipsis(labels, nd):
        if -1 not in labels:
            return list(labels)
        k = labels.index(-1)
        count = nd - (len(labels) - 1)
        return labels[:k] + ell[n_ell - count:] + labels[k + 1:]

    out = expand_ellipsis(out_labels, len(out_labels) - 1 + n_ell) if -1 in out_labels \
        else list(out_labels)
    # One dim order for every operand: the output's labels, then those summed away.
    order = list(out)
    for labels, t in zip(terms, operands):
        for lab in expand_ellipsis(labels, t._data.ndim):
            if lab not in order:
                order.append(lab)
    sizes = {}
    aligned = []
    for i, (t, labels) in enumerate(zip(operands, terms)):
        t, labs = _take_diagonal(t, expand_ellipsis(labels, t._data.ndim), i)
        for lab, size in zip(labs, t._data.shape):
            seen = sizes.get(lab, 1)
            if size != 1 and seen != 1 and size != seen:
                raise _einsum_error(f"subscript {lab if isinstance(lab, str) else '...'} has "
                                    f"size {size} for operand {i} which does not broadcast with "
                                    f"previously seen size {seen}")
            sizes[lab] = max(size, seen)
        present = [lab for lab in order if lab in labs]
        perm = [labs.index(lab) for lab in present]
        if perm != list(range(len(perm))) or len(operands) == 1:  # PyTorch always permutes
            t = t.permute(*perm)
        full = tuple(t._data.shape[present.index(lab)] if lab in present else 1
                     for lab in order)
        aligned.append((t.reshape(full) if full != t._data.shape else t,
                        set(labs)))
    n_out = len(out)
    result = aligned[0][0]
    for j, (t, _) in enumerate(aligned[1:], 1):
        later = set().union(*(labs for _, labs in aligned[j + 1:]))
        done = [d for d in range(n_out, len(order)) if order[d] not in later]
        result = _sum_product(result, t, done)
    if any(result._data.shape[d] != 1 for d in range(n_out, len(order))):
        return result.sum(list(range(n_out, len(order))))
    shape = result._data.shape[:n_out]
    return result.reshape(shape) if result._data.shape != shape else result


def _sum_product(a, b, sum_dims):
    """Multiply two aligned operands (same number of dims, size 1 where a label is absent) and
    sum over ``sum_dims``, keeping them as size 1: one bmm when something is contracted."""
    sa, sb = a._data.shape, b._data.shape
    if not sum_dims:
        return a * b
    # A summed dim present in only one operand is summed there first.
    only_a = [d for d in sum_dims if sa[d] != 1 and sb[d] == 1]
    only_b = [d for d in sum_dims if sb[d] != 1 and sa[d] == 1]
    if only_a:
        a = a.sum(only_a, keepdim=True)
    if only_b:
        b = b.sum(only_b, keepdim=True)
    sa, sb = a._data.shape, b._data.shape
    k_dims = [d for d in sum_dims if sa[d] != 1 and sb[d] != 1]
    if not k_dims:
        return a * b
    rest = [d for d in range(len(sa)) if d not in sum_dims]
    batch = [d for d in rest if sa[d] != 1 and sb[d] != 1]
    lo = [d for d in rest if d not in batch and sa[d] != 1]
    ro = [d for d in rest if d not in batch and d not in lo and sb[d] != 1]
    ones = [d for d in range(len(sa)) if d not in batch + lo + ro + k_dims]
    size = lambda shape, dims: math.prod(shape[d] for d in dims)  # noqa: E731
    a3 = _permuted(a, batch + lo + k_dims).reshape(size(sa, batch), size(sa, lo),
                                                   size(sa, k_dims))
    b3 = _permuted(b, batch + k_dims + ro).reshape(size(sb, batch), size(sb, k_dims),
                                                   size(sb, ro))
    prod = bmm(a3, b3)
    # Back to the aligned layout: batch, lo, ro dims in place, size 1 everywhere else.
    dims = batch + lo + ro
    out_shape = [sa[d] for d in batch] + [sa[d] for d in lo] + [sb[d] for d in ro]
    prod = prod.reshape(*out_shape, *([1] * (len(sa) - len(dims))))
    inverse = [0] * len(sa)
    for pos, d in enumerate(dims + k_dims + ones):
        inverse[d] = pos
    return prod if inverse == sorted(inverse) else prod.permute(*inverse)


def _permuted(t, first):
    """t with the dims ``first`` moved to the front (the rest, all of size 1, after them)."""
    perm = first + [d for d in range(t._data.ndim) if d not in first]
    return t if perm == sorted(perm) else t.permute(*perm)


# ---- norms ---------------------------------------------------------------------------------

class LinalgVectorNormBackward0(Node):
    def backward(self, g):
        x, out = self.saved_tensors
        ord_ = self.ord
        g = _kept(g, self)
        if ord_ == 0:
            return (g * 0 * x,)
        if ord_ == 1:
            return (g * x.sign(),)
        if ord_ == 2 and not _grad_state[0]:
            od = out._data if self.keepdim or not self.dims else \
                out._data.reshape(self.kept_shape)
            return (wrap(g._data * (x._data / (od + (od == 0))), g),)
        if _grad_state[0]:  # recorded backward: the norm must stay a function of x
            out = vector_norm(x, ord_, self.dims, keepdim=True)
        out = _kept(out, self)
        if math.isinf(ord_):
            # Like amax: the gradient is shared among the elements tied for the extreme.
            xd, od = abs(x._data), out._data
            mask = xd == od
            share = mask / mask.sum(axis=self.dims, keepdims=True)
            return (g * x.sign() * _const(share.astype(xd.dtype), x),)
        # A zero norm (all of x zero there) gets no gradient, as in PyTorch.
        out_zero = _const((out._data == 0).astype(out._data.dtype), out)
        out_safe = out + out_zero
        if ord_ == 2:
            return (g * x / out_safe,)
        x_zero = _const((x._data == 0).astype(x._data.dtype), x)
        ax = x.abs() + x_zero
        return (g * x.sign() * (ax / out_safe) ** (ord_ - 1) * (1 - x_zero),)


def _ord_number(ord_, fn="linalg_vector_norm"):
    if isinstance(ord_, Tensor):
        ord_ = ord_.item()
    if isinstance(ord_, bool) or not isinstance(ord_, (int, float)):
        raise TypeError(f"{fn}(): argument 'ord' must be Number, not {type(ord_).__name__}")
    return float(ord_)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The p-norm over dim (all elements when None): sum(|x|^p)^(1/p), max|x| for inf,
    min|x| for -inf, the count of non-zeros for 0."""
    ord_ = _ord_number(ord)
    if dtype is not None:
        x = x.to(dtype=dtype)
    data = x._data
    if data.dtype.kind not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {x.dtype.legacy}")
    dims = _dims(dim, data.ndim)
    xp = xp_of(data)
    work = data.astype("float32") if data.dtype.itemsize < 4 else data
    a = xp.abs(work)
    if ord_ == 2:
        res = xp.sqrt((work * work).sum(axis=dims, keepdims=keepdim))
    elif ord_ == 1:
        res = a.sum(axis=dims, keepdims=keepdim)
    elif ord_ == math.inf:
        _norm_not_empty(data, dims, "inf", dim)
        res = a.max(axis=dims, keepdims=keepdim)
    elif ord_ == -math.inf:
        _norm_not_empty(data, dims, "-inf", dim)
        res = a.min(axis=dims, keepdims=keepdim)
    elif ord_ == 0:
        res = (a != 0).sum(axis=dims, keepdims=keepdim).astype(work.dtype)
    else:
        res = (a ** ord_).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord_)
    out = wrap(xp.asarray(res).astype(data.dtype, copy=False), x)
    node = record(LinalgVectorNormBackward0, out, (x,))
    if node is not None:
        _reduce_node(node, x, dims, keepdim)
        node.ord = ord_
        node.save(x, out.detach())
    return out


def _norm_not_empty(data, dims, name, dim):
    """PyTorch's messages (its missing space included) for max/min-type norms of nothing."""
    if data.size == 0 and any(data.shape[d] == 0 for d in dims):
        if dim is None or dim == () or dim == []:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on an empty "
                               "tensor because the operation does not have an identity")
        given = dim if isinstance(dim, (tuple, list)) else (dim,)
        empty = next(g for d, g in zip(dims, given) if data.shape[d] == 0)
        raise RuntimeError(f"linalg.vector_norm cannot compute the {name} norm on the dimension "
                           f"{empty}because this dimension is empty and the operation does not "
                           "have an identity")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro', 1, -1, inf, -inf matrix norms over the two dims (composed of engine ops)."""
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    d0, d1 = normalize_dims(tuple(dim), A._data.ndim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, "
                                  "which this engine does not compute; use 'fro', 1, -1, inf "
                                  "or -inf")
    if isinstance(ord, str) or ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        A = A.to(dtype=dtype)
    # ord 1 reduces column sums (over d0), ord inf row sums (over d1); the sign picks max/min.
    sum_dim, pick_dim = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = A.abs().sum(sum_dim, keepdim=True)
    out = sums.amax(pick_dim, keepdim=True) if ord > 0 else sums.amin(pick_dim, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm over one dim, a matrix norm over two."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        nd = A._data.ndim
        if nd not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {nd}D.")
        dim = tuple(range(nd))
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm / Tensor.norm: 'fro' and numbers are vector norms over dim (all when None)."""
    if isinstance(p, str):
        if p == "fro":
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            return matrix_norm(input, "nuc", dim or (-2, -1), keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


# ---- inv, det, solve -----------------------------------------------------------------------

class LinAlgError(RuntimeError):
    """A singular matrix where an inverse or a solution is needed (torch.linalg.LinAlgError)."""


def _square_float(fn, A):
    data = A._data
    if data.ndim < 2:
        raise RuntimeError(f"linalg.{fn}: The input tensor A must have at least 2 dimensions.")
    if data.shape[-1] != data.shape[-2]:
        raise RuntimeError(f"linalg.{fn}: A must be batches of square matrices, but they are "
                           f"{data.shape[-2]} by {data.shape[-1]} matrices")
    if data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.{fn}: Expected a floating point or complex tensor as input. "
                           f"Got {A.dtype.legacy}")
    if data.dtype.itemsize < 4:
        raise RuntimeError(f"linalg.{fn}: Low precision dtypes not supported. Got "
                           f"{A.dtype.legacy}")
    return data


def _zero_pivot(matrix):
    """1-based index of the first zero pivot of LU with partial pivoting (LAPACK's getrf),
    which PyTorch names in its singular-matrix message."""
    a = np.array(matrix, dtype=np.float64)
    n = a.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        if a[p, j] == 0:
            return j + 1
        a[[j, p]] = a[[p, j]]
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return None


def _singular(fn, data):
    """PyTorch's message for the first singular matrix of a (batch of) matrices."""
    host = to_numpy(data)  # an error path: the pivot search runs on the host
    flat = host.reshape(-1, *host.shape[-2:])
    # The first matrix whose LU meets a zero pivot (rounding may hide it: then say the last).
    found = next(((b, k) for b, k in ((b, _zero_pivot(m)) for b, m in enumerate(flat))
                  if k is not None), (len(flat) - 1, flat.shape[-1]))
    where = f"(Batch element {found[0]}): " if host.ndim > 2 else ""
    return LinAlgError(f"linalg.{fn}: {where}The diagonal element {found[1]} is zero, the "
                       "inversion could not be completed because the input matrix is singular.")


class LinalgInvExBackward0(Node):
    def backward(self, g):
        (inv_,) = self.saved_tensors
        if _grad_state[0]:
            inv_ = inv(self.A)
        inv_t = inv_.mT
        return (-(inv_t @ g @ inv_t),)


def inv(A):
    data = _square_float("inv", A)
    try:
        out = wrap(xp_of(data).linalg.inv(data), A)
    except np.linalg.LinAlgError:
        raise _singular("inv", data) from None
    node = record(LinalgInvExBackward0, out, (A,))
    if node is not None:  # PyTorch saves only the inverse; A (unchecked) is for create_graph
        node.A = A
        node.save(out.detach())
    return out


class LinalgDetBackward0(Node):
    def backward(self, g):
        A, d = self.saved_tensors
        if _grad_state[0]:
            d = det(A)
        g = g.unsqueeze(-1).unsqueeze(-1)
        d = d.unsqueeze(-1).unsqueeze(-1)
        singular = (d._data == 0)
        if singular.any():
            # PyTorch's formula g * det * inv(A)^T gives zero at an exactly singular matrix;
            # invert the identity there instead so the product is that zero.
            xp = xp_of(A._data)
            eye = xp.eye(A._data.shape[-1], dtype=A._data.dtype)
            m = _const(singular.astype(A._data.dtype), A)
            A = A * (1 - m) + m * _const(eye, A)
        return (g * d * inv(A).mT,)


def det(A):
    data = _square_float("det", A)
    out = wrap(xp_of(data).asarray(xp_of(data).linalg.det(data)), A)
    node = record(LinalgDetBackward0, out, (A,))
    if node is not None:
        node.save(A, out.detach())
    return out


class LinalgSolveExBackward0(Node):
    def backward(self, g):
        A, X = self.saved_tensors
        vector = self.vector
        if _grad_state[0]:
            X = solve(A, self.B)
        gB = solve(A.mT, g)
        nf = self.next_functions
        gA = None
        if nf[0][0] is not None:
            gA = -(gB.unsqueeze(-1) * X.unsqueeze(-2)) if vector else -(gB @ X.mT)
        return gA, (gB if nf[1][0] is not None else None)


def solve(A, B, *, left=True):
    """X with A @ X = B; B may be a vector (or a batch of them) of A's size."""
    _check_tensor("linalg.solve", "B", 2, B)
    if not left:
        return solve(A.mT, B.mT).mT
    a = _square_float("solve", A)
    b = B._data
    if a.dtype != b.dtype:
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {A.dtype.legacy} and B of type {B.dtype.legacy} instead")
    _same_device(A, B)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    rows, cols = (b.shape[-1], 1) if vector else b.shape[-2:]
    if rows != a.shape[-1]:
        raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({a.shape[-2]}x{a.shape[-1]} and {rows}x{cols})")
    xp = xp_of(a)
    bb = b[..., None] if vector else b
    try:
        batch = tuple(np.broadcast_shapes(a.shape[:-2], bb.shape[:-2]))
    except ValueError:
        raise broadcast_error(bb.shape[:-2], a.shape[:-2]) from None
    try:
        x = xp.linalg.solve(xp.broadcast_to(a, batch + a.shape[-2:]),
                            xp.broadcast_to(bb, batch + bb.shape[-2:]))
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                          "singular.") from None
    out = wrap(x[..., 0] if vector else x, A)
    node = record(LinalgSolveExBackward0, out, (A, B))
    if node is not None:  # like PyTorch, B itself is not saved (kept unchecked for create_graph)
        node.vector, node.B = vector, B
        node.save(A, out.detach())
    return out


def vecdot(x, y, *, dim=-1):
    """Dot products along dim (broadcasting the rest): sum(x * y, dim)."""
    return (x * y).sum(dim)


# engine.linalg: a module of its own, so `import engine.linalg` and engine.linalg.norm work.
linalg = types.ModuleType("engine.linalg", "Linear algebra: norms and products.")
linalg.norm, linalg.vector_norm, linalg.matrix_norm = linalg_norm, vector_norm, matrix_norm
linalg.matmul, linalg.inv, linalg.det, linalg.solve = matmul, inv, det, solve
linalg.LinAlgError = LinAlgError
linalg.matrix_power, linalg.cross = matrix_power, linalg_cross
linalg.vecdot = vecdot
sys.modules["engine.linalg"] = linalg
inverse = inv

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "ger", "addmm", "addmv", "baddbmm",
           "addbmm", "norm", "inverse", "det", "trace", "einsum", "tensordot", "inner",
           "vdot", "kron", "matrix_power", "cross", "cdist", "linalg"]
NOT_METHODS = {"linalg", "einsum", "tensordot", "cdist"}
EXTRA_METHODS = {"__matmul__": _matmul_dunder, "__rmatmul__": _rmatmul_dunder}
