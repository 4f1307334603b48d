"""Matrix factorizations and triangular solves: cholesky, eigh, svd, qr, lu / lu_factor /
lu_unpack, ldl, geqrf and Householder products, solve_triangular / triangular_solve. Each
forward runs on NumPy's (CuPy's) batched linalg where it has the routine, else on
SciPy's LAPACK and BLAS wrappers on the host; each Node beside it holds PyTorch's backward
formula, written with engine ops so that second derivatives work too. Real dtypes only.
"""
import numpy as np  # shape arithmetic and host LAPACK calls; array work goes through xp_of

from .. import return_types
from .._backend import on_host, xp_of
from ._base import (Node, _grad_state, check_matrix, check_tensor, const, each_matrix, getrf,
                    eye_like, lapack, lu_permutation, record, recomputed, trsm, unpack_lu,
                    warn_once, wrap, write_out)
from .linalg import LinAlgError


# ---- helpers --------------------------------------------------------------------------------

def _int32(xp, array):
    return xp.asarray(array, dtype=np.int32)


def _zero_grad(g, like):
    return g if g is not None else like.detach() * 0


def _no_derivative(op_name, exc=RuntimeError, message=None):
    """A node whose backward raises PyTorch's error for an op without a derivative."""
    def backward(self, *grads):
        raise exc(message or f"derivative for aten::{op_name} is not implemented")
    return backward


# ---- triangular solves ---------------------------------------------------------------------

class LinalgSolveTriangularBackward0(Node):
    def backward(self, g):
        A, B, X = self.saved_tensors
        upper, left, unit = self.upper, self.left, self.unitriangular
        if _grad_state[0]:
            X = solve_triangular(A, B, upper=upper, left=left, unitriangular=unit)
        gB = solve_triangular(A.mT, g, upper=not upper, left=left, unitriangular=unit)
        gA = None
        if self.needs_input_grad[0]:
            gA = -(gB @ X.mT) if left else -(X.mT @ gB)
            gA = gA.triu(int(unit)) if upper else gA.tril(-int(unit))
        return gA, (gB if self.needs_input_grad[1] else None)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (left) or X A = B, A upper or lower triangular (the other triangle is
    not read; with unitriangular, neither is the diagonal)."""
    check_tensor("linalg_solve_triangular", "B", 2, B)
    fn = "linalg.solve_triangular"
    a = check_matrix(fn, A, square=True)
    b = check_matrix(fn, B, name="B")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{fn}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.legacy} and B of type {B.dtype.legacy} instead")
    inner = b.shape[-2] if left else b.shape[-1]
    if inner != a.shape[-1]:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fn}: Incompatible shapes of A and B for the equation {eq} "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    x = on_host(lambda a, b: trsm(a, b, upper, left, unitriangular), a, b)
    result = wrap(x, A)
    node = record(LinalgSolveTriangularBackward0, result, (A, B))
    if node is not None:
        node.upper, node.left, node.unitriangular = upper, left, unitriangular
        node.save(A, B, result.detach())
    return write_out(out, result)


class TriangularSolveBackward0(Node):
    def backward(self, gX, gM):
        b, A, X = self.saved_tensors
        upper, transpose, unit = self.upper, self.transpose, self.unitriangular
        if _grad_state[0]:
            X = solve_triangular(A.mT if transpose else A, b, upper=upper != transpose,
                                 unitriangular=unit)
        gb = gA = None
        if gX is not None:
            op_t = A if transpose else A.mT  # op(A)^T
            gb = solve_triangular(op_t, gX, upper=upper == transpose, unitriangular=unit)
            if self.needs_input_grad[1]:
                gA = -(X @ gb.mT) if transpose else -(gb @ X.mT)
                gA = gA.triu(int(unit)) if upper else gA.tril(-int(unit))
        if gM is not None and self.needs_input_grad[1]:
            gA = gM if gA is None else gA + gM
        return (gb if self.needs_input_grad[0] else None), gA


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Deprecated torch.triangular_solve: (X with op(A) X = b, a copy of A)."""
    warn_once("torch.triangular_solve is deprecated in favor of "
              "torch.linalg.solve_triangularand will be removed in a future PyTorch release.\n"
              "torch.linalg.solve_triangular has its arguments reversed and does not return a "
              "copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\nshould "
              "be replaced with\nX = torch.linalg.solve_triangular(A, B).")
    check_tensor("triangular_solve", "A", 2, A)
    from ..autograd.grad_mode import no_grad
    with no_grad():
        opA = A.mT if transpose else A
        X = solve_triangular(opA, b, upper=upper != transpose, unitriangular=unitriangular)
        M = A.clone()
    result = return_types.triangular_solve((X, M))
    node = record(TriangularSolveBackward0, (X, M), (b, A))
    if node is not None:
        node.upper, node.transpose, node.unitriangular = upper, transpose, unitriangular
        node.save(b, A, X.detach())
    return write_out(out, result, "triangular_solve")


# ---- cholesky -------------------------------------------------------------------------------

def _potrf(a):
    """One matrix: LAPACK's partial factor and info (the order of the first leading minor
    that is not positive-definite, 0 if none), as PyTorch's cholesky_ex returns them."""
    c, info = lapack("potrf", a)(a, lower=1, clean=1)
    return np.tril(c).astype(a.dtype, copy=False), np.int32(max(info, 0))


class LinalgCholeskyExBackward0(Node):
    forward_again = staticmethod(lambda A: cholesky(A))

    def backward(self, gL, *_):
        A, L = self.saved_tensors
        L = recomputed(A, L, self.forward_again)
        if self.upper:
            gL = gL.mT
        phi = (L.mT @ gL).tril()
        phi = 0.5 * (phi + phi.tril(-1).mT)
        gA = solve_triangular(L.mT, phi, upper=True)
        return (solve_triangular(L, gA, upper=False, left=False),)


def _cholesky(fn, A, upper, check_errors):
    data = check_matrix(fn, A, square=True)
    xp = xp_of(data)
    batch = data.shape[:-2]
    factor = None
    try:
        factor = xp.linalg.cholesky(data)
        if xp is not np and bool(xp.isnan(factor).any()):  # CuPy returns nan, not an error
            factor = None
    except np.linalg.LinAlgError:
        pass
    if factor is None:
        factor, info = on_host(lambda a: each_matrix(_potrf, batch, a), data)
    else:
        info = xp.zeros(batch, dtype=np.int32)
    if check_errors:
        flat = np.atleast_1d(np.asarray(_to_host(info))).reshape(-1)
        bad = np.nonzero(flat)[0]
        if bad.size:
            where = f"(Batch element {bad[0]}): " if batch else ""
            raise LinAlgError(f"{fn}: {where}The factorization could not be completed because "
                              "the input is not positive-definite (the leading minor of order "
                              f"{flat[bad[0]]} is not positive-definite).")
    L = wrap(factor.swapaxes(-1, -2).copy() if upper else factor, A)
    info = wrap(_int32(xp, info), A)
    return L, info


def _to_host(array):
    from .._backend import to_numpy
    return to_numpy(array)


def _record_cholesky(A, L, upper, outputs):
    node = record(LinalgCholeskyExBackward0, outputs, (A,))
    if node is not None:
        node.upper = upper
        node.save(A, (L.mT if upper else L).detach())


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): the Cholesky factor of symmetric positive-definite A (its lower triangle
    is read), or U = L^T; info > 0 names the leading minor that is not positive-definite."""
    L, info = _cholesky("linalg.cholesky_ex", A, upper, check_errors)
    _record_cholesky(A, L, upper, (L, None))
    return write_out(out, return_types.linalg_cholesky_ex((L, info)), "linalg_cholesky_ex")


def cholesky(A, *, upper=False, out=None):
    """linalg.cholesky: L with A = L L^T (or U with A = U^T U); LinAlgError if A is not
    positive-definite."""
    L, _ = _cholesky("linalg.cholesky", A, upper, True)
    _record_cholesky(A, L, upper, L)
    return write_out(out, L)


class CholeskyBackward0(LinalgCholeskyExBackward0):
    forward_again = staticmethod(lambda A: cholesky(A))


def cholesky_legacy(input, upper=False, *, out=None):
    """Deprecated torch.cholesky / Tensor.cholesky."""
    warn_once("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
              "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced "
              "with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\n"
              "should be replaced with\nU = torch.linalg.cholesky(A).mH\nThis transform will "
              "produce equivalent results for all valid (symmetric positive definite) inputs.")
    L, _ = _cholesky("linalg.cholesky", input, upper, True)
    node = record(CholeskyBackward0, L, (input,))
    if node is not None:
        node.upper = upper
        node.save(input, (L.mT if upper else L).detach())
    return write_out(out, L)


# ---- eigh ----------------------------------------------------------------------------------

class LinalgEighBackward0(Node):
    def backward(self, gL, gV=None):
        A, L, V = self.saved_tensors
        if _grad_state[0]:
            L, V = eigh(A, self.uplo)
        if gV is None:  # eigenvalues only: V diag(gL) V^T
            return (V @ (gL.unsqueeze(-1) * V.mT),)
        VtgV = V.mT @ gV
        VtgV = 0.5 * (VtgV - VtgV.mT)  # the skew-symmetric part: V stays orthogonal
        n = L.shape[-1]
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + eye_like(L, n)  # L_j - L_i, 1 on the diagonal
        inner = VtgV / E
        if gL is not None:
            inner = inner + gL.diag_embed()
        return (V @ inner @ V.mT,)


def _eigh_data(A, UPLO, fn):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    data = check_matrix(fn, A, square=True)
    return xp_of(data).linalg.eigh(data, UPLO=UPLO)


def eigh(A, UPLO="L", *, out=None):
    """(eigenvalues ascending, eigenvectors as columns) of symmetric A (one triangle read)."""
    w, V = _eigh_data(A, UPLO, "linalg.eigh")
    w, V = wrap(w, A), wrap(V, A)
    node = record(LinalgEighBackward0, (w, V), (A,))
    if node is not None:
        node.uplo = UPLO
        node.save(A, w.detach(), V.detach())
    return write_out(out, return_types.linalg_eigh((w, V)), "linalg_eigh")


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of symmetric A, ascending."""
    w, V = _eigh_data(A, UPLO, "linalg.eigvalsh")
    w = wrap(w, A)
    node = record(LinalgEighBackward0, w, (A,))
    if node is not None:
        node.uplo = UPLO
        node.save(A, w.detach(), wrap(V, A))
    return write_out(out, w)


# ---- svd -----------------------------------------------------------------------------------

class LinalgSvdBackward0(Node):
    def backward(self, gU, gS=None, gVh=None):
        A, U, S, Vh = self.saved_tensors
        if self.n_outputs == 1:  # svdvals: its one output is S
            gU, gS = None, gU
        if _grad_state[0]:
            U, S, Vh = svd(A, full_matrices=False)
        k = S.shape[-1]
        if self.full_matrices:
            U, Vh = U[..., :, :k], Vh[..., :k, :]
            gU = gU[..., :, :k] if gU is not None else None
            gVh = gVh[..., :k, :] if gVh is not None else None
        m, n = U.shape[-2], Vh.shape[-1]
        if gU is None and gVh is None:
            if gS is None:
                return (None,)
            return (U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh,)
        S2 = S * S
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye_like(S, k)
        UtgU = (lambda X: X - X.mT)(U.mT @ gU) if gU is not None else None
        VtgV = (lambda X: X - X.mT)(Vh @ gVh.mT) if gVh is not None else None
        if UtgU is not None and VtgV is not None:
            gA = (UtgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VtgV) / E
        elif UtgU is not None:
            gA = (UtgU / E) * S.unsqueeze(-2)
        else:
            gA = S.unsqueeze(-1) * (VtgV / E)
        if gS is not None:
            gA = gA + gS.diag_embed()
        if m > n and gU is not None:
            gA = U @ gA
            gUSinv = gU / S.unsqueeze(-2)
            gA = (gA + gUSinv - U @ (U.mT @ gUSinv)) @ Vh
        elif m < n and gVh is not None:
            gA = gA @ Vh
            SinvgVh = gVh / S.unsqueeze(-1)
            gA = U @ (gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh)
        else:
            gA = U @ gA @ Vh
        return (gA,)


def _svd_data(fn, A, full_matrices):
    data = check_matrix(fn, A)
    xp = xp_of(data)
    m, n = data.shape[-2:]
    if data.size == 0:  # NumPy refuses empty matrices; the factors are identities/empty
        k = min(m, n)
        batch = data.shape[:-2]
        eye_u = xp.broadcast_to(xp.eye(m, m if full_matrices else k, dtype=data.dtype),
                                batch + (m, m if full_matrices else k)).copy()
        eye_v = xp.broadcast_to(xp.eye(n if full_matrices else k, n, dtype=data.dtype),
                                batch + (n if full_matrices else k, n)).copy()
        return eye_u, xp.zeros(batch + (k,), data.dtype), eye_v
    return xp.linalg.svd(data, full_matrices=full_matrices)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending."""
    U, S, Vh = (wrap(x, A) for x in _svd_data("linalg.svd", A, full_matrices))
    node = record(LinalgSvdBackward0, (U, S, Vh), (A,))
    if node is not None:
        node.full_matrices, node.n_outputs = full_matrices, 3
        node.save(A, U.detach(), S.detach(), Vh.detach())
    return write_out(out, return_types.linalg_svd((U, S, Vh)), "linalg_svd")


def svdvals(A, *, driver=None, out=None):
    """The singular values of A, descending."""
    U, S, Vh = (wrap(x, A) for x in _svd_data("linalg.svdvals", A, False))
    node = record(LinalgSvdBackward0, S, (A,))
    if node is not None:
        node.full_matrices, node.n_outputs = False, 1
        node.save(A, U, S.detach(), Vh)
    return write_out(out, S)


def svd_legacy(input, some=True, compute_uv=True, *, out=None):
    """torch.svd / Tensor.svd: (U, S, V) with V = Vh^T (not Vh); with compute_uv=False, U and
    V are zeros."""
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        xp = xp_of(input._data)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        U = wrap(xp.zeros(batch + (m, m if not some else min(m, n)), input._data.dtype), input)
        V = wrap(xp.zeros(batch + (n, n if not some else min(m, n)), input._data.dtype), input)
        return write_out(out, return_types.svd((U, S, V)), "svd")
    return write_out(out, return_types.svd((U, S, Vh.mT)), "svd")


# ---- qr ------------------------------------------------------------------------------------

def _right_solve_rt(X, R):
    """X R^{-T} for upper-triangular R."""
    return solve_triangular(R.mT, X, upper=False, left=False)


def _qr_grad_tall(Q, R, gQ, gR):
    qdq = Q.mT @ gQ
    qdq_ = qdq - qdq.mT
    rdr = R @ gR.mT
    rdr_ = rdr - rdr.mT
    tril = (qdq_ + rdr_).tril()
    return Q @ (gR + _right_solve_rt(tril, R)) + _right_solve_rt(gQ - Q @ qdq, R)


class LinalgQrBackward0(Node):
    def backward(self, gQ, gR):
        A, Q, R = self.saved_tensors
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        m, n = A.shape[-2:]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        if _grad_state[0]:
            Q, R = qr(A, self.mode)
        gQ, gR = _zero_grad(gQ, Q), _zero_grad(gR, R)
        if m >= n:
            return (_qr_grad_tall(Q, R, gQ, gR),)
        # wide: A = [X | Y], R = [U | V] with X = Q U square
        Y, U, dV = A[..., :, m:], R[..., :, :m], gR[..., :, m:]
        dX = _qr_grad_tall(Q, U, gQ + Y @ dV.mT, gR[..., :, :m])
        from .shape import cat
        return (cat([dX, Q @ dV], -1),)


def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = Q R: Q with orthonormal columns, R upper triangular; mode 'complete'
    makes Q square, mode 'r' computes R only (Q is then empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    data = check_matrix("linalg.qr", A)
    xp = xp_of(data)
    if mode == "r":
        Q, R = xp.zeros((0,), data.dtype), xp.linalg.qr(data, mode="r")
    else:
        Q, R = xp.linalg.qr(data, mode=mode)
    Q, R = wrap(xp.ascontiguousarray(Q), A), wrap(xp.ascontiguousarray(R), A)
    node = record(LinalgQrBackward0, (Q, R), (A,))
    if node is not None:
        node.mode = mode
        node.save(A, Q.detach(), R.detach())
    return write_out(out, return_types.linalg_qr((Q, R)), "linalg_qr")


def qr_legacy(input, some=True, *, out=None):
    """Deprecated torch.qr / Tensor.qr."""
    warn_once("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
              "future PyTorch release.\nThe boolean parameter 'some' has been replaced with a "
              "string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\n"
              "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")
    Q, R = qr(input, "reduced" if some else "complete")
    return write_out(out, return_types.qr((Q, R)), "qr")


# ---- lu ------------------------------------------------------------------------------------

def _lu_factor_data(fn, A, pivot):
    data = check_matrix(fn, A)
    if not pivot:
        raise RuntimeError(f"{fn}: LU without pivoting is not implemented on the CPU")
    batch = data.shape[:-2]
    return on_host(lambda a: each_matrix(getrf, batch, a), data)


def _lu_backward(P, L, U, gL, gU):
    """The gradient of A = P L U from those of L and U (any shape of A)."""
    m, n = L.shape[-2], U.shape[-1]
    gL, gU = _zero_grad(gL, L), _zero_grad(gU, U)
    from .shape import cat
    if m == n:
        phi = (L.mT @ gL).tril(-1) + (gU @ U.mT).triu()
        gA = solve_triangular(L.mT, _right_solve_rt(phi, U), upper=True, unitriangular=True)
    elif m < n:
        U1, U2, gU1, gU2 = U[..., :, :m], U[..., :, m:], gU[..., :, :m], gU[..., :, m:]
        phi = (L.mT @ gL - gU2 @ U2.mT).tril(-1) + (gU1 @ U1.mT).triu()
        gA = solve_triangular(L.mT, cat([_right_solve_rt(phi, U1), gU2], -1), upper=True,
                              unitriangular=True)
    else:
        L1, L2, gL1, gL2 = L[..., :n, :], L[..., n:, :], gL[..., :n, :], gL[..., n:, :]
        phi = (L1.mT @ gL1).tril(-1) + (gU @ U.mT - L2.mT @ gL2).triu()
        top = solve_triangular(L1.mT, _right_solve_rt(phi, U), upper=True, unitriangular=True)
        gA = cat([top, _right_solve_rt(gL2, U)], -2)
    return P @ gA


class LinalgLuFactorExBackward0(Node):
    def backward(self, gLU, *_):
        A, LU, P = self.saved_tensors
        if _grad_state[0]:
            LU = lu_factor(A)[0]
        L, U = unpack_lu(LU)
        k = min(A.shape[-2:])
        return (_lu_backward(P, L, U, gLU[..., :, :k].tril(-1), gLU[..., :k, :].triu()),)


def _factor_ex(fn, A, pivot, check_errors):
    lu_data, piv, info = _lu_factor_data(fn, A, pivot)
    LU = wrap(lu_data, A)
    pivots, info = wrap(piv, A), wrap(info, A)
    if check_errors:
        _raise_singular(fn, info, A._data.shape[:-2])
    node = None
    if _grad_state[0] and A.requires_grad:
        node = record(LinalgLuFactorExBackward0, (LU, None, None), (A,))
        P = wrap(lu_permutation(xp_of(lu_data), piv, lu_data.shape[-2], lu_data.dtype), A)
        node.save(A, LU.detach(), P)
    return LU, pivots, info


def _raise_singular(fn, info, batch):
    flat = np.atleast_1d(_to_host(info._data)).reshape(-1)
    bad = np.nonzero(flat)[0]
    if bad.size:
        where = f"(Batch element {bad[0]}): " if batch else ""
        k = flat[bad[0]]
        raise LinAlgError(f"torch.{fn}: {where}U[{k},{k}] is zero and using it on lu_solve would "
                          "result in a division by zero. If you still want to perform the "
                          "factorization, consider calling linalg.lu(A, pivot) or "
                          "linalg.lu_factor_ex(A, pivot)")


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info): L (unit diagonal, not stored) and U packed in one matrix, LAPACK's
    1-based row interchanges, and the first zero pivot of U (0 if none)."""
    result = _factor_ex("linalg.lu_factor_ex", A, pivot, check_errors)
    return write_out(out, return_types.linalg_lu_factor_ex(result), "linalg_lu_factor_ex")


def lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots); an error when U has a zero pivot (lu_factor_ex reports it instead)."""
    LU, pivots, _ = _factor_ex("linalg.lu_factor", A, pivot, True)
    return write_out(out, return_types.linalg_lu_factor((LU, pivots)), "linalg_lu_factor")


def lu_legacy(A, pivot=True, get_infos=False, *, out=None):
    """Deprecated torch.lu / Tensor.lu: (LU, pivots), or (LU, pivots, infos)."""
    warn_once("torch.lu is deprecated in favor of torch.linalg.lu_factor / "
              "torch.linalg.lu_factor_ex and will be removed in a future PyTorch release.\n"
              "LU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\nLU, pivots = "
              "torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = torch.lu(A, "
              "compute_pivots, get_infos=True)\nshould be replaced with\nLU, pivots, info = "
              "torch.linalg.lu_factor_ex(A, compute_pivots)")
    LU, pivots, info = _factor_ex("linalg.lu_factor", A, pivot, not get_infos)
    if get_infos:
        return write_out(out, return_types._lu_with_info((LU, pivots, info)), "lu")
    return write_out(out, (LU, pivots), "lu")


class LinalgLuBackward0(Node):
    def backward(self, gP, gL, gU):
        A, P, L, U = self.saved_tensors
        if _grad_state[0]:
            _, L, U = lu(A)
        return (_lu_backward(P, L, U, gL, gU),)


def lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U: P a permutation, L unit lower trapezoidal, U upper."""
    lu_data, piv, _ = _lu_factor_data("linalg.lu", A, pivot)
    xp = xp_of(lu_data)
    P = wrap(lu_permutation(xp, piv, lu_data.shape[-2], lu_data.dtype), A)
    from ..autograd.grad_mode import no_grad
    with no_grad():
        L, U = unpack_lu(wrap(lu_data, A))
    node = record(LinalgLuBackward0, (None, L, U), (A,))
    if node is not None:
        node.save(A, P, L.detach(), U.detach())
    return write_out(out, return_types.linalg_lu((P, L, U)), "linalg_lu")


class LuUnpackBackward0(Node):
    def backward(self, gP, gL, gU):
        m, n = self.shape
        k = min(m, n)
        like = gL if gL is not None else gU
        xp = xp_of(like._data)
        g = const(xp.zeros(like.shape[:-2] + (m, n), like._data.dtype), like)
        from .shape import cat
        if gL is not None:
            low = gL.tril(-1)
            g = g + (cat([low, low.new_zeros(low.shape[:-1] + (n - k,))], -1) if n > k else low)
        if gU is not None:
            up = gU.triu()
            g = g + (cat([up, up.new_zeros(up.shape[:-2] + (m - k, n))], -2) if m > k else up)
        return (g,)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """(P, L, U) from lu_factor's packed result; skipped parts come back empty."""
    check_tensor("lu_unpack", "LU_pivots", 2, LU_pivots)
    data = LU_data._data
    xp = xp_of(data)
    empty = lambda: wrap(xp.zeros((0,), data.dtype), LU_data)  # noqa: E731
    P = wrap(lu_permutation(xp, LU_pivots._data, data.shape[-2], data.dtype), LU_data) \
        if unpack_pivots else empty()
    L = U = None
    if unpack_data:
        from ..autograd.grad_mode import no_grad
        with no_grad():
            L, U = unpack_lu(LU_data)
        node = record(LuUnpackBackward0, (None, L, U), (LU_data,))
        if node is not None:
            node.shape = data.shape[-2:]
    else:
        L, U = empty(), empty()
    return write_out(out, return_types.lu_unpack((P, L, U)), "lu_unpack")


# ---- ldl, geqrf, Householder products -------------------------------------------------------

class NotImplementedLdlFactor(Node):
    backward = _no_derivative("linalg_ldl_factor_ex")


class NotImplementedLdlSolve(Node):
    backward = _no_derivative("linalg_ldl_solve")


NotImplementedLdlFactor.__name__ = NotImplementedLdlSolve.__name__ = "NotImplemented"


def _sytrf(a):
    ld, ipiv, info = lapack("sytrf", a)(a, lower=1)
    return np.tril(ld).astype(a.dtype, copy=False), ipiv.astype(np.int32), np.int32(max(info, 0))


def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """(LD, pivots, info): LAPACK's sytrf (Bunch-Kaufman) factorization of symmetric A."""
    fn = "torch.linalg.ldl_factor_ex"
    data = check_matrix(fn, A, square=True)
    ld, piv, info = on_host(lambda a: each_matrix(_sytrf, data.shape[:-2], a), data)
    LD, pivots, info = wrap(ld, A), wrap(piv, A), wrap(info, A)
    if check_errors and bool(np.any(_to_host(info._data))):
        raise LinAlgError(f"{fn}: The factorization could not be completed because the input "
                          "is singular.")
    record(NotImplementedLdlFactor, (LD, None, None), (A,))
    return write_out(out, return_types.linalg_ldl_factor_ex((LD, pivots, info)),
                     "linalg_ldl_factor_ex")


def ldl_factor(A, *, hermitian=False, out=None):
    """(LD, pivots) of symmetric A (see ldl_factor_ex)."""
    LD, pivots, _ = ldl_factor_ex(A, hermitian=hermitian)
    return write_out(out, return_types.linalg_ldl_factor((LD, pivots)), "linalg_ldl_factor")


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """X with A X = B from ldl_factor's (LD, pivots)."""
    fn = "torch.linalg.ldl_solve"
    ld = check_matrix(fn, LD, name="LD", square=True)
    b = check_matrix(fn, B, name="B")
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2], pivots._data.shape[:-1])

    def solve(ld, piv, b):
        x, info = lapack("sytrs", ld)(ld, piv, b, lower=1)
        return x.astype(ld.dtype, copy=False)
    x = on_host(lambda ld, piv, b: each_matrix(
        solve, batch, np.broadcast_to(ld, batch + ld.shape[-2:]),
        np.broadcast_to(piv, batch + piv.shape[-1:]), np.broadcast_to(b, batch + b.shape[-2:])),
        ld, pivots._data, b)
    result = wrap(x, B)
    record(NotImplementedLdlSolve, result, (LD, B))
    return write_out(out, result)


class GeqrfBackward0(Node):
    backward = _no_derivative("geqrf", NotImplementedError,
                              "the derivative for 'geqrf' is not implemented.")


def geqrf(input, *, out=None):
    """LAPACK's geqrf: R above the diagonal and the Householder vectors below it, and tau."""
    data = check_matrix("geqrf", input)

    def one(a):
        qr_, tau, _, _ = lapack("geqrf", a)(a)
        return qr_.astype(a.dtype, copy=False), tau.astype(a.dtype, copy=False)
    a, tau = (wrap(x, input) for x in on_host(lambda d: each_matrix(one, d.shape[:-2], d),
                                                data))
    record(GeqrfBackward0, (a, tau), (input,))
    return write_out(out, return_types.geqrf((a, tau)), "geqrf")


def _householder_check(A, tau):
    fn = "torch.linalg.householder_product"
    check_tensor("linalg_householder_product", "tau", 2, tau)
    data = check_matrix(fn, A)
    if data.shape[-2] < data.shape[-1]:
        raise RuntimeError(f"{fn}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if data.shape[-1] < tau._data.shape[-1]:
        raise RuntimeError(f"{fn}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if tau._data.ndim != data.ndim - 1 or tau._data.shape[:-1] != data.shape[:-2]:
        raise RuntimeError(f"{fn}: Expected batch dimensions of tau to be equal to "
                           "input.shape[:-2], but got "
                           f"{list(tau._data.shape[:-1])}")
    return data


def _reflector_chain(A, tau):
    """Q = H_0 ... H_(k-1) E (E the first n columns of I), H_i = I - tau_i v_i v_i^T, built
    right to left: returns [X_0 = Q, X_1, ..., X_k = E] and the reflector vectors V."""
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    V = A[..., :, :k].tril(-1) + eye_like(A, m, k)
    X = A.detach() * 0 + eye_like(A, m, n)
    chain = [X]
    for i in reversed(range(k)):
        v = V[..., :, i:i + 1]
        X = X - tau[..., i:i + 1].unsqueeze(-1) * v @ (v.mT @ X)
        chain.append(X)
    return chain[::-1], V


class LinalgHouseholderProductBackward0(Node):
    def backward(self, g):
        A, tau = self.saved_tensors
        chain, V = _reflector_chain(A, tau)
        k = tau.shape[-1]
        gA_cols, gtau = [], []
        for i in range(k):
            v = V[..., :, i:i + 1]
            t = tau[..., i:i + 1].unsqueeze(-1)
            X_next = chain[i + 1]
            w = X_next.mT @ v
            gtau.append(-(v.mT @ g @ w)[..., 0, :])
            gv = -t * (g @ w) - t * (X_next @ (g.mT @ v))
            gA_cols.append(gv)
            g = g - t * v @ (v.mT @ g)  # H_i^T g for the next reflector
        from .shape import cat
        gV = cat(gA_cols, -1).tril(-1) if k else None
        gA = None
        if self.needs_input_grad[0]:
            n = A.shape[-1]
            gA = gV if n == k else cat([gV, A.detach()[..., :, k:] * 0], -1)
        return gA, (cat(gtau, -1) if self.needs_input_grad[1] else None)


def householder_product(A, tau, *, out=None):
    """The first n columns of H_0 H_1 ... H_(k-1), H_i = I - tau_i v_i v_i^T with v_i the
    i-th column of A below the diagonal and 1 on it (LAPACK's orgqr, geqrf's Q)."""
    data = _householder_check(A, tau)

    def one(a, t):
        if t.shape[-1] == 0:
            return np.eye(*a.shape, dtype=a.dtype)
        q, _, _ = lapack("orgqr", a)(a, t)
        return q.astype(a.dtype, copy=False)
    q = on_host(lambda a, t: each_matrix(one, a.shape[:-2], a, t), data, tau._data)
    result = wrap(q, A)
    record(LinalgHouseholderProductBackward0, result, (A, tau), (A, tau))
    return write_out(out, result)


def orgqr(input, tau):
    return householder_product(input, tau)


def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """other multiplied by the Q of geqrf's (input, tau): Q C, Q^T C, C Q or C Q^T."""
    m = input.shape[-2]
    k = tau.shape[-1]
    from .shape import cat
    square = cat([input[..., :, :k], input.detach()[..., :, :1].expand(
        *input.shape[:-1], m - k) * 0], -1) if m > k else input[..., :, :m]
    Q = householder_product(square, tau)
    if transpose:
        Q = Q.mT
    return write_out(out, Q @ other if left else other @ Q)


# torch.X and Tensor.X names (torch.linalg's are in engine/linalg.py)
TORCH_NAMES = {"cholesky": cholesky_legacy, "qr": qr_legacy, "svd": svd_legacy,
               "lu": lu_legacy, "lu_unpack": lu_unpack, "triangular_solve": triangular_solve,
               "geqrf": geqrf, "orgqr": orgqr, "ormqr": ormqr}
TENSOR_METHODS = {"cholesky": cholesky_legacy, "qr": qr_legacy, "svd": svd_legacy,
                  "lu": lu_legacy, "triangular_solve": triangular_solve, "geqrf": geqrf,
                  "orgqr": orgqr, "ormqr": ormqr}
