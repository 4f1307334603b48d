"""erf as an op of its own (engine.erf, Tensor.erf, Tensor.erf_), with the gradient
2/sqrt(pi) * exp(-x^2) checked by finite differences; values are PyTorch 2.13's."""
import math

import numpy as np

import engine
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import grad_fn_name as name

POINTS = [-2.0, -0.5, 0.0, 0.5, 1.0, 3.0]


def test_erf_values_like_pytorch():
    # torch.erf(torch.tensor(POINTS)).tolist(), float32
    torch_f32 = [-0.9953222870826721, -0.5204998850822449, 0.0, 0.5204998850822449,
                 0.8427007794380188, 0.9999778866767883]
    got = engine.erf(engine.tensor(POINTS))
    assert got.dtype is engine.float32
    np.testing.assert_allclose(got.numpy(), torch_f32, rtol=2e-7, atol=1e-7)
    exact = engine.tensor(POINTS, dtype=engine.float64).erf()
    assert exact.tolist() == [math.erf(v) for v in POINTS]


def test_erf_of_integers_is_float32_like_pytorch():
    got = engine.erf(engine.tensor([0, 1, 2]))
    assert got.dtype is engine.float32
    np.testing.assert_allclose(got.numpy(), [0.0, 0.8427007794380188, 0.9953222870826721],
                               rtol=2e-7)


def test_erf_gradient():
    x = engine.tensor([0.5, -1.0], requires_grad=True)
    y = x.erf()
    assert name(y) == "ErfBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.8787826299667358, 0.41510751843452454],
                               rtol=1e-6)  # torch 2.13
    points = np.array([-1.7, -0.3, 0.0, 0.4, 1.2])
    gradcheck(engine.erf, points)
    gradgradcheck(engine.erf, points)


def test_erf_in_place_and_out():
    t = engine.tensor([0.5, -1.0])
    assert t.erf_() is t
    np.testing.assert_allclose(t.numpy(), [0.5204998850822449, -0.8427007794380188], rtol=2e-7)
    out = engine.empty(2, dtype=engine.float64)
    engine.erf(engine.tensor([0.5, -1.0], dtype=engine.float64), out=out)
    assert out.tolist() == [math.erf(0.5), math.erf(-1.0)]
