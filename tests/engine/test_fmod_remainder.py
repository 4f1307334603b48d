"""fmod and remainder: fmod keeps the sign of the dividend (C's fmod), remainder that of the
divisor (Python's %). Values, dtypes, grad_fn names and gradients are PyTorch 2.13's, written
down from real torch; gradients are also checked by finite differences.
"""
import numpy as np

import engine
from tests.gradcheck import gradcheck
from tests.helpers import grad_fn_name as name

FLOATS = [-7.5, -3.0, 3.0, 7.5, 5.0, -5.0]
INTS = [-7, 7, -3, 3, 0]


def test_fmod_has_the_sign_of_the_dividend():
    a = engine.tensor(FLOATS)
    assert engine.fmod(engine.tensor([-3.0, 3.0]), 2).tolist() == [-1.0, 1.0]
    assert engine.fmod(a, 2).tolist() == [-1.5, -1.0, 1.0, 1.5, 1.0, -1.0]
    assert engine.fmod(a, -2).tolist() == [-1.5, -1.0, 1.0, 1.5, 1.0, -1.0]
    assert engine.fmod(a, 2.5).tolist() == [-0.0, -0.5, 0.5, 0.0, 0.0, -0.0]
    assert a.fmod(engine.tensor(2.0)).tolist() == [-1.5, -1.0, 1.0, 1.5, 1.0, -1.0]


def test_remainder_has_the_sign_of_the_divisor():
    a = engine.tensor(FLOATS)
    assert engine.remainder(a, 2).tolist() == [0.5, 1.0, 1.0, 1.5, 1.0, 1.0]
    assert engine.remainder(a, -2).tolist() == [-1.5, -1.0, -1.0, -0.5, -1.0, -1.0]
    assert engine.remainder(a, 2.5).tolist() == [-0.0, 2.0, 0.5, 0.0, 0.0, -0.0]
    assert (engine.tensor([-3.0, 3.0]) % 2).tolist() == [1.0, 1.0]


def test_integer_fmod_and_remainder_and_their_dtypes():
    a = engine.tensor(INTS)
    b = engine.tensor([2, -2, 2, -2, 3])
    assert engine.fmod(a, 2).tolist() == [-1, 1, -1, 1, 0]
    assert engine.fmod(a, -3).tolist() == [-1, 1, 0, 0, 0]
    assert engine.fmod(a, b).tolist() == [-1, 1, -1, 1, 0]
    assert engine.remainder(a, 2).tolist() == [1, 1, 1, 1, 0]
    assert engine.remainder(a, -3).tolist() == [-1, -2, 0, 0, 0]
    assert engine.remainder(a, b).tolist() == [1, -1, 1, -1, 0]
    assert engine.fmod(a, 2).dtype is engine.int64
    assert engine.fmod(a.to(engine.int32), 3).dtype is engine.int32
    as_float = engine.fmod(a, 2.5)
    assert as_float.dtype is engine.float32
    assert as_float.tolist() == [-2.0, 2.0, -0.5, 0.5, 0.0]


def test_fmod_in_place():
    t = engine.tensor([-3.0, 3.0])
    t.fmod_(2)
    assert t.tolist() == [-1.0, 1.0]


def test_gradients_and_grad_fn_names_like_pytorch():
    x = engine.tensor([-3.0, 3.0, -7.5, 7.5], dtype=engine.float64, requires_grad=True)
    y = engine.tensor([2.0, -2.0, 2.5, -2.0], dtype=engine.float64, requires_grad=True)
    w = engine.tensor([1.0, 2.0, 3.0, 4.0], dtype=engine.float64)
    out = engine.fmod(x, y)
    assert name(out) == "FmodBackward1"
    assert out.tolist() == [-1.0, 1.0, -0.0, 1.5]
    out.backward(w)
    assert x.grad.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert y.grad.tolist() == [1.0, 2.0, 9.0, 12.0]   # -w * trunc(x / y)

    x.grad = y.grad = None
    out = engine.remainder(x, y)
    assert name(out) == "RemainderBackward1"
    assert out.tolist() == [1.0, -1.0, -0.0, -0.5]
    out.backward(w)
    assert x.grad.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert y.grad.tolist() == [2.0, 4.0, 9.0, 16.0]   # -w * floor(x / y)

    x.grad = None
    assert name(engine.fmod(x, 2)) == "FmodBackward0"
    assert name(engine.remainder(x, 2)) == "RemainderBackward0"
    engine.fmod(x, 2).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 1.0]


def test_gradients_by_finite_differences():
    # away from the jumps (where x / y is a whole number), both are smooth in x and y
    x = np.array([-3.3, 3.7, -7.1, 7.9, 0.4])
    y = np.array([2.1, -2.3, 2.6, -1.7, 0.9])
    gradcheck(lambda a, b: engine.fmod(a, b), x, y)
    gradcheck(lambda a, b: engine.remainder(a, b), x, y)
    gradcheck(lambda a: engine.fmod(a, -2.0), x)
