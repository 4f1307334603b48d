"""Products: the matmul family (matmul/@, mm, bmm, mv, dot, vdot, outer, addmm, addmv,
baddbmm, addbmm), tensordot, inner, kron, and trace.

Products go straight to the backend's matmul, which hands float32/float64 work to BLAS.
A batch of matrices times one matrix (x @ W with x of shape (..., k)) is folded into a
single 2-D GEMM instead of a broadcast batched product, which is far slower in NumPy.
"""
import math

import numpy as np  # shape arithmetic only; array work goes through xp_of

from .._backend import xp_of
from .._parallel import batched_gemm, gemm
from ._base import (CPP_NAMES, Node, Tensor, _grad_state, broadcast_error, check_tensor, const,
                    record, same_device, wrap, write_out)
from .shape import UnsafeViewBackward0


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
    return gemm(x, y)  # large ones on the engine's threads


def _mm_grads(node, g, a, b, i_a, i_b):
    """d(a @ b) for the node's inputs i_a, i_b: engine ops while the backward is itself
    recorded (create_graph), straight on the arrays otherwise."""
    need_a, need_b = node.needs_input_grad[i_a], node.needs_input_grad[i_b]
    if _grad_state[0]:
        return (mm(g, b.t()) if need_a else None), (mm(a.t(), g) if need_b else None)
    gd, bd = g._data, b._data
    # b is usually a weight's transpose (F.linear): computing its gradient transposed
    # leaves the weight's own gradient C-contiguous, so AccumulateGrad can keep it; a
    # C-contiguous b gets a C-contiguous gradient (added into its .grad at memory speed).
    if need_b:
        transposed = bd.flags.f_contiguous and not bd.flags.c_contiguous
        grad_b = _matmul(gd.T, a._data).T if transposed else _matmul(a._data.T, gd)
    return (wrap(_matmul(gd, bd.T), g) if need_a else None,
            wrap(grad_b, g) if need_b else None)


class MmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return _mm_grads(self, g, a, b, 0, 1)


def mm(input, mat2, *, out=None):
    check_tensor("mm", "mat2", 2, mat2)
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise _mm_shapes_error(a.shape, b.shape)
    if a.dtype != b.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{CPP_NAMES[input.dtype.name]} != {CPP_NAMES[mat2.dtype.name]}")
    _no_bool(input, "addmm_impl_cpu_", empty=not (a.shape[0] and a.shape[1] and b.shape[1]))
    same_device(input, mat2)
    result = wrap(_matmul(a, b), input)
    record(MmBackward0, result, (input, mat2), (input, mat2))
    return write_out(out, result)


class BmmBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return (bmm(g, b.transpose(1, 2)) if self.needs_input_grad[0] else None,
                bmm(a.transpose(1, 2), g) if self.needs_input_grad[1] else None)


def bmm(input, mat2, *, out=None):
    check_tensor("bmm", "mat2", 2, mat2)
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
    same_device(input, mat2)
    result = wrap(batched_gemm(a, b), input)
    record(BmmBackward0, result, (input, mat2), (input, mat2))
    return write_out(out, result)


class MvBackward0(Node):
    def backward(self, g):
        a, v = self.saved_tensors
        return (g.unsqueeze(1) * v if self.needs_input_grad[0] else None,
                mv(a.t(), g) if self.needs_input_grad[1] else None)


def mv(input, vec, *, out=None):
    check_tensor("mv", "vec", 2, vec)
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
    same_device(input, vec)
    result = wrap(a @ v, input)
    record(MvBackward0, result, (input, vec), (input, vec))
    return write_out(out, result)


class DotBackward0(Node):
    def backward(self, g):
        a, b = self.saved_tensors
        return (g * b if self.needs_input_grad[0] else None,
                g * a if self.needs_input_grad[1] else None)


class VdotBackward0(DotBackward0):
    pass


def dot(input, tensor, *, out=None):
    return write_out(out, _dot(input, tensor, DotBackward0))


def vdot(input, other, *, out=None):
    """dot(conj(input), other); tensors here are real, so it is dot with its own grad_fn."""
    return write_out(out, _dot(input, other, VdotBackward0))


def _dot(input, tensor, node_cls):
    check_tensor("dot", "tensor", 2, tensor)
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
    same_device(input, tensor)
    result = wrap(xp_of(a).asarray(a @ b), input)
    record(node_cls, result, (input, tensor), (input, tensor))
    return result


def outer(input, vec2):
    """PyTorch computes it as input.reshape(n, 1) * vec2 (so its grad_fn is MulBackward0)."""
    check_tensor("outer", "vec2", 2, vec2)
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
        need = self.needs_input_grad
        g_in = None
        if need[0]:
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
    check_tensor("addmm", "mat1", 2, mat1)
    check_tensor("addmm", "mat2", 3, mat2)
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
    same_device(mat1, mat2)
    same_device(input, mat1)
    shape = (m1.shape[0], m2.shape[1])
    if input._data.shape != shape:
        input.expand(shape)  # PyTorch's message when input does not broadcast to the product
    # beta=0 ignores input entirely (nan and inf in it do not propagate)
    result = wrap(_add_scaled(_matmul(m1, m2), input, beta, alpha), mat1)
    node = record(AddmmBackward0, result, (input, mat1, mat2), (mat1, mat2))
    if node is not None:
        node.alpha, node.beta = alpha, beta
    return write_out(out, result)


# ---- addmv, baddbmm, addbmm ----------------------------------------------------------------

def _scaled_grads(g, beta, alpha, grad_a, grad_b, need):
    """beta * g for the added input, alpha * (the product's gradients) for the factors."""
    g_in = (g if beta == 1 else g * beta) if need[0] else None
    ga = grad_a() if need[1] else None
    gb = grad_b() if need[2] else None
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
                             lambda: mv(mat.t(), g), self.needs_input_grad)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    for name, pos, t in (("mat", 2, mat), ("vec", 3, vec)):
        check_tensor("addmv", name, pos, t)
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
    same_device(mat, vec)
    same_device(input, mat)
    result = wrap(_add_scaled(m @ v, input, beta, alpha), mat)
    node = record(AddmvBackward0, result, (input, mat, vec), (mat, vec))
    if node is not None:
        node.alpha, node.beta = alpha, beta
    return write_out(out, result)


class AddrBackward0(Node):
    def backward(self, g):
        vec1, vec2 = self.saved_tensors
        return _scaled_grads(g, self.beta, self.alpha, lambda: mv(g, vec2),
                             lambda: mv(g.t(), vec1), self.needs_input_grad)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2), input broadcast to the outer product."""
    for name, pos, t in (("vec1", 2, vec1), ("vec2", 3, vec2)):
        check_tensor("addr", name, pos, t)
    if vec1._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1._data.ndim}-D"
                           if vec1._data.ndim != 1 else
                           f"addr: Expected 1-D argument vec2, but got {vec2._data.ndim}-D")
    same_device(vec1, vec2)
    same_device(input, vec1)
    product = vec1._data[:, None] * vec2._data[None, :]
    try:  # input broadcasts to the outer product's shape
        result = wrap(_add_scaled(product, input, beta, alpha), vec1)
    except ValueError:
        raise broadcast_error(input._data.shape, product.shape) from None
    node = record(AddrBackward0, result, (input, vec1, vec2), (vec1, vec2))
    if node is not None:
        node.alpha, node.beta = alpha, beta
    return write_out(out, result)


def _check_batches(fn, input, batch1, batch2):
    check_tensor(fn, "batch1", 2, batch1)
    check_tensor(fn, "batch2", 3, batch2)
    b1, b2 = batch1._data, batch2._data
    if b1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    same_device(batch1, batch2)
    same_device(input, batch1)
    _no_bool(batch1, fn)
    return b1, b2


class BaddbmmBackward0(Node):
    def backward(self, g):
        b1, b2 = self.saved_tensors
        return _scaled_grads(g, self.beta, self.alpha,
                             lambda: bmm(g, b2.transpose(1, 2)),
                             lambda: bmm(b1.transpose(1, 2), g), self.needs_input_grad)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2); input broadcasts to the product."""
    b1, b2 = _check_batches("baddbmm", input, batch1, batch2)
    if b2.shape[:2] != (b1.shape[0], b1.shape[2]):
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{b1.shape[0]}, {b1.shape[2]}] but got: [{b2.shape[0]}, "
                           f"{b2.shape[1]}].")
    if input._data.dtype != b1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input "
                           f"{CPP_NAMES[input.dtype.name]}, batch1: "
                           f"{CPP_NAMES[batch1.dtype.name]}, batch2: "
                           f"{CPP_NAMES[batch2.dtype.name]}")
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
    return write_out(out, result)


class AddbmmBackward0(Node):
    def backward(self, g):
        b1, b2 = self.saved_tensors
        gb = g.unsqueeze(0).expand(b1._data.shape[0], *g._data.shape)
        return _scaled_grads(g, self.beta, self.alpha,
                             lambda: bmm(gb, b2.transpose(1, 2)),
                             lambda: bmm(b1.transpose(1, 2), gb), self.needs_input_grad)


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
    return write_out(out, result)


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
    check_tensor("matmul", "other", 2, other)
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
    return write_out(out, result)


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


# ---- trace ---------------------------------------------------------------------------------

class TraceBackward0(Node):
    def backward(self, g):
        eye = xp_of(g._data).eye(*self.in_shape, dtype=g._data.dtype)
        return (g * const(eye, g),)


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
    check_tensor("tensordot", "b", 2, b)
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
    return write_out(out, mm(a2, b2).reshape(free_a_shape + free_b_shape))


def inner(input, other, *, out=None):
    """Sum over the last dims: a dot for vectors, tensordot over the last dims otherwise."""
    check_tensor("inner", "other", 2, other)
    a, b = input._data, other._data
    if a.ndim == 0 or b.ndim == 0:
        return write_out(out, input * other)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError("inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(a.shape)} and {list(b.shape)}")
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if a.ndim == 1 and b.ndim == 1:
        return write_out(out, dot(input.permute(0), other).reshape(()))
    return tensordot(input, other, ([-1], [-1]), out=out)


def kron(input, other, *, out=None):
    """The Kronecker product: interleave the dims of both, multiply, merge the pairs."""
    check_tensor("kron", "other", 2, other)
    nd = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + input._data.shape
    sb = (1,) * (nd - other._data.ndim) + other._data.shape
    a = input.reshape(*[s for d in sa for s in (d, 1)])
    b = other.reshape(*[s for d in sb for s in (1, d)])
    return write_out(out, _unsafe_view(a * b, tuple(x * y for x, y in zip(sa, sb))))


__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "addmm", "addmv",
           "baddbmm", "addbmm", "trace", "tensordot", "inner", "kron", "addr"]
NOT_METHODS = {"tensordot"}
EXTRA_METHODS = {"__matmul__": _matmul_dunder, "__rmatmul__": _rmatmul_dunder}
