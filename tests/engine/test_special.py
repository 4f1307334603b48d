"""Special functions and inverse trig at every level (torch.X, Tensor.X, Tensor.X_, torch.X_,
torch.special.X): values, dtypes and edge values as PyTorch 2.13 gives them (recorded in
torch_values_special.py), gradients against PyTorch's and finite differences, grad_fn names,
and PyTorch's errors."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine
from tests.engine import torch_values_special as rec
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import grad_fn_name as name, raises

ROOT = Path(__file__).resolve().parents[2]
# SciPy's Bessel and Airy functions are more accurate than PyTorch's kernels (a few 1e-9
# relative in float64); PyTorch's float32 digamma is a few ulps from the rounded value.
LOOSE = {"special.bessel_j0", "special.bessel_j1", "special.bessel_y0", "special.bessel_y1",
         "special.airy_ai", "digamma"}


def _fn(qualified):
    holder, _, attr = qualified.rpartition(".")
    return getattr(engine.special if holder else engine, attr)


def _close(got, expected, rtol):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("qualified", sorted(rec.FLOAT64))
def test_values_and_edges_like_pytorch_float64(qualified):
    got = _fn(qualified)(engine.tensor(rec.POINTS, dtype=engine.float64))
    assert got.dtype is engine.float64
    _close(got.tolist(), rec.FLOAT64[qualified], 1e-7 if qualified in LOOSE else 1e-12)


@pytest.mark.parametrize("qualified", sorted(rec.FLOAT32))
def test_values_and_edges_like_pytorch_float32(qualified):
    got = _fn(qualified)(engine.tensor(rec.POINTS))
    assert got.dtype is engine.float32
    _close(got.tolist(), rec.FLOAT32[qualified], 1e-5 if qualified in LOOSE else 3e-7)


@pytest.mark.parametrize("fn", ["acos", "asinh", "cosh", "exp2", "deg2rad", "sinc", "erfinv",
                                "lgamma", "digamma", "i0", "logit", "special.ndtr",
                                "special.bessel_j0", "special.i1e", "special.entr"])
def test_integer_and_bool_inputs_give_float32_as_in_pytorch(fn):
    ints = _fn(fn)(engine.tensor([0, 1, 2]))
    assert ints.dtype is engine.float32
    _close(ints.tolist(), _fn(fn)(engine.tensor([0.0, 1.0, 2.0])).tolist(), 0)
    assert _fn(fn)(engine.tensor([True, False])).dtype is engine.float32


def test_float16_stays_float16():
    got = engine.erfinv(engine.tensor([0.5, 1.0, 2.0], dtype=engine.float16))
    assert got.dtype is engine.float16
    _close(got.tolist(), [0.47705078125, float("inf"), rec.NAN], 0)


@pytest.mark.parametrize("n", range(5))
def test_polygamma_like_pytorch(n):
    got = engine.polygamma(n, engine.tensor(rec.POINTS, dtype=engine.float64))
    _close(got.tolist(), rec.POLYGAMMA[n], 1e-12)
    method = engine.tensor(rec.POINTS, dtype=engine.float64).polygamma(n)
    _close(method.tolist(), rec.POLYGAMMA[n], 1e-12)


def test_mvlgamma_multigammaln_and_logit_eps():
    x = engine.tensor([2.5, 3.0, 7.25], dtype=engine.float64)
    # torch.mvlgamma(x, p).tolist()
    _close(engine.mvlgamma(x, 1).tolist(), [0.2846828704729192, 0.6931471805599453,
                                            7.0521854507385395], 1e-12)
    _close(engine.special.multigammaln(x, 3).tolist(), [1.8809954616117743, 2.694924879806965,
                                                        20.104800157934413], 1e-12)
    raises(RuntimeError, "p has to be greater than or equal to 1", lambda: engine.mvlgamma(x, 0))
    p = engine.tensor([-0.5, 0.0, 0.05, 0.3, 1.0, 1.5])
    # torch.logit(p, eps=0.1).tolist()
    _close(engine.logit(p, eps=0.1).tolist(), [-2.1972246170043945, -2.1972246170043945,
                                               -2.1972246170043945, -0.8472977876663208,
                                               2.1972243785858154, 2.1972243785858154], 1e-7)


@pytest.mark.parametrize("fn", sorted(rec.BINARY))
def test_two_argument_functions_like_pytorch(fn):
    a = engine.tensor(rec.A, dtype=engine.float64)
    b = engine.tensor(rec.B, dtype=engine.float64)
    _close(getattr(engine.special, fn)(a, b).tolist(), rec.BINARY[fn], 1e-12)


def test_two_argument_promotion_and_scalars_as_pytorch():
    i = engine.tensor([1, 2, 3])
    assert engine.xlogy(i, i).dtype is engine.float32
    _close(engine.xlogy(i, i).tolist(), [0.0, 1.3862943649291992, 3.295836925506592], 1e-7)
    _close(engine.xlogy(2, engine.tensor([0.5, 1.0, 2.0])).tolist(),
           [-1.3862943649291992, 0.0, 1.3862943649291992], 1e-7)
    assert engine.xlogy(i, engine.tensor([0.5], dtype=engine.float64)).dtype is engine.float64
    _close(engine.special.zeta(2, engine.tensor([0.5, 1.0, 2.0])).tolist(),
           [4.934802055358887, 1.644934058189392, 0.6449340581893921], 1e-6)
    _close(engine.special.zeta(engine.tensor([1, 2, 3]), engine.tensor([1, 2, 3])).tolist(),
           [float("inf"), 0.6449340581893921, 0.07705690711736679], 1e-6)


def test_incomplete_gamma_errors_as_pytorch():
    i = engine.tensor([1, 2])
    raises(NotImplementedError, "\"igamma_cpu\" not implemented for 'Long'",
           lambda: engine.igamma(i, i))
    raises(TypeError, "igamma(): argument 'other' (position 2) must be Tensor, not int",
           lambda: engine.igamma(engine.tensor([1.0]), 2))
    got = engine.special.gammainc(engine.tensor([0.5, 1.0]),
                                  engine.tensor([0.5, 1.0], dtype=engine.float64))
    assert got.dtype is engine.float64
    _close(got.tolist(), [0.6826894921370859, 0.6321205588285577], 1e-12)


@pytest.mark.parametrize("fn", sorted(rec.POLYNOMIALS))
def test_orthogonal_polynomials_like_pytorch(fn):
    op = getattr(engine.special, fn)
    x = engine.tensor(rec.PX, dtype=engine.float64)
    for n, expected in zip(rec.DEGREES, rec.POLYNOMIALS[fn]):
        _close(op(x, n).tolist(), expected, 1e-9)
    # a tensor of degrees, float32 (float32 recurrences of high degree round differently
    # where PyTorch's compiled kernel fuses multiply-adds, hence the tolerance)
    got = op(engine.tensor(rec.PX), engine.tensor(rec.N_TENSOR))
    assert got.dtype is engine.float32
    _close(got.tolist(), rec.POLYNOMIALS_N_TENSOR[fn], 1e-5)


def test_polynomial_degree_and_dtype_rules():
    cheb = engine.special.chebyshev_polynomial_t
    x = engine.tensor([0.5, 1.0, 2.0])
    assert cheb(x, 3.7).tolist() == [-1.0, 1.0, 26.0]  # the degree is truncated
    assert cheb(engine.tensor([1, 2, 3]), engine.tensor([1, 2, 3])).dtype is engine.float32
    assert cheb(x, engine.tensor([1.0], dtype=engine.float64)).dtype is engine.float64
    assert cheb(0.5, engine.tensor([1, 2, 3])).tolist() == [0.5, -0.5, -1.0]
    y = cheb(engine.tensor([0.5], requires_grad=True), 2)
    assert not y.requires_grad  # PyTorch defines no derivative for the polynomials
    raises(NotImplementedError, "\"hermite_polynomial_h_cpu\" not implemented for 'Half'",
           lambda: engine.special.hermite_polynomial_h(x.half(), 3))


def test_bessel_results_do_not_require_grad_as_in_pytorch():
    x = engine.tensor([0.5, 2.0], requires_grad=True)
    for fn in ("bessel_j0", "bessel_y1", "modified_bessel_k0", "airy_ai",
               "spherical_bessel_j0", "scaled_modified_bessel_k1"):
        assert not getattr(engine.special, fn)(x).requires_grad


# ---- gradients --------------------------------------------------------------------------

GRAD_POINTS = [0.05, 0.3, 0.7, 0.95]
CASES = {  # m is the module: engine here, torch where the expected gradients were recorded
    "acos": lambda m, x: m.acos(x), "asin": lambda m, x: m.asin(x),
    "atan": lambda m, x: m.atan(x * 3), "acosh": lambda m, x: m.acosh(x + 1.2),
    "asinh": lambda m, x: m.asinh(x), "atanh": lambda m, x: m.atanh(x * 0.9),
    "cosh": lambda m, x: m.cosh(x), "sinh": lambda m, x: m.sinh(x),
    "exp2": lambda m, x: m.exp2(x), "deg2rad": lambda m, x: m.deg2rad(x),
    "rad2deg": lambda m, x: m.rad2deg(x), "sinc": lambda m, x: m.sinc(x * 3 - 1),
    "erfc": lambda m, x: m.erfc(x), "erfcx": lambda m, x: m.special.erfcx(x * 4 - 2),
    "erfinv": lambda m, x: m.erfinv(x * 1.8 - 0.9), "lgamma": lambda m, x: m.lgamma(x * 3 + 0.1),
    "digamma": lambda m, x: m.digamma(x * 3 + 0.1),
    "polygamma2": lambda m, x: m.polygamma(2, x + 0.5),
    "polygamma1": lambda m, x: m.polygamma(1, x - 2.5),
    "mvlgamma": lambda m, x: m.mvlgamma(x + 2, 3), "i0": lambda m, x: m.i0(x * 4 - 2),
    "i0e": lambda m, x: m.special.i0e(x * 4 - 2), "i1": lambda m, x: m.special.i1(x * 4 - 2),
    "i1e": lambda m, x: m.special.i1e(x * 4 - 2), "xlogy": lambda m, x: m.xlogy(x, x + 0.5),
    "xlogy_scalar_input": lambda m, x: m.xlogy(2.5, x),
    "xlogy_scalar_other": lambda m, x: m.xlogy(x, 2.5),
    "xlog1py": lambda m, x: m.special.xlog1py(x, x - 0.5), "logit": lambda m, x: m.logit(x),
    "logit_eps": lambda m, x: m.logit(x, 0.1), "expit": lambda m, x: m.special.expit(x),
    "ndtr": lambda m, x: m.special.ndtr(x * 4 - 2), "ndtri": lambda m, x: m.special.ndtri(x),
    "log_ndtr": lambda m, x: m.special.log_ndtr(x * 8 - 4),
    "entr": lambda m, x: m.special.entr(x), "zeta_q": lambda m, x: m.special.zeta(3.0, x + 1),
    "gammainc_x": lambda m, x: m.special.gammainc(m.tensor([0.5, 1.5, 2.0, 3.0],
                                                           dtype=x.dtype), x * 3),
    "gammaincc_x": lambda m, x: m.special.gammaincc(m.tensor([0.5, 1.5, 2.0, 3.0],
                                                             dtype=x.dtype), x * 3),
    "round_decimals": lambda m, x: m.round(x * 10, decimals=1),
    "multigammaln": lambda m, x: m.special.multigammaln(x + 3, 2),
}
LINEAR = {"deg2rad", "rad2deg", "xlogy_scalar_other", "round_decimals"}  # no 2nd derivative
# Engine-wide, multiplying by a Python number records MulBackward0 (PyTorch: MulBackward1).
ENGINE_NAMES = {"ndtr": "MulBackward0"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradients_like_pytorch_and_finite_differences(case):
    fn = CASES[case]
    x = engine.tensor(GRAD_POINTS, dtype=engine.float64, requires_grad=True)
    y = fn(engine, x)
    assert name(y) == ENGINE_NAMES.get(case, rec.GRAD_FN[case])
    y.sum().backward()
    _close(x.grad.tolist(), rec.GRADS[case], 1e-9)
    gradcheck(lambda t: fn(engine, t), np.array(GRAD_POINTS))
    if case not in LINEAR:
        gradgradcheck(lambda t: fn(engine, t), np.array(GRAD_POINTS))


def test_logit_gradient_outside_the_domain_is_nan_or_zero_as_in_pytorch():
    x = engine.tensor([-0.5, 0.0, 0.3, 1.0, 1.5], requires_grad=True)
    engine.logit(x).sum().backward()
    inf, nan = float("inf"), float("nan")
    _close(x.grad.tolist(), [nan, inf, 4.761904716491699, inf, nan], 1e-7)
    x.grad = None
    engine.logit(x, 0.1).sum().backward()
    _close(x.grad.tolist(), [0.0, 0.0, 4.761904716491699, 0.0, 0.0], 1e-7)


def test_xlogy_gradient_where_x_is_zero_as_in_pytorch():
    x = engine.tensor([0.0, 0.0, 1.0], requires_grad=True)
    y = engine.tensor([0.0, 2.0, 2.0], requires_grad=True)
    engine.xlogy(x, y).sum().backward()
    assert x.grad.tolist() == [0.0, 0.6931471824645996, 0.6931471824645996]
    _close(y.grad.tolist(), [float("nan"), 0.0, 0.5], 0)


@pytest.mark.parametrize("call, msg", [
    (lambda a, x: engine.special.gammainc(a, x), "the derivative for 'igamma: input' is not "
     "implemented."),
    (lambda a, x: engine.igammac(a, x), "the derivative for 'igammac: input' is not "
     "implemented."),
    (lambda a, x: engine.special.zeta(a + 2, x), "the derivative for 'zeta' is not "
     "implemented."),
])
def test_derivatives_pytorch_does_not_implement_raise_its_message(call, msg):
    a = engine.tensor([0.5, 2.0], requires_grad=True)
    y = call(a, engine.tensor([1.5, 3.0]))
    raises(NotImplementedError, msg, lambda: y.sum().backward())


def test_polygamma_errors():
    raises(RuntimeError, "polygamma(n, x) does not support negative n.",
           lambda: engine.polygamma(-1, engine.tensor([1.0])))


# ---- every level: Tensor.X, Tensor.X_, torch.X_, out= --------------------------------------

@pytest.mark.parametrize("fn", ["acos", "asin", "atan", "acosh", "asinh", "atanh", "arccos",
                                "arcsin", "arctan", "arccosh", "arcsinh", "arctanh", "cosh",
                                "sinh", "exp2", "deg2rad", "rad2deg", "sinc", "erfc", "i0",
                                "logit"])
def test_in_place_method_and_torch_function_agree(fn):
    values = [0.2, 0.6] if fn not in ("acosh", "arccosh") else [1.2, 1.6]
    expected = getattr(engine, fn)(engine.tensor(values)).tolist()
    t = engine.tensor(values)
    assert getattr(t, fn + "_")() is t and t.tolist() == expected
    t = engine.tensor(values)
    assert getattr(engine, fn + "_")(t) is t and t.tolist() == expected
    assert getattr(engine.tensor(values), fn)().tolist() == expected


def test_in_place_special_methods_with_arguments():
    t = engine.tensor([1.5, 2.5])
    assert t.polygamma_(1) is t
    _close(t.tolist(), engine.polygamma(1, engine.tensor([1.5, 2.5])).tolist(), 0)
    t = engine.tensor([0.5, 2.0])
    t.xlogy_(engine.tensor([2.0, 3.0]))
    _close(t.tolist(), [0.3465735912322998, 2.1972246170043945], 1e-7)
    t = engine.tensor([2.5, 3.0])
    t.mvlgamma_(2)
    _close(t.tolist(), engine.mvlgamma(engine.tensor([2.5, 3.0]), 2).tolist(), 0)
    for fn in ("erfinv_", "lgamma_", "digamma_", "igamma_", "igammac_"):
        assert hasattr(engine.Tensor, fn)
    raises(RuntimeError, "result type Float can't be cast to the desired output type Long",
           lambda: engine.tensor([1, 2]).acos_())


def test_out_argument():
    out = engine.empty(2, dtype=engine.float64)
    x = engine.tensor([0.25, 0.5], dtype=engine.float64)
    assert engine.erfinv(x, out=out) is out
    _close(out.tolist(), engine.erfinv(x).tolist(), 0)
    engine.special.xlogy(x, x, out=out)
    _close(out.tolist(), engine.xlogy(x, x).tolist(), 0)


def test_round_with_decimals_as_pytorch():
    x = engine.tensor([1.2345, 2.5, -0.55, 1234.5, 1250.0, 0.125])
    assert engine.round(x, decimals=2).tolist() == [1.2300000190734863, 2.5, -0.550000011920929,
                                                    1234.5, 1250.0, 0.11999999731779099]
    assert engine.special.round(x, decimals=-2).tolist() == [0.0, 0.0, -0.0, 1200.0, 1200.0,
                                                             0.0]
    raises(NotImplementedError, "\"round_cpu\" not implemented for 'Long'",
           lambda: engine.round(engine.tensor([1, 2]), decimals=1))
    assert engine.round(engine.tensor([1, 2])).dtype is engine.int64


def test_special_softmax_family_and_aliases():
    q = engine.tensor([1.5, 3.0])
    assert engine.special.softmax(q, 0).tolist() == engine.softmax(q, 0).tolist()
    lsm = engine.special.log_softmax(engine.tensor([1, 2, 3]), 0, dtype=engine.float64)
    _close(lsm.tolist(), [-2.4076059644443806, -1.4076059644443804, -0.4076059644443804], 1e-12)
    _close([engine.special.logsumexp(engine.tensor([0.5, 1.0, 2.0]), 0).item()],
           [2.4643688201904297], 1e-7)
    assert engine.special.psi is engine.special.digamma
    assert engine.special.expit is engine.sigmoid
    assert engine.special.gammaln is engine.lgamma


# ---- the namespace ------------------------------------------------------------------------

def test_torch_special_imports_as_a_module_and_names_missing_ones_as_pytorch():
    code = ("from playground.sandbox import torch_alias; torch_alias.install()\n"
            "import torch.special\n"
            "from torch.special import erfinv\n"
            "import torch\n"
            "print(erfinv(torch.tensor([0.5])).item(),\n"
            "      torch.special.ndtr(torch.zeros(1)).item())\n"
            "try:\n    torch.special.nonsense\n"
            "except AttributeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == ["0.4769362807273865 0.5",
                   "module 'torch.special' has no attribute 'nonsense'"]


def test_import_engine_does_not_import_scipy():
    code = "import sys, engine; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "False"
