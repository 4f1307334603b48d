"""Issue 13's speed rewrites compute what the general formulas compute: pow by products,
sigmoid in place, GELU with PyTorch's vectorized erf, relu's and batch norm's array
backwards. References are float64 NumPy/math formulas, independent of the engine."""
import math
import warnings

import numpy as np
import pytest

import engine
import engine.nn.functional as F

X = np.concatenate([np.linspace(-12, 12, 4001), [0.0, 1e-8, -1e-8, 88.0, -88.0, -104.0]])


@pytest.mark.parametrize("exponent", [2, 3, -1, -2, 0.5, 2.0, 4, 1.5])
def test_pow_scalar_exponents_match_the_power_and_its_gradient(exponent):
    x64 = np.abs(X[:4001]) + 0.5 if exponent in (0.5, 1.5) or exponent < 0 else X[:4001]
    x = engine.tensor(x64.astype(np.float32), requires_grad=True)
    y = x ** exponent
    y.backward(engine.ones_like(y))
    np.testing.assert_allclose(y.detach().numpy(), x64.astype(np.float32).astype(np.float64)
                               ** exponent, rtol=2e-6)
    np.testing.assert_allclose(x.grad.numpy(), exponent * x64.astype(np.float32)
                               .astype(np.float64) ** (exponent - 1), rtol=2e-5, atol=1e-30)
    assert y.dtype == engine.float32


def test_integer_pow_keeps_integers_and_refuses_negative_exponents():
    assert (engine.tensor([2, 3]) ** 3).tolist() == [8, 27]
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        engine.tensor([2, 3]) ** -1


def test_sigmoid_matches_the_formula_at_every_scale_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's overflow warning would print in a run
        x = engine.tensor(X.astype(np.float32), requires_grad=True)
        y = x.sigmoid()
        y.sum().backward()
    ref = 1 / (1 + np.exp(-X.astype(np.float32).astype(np.float64)))
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-6, atol=1e-38)
    # y (1 - y) in float32, as PyTorch computes it: 1 - y loses digits where y is near 1
    np.testing.assert_allclose(x.grad.numpy(), ref * (1 - ref), rtol=1e-5, atol=2e-7)
    assert engine.tensor(0.0).sigmoid().item() == 0.5  # 0-d stays a tensor


@pytest.mark.parametrize("dtype", [engine.float32, engine.float64])
@pytest.mark.parametrize("copies", [1, 20])  # 20: large enough to run in blocks
def test_gelu_matches_the_exact_erf_formula(dtype, copies):
    x = engine.tensor(np.tile(X, copies).reshape(copies, -1), dtype=dtype, requires_grad=True)
    y = F.gelu(x)
    y.sum().backward()
    x64 = x.detach().numpy().astype(np.float64)
    cdf = np.vectorize(lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2))))(x64)
    pdf = np.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi)
    tol = 1e-6 if dtype == engine.float32 else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), x64 * cdf, rtol=tol, atol=tol)
    np.testing.assert_allclose(x.grad.numpy(), cdf + x64 * pdf, rtol=tol, atol=tol)
    scalar = engine.tensor(0.3, dtype=dtype, requires_grad=True)
    F.gelu(scalar).backward()
    assert scalar.grad.shape == ()


def test_relu_backward_passes_the_gradient_where_the_input_is_positive():
    x = engine.tensor([-1.0, 0.0, 2.0, 3.0], requires_grad=True)
    x.relu().backward(engine.tensor([5.0, 6.0, 7.0, 8.0]))
    assert x.grad.tolist() == [0.0, 0.0, 7.0, 8.0]


def test_batch_norm_training_gradients_match_the_float64_formulas():
    rng = np.random.default_rng(0)
    x64 = rng.standard_normal((6, 3, 4, 5)) * 3 + 2
    w64, b64, g64 = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(x64.shape)
    x, w, b = (engine.tensor(a.astype(np.float32), requires_grad=True) for a in (x64, w64, b64))
    y = F.batch_norm(x, None, None, w, b, training=True)
    y.backward(engine.tensor(g64.astype(np.float32)))
    axes, shape = (0, 2, 3), (1, 3, 1, 1)
    mean, var = x64.mean(axes, keepdims=True), x64.var(axes, keepdims=True)
    xhat = (x64 - mean) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), xhat * w64.reshape(shape) + b64.reshape(
        shape), rtol=1e-4, atol=1e-5)
    dxhat = g64 * w64.reshape(shape)
    gx = (dxhat - dxhat.mean(axes, keepdims=True) - xhat * (dxhat * xhat).mean(
        axes, keepdims=True)) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), (g64 * xhat).sum(axes), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(b.grad.numpy(), g64.sum(axes), rtol=1e-5, atol=1e-5)


def test_gelu_in_half_precision_is_the_float32_result_rounded():
    """PyTorch computes half GELU (and its gradient) in float32 and rounds once."""
    x = engine.linspace(-6, 6, 97).half().requires_grad_()
    y = F.gelu(x)
    y.sum().backward()
    x32 = x.detach().float().requires_grad_()
    F.gelu(x32).sum().backward()
    assert y.dtype == engine.float16 and x.grad.dtype == engine.float16
    assert np.array_equal(y.detach().numpy(), F.gelu(x32).detach().half().numpy())
    assert np.array_equal(x.grad.numpy(), x32.grad.half().numpy())


def test_gelu_far_left_tail_rounds_to_zero_as_pytorch_does():
    """PyTorch's float32 GELU is x/2 (1 + erf(x/sqrt 2)): erf rounds to -1 below about -5.3,
    so the result is -0.0 there (not x times a tiny Phi(x))."""
    y = F.gelu(engine.tensor([-6.0, -8.0, -20.0]))
    assert y.tolist() == [0.0, 0.0, 0.0]
    # where 1 + erf cancels, float32 keeps ~1e-6 absolute (PyTorch's gives -0.00405023)
    assert F.gelu(engine.tensor([-3.0])).item() == pytest.approx(-3 * 0.0013498980, abs=1e-6)


def test_whole_row_scatter_add_matches_add_at():
    """An embedding's gradient (rows added at repeated indices) by sort + add.reduceat:
    what NumPy's add.at gives, up to the order the additions round in."""
    from engine import _backend
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 65, 2048)
    vals = rng.standard_normal((2048, 126)).astype(np.float32)
    fast, slow = np.zeros((65, 126), np.float32), np.zeros((65, 126), np.float32)
    _backend.scatter_add(fast, idx, vals)
    np.add.at(slow, idx, vals)
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-4)
    whole = rng.integers(-8, 8, (2048, 126)).astype(np.float32)  # exact sums: equal bits
    fast[:], slow[:] = 0, 0
    _backend.scatter_add(fast, idx, whole)
    np.add.at(slow, idx, whole)
    assert np.array_equal(fast, slow)
    assert not fast[np.setdiff1d(np.arange(65), idx)].any()  # rows never indexed stay zero


def test_row_sums_by_blas_match_numpy_sums():
    """Layer norm's and softmax's row sums (a GEMV with ones for short rows of many-row
    float arrays) agree with NumPy's, propagate inf and NaN, and fall back elsewhere."""
    from engine.ops.reduce import row_sums
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 126)).astype(np.float32)
    a[3, 5], a[7, 0], a[7, 1] = np.nan, np.inf, -np.inf
    a[9, 2] = np.inf
    got = row_sums(a)
    assert got.shape == (2048, 1) and got.dtype == np.float32
    np.testing.assert_allclose(got, a.sum(-1, keepdims=True), rtol=1e-5, atol=1e-5)
    assert np.isnan(got[3, 0]) and np.isnan(got[7, 0]) and got[9, 0] == np.inf
    b = rng.standard_normal((4, 64, 3, 65))
    np.testing.assert_allclose(row_sums(b, 3, keepdims=False), b.sum(3), rtol=1e-12)
    for other in (a[:, :10], a.T, a.astype(np.float16), rng.integers(0, 9, (2048, 126))):
        np.testing.assert_array_equal(row_sums(other, -1), other.sum(-1, keepdims=True))
    np.testing.assert_array_equal(row_sums(b, 1), b.sum(1, keepdims=True))  # not the last
