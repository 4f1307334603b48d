"""Linear algebra built on the factorizations: solves from a factorization (cholesky_solve,
lu_solve), inverses and solves that report singularity (inv_ex, solve_ex), least squares,
pseudo-inverse, matrix exponential, slogdet/logdet, rank, condition numbers, chained
products, tensor inverses/solves and Vandermonde matrices. Nodes beside their forwards hold
PyTorch's backward formulas; the composites PyTorch also writes as composites (cond, logdet,
multi_dot, tensorinv, tensorsolve, vander) are engine ops all the way, as there.
"""
import math

import numpy as np  # shape arithmetic and host LAPACK calls; array work goes through xp_of

from .. import return_types
from .._backend import on_host, to_numpy, xp_of
from ._base import (CPP_NAMES, Node, Tensor, _grad_state, check_matrix, check_tensor, const,
                    each_matrix, getrf, lu_permutation, record, trsm, unpack_lu, warn_once,
                    wrap, write_out)
from .decomp import lu_factor_ex, solve_triangular, svdvals
from .linalg import LinalgInvExBackward0 as _InvBackward, inv, matrix_norm, solve


# ---- from a factorization -------------------------------------------------------------------

class CholeskySolveBackward0(Node):
    def backward(self, g):
        B, L, X = self.saved_tensors
        upper = self.upper
        if _grad_state[0]:
            X = cholesky_solve(B, L, upper)
        gB = cholesky_solve(g, L, upper)
        gL = None
        if self.needs_input_grad[1]:
            common = gB @ X.mT
            common = common + common.mT
            gL = -(L @ common) if upper else -(common @ L)
        return (gB if self.needs_input_grad[0] else None), gL


def cholesky_solve(B, L, upper=False, *, out=None):
    """X with A X = B, given A's Cholesky factor L (A = L L^T) or U (A = U^T U)."""
    check_tensor("cholesky_solve", "input2", 2, L)
    check_matrix("cholesky_solve", B, name="B")
    check_matrix("cholesky_solve", L, name="A", square=True)
    from ..autograd.grad_mode import no_grad
    with no_grad():
        if upper:
            Y = solve_triangular(L.mT, B, upper=False)
            X = solve_triangular(L, Y, upper=True)
        else:
            Y = solve_triangular(L, B, upper=False)
            X = solve_triangular(L.mT, Y, upper=True)
    node = record(CholeskySolveBackward0, X, (B, L))
    if node is not None:
        node.upper = upper
        node.save(B, L, X.detach())
    return write_out(out, X)


class CholeskyInverseBackward0(Node):
    def backward(self, g):
        L, inverse = self.saved_tensors
        if _grad_state[0]:
            inverse = cholesky_inverse(L, self.upper)
        common = inverse @ (g + g.mT) @ inverse
        return (-(L @ common) if self.upper else -(common @ L),)


def cholesky_inverse(L, upper=False, *, out=None):
    """A^-1 given A's Cholesky factor (A = L L^T, or U^T U with upper=True)."""
    data = check_matrix("cholesky_inverse", L, name="input", square=True)
    eye = const(xp_of(data).broadcast_to(xp_of(data).eye(data.shape[-1], dtype=data.dtype),
                                         data.shape), L)
    from ..autograd.grad_mode import no_grad
    with no_grad():
        result = cholesky_solve(eye, L, upper)
    node = record(CholeskyInverseBackward0, result, (L,))
    if node is not None:
        node.upper = upper
        node.save(L, result.detach())
    return write_out(out, result)


def _permute_rows(xp, B, pivots, inverse=False):
    """P^T B (or P B with inverse=True) for LAPACK's 1-based row interchanges, as arrays."""
    B = B.copy()
    order = range(pivots.shape[-1])
    for i in (reversed(order) if inverse else order):
        j = (pivots[..., i] - 1).astype(np.int64)
        rows_i = B[..., i, :].copy()
        rows_j = xp.take_along_axis(B, j[..., None, None], -2)[..., 0, :]
        B[..., i, :] = rows_j
        xp.put_along_axis(B, j[..., None, None], rows_i[..., None, :], -2)
    return B


class LinalgLuSolveBackward0(Node):
    def backward(self, g):
        LU, pivots, B, X = self.saved_tensors
        left, adjoint = self.left, self.adjoint
        need = self.needs_input_grad
        if _grad_state[0]:
            X = lu_solve(LU, pivots, B, left=left, adjoint=adjoint)
        # op(A) X = B (left) or X op(A) = B; the gradient of B solves with op(A)^T
        gB = lu_solve(LU, pivots, g, left=left, adjoint=not adjoint)
        gLU = None
        if need[0]:
            g_opA = -(gB @ X.mT) if left else -(X.mT @ gB)
            gA = g_opA.mT if adjoint else g_opA
            # A = P L U with L, U packed in LU: the gradient of each triangle
            P = const(lu_permutation(xp_of(LU._data), pivots._data, LU.shape[-2],
                                   LU._data.dtype), LU)
            L, U = unpack_lu(LU)
            PtgA = P.mT @ gA
            gLU = (PtgA @ U.mT).tril(-1) + (L.mT @ PtgA).triu()
        return gLU, None, (gB if need[2] else None)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B (or X A = B, with A^T for adjoint) from lu_factor's (LU, pivots)."""
    fn = "linalg.lu_solve"
    check_tensor("linalg_lu_solve", "B", 3, B)
    lu = check_matrix(fn, LU, name="LU", square=True)
    b = check_matrix(fn, B, name="B")
    if lu.dtype != b.dtype:
        raise RuntimeError(f"{fn}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {LU.dtype.legacy} and B of type {B.dtype.legacy} instead")
    xp = xp_of(lu)
    from ..autograd.grad_mode import no_grad
    with no_grad():
        L, U = unpack_lu(LU)
        if left != adjoint:  # A X = B, or X A^T = B, i.e. A X^T = B^T
            rhs = B if left else B.mT
            batch = np.broadcast_shapes(lu.shape[:-2], rhs._data.shape[:-2])
            piv = xp.broadcast_to(pivots._data, batch + pivots._data.shape[-1:])
            Pb = wrap(_permute_rows(xp, xp.broadcast_to(rhs._data, batch + rhs._data.shape[-2:]),
                                    piv), B)
            Y = solve_triangular(L, Pb, upper=False, unitriangular=True)
            X = solve_triangular(U, Y, upper=True)
            X = X if left else X.mT
        else:  # A^T X = B, or X A = B, i.e. A^T X^T = B^T
            rhs = B if left else B.mT
            Y = solve_triangular(U.mT, rhs, upper=False)
            Z = solve_triangular(L.mT, Y, upper=True, unitriangular=True)
            batch = np.broadcast_shapes(lu.shape[:-2], Z._data.shape[:-2])
            piv = xp.broadcast_to(pivots._data, batch + pivots._data.shape[-1:])
            X = wrap(_permute_rows(xp, xp.broadcast_to(Z._data, batch + Z._data.shape[-2:]),
                                   piv, inverse=True), B)
            X = X if left else X.mT
    X = wrap(xp.ascontiguousarray(X._data), B)
    node = record(LinalgLuSolveBackward0, X, (LU, pivots, B))
    if node is not None:
        node.left, node.adjoint = left, adjoint
        node.save(LU, pivots, B, X.detach())
    return write_out(out, X)


def lu_solve_legacy(b, LU_data, LU_pivots, *, out=None):
    """Deprecated torch.lu_solve / Tensor.lu_solve (arguments in the old order)."""
    warn_once("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be "
              "removed in a future PyTorch release.\nNote that torch.linalg.lu_solve has its "
              "arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\nshould be replaced "
              "with\nX = torch.linalg.lu_solve(LU, pivots, B)")
    return lu_solve(LU_data, LU_pivots, b, out=out)


# ---- inverses and solves that report singularity ---------------------------------------------

class LinalgInvExBackward0(_InvBackward):
    def backward(self, g, *_):
        return super().backward(g)


def _lu_info(data):
    """LAPACK getrf's info per matrix (the first zero pivot of U, 1-based; 0 if none)."""
    return lu_factor_ex(wrap(data))[2]._data


def _solve_by_lu(a, b):
    """A^-1 B through LU without a singularity check: inf/nan where a pivot is zero, as
    LAPACK leaves them."""
    lu, piv, _ = getrf(a)
    pb = _permute_rows(np, b, piv)
    y = trsm(lu, pb, upper=False, left=True, unitriangular=True)
    return trsm(lu, y, upper=True, left=True, unitriangular=False)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info > 0 names the zero pivot of a singular matrix (then the inverse
    holds inf/nan), or raises with check_errors=True."""
    data = check_matrix("linalg.inv_ex", A, square=True)
    info = _lu_info(data)
    xp = xp_of(data)
    if not bool(to_numpy(info).any()):
        inverse = wrap(xp.linalg.inv(data), A)
    elif check_errors:
        inv(A)  # raises PyTorch's singular-matrix message
    else:
        eye = xp.broadcast_to(xp.eye(data.shape[-1], dtype=data.dtype), data.shape)
        inverse = wrap(on_host(lambda a, e: each_matrix(_solve_by_lu, data.shape[:-2], a, e),
                               data, eye), A)
    info = wrap(info, A)
    node = record(LinalgInvExBackward0, (inverse, None), (A,))
    if node is not None:  # as inv's node: the inverse saved, A (unchecked) for create_graph
        node.A = A
        node.save(inverse.detach())
    return write_out(out, return_types.linalg_inv_ex((inverse, info)), "linalg_inv_ex")


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(X, info) for A X = B (or X A = B); info > 0 for a singular A (X then holds inf/nan)."""
    a = check_matrix("linalg.solve_ex", A, square=True)
    info = wrap(_lu_info(a), A)
    if not bool(to_numpy(info._data).any()) or check_errors:
        X = solve(A, B, left=left)
        return write_out(out, return_types.linalg_solve_ex((X, info)), "linalg_solve_ex")
    b = B._data
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bb = b[..., None] if vector else b
    if not left:
        a, bb = a.swapaxes(-1, -2), bb.swapaxes(-1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], bb.shape[:-2])
    x = on_host(lambda a, b: each_matrix(_solve_by_lu, batch, np.broadcast_to(
        a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])), a, bb)
    if not left:
        x = x.swapaxes(-1, -2)
    X = wrap(x[..., 0] if vector else x, A)
    return write_out(out, return_types.linalg_solve_ex((X, info)), "linalg_solve_ex")


# ---- least squares and the pseudo-inverse ---------------------------------------------------

def _default_rtol(data, atol, rtol):
    if rtol is not None:
        return rtol
    if atol is not None and atol > 0:
        return 0.0
    return float(np.finfo(data.dtype).eps) * max(data.shape[-2:])


def _tolerance(arg):
    return arg.item() if isinstance(arg, Tensor) else arg


def pinv_backward(g, pinvA, A):
    """PyTorch's pinv_backward: the gradient of A from that of pinv(A)."""
    m, n = A.shape[-2:]
    pinvAt, gt = pinvA.mT, g.mT
    if m <= n:
        K = gt @ pinvA
        KpinvAt = K @ pinvAt
        return (-(pinvA @ K).mT + KpinvAt - (A @ pinvA) @ KpinvAt
                + (pinvAt @ pinvA) @ (gt - K @ A))
    K = pinvA @ gt
    pinvAtK = pinvAt @ K
    return (-(K @ pinvA).mT + (gt - A @ K) @ pinvA @ pinvAt + pinvAtK
            - pinvAtK @ pinvA @ A)


class LinalgPinvBackward0(Node):
    def backward(self, g):
        A, P = self.saved_tensors
        if _grad_state[0]:
            P = pinv(A, atol=self.atol, rtol=self.rtol, hermitian=self.hermitian)
        return (pinv_backward(g, P, A),)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse: singular values at or below
    max(atol, rtol * largest) count as zero (rtol defaults to eps * max(m, n))."""
    data = check_matrix("linalg.pinv", A)
    atol, rtol = _tolerance(atol), _tolerance(rtol)
    rtol_ = _default_rtol(data, atol, rtol)
    xp = xp_of(data)
    if hermitian:
        w, V = xp.linalg.eigh(data)
        S, U, Vt = xp.abs(w), V * xp.sign(w)[..., None, :], V.swapaxes(-1, -2)
    else:
        U, S, Vt = _svd_arrays(xp, data)
    largest = S.max(-1, keepdims=True) if S.shape[-1] else S[..., :1]
    cutoff = xp.maximum(atol or 0.0, rtol_ * largest)
    inv_s = xp.where(S > cutoff, 1 / xp.where(S > cutoff, S, 1), 0).astype(data.dtype)
    result = wrap(xp.ascontiguousarray((Vt.swapaxes(-1, -2) * inv_s[..., None, :])
                                       @ U.swapaxes(-1, -2)), A)
    node = record(LinalgPinvBackward0, result, (A,))
    if node is not None:
        node.atol, node.rtol, node.hermitian = atol, rtol, hermitian
        node.save(A, result.detach())
    return write_out(out, result)


def _svd_arrays(xp, data):
    if data.size == 0:
        m, n = data.shape[-2:]
        k = min(m, n)
        batch = data.shape[:-2]
        return (xp.zeros(batch + (m, k), data.dtype), xp.zeros(batch + (k,), data.dtype),
                xp.zeros(batch + (k, n), data.dtype))
    return xp.linalg.svd(data, full_matrices=False)


def pinverse(input, rcond=1e-15):
    """torch.pinverse / Tensor.pinverse: pinv with a relative cutoff rcond."""
    return pinv(input, rtol=rcond)


class LinalgLstsqBackward0(Node):
    def backward(self, gX, gres=None):
        A, B = self.saved_tensors
        if gX is None:
            return None, None
        vector = self.vector
        if vector:
            gX, B = gX.unsqueeze(-1), B.unsqueeze(-1)
        pinvA = pinv(A)
        gA = pinv_backward(gX @ B.mT, pinvA, A) if self.needs_input_grad[0] else None
        gB = None
        if self.needs_input_grad[1]:
            gB = pinvA.mT @ gX
            gB = gB.squeeze(-1) if vector else gB
        return gA, gB


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None, out=None):
    """(solution, residuals, rank, singular_values) of min ||A X - B||: the minimum-norm
    solution; what else is filled depends on the driver, as in PyTorch on the CPU."""
    check_tensor("linalg_lstsq", "b", 2, B)
    fn = "torch.linalg.lstsq"
    a = check_matrix(fn, A)
    if driver is None:
        driver = "gelsy"
    if driver not in _DRIVERS:
        raise RuntimeError(f"{fn}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           "gelss)")
    b = B._data
    vector = b.ndim == a.ndim - 1
    bb = b[..., None] if vector else b
    if bb.ndim < 2:
        raise RuntimeError(f"{fn}: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    if a.shape[-2] != bb.shape[-2]:
        raise RuntimeError(f"{fn}: input.size(-2) should match other.size(-2)")
    if a.dtype != bb.dtype:
        raise RuntimeError(f"{fn}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {A.dtype.legacy} and other's dtype {B.dtype.legacy}")
    m, n = a.shape[-2:]
    batch = np.broadcast_shapes(a.shape[:-2], bb.shape[:-2])
    rcond_ = rcond if rcond is not None else float(np.finfo(a.dtype).eps) * max(m, n)

    def one(a, b):
        x, _, rank, sv = np.linalg.lstsq(a, b, rcond=rcond_)
        return x.astype(a.dtype, copy=False), np.int64(rank), sv.astype(a.dtype, copy=False)
    x, rank, sv = on_host(lambda a, b: each_matrix(
        one, batch, np.broadcast_to(a, batch + a.shape[-2:]),
        np.broadcast_to(b, batch + b.shape[-2:])), a, bb)
    xp = xp_of(a)
    full_rank = bool((to_numpy(rank) == min(m, n)).all())
    if m > n and full_rank and driver != "gelsy":
        resid = ((xp.broadcast_to(a, batch + a.shape[-2:]) @ x - bb) ** 2).sum(-2)
        residuals = wrap(resid, A)
    else:
        residuals = wrap(xp.zeros((0,), a.dtype), A)
    rank_t = wrap(xp.asarray(rank), A) if driver != "gels" else \
        wrap(xp.zeros((0,), np.int64), A)
    sv_t = wrap(xp.asarray(sv), A) if driver in ("gelsd", "gelss") else \
        wrap(xp.zeros((0,), a.dtype), A)
    solution = wrap(x[..., 0] if vector else x, A)
    node = record(LinalgLstsqBackward0, (solution, residuals), (A, B))
    if node is not None:
        node.vector = vector
        node.save(A, B)
    return write_out(out, return_types.linalg_lstsq((solution, residuals, rank_t, sv_t)),
                     "linalg_lstsq")


# ---- matrix exponential, determinants, rank, condition numbers ------------------------------

class LinalgMatrixExpBackward0(Node):
    def backward(self, g):
        (A,) = self.saved_tensors
        n = A.shape[-1]
        from .shape import cat
        At = A.mT
        top = cat([At, g], -1)
        bottom = cat([At.detach() * 0, At], -1)
        return (matrix_exp(cat([top, bottom], -2))[..., :n, n:],)


def matrix_exp(A):
    """e^A = sum_k A^k / k! (SciPy's scaling-and-squaring Pade approximation)."""
    data = check_matrix("linalg.matrix_exp", A, square=True)
    if data.size == 0:
        result = wrap(data.copy(), A)
    else:
        import scipy.linalg
        result = wrap(on_host(lambda a: scipy.linalg.expm(a).astype(a.dtype, copy=False),
                              data), A)
    record(LinalgMatrixExpBackward0, result, (A,), (A,))
    return result


class LinalgSlogdetBackward0(Node):
    def backward(self, gsign, glogabsdet):
        (A,) = self.saved_tensors
        if glogabsdet is None:
            return (None,)
        return (glogabsdet.unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)


def slogdet(A, *, out=None):
    """(sign, log|det A|): the determinant without overflow; sign 0 and -inf if singular."""
    data = check_matrix("linalg.slogdet", A, square=True)
    xp = xp_of(data)
    sign, logabs = xp.linalg.slogdet(data)
    sign = wrap(xp.asarray(sign, dtype=data.dtype), A)
    logabs = wrap(xp.asarray(logabs, dtype=data.dtype), A)
    record(LinalgSlogdetBackward0, (sign, logabs), (A,), (A,))
    return write_out(out, return_types.linalg_slogdet((sign, logabs)), "linalg_slogdet")


def slogdet_legacy(input):
    """torch.slogdet / Tensor.slogdet (return type torch.return_types.slogdet)."""
    return return_types.slogdet(tuple(slogdet(input)))


def logdet(input):
    """log(det A): nan for a negative determinant, -inf for a singular matrix."""
    sign, logabs = slogdet(input)
    from .masked import where
    nan = const(xp_of(logabs._data).asarray(math.nan, dtype=logabs._data.dtype), logabs)
    return where(sign == -1, nan, logabs)


def _singular_values(A, hermitian):
    """Singular values as an array (|eigenvalues| of symmetric A with hermitian=True)."""
    data = A._data
    xp = xp_of(data)
    if hermitian:
        return xp.abs(xp.linalg.eigvalsh(data))
    return _svd_arrays(xp, data)[1]


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values above max(atol, rtol * largest) (an int64 tensor)."""
    data = check_matrix("linalg.matrix_rank", A)
    if tol is not None:  # the older spelling: an absolute tolerance
        atol, rtol = tol, 0.0
    atol, rtol = _tolerance(atol), _tolerance(rtol)
    rtol = _default_rtol(data, atol, rtol)
    S = _singular_values(A, hermitian)
    xp = xp_of(data)
    largest = S.max(-1, keepdims=True) if S.shape[-1] else xp.zeros(S.shape[:-1] + (1,),
                                                                    S.dtype)
    cutoff = xp.maximum(atol or 0.0, rtol * largest)
    return write_out(out, wrap(xp.asarray((S > cutoff).sum(-1), dtype=np.int64), A))


def cond(A, p=None, *, out=None):
    """The condition number in norm p: s_max / s_min for p None or 2 (s_min / s_max for -2),
    else norm(A, p) * norm(A^-1, p) (inf for a singular A)."""
    check_matrix("linalg.cond", A)
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s[..., :1], s[..., -1:]
        result = (big / small if p != -2 else small / big).squeeze(-1)
        return write_out(out, result)
    if p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    data = A._data
    if data.shape[-1] != data.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but "
                           f"they are {data.shape[-2]} by {data.shape[-1]} matrices")
    inverse, info = inv_ex(A)
    singular = const(xp_of(data).asarray(info._data > 0)[..., None, None], inverse)
    inverse = inverse.masked_fill(singular, math.inf)  # a singular A has condition number inf
    return write_out(out, matrix_norm(A, p) * matrix_norm(inverse, p))


# ---- products -------------------------------------------------------------------------------

def _chain_order(dims):
    """The cheapest parenthesization of a matrix chain (dims[i] x dims[i+1] matrices):
    split[i][j] is where the product of matrices i..j splits (dynamic programming)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    k = split[i][j]
    return _chain(mats, split, i, k) @ _chain(mats, split, k + 1, j)


def multi_dot(tensors, *, out=None):
    """The product of a list of matrices in the cheapest order; the first may be a row
    vector and the last a column vector (1-D), as in PyTorch."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0].dim(), tensors[-1].dim()
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    dtype = tensors[0]._data.dtype
    for i, t in enumerate(tensors[1:], 1):
        if t._data.dtype != dtype:
            raise RuntimeError("multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {CPP_NAMES[dtype.name]} and tensor {i} "
                               f"{CPP_NAMES[t._data.dtype.name]}")
    mats = list(tensors)
    if first == 1:
        mats[0] = mats[0].unsqueeze(0)
    if last == 1:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i in range(n - 1):
        if mats[i].shape[-1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} "
                               "cannot be multiplied")
    dims = [m.shape[0] for m in mats] + [mats[-1].shape[1]]
    result = _chain(mats, _chain_order(dims), 0, n - 1)
    shape = tuple(result.shape)[first == 1:] if last == 2 else tuple(result.shape)[first == 1:1]
    return write_out(out, result.reshape(shape))  # a view, as PyTorch ends


def chain_matmul(*matrices, out=None):
    """Deprecated torch.chain_matmul: multi_dot of 2-D matrices given as arguments."""
    warn_once("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
              "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
              "more tensors rather than multiple parameters.")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {m.dim()}, expected 2 instead.")
    if len(matrices) == 1:
        return write_out(out, matrices[0].clone())
    return multi_dot(matrices, out=out)


# ---- tensor inverse and solve ---------------------------------------------------------------

def tensorinv(A, ind=2, *, out=None):
    """The inverse of A seen as a linear map from its last dims to its first ``ind`` dims."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return write_out(out, inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind]))


def tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B; ``dims`` of A are moved to the end first."""
    if dims is not None:
        dims = [d % A.dim() for d in dims]
        rest = [d for d in range(A.dim()) if d not in dims]
        A = A.permute(*rest, *dims)
    result_shape = tuple(A.shape[B.dim():])
    rows, cols = B.numel(), math.prod(result_shape)
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:"
                           "]) == prod(self.shape[:other.ndim]), but got "
                           f"{cols} != {rows}")
    return write_out(out, solve(A.reshape(rows, cols), B.reshape(rows)).reshape(result_shape))


# ---- Vandermonde matrices, diagonals, norms --------------------------------------------------

def _increasing_powers(x, N):
    """[1, x, x^2, ..., x^(N-1)] along a new last dim (PyTorch's cumprod composite)."""
    from .shape import cat
    ones = x.unsqueeze(-1).detach() * 0 + 1
    if N == 1:
        return ones
    return cat([ones, x.unsqueeze(-1).expand(*x.shape, N - 1).cumprod(-1)], -1)


def linalg_vander(x, *, N=None):
    """torch.linalg.vander: x's powers 0..N-1 along a new last dim (N defaults to x's last
    size)."""
    if N is None:
        N = x.shape[-1] if x.dim() else 0
    if N <= 1 or x.dim() == 0:
        raise RuntimeError("N must be greater than 1.")
    return _increasing_powers(x, N)


def vander(x, N=None, increasing=False):
    """torch.vander: the matrix of powers of a 1-D x, decreasing unless increasing=True."""
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is None:
        N = x.shape[0]
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    if N == 0:
        return wrap(xp_of(x._data).zeros((x.shape[0], 0), x._data.dtype), x)
    powers = _increasing_powers(x, N)
    return powers if increasing else powers.flip(-1)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: torch.diagonal with the last two dims as defaults."""
    return A.diagonal(offset, dim1, dim2)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """The sum of singular values (over dims (-2, -1) unless given)."""
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    return write_out(out, matrix_norm(input, "nuc", dim or (-2, -1), keepdim))


def frobenius_norm(input, dim=(-2, -1), keepdim=False, *, out=None):
    """sqrt(sum(x^2)) over dim."""
    from .linalg import vector_norm
    return write_out(out, vector_norm(input, 2, dim, keepdim))


# ---- removed by PyTorch: the names remain and say what replaced them -------------------------

def _removed(message):
    def removed(*args, **kwargs):
        raise RuntimeError("This function was deprecated since version 1.9 and is now removed."
                           + message)
    return removed


_LSTSQ = (" `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` "
          "has reversed arguments and does not return the QR decomposition in the returned "
          "tuple (although it returns other information about the problem).\n\nTo get the QR "
          "decomposition consider using `torch.linalg.qr`.\n\nThe returned solution in "
          "`torch.lstsq` stored the residuals of the solution in the last m - n columns of the "
          "returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the "
          "field 'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as "
          "in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\nX = "
          "torch.linalg.lstsq(A, B).solution")
_SYMEIG = (" The default behavior has changed from using the upper triangular portion of the "
           "matrix by default to using the lower triangular portion.\n\nL, _ = "
           "torch.symeig(A, upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, "
           "UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) "
           "should be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')")
_EIG = (" `torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than "
        "real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced "
        "with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, "
        "eigenvectors=True) should be replaced with:\nL_complex, V_complex = "
        "torch.linalg.eig(A)")
_SOLVE = (" `torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` "
          "has its arguments reversed and does not return the LU factorization.\n\nTo get the "
          "LU factorization see `torch.lu`, which can be used with `torch.lu_solve` or "
          "`torch.lu_unpack`.\nX = torch.solve(B, A).solution should be replaced with:\nX = "
          "torch.linalg.solve(A, B)")
_REMOVED = {"lstsq": _removed(_LSTSQ), "symeig": _removed(_SYMEIG), "eig": _removed(_EIG),
            "solve": _removed(_SOLVE)}

# torch.X and Tensor.X names (torch.linalg's are in engine/linalg.py)
TORCH_NAMES = {"cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
               "lu_solve": lu_solve_legacy, "matrix_exp": matrix_exp, "slogdet": slogdet_legacy,
               "logdet": logdet, "pinverse": pinverse, "chain_matmul": chain_matmul,
               "vander": vander, "nuclear_norm": nuclear_norm,
               "frobenius_norm": frobenius_norm, **_REMOVED,
               "matrix_rank": _removed("\nPlease use the `torch.linalg.matrix_rank` function "
                                       "instead. The parameter 'symmetric' was renamed in "
                                       "`torch.linalg.matrix_rank()` to 'hermitian'.")}
TENSOR_METHODS = {"cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
                  "lu_solve": lu_solve_legacy, "matrix_exp": matrix_exp,
                  "slogdet": slogdet_legacy, "logdet": logdet, "pinverse": pinverse,
                  **_REMOVED}
