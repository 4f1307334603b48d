"""Linear algebra beyond products: norms, inverse, determinant, solve, matrix_power, cross
products and cdist. engine.linalg (engine/linalg.py) gives them torch.linalg's names.
"""
import math

import numpy as np  # shape arithmetic only; array work goes through xp_of

from .._backend import to_numpy, xp_of
from ._base import (Node, Tensor, _grad_state, _wrap_dim, broadcast_error, check_matrix,
                    check_tensor, const, kept, normalize_dims, note_reduction, record,
                    reduce_dims, same_device, wrap, write_out)


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
        result.copy_(const(eye, A))
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
        need = self.needs_input_grad
        return (linalg_cross(b, g, dim=d) if need[0] else None,
                linalg_cross(g, a, dim=d) if need[1] else None)


def linalg_cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along dim (batch dims broadcast)."""
    check_tensor("linalg.cross", "other", 2, other)
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
    return write_out(out, result)


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
        need = self.needs_input_grad
        if _grad_state[0]:
            d = cdist(x1, x2, p)
        if p == 0:
            return (x1 * 0 if need[0] else None,
                    x2 * 0 if need[1] else None)
        if p == 2:  # no (r1, r2, m) difference tensor: two products instead
            zero = const((d._data == 0).astype(d._data.dtype), d)
            w = g * (1 - zero) / (d + zero)
            g1 = x1 * w.sum(-1, keepdim=True) - w @ x2 if need[0] else None
            g2 = x2 * w.sum(-2).unsqueeze(-1) - w.mT @ x1 if need[1] else None
            return g1, g2
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)            # (..., r1, r2, m)
        dd = d.unsqueeze(-1)
        if p == 1:
            each = diff.sign()
        elif math.isinf(p):  # every coordinate that attains the max gets the whole gradient
            each = diff.sign() * const((abs(diff._data) == dd._data).astype(diff._data.dtype),
                                        diff)
        else:
            at_zero = const((diff._data == 0).astype(diff._data.dtype), diff)
            d_zero = const((dd._data == 0).astype(dd._data.dtype), dd)
            ratio = (diff.abs() + at_zero) / (dd + d_zero)
            each = diff.sign() * ratio ** (p - 1) * (1 - at_zero)
        each = g.unsqueeze(-1) * each
        return (each.sum(-2) if need[0] else None,
                -each.sum(-3) if need[1] else None)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of x1 (..., r1, m) and x2 (..., r2, m)."""
    check_tensor("cdist", "x2", 2, x2)
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


# ---- norms ---------------------------------------------------------------------------------

class LinalgVectorNormBackward0(Node):
    def backward(self, g):
        x, out = self.saved_tensors
        ord_ = self.ord
        g = kept(g, self)
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
        out = kept(out, self)
        if math.isinf(ord_):
            # Like amax: the gradient is shared among the elements tied for the extreme.
            xd, od = abs(x._data), out._data
            mask = xd == od
            share = mask / mask.sum(axis=self.dims, keepdims=True)
            return (g * x.sign() * const(share.astype(xd.dtype), x),)
        # A zero norm (all of x zero there) gets no gradient, as in PyTorch.
        out_zero = const((out._data == 0).astype(out._data.dtype), out)
        out_safe = out + out_zero
        if ord_ == 2:
            return (g * x / out_safe,)
        x_zero = const((x._data == 0).astype(x._data.dtype), x)
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
    dims = reduce_dims(dim, data.ndim)
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
        note_reduction(node, x, dims, keepdim)
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
    """'fro', 'nuc', 1, -1, 2, -2, inf, -inf matrix norms over the two dims (composed of
    engine ops; 'nuc' and +-2 of the singular values)."""
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    d0, d1 = normalize_dims(tuple(dim), A._data.ndim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord in ("nuc", 2, -2):
        from .decomp import svdvals  # (decomp builds on this module)
        if dtype is not None:
            A = A.to(dtype=dtype)
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
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
    return check_matrix(f"linalg.{fn}", A, square=True)


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
            m = const(singular.astype(A._data.dtype), A)
            A = A * (1 - m) + m * const(eye, A)
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
        need = self.needs_input_grad
        gA = None
        if need[0]:
            gA = -(gB.unsqueeze(-1) * X.unsqueeze(-2)) if vector else -(gB @ X.mT)
        return gA, (gB if need[1] else None)


def solve(A, B, *, left=True):
    """X with A @ X = B; B may be a vector (or a batch of them) of A's size."""
    check_tensor("linalg.solve", "B", 2, B)
    if not left:
        return solve(A.mT, B.mT).mT
    a = _square_float("solve", A)
    b = B._data
    if a.dtype != b.dtype:
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {A.dtype.legacy} and B of type {B.dtype.legacy} instead")
    same_device(A, B)
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


inverse = inv

__all__ = ["norm", "inverse", "det", "matrix_power", "cross", "cdist"]
NOT_METHODS = {"cdist"}
