"""torch.linalg's factorizations and solvers and their torch.* / Tensor spellings: values,
grad_fn names and gradients as PyTorch 2.13 gives them (recorded in torch_values_linalg.py),
gradients also against finite differences, return types, and PyTorch's errors.

Each case is a function of the module (engine here, torch where the values were recorded)
and input tensors; outputs with a sign ambiguity (eigenvectors, singular vectors) enter
through quantities that do not depend on it."""
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import engine
from tests.engine import torch_values_linalg as rec
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import grad_fn_name as name, raises

ROOT = Path(__file__).resolve().parents[2]


def sym(x):
    return (x + x.mT) / 2


CASES = {
    "cholesky": (lambda m, a: m.linalg.cholesky(a), "S"),
    "cholesky_upper": (lambda m, a: m.linalg.cholesky(a, upper=True), "S"),
    "cholesky_ex": (lambda m, a: m.linalg.cholesky_ex(a).L, "S"),
    "torch_cholesky": (lambda m, a: m.cholesky(a), "S"),
    "eigh_values": (lambda m, a: m.linalg.eigh(a).eigenvalues, "S"),
    "eigh_vectors": (lambda m, a: (lambda r: r.eigenvectors @ (r.eigenvalues ** 2).diag_embed()
                                   @ r.eigenvectors.mT)(m.linalg.eigh(a)), "S"),
    "eigvalsh_upper": (lambda m, a: m.linalg.eigvalsh(a, "U"), "S"),
    "svd_values": (lambda m, a: m.linalg.svd(a).S, "A"),
    "svd_vectors_wide": (lambda m, a: (lambda r: r.U @ r.S.sqrt().diag_embed() @ r.Vh)(
        m.linalg.svd(a, full_matrices=False)), "W"),
    "svd_vectors_tall": (lambda m, a: (lambda r: (r.U * r.U[..., :1, :].sign())
                                       @ (r.S ** 2).diag_embed())(
        m.linalg.svd(a, full_matrices=False)), "T"),
    "svdvals_batch": (lambda m, a: m.linalg.svdvals(a), "B"),
    "torch_svd": (lambda m, a: (lambda r: r.U @ r.S.diag_embed() @ r.V.mT)(m.svd(a)), "A"),
    "qr_tall": (lambda m, a: (lambda r: r.Q.sin().sum() + r.R.cos().sum())(m.linalg.qr(a)),
                "T"),
    "qr_batch": (lambda m, a: (lambda r: r.Q * 2 + r.R)(m.linalg.qr(a)), "B"),
    "qr_wide": (lambda m, a: (lambda r: r.Q * 2 + r.R.sum())(m.linalg.qr(a)), "W"),
    "qr_complete_wide": (lambda m, a: (lambda r: r.Q.sum() + r.R.sum())(
        m.linalg.qr(a, mode="complete")), "W"),
    "lu_L": (lambda m, a: m.linalg.lu(a).L, "A"),
    "lu_U": (lambda m, a: m.linalg.lu(a).U.sin(), "A"),
    "lu_wide": (lambda m, a: (lambda r: r.L.sum() + (r.U ** 2).sum())(m.linalg.lu(a)), "W"),
    "lu_tall": (lambda m, a: (lambda r: (r.L ** 2).sum() + r.U.sum())(m.linalg.lu(a)), "T"),
    "lu_factor": (lambda m, a: m.linalg.lu_factor(a).LU, "B"),
    "lu_factor_wide": (lambda m, a: m.linalg.lu_factor(a).LU ** 2, "W"),
    "lu_factor_tall": (lambda m, a: m.linalg.lu_factor(a).LU ** 2, "T"),
    "lu_unpack": (lambda m, a: (lambda r: r.P.sum() + r.L.sum() * 2 + (r.U ** 2).sum())(
        m.lu_unpack(*m.linalg.lu_factor(a))), "A"),
    "lu_solve": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b), "A R"),
    "lu_solve_adjoint": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b,
                                                           adjoint=True), "A R"),
    "lu_solve_right": (lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b.mT,
                                                         left=False), "A R"),
    "torch_lu_solve": (lambda m, a, b: m.lu_solve(b, *m.lu(a)), "A R"),
    "solve_triangular": (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True), "U R"),
    "solve_triangular_right": (lambda m, a, b: m.linalg.solve_triangular(
        a, b.mT, upper=False, left=False), "L R"),
    "solve_triangular_unit": (lambda m, a, b: m.linalg.solve_triangular(
        a, b, upper=False, unitriangular=True), "L R"),
    "triangular_solve": (lambda m, b, a: (lambda r: r.solution + r.cloned_coefficient.sum())(
        m.triangular_solve(b, a)), "R U"),
    "triangular_solve_transpose": (lambda m, b, a: m.triangular_solve(
        b, a, upper=False, transpose=True).solution, "R L"),
    "cholesky_solve": (lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(a)), "R S"),
    "cholesky_solve_upper": (lambda m, b, a: m.cholesky_solve(
        b, m.linalg.cholesky(a, upper=True), upper=True), "R S"),
    "cholesky_inverse": (lambda m, a: m.cholesky_inverse(m.linalg.cholesky(a)), "S"),
    "cholesky_inverse_upper": (lambda m, u: m.cholesky_inverse(u, upper=True), "U"),
    "inv_ex": (lambda m, a: m.linalg.inv_ex(a).inverse, "A"),
    "solve_ex": (lambda m, a, b: m.linalg.solve_ex(a, b).result, "A R"),
    "lstsq": (lambda m, a, b: m.linalg.lstsq(a, b).solution, "T C43"),
    "lstsq_vector": (lambda m, a, b: m.linalg.lstsq(a, b).solution, "T v4"),
    "pinv_tall": (lambda m, a: m.linalg.pinv(a), "T"),
    "pinv_wide": (lambda m, a: m.linalg.pinv(a), "W"),
    "pinv_hermitian": (lambda m, a: m.linalg.pinv(a, hermitian=True), "S"),
    "pinverse": (lambda m, a: m.pinverse(a), "A"),
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a * 0.5), "A"),
    "matrix_exp_batch": (lambda m, a: m.matrix_exp(a * 0.5), "B"),
    "slogdet": (lambda m, a: m.linalg.slogdet(a).logabsdet, "A"),
    "slogdet_sign": (lambda m, a: m.linalg.slogdet(a).sign, "B"),
    "torch_slogdet": (lambda m, a: m.slogdet(a)[1], "A"),
    "logdet": (lambda m, a: m.logdet(a), "S"),
    "cond": (lambda m, a: m.linalg.cond(a), "A"),
    "cond_minus_2": (lambda m, a: m.linalg.cond(a, -2), "T"),
    "cond_nuc": (lambda m, a: m.linalg.cond(a, "nuc"), "A"),
    "multi_dot": (lambda m, v, a, b: m.linalg.multi_dot([v, a, b]), "V A R"),
    "multi_dot_matrices": (lambda m, t, w: m.linalg.multi_dot([t, w, t, w]), "T W"),
    "chain_matmul": (lambda m, a: m.chain_matmul(a, a, a), "A"),
    "tensorinv": (lambda m, a: m.linalg.tensorinv(a.reshape(2, 2, 4), 2), "x16"),
    "tensorsolve": (lambda m, a, b: m.linalg.tensorsolve(a.reshape(2, 3, 6), b.reshape(2, 3)),
                    "x36 b6"),
    "tensorsolve_dims": (lambda m, a, b: m.linalg.tensorsolve(a.reshape(6, 2, 3),
                                                              b.reshape(2, 3), dims=(0,)),
                         "x36 b6"),
    "vander": (lambda m, x: m.linalg.vander(x, N=4), "V"),
    "torch_vander": (lambda m, x: m.vander(x), "V"),
    "torch_vander_increasing": (lambda m, x: m.vander(x, 2, True), "V"),
    "linalg_diagonal": (lambda m, a: m.linalg.diagonal(a, offset=1), "B"),
    "matrix_norm_2": (lambda m, a: m.linalg.matrix_norm(a, 2), "B"),
    "matrix_norm_nuc_dims": (lambda m, a: m.linalg.matrix_norm(a, "nuc", dim=(0, 2)), "B"),
    "nuclear_norm": (lambda m, a: m.nuclear_norm(a), "A"),
    "householder_product": (lambda m, a, t: m.linalg.householder_product(a, t), "T tau2"),
    "orgqr_of_geqrf": (lambda m, a: m.orgqr(*m.geqrf(a.detach())), "T43"),
    "ormqr": (lambda m, a, t, c: m.ormqr(a, t, c), "T tau2 C43"),
    "ormqr_transpose_right": (lambda m, a, t, c: m.ormqr(a, t, c, left=False, transpose=True),
                              "T tau2 C34"),
}
# Where the engine's graph differs in name only: products by a Python number, reshapes and
# composites PyTorch records as one node of its own.
ENGINE_NAMES = {"tensorinv": "ViewBackward0", "torch_vander_increasing": "CatBackward0",
                "ormqr": "MmBackward0", "ormqr_transpose_right": "MmBackward0"}
# Inputs read through one triangle (or one symmetric matrix): finite differences need the
# input made symmetric first.
SYMMETRIC = {"S"}
FIRST_INPUT_LINEAR = {"triangular_solve", "triangular_solve_transpose", "cholesky_solve",
                      "cholesky_solve_upper", "multi_dot", "linalg_diagonal"}
NO_FINITE_DIFFERENCES = {  # where PyTorch's gradient is not the derivative of the values
    "cholesky_inverse_upper",  # (the lower triangle is not read, PyTorch's formula uses it)
    "triangular_solve",  # (the cloned coefficient copies the whole matrix)
    "lu_unpack",  # (P does not depend on the entries)
    "orgqr_of_geqrf", "slogdet_sign",
}


def _inputs(case, requires_grad=True):
    names = CASES[case][1].split()
    return [engine.tensor(rec.INPUTS[n], dtype=engine.float64, requires_grad=requires_grad)
            for n in names]


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_names_and_gradients_like_pytorch(case):
    fn = CASES[case][0]
    inputs = _inputs(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(engine, *inputs)
    np.testing.assert_allclose(out.detach().numpy(), np.array(rec.VALUES[case]), rtol=1e-7,
                               atol=1e-9)
    assert (name(out) if out.grad_fn else None) == ENGINE_NAMES.get(case, rec.GRAD_FN[case])
    if out.requires_grad and case in rec.GRADS:  # (torch.vander's backward fails in 2.13)
        out.backward(engine.ones(*out.shape, dtype=engine.float64))
        for t, expected in zip(inputs, rec.GRADS[case]):
            got = None if t.grad is None else t.grad.numpy()
            if expected is None:
                assert got is None or not np.any(got)
            else:
                np.testing.assert_allclose(got, np.array(expected), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", sorted(set(CASES) - NO_FINITE_DIFFERENCES))
def test_gradients_match_finite_differences(case):
    fn, names = CASES[case][0], CASES[case][1].split()
    arrays = [np.array(rec.INPUTS[n]) for n in names]
    prepared = [sym if n in SYMMETRIC else (lambda t: t) for n in names]

    def f(*ts):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(engine, *[p(t) for p, t in zip(prepared, ts)])
    gradcheck(f, *arrays)
    if case not in FIRST_INPUT_LINEAR:  # (gradgradcheck differentiates the first input)
        gradgradcheck(f, *arrays)


def test_return_types_fields_and_dtypes():
    A = engine.tensor(rec.INPUTS["A"], dtype=engine.float64)
    S = engine.tensor(rec.INPUTS["S"], dtype=engine.float64)
    checks = [
        (engine.linalg.cholesky_ex(S), "linalg_cholesky_ex", ("L", "info"), [None, "int32"]),
        (engine.linalg.eigh(S), "linalg_eigh", ("eigenvalues", "eigenvectors"), [None, None]),
        (engine.linalg.inv_ex(A), "linalg_inv_ex", ("inverse", "info"), [None, "int32"]),
        (engine.linalg.ldl_factor(S), "linalg_ldl_factor", ("LD", "pivots"), [None, "int32"]),
        (engine.linalg.lstsq(A, A), "linalg_lstsq",
         ("solution", "residuals", "rank", "singular_values"), [None, None, "int64", None]),
        (engine.linalg.lu(A), "linalg_lu", ("P", "L", "U"), [None] * 3),
        (engine.linalg.lu_factor_ex(A), "linalg_lu_factor_ex", ("LU", "pivots", "info"),
         [None, "int32", "int32"]),
        (engine.linalg.qr(A), "linalg_qr", ("Q", "R"), [None] * 2),
        (engine.linalg.slogdet(A), "linalg_slogdet", ("sign", "logabsdet"), [None] * 2),
        (engine.linalg.solve_ex(A, A), "linalg_solve_ex", ("result", "info"), [None, "int32"]),
        (engine.linalg.svd(A), "linalg_svd", ("U", "S", "Vh"), [None] * 3),
        (engine.svd(A), "svd", ("U", "S", "V"), [None] * 3),
        (engine.slogdet(A), "slogdet", ("sign", "logabsdet"), [None] * 2),
        (engine.geqrf(A), "geqrf", ("a", "tau"), [None] * 2),
        (engine.lu_unpack(*engine.linalg.lu_factor(A)), "lu_unpack", ("P", "L", "U"),
         [None] * 3),
    ]
    for result, type_name, fields, dtypes in checks:
        assert type(result).__name__ == type_name
        assert type(result).__module__ == "torch.return_types"
        assert result._fields == fields
        for value, dtype in zip(result, dtypes):
            assert str(value.dtype) == f"torch.{dtype or 'float64'}"
    assert type(engine.linalg.lu_factor(A)).__name__ == "linalg_lu_factor"
    assert repr(engine.linalg.slogdet(engine.eye(2))) == (
        "torch.return_types.linalg_slogdet(\nsign=tensor(1.),\nlogabsdet=tensor(0.))")


def test_factorization_values_like_pytorch():
    A = engine.tensor(rec.INPUTS["A"], dtype=engine.float64)
    S = engine.tensor(rec.INPUTS["S"], dtype=engine.float64)
    T = engine.tensor(rec.INPUTS["T"], dtype=engine.float64)
    for key, got in [("lu_factor_pivots", engine.linalg.lu_factor(A).pivots),
                     ("lu_P", engine.linalg.lu(A).P),
                     ("ldl_LD", engine.linalg.ldl_factor(S).LD),
                     ("ldl_pivots", engine.linalg.ldl_factor(S).pivots),
                     ("ldl_solve", engine.linalg.ldl_solve(*engine.linalg.ldl_factor(S), A)),
                     ("geqrf_a", engine.geqrf(T).a), ("geqrf_tau", engine.geqrf(T).tau),
                     ("qr_Q", engine.linalg.qr(T).Q), ("qr_R", engine.linalg.qr(T).R),
                     ("qr_complete_Q", engine.linalg.qr(T, mode="complete").Q),
                     ("qr_r_mode_R", engine.linalg.qr(T, mode="r").R),
                     ("matrix_rank", engine.linalg.matrix_rank(A)),
                     ("lstsq_gelsd", engine.linalg.lstsq(T, engine.tensor(
                         rec.INPUTS["C43"], dtype=engine.float64), driver="gelsd"))]:
        expected = rec.EXTRA[key]
        if isinstance(got, tuple):
            for part, exp in zip(got, expected):
                np.testing.assert_allclose(part.numpy(), np.array(exp), rtol=1e-7, atol=1e-9)
        else:
            np.testing.assert_allclose(got.numpy(), np.array(expected), rtol=1e-7, atol=1e-9)
    assert engine.linalg.qr(T, mode="r").Q.shape == (0,)


def test_lstsq_drivers_fill_what_pytorch_fills():
    # torch.linalg.lstsq(A, B, driver=d) on a tall full-rank A (float32)
    A = engine.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    B = engine.tensor([[1.0], [2.0], [4.0]])
    sizes = {"gels": (1, 0, 0), "gelsy": (0, 1, 0), "gelsd": (1, 1, 2), "gelss": (1, 1, 2)}
    for driver, (n_res, n_rank, n_sv) in sizes.items():
        r = engine.linalg.lstsq(A, B, driver=driver)
        np.testing.assert_allclose(r.solution.numpy(), [[4 / 3], [7 / 3]], rtol=1e-6)
        assert r.residuals.numel() == n_res and r.singular_values.numel() == n_sv
        assert r.rank.numel() == n_rank
    gelsd = engine.linalg.lstsq(A, B, driver="gelsd")
    np.testing.assert_allclose(gelsd.residuals.numpy(), [0.3333333432674408], rtol=1e-6)
    np.testing.assert_allclose(gelsd.singular_values.numpy(), [1.7320507764816284, 1.0],
                               rtol=1e-6)
    assert engine.linalg.lstsq(A, B).rank.item() == 2
    raises(RuntimeError, "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, "
           "gelsd, gelss)", lambda: engine.linalg.lstsq(A, B, driver="foo"))
    raises(RuntimeError, "torch.linalg.lstsq: input.size(-2) should match other.size(-2)",
           lambda: engine.linalg.lstsq(engine.ones(3, 2), engine.ones(2, 1)))


def test_singular_inputs_report_as_pytorch():
    singular = engine.tensor([[1.0, 2.0], [2.0, 4.0]])
    lu = engine.linalg.lu_factor_ex(singular)
    assert lu.LU.tolist() == [[2.0, 4.0], [0.5, 0.0]]
    assert lu.pivots.tolist() == [2, 2] and lu.info.item() == 2
    raises(RuntimeError, "torch.linalg.lu_factor: U[2,2] is zero and using it on lu_solve would "
           "result in a division by zero. If you still want to perform the factorization, "
           "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)",
           lambda: engine.linalg.lu_factor(singular))
    inv = engine.linalg.inv_ex(engine.zeros(2, 2))
    assert inv.info.item() == 1 and not np.isfinite(inv.inverse.numpy()).any()
    solved = engine.linalg.solve_ex(engine.zeros(2, 2), engine.ones(2))
    assert solved.info.item() == 1 and not np.isfinite(solved.result.numpy()).all()
    not_pd = engine.tensor([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    ex = engine.linalg.cholesky_ex(not_pd)
    assert ex.info.item() == 2 and ex.L.tolist() == [[1.0, 0.0, 0.0], [2.0, -3.0, 0.0],
                                                     [0.0, 0.0, 1.0]]
    raises(engine.linalg.LinAlgError, "linalg.cholesky: The factorization could not be "
           "completed because the input is not positive-definite (the leading minor of order 2 "
           "is not positive-definite).", lambda: engine.linalg.cholesky(not_pd[:2, :2]))
    raises(engine.linalg.LinAlgError, "linalg.cholesky: (Batch element 1): The factorization "
           "could not be completed because the input is not positive-definite (the leading "
           "minor of order 2 is not positive-definite).",
           lambda: engine.linalg.cholesky(engine.stack([engine.eye(2), not_pd[:2, :2]])))
    assert math.isnan(engine.logdet(engine.tensor([[0.0, 1.0], [1.0, 0.0]])).item())
    assert engine.logdet(engine.zeros(2, 2)).item() == -math.inf
    sd = engine.linalg.slogdet(engine.zeros(2, 2))
    assert sd.sign.item() == 0.0 and sd.logabsdet.item() == -math.inf
    assert engine.linalg.cond(singular, 1).item() == math.inf
    x = engine.linalg.solve_triangular(engine.tensor([[0.0, 1.0], [0.0, 1.0]]),
                                       engine.ones(2, 1), upper=True)
    assert math.isnan(x[0, 0].item()) and x[1, 0].item() == 1.0


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: engine.linalg.cholesky(engine.eye(2, dtype=engine.int64)), RuntimeError,
     "linalg.cholesky: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: engine.linalg.cholesky(engine.ones(2)), RuntimeError,
     "linalg.cholesky: The input tensor A must have at least 2 dimensions."),
    (lambda: engine.linalg.eigh(engine.ones(2, 3)), RuntimeError,
     "linalg.eigh: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: engine.linalg.eigh(engine.eye(2), UPLO="X"), RuntimeError,
     "Expected UPLO argument to be 'L' or 'U', but got X"),
    (lambda: engine.linalg.svd(engine.ones(2, 3, dtype=engine.int64)), RuntimeError,
     "linalg.svd: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: engine.linalg.qr(engine.ones(2, 3), mode="bad"), RuntimeError,
     "qr received unrecognized mode 'bad' but expected one of 'reduced' (default), 'r', or "
     "'complete'"),
    (lambda: engine.linalg.lu_factor(engine.eye(2), pivot=False), RuntimeError,
     "linalg.lu_factor: LU without pivoting is not implemented on the CPU"),
    (lambda: engine.linalg.solve_triangular(engine.eye(2), engine.ones(3, 1), upper=True),
     RuntimeError, "linalg.solve_triangular: Incompatible shapes of A and B for the equation "
     "AX = B (2x2 and 3x1)"),
    (lambda: engine.linalg.solve_triangular(engine.eye(2), engine.ones(2), upper=True),
     RuntimeError, "linalg.solve_triangular: The input tensor B must have at least 2 "
     "dimensions."),
    (lambda: engine.linalg.matrix_exp(engine.eye(2, dtype=engine.int64)), RuntimeError,
     "linalg.matrix_exp: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: engine.linalg.householder_product(engine.ones(2, 3), engine.ones(1)),
     RuntimeError, "torch.linalg.householder_product: input.shape[-2] must be greater than or "
     "equal to input.shape[-1]"),
    (lambda: engine.linalg.multi_dot([engine.ones(2, 2)]), RuntimeError,
     "multi_dot(): expected at least 2 tensors but got 1"),
    (lambda: engine.linalg.multi_dot([engine.ones(2, 2, 2), engine.ones(2, 2)]), RuntimeError,
     "multi_dot(): the first tensor must be 1D or 2D but got 3D"),
    (lambda: engine.linalg.multi_dot([engine.ones(2, 2), engine.ones(2), engine.ones(2, 2)]),
     RuntimeError, "multi_dot(): tensor 1 must be 2D but got 1D"),
    (lambda: engine.linalg.multi_dot([engine.ones(2, 3), engine.ones(2, 2)]), RuntimeError,
     "multi_dot(): tensors 0 and 1 with shapes [2, 3] and [2, 2] cannot be multiplied"),
    (lambda: engine.linalg.multi_dot([engine.ones(2, 2),
                                      engine.ones(2, 2, dtype=engine.float64)]), RuntimeError,
     "multi_dot(): all tensors must have be the same dtype but tensor 0 is float and tensor 1 "
     "double"),
    (lambda: engine.chain_matmul(), RuntimeError, "chain_matmul(): Expected one or more "
     "matrices"),
    (lambda: engine.linalg.tensorinv(engine.ones(2, 3, 6), ind=1), RuntimeError,
     "Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]"
     "), but got 18 != 2"),
    (lambda: engine.linalg.tensorinv(engine.ones(2, 2), ind=0), RuntimeError,
     "Expected a strictly positive integer for 'ind', but got 0"),
    (lambda: engine.linalg.tensorsolve(engine.ones(2, 3, 6), engine.ones(4)), RuntimeError,
     "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
     "prod(self.shape[:other.ndim]), but got 18 != 4"),
    (lambda: engine.linalg.vander(engine.tensor([1.0, 2.0]), N=1), RuntimeError,
     "N must be greater than 1."),
    (lambda: engine.vander(engine.ones(2, 2)), RuntimeError, "x must be a one-dimensional "
     "tensor."),
    (lambda: engine.vander(engine.ones(2), N=-1), RuntimeError, "N must be non-negative."),
    (lambda: engine.linalg.cond(engine.ones(2, 3), 1), RuntimeError,
     "linalg.cond(ord=1): A must be batches of square matrices, but they are 2 by 3 matrices"),
])
def test_errors_as_pytorch(call, exc, msg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises(exc, msg, call)


@pytest.mark.parametrize("call, msg", [
    (lambda: engine.linalg.qr(engine.ones(3, 2, dtype=engine.float64).requires_grad_(),
                              mode="r").R.sum().backward(),
     "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
     "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."),
    (lambda: engine.linalg.qr(engine.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]],
                                            requires_grad=True),
                              mode="complete").Q.sum().backward(),
     "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."),
    (lambda: engine.linalg.ldl_factor(engine.tensor([[2.0, 1.0], [1.0, 2.0]],
                                                    requires_grad=True)).LD.sum().backward(),
     "derivative for aten::linalg_ldl_factor_ex is not implemented"),
])
def test_backward_errors_as_pytorch(call, msg):
    raises(RuntimeError, msg, call)


def test_geqrf_has_no_derivative_as_in_pytorch():
    a, _ = engine.geqrf(engine.eye(3, requires_grad=True))
    assert name(a) == "GeqrfBackward0"
    raises(NotImplementedError, "the derivative for 'geqrf' is not implemented.",
           lambda: a.sum().backward())


def test_outputs_that_do_not_require_grad():
    A = engine.tensor(rec.INPUTS["A"], dtype=engine.float64, requires_grad=True)
    assert not engine.linalg.lu(A).P.requires_grad
    factor = engine.linalg.lu_factor_ex(A)
    assert factor.LU.requires_grad and not factor.pivots.requires_grad
    assert not factor.info.requires_grad
    assert not engine.linalg.inv_ex(A).info.requires_grad
    assert not engine.linalg.matrix_rank(A).requires_grad
    lst = engine.linalg.lstsq(A, A)
    assert lst.solution.requires_grad and not lst.rank.requires_grad


def test_legacy_spellings_warn_once_as_pytorch_and_match_the_new_ones(monkeypatch):
    monkeypatch.setattr(engine.ops._base, "_warned", set())  # as in a fresh process
    A = engine.tensor(rec.INPUTS["A"], dtype=engine.float64)
    S = engine.tensor(rec.INPUTS["S"], dtype=engine.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert engine.cholesky(S).tolist() == engine.linalg.cholesky(S).tolist()
        assert S.cholesky(upper=True).tolist() == engine.linalg.cholesky(S, upper=True).tolist()
        q, r = engine.qr(A)
        assert q.tolist() == engine.linalg.qr(A).Q.tolist()
        LU, piv = engine.lu(A)
        assert LU.tolist() == engine.linalg.lu_factor(A).LU.tolist()
        assert len(A.lu(get_infos=True)) == 3
        engine.triangular_solve(A, S.triu())
        engine.lu_solve(A, LU, piv)
        engine.chain_matmul(A, A)
    messages = [str(w.message).split("\n")[0] for w in caught]
    assert any(m.startswith("torch.cholesky is deprecated") for m in messages)
    assert any(m.startswith("torch.qr is deprecated") for m in messages)
    assert any(m.startswith("torch.lu is deprecated") for m in messages)
    assert any(m.startswith("torch.chain_matmul is deprecated") for m in messages)
    U, Sv, V = engine.svd(A)
    np.testing.assert_allclose((U @ Sv.diag_embed() @ V.mT).numpy(), A.numpy(), atol=1e-12)
    _, _, V0 = engine.svd(A, compute_uv=False)
    assert not V0.any().item()
    assert A.pinverse().tolist() == engine.linalg.pinv(A, rtol=1e-15).tolist()
    assert A.matrix_exp().tolist() == engine.linalg.matrix_exp(A).tolist()
    assert A.logdet().item() == engine.logdet(A).item() or math.isnan(A.logdet().item())
    assert A.slogdet().logabsdet.item() == engine.linalg.slogdet(A).logabsdet.item()


def test_removed_functions_say_what_replaced_them_as_pytorch():
    A = engine.eye(2)
    raises(RuntimeError, "This function was deprecated since version 1.9 and is now removed.\n"
           "Please use the `torch.linalg.matrix_rank` function instead. The parameter "
           "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.",
           lambda: engine.matrix_rank(A))
    for call in (lambda: engine.lstsq(A, A), lambda: A.symeig(), lambda: engine.eig(A),
                 lambda: A.solve(A)):
        with pytest.raises(RuntimeError, match="^This function was deprecated since version "
                                               "1.9 and is now removed. "):
            call()


def test_matrix_rank_tolerances_and_float32():
    A = engine.tensor([[1.0, 2.0], [2.0, 4.1]])
    assert engine.linalg.matrix_rank(A).item() == 2
    assert engine.linalg.matrix_rank(A, tol=0.5).item() == 1
    assert engine.linalg.matrix_rank(A, atol=0.5, rtol=0.0).item() == 1
    assert engine.linalg.matrix_rank(engine.ones(2, 3, 3)).tolist() == [1, 1]
    assert engine.linalg.matrix_rank(engine.eye(3), hermitian=True).item() == 3
    L = engine.linalg.cholesky(engine.tensor(rec.INPUTS["S"]))
    assert L.dtype is engine.float32


def test_torch_linalg_names_import_under_the_alias():
    code = ("from playground.sandbox import torch_alias; torch_alias.install()\n"
            "import torch\n"
            "from torch.linalg import eigh, svd, qr, lu_factor, lstsq\n"
            "A = torch.eye(2)\n"
            "print(eigh(A).eigenvalues.tolist(), svd(A).S.tolist())\n"
            "try:\n    torch.linalg.eig(A)\n"
            "except AttributeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == ["[1.0, 1.0] [1.0, 1.0]",
                   "torch.linalg.eig is not implemented by this playground's engine (see the "
                   "coverage list)"]
