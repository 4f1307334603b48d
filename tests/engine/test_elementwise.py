"""Elementwise extras: maximum, minimum, clamp (+ clamp_min/clamp_max/clip), lerp, addcmul,
addcdiv, atan2. Forward against NumPy, gradients through gradcheck, tie and boundary rules,
dtypes, grad_fn names and messages as PyTorch 2.13 gives them (literals from real torch).
"""
import numpy as np
import pytest

import engine
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import T, float64_normal, raises
from tests.helpers import grad_fn_name as name

arr = float64_normal(5)


# ---- maximum / minimum ----------------------------------------------------------------------

def test_maximum_minimum_values_broadcast_and_dtype():
    a, b = arr(2, 3), arr(3)
    np.testing.assert_array_equal(engine.maximum(T(a), T(b)).numpy(), np.maximum(a, b))
    np.testing.assert_array_equal(T(a).minimum(T(b)).numpy(), np.minimum(a, b))
    assert engine.maximum(engine.tensor([1, 5]), engine.tensor([3, 2])).tolist() == [3, 5]
    assert engine.maximum(engine.tensor([1, 2]), engine.tensor([1.5, 0.0])).dtype is \
        engine.float32
    got = engine.minimum(engine.tensor([1.0, float("nan")]), engine.tensor([3.0, 2.0]))
    assert got[0].item() == 1.0 and np.isnan(got[1].item())  # NaN propagates, as in torch


def test_maximum_minimum_gradients_split_ties():
    a = engine.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = engine.tensor([1.0, 1.0, 4.0], requires_grad=True)
    out = engine.maximum(a, b)
    assert name(out) == "MaximumBackward0"
    out.sum().backward()
    # torch: a.grad == [0.5, 1, 0], b.grad == [0.5, 0, 1]
    assert a.grad.tolist() == [0.5, 1.0, 0.0] and b.grad.tolist() == [0.5, 0.0, 1.0]
    a.grad = b.grad = None
    out = engine.minimum(a, b)
    assert name(out) == "MinimumBackward0"
    out.sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0] and b.grad.tolist() == [0.5, 1.0, 0.0]
    x, y = arr(2, 3), arr(1, 3)
    gradcheck(engine.maximum, x, y)
    gradcheck(engine.minimum, x, y)
    gradgradcheck(lambda s, t: engine.maximum(s * s, t), x, y)


# ---- clamp family -----------------------------------------------------------------------------

def test_clamp_values():
    a = arr(3, 4) * 2
    np.testing.assert_array_equal(T(a).clamp(-0.5, 0.5).numpy(), np.clip(a, -0.5, 0.5))
    np.testing.assert_array_equal(T(a).clamp(min=0).numpy(), np.maximum(a, 0))
    np.testing.assert_array_equal(engine.clamp(T(a), max=0.1).numpy(), np.minimum(a, 0.1))
    np.testing.assert_array_equal(T(a).clip(-1, 1).numpy(), np.clip(a, -1, 1))
    np.testing.assert_array_equal(T(a).clamp_min(0.2).numpy(), np.maximum(a, 0.2))
    np.testing.assert_array_equal(T(a).clamp_max(0.2).numpy(), np.minimum(a, 0.2))
    lo, hi = arr(4), arr(3, 1) + 1
    np.testing.assert_array_equal(T(a).clamp(T(lo), T(hi)).numpy(),
                                  np.minimum(np.maximum(a, lo), hi))
    # min > max gives max; NaN stays NaN: torch.clamp(tensor([1., 5.]), 3, 2) -> [2., 2.]
    assert engine.clamp(engine.tensor([1.0, 5.0]), 3, 2).tolist() == [2.0, 2.0]
    got = engine.tensor([1.0, float("nan"), 5.0]).clamp(2, 4)
    assert got[0].item() == 2.0 and np.isnan(got[1].item()) and got[2].item() == 4.0


def test_clamp_dtypes_like_pytorch():
    ints = engine.tensor([1, 2, 3], dtype=engine.int32)
    assert ints.clamp(2).dtype is engine.int32
    got = ints.clamp(2.5)
    assert got.dtype is engine.float32 and got.tolist() == [2.5, 2.5, 3.0]
    assert engine.arange(3).clamp(engine.tensor(1.0)).dtype is engine.float32
    d = engine.tensor([1.0, 2.0], dtype=engine.float64).clamp(engine.tensor([1.5, 1.5]))
    assert d.dtype is engine.float64


def test_clamp_gradients_at_boundaries_like_pytorch():
    x = engine.tensor([0.0, 0.5, 1.0, 2.0], requires_grad=True)
    out = x.clamp(0, 1)
    assert name(out) == "ClampBackward1"
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 0.0]  # boundaries pass the gradient
    x.grad = None
    out = x.clamp_min(0.5)
    assert name(out) == "ClampMinBackward0"
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0]
    x.grad = None
    out = x.clamp_max(1.0)
    assert name(out) == "ClampMaxBackward0"
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert name(x.clamp(min=0)) == "ClampBackward1"


def test_clamp_tensor_bounds_gradients_like_pytorch():
    x = engine.tensor([0.0, 0.5, 1.0, 2.0], requires_grad=True)
    lo = engine.tensor([0.0, 0.6, 1.0, 3.0], requires_grad=True)
    hi = engine.tensor([0.0, 1.0, 1.0, 2.5], requires_grad=True)
    out = x.clamp(lo, hi)
    assert name(out) == "ClampBackward0"
    out.sum().backward()
    # torch 2.13: x [1, 0, 1, 0], lo [0, 1, 0, 0], hi [0, 0, 0, 1] (min > max: max wins)
    assert x.grad.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert lo.grad.tolist() == [0.0, 1.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 0.0, 0.0, 1.0]
    x.grad = lo.grad = hi.grad = None
    out = x.clamp_min(lo)
    assert name(out) == "ClampMinBackward1"
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0, 0.0] and lo.grad.tolist() == [0.0, 1.0, 0.0, 1.0]
    x.grad = None
    out = x.clamp_max(hi)
    assert name(out) == "ClampMaxBackward1"
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0, 1.0] and hi.grad.tolist() == [0.0] * 4
    assert name(x.clamp(min=lo)) == "ClampBackward0"


def test_clamp_gradcheck():
    a = arr(3, 4)
    lo, hi = arr(4) - 0.5, arr(3, 1) + 0.5
    gradcheck(lambda t: t.clamp(-0.3, 0.4), a)
    gradcheck(lambda t, l, h: t.clamp(l, h), a, lo, hi)
    gradcheck(lambda t, l: t.clamp(min=l), a, lo)
    gradcheck(lambda t, h: engine.clamp(t, max=h), a, hi)
    gradcheck(lambda t, l: t.clamp_min(l), a, lo)
    gradcheck(lambda t, h: t.clamp_max(h), a, hi)
    gradgradcheck(lambda t: (t * t).clamp(0.1, 1.0), a)


def test_clamp_inplace():
    x = engine.tensor([-1.0, 0.5, 3.0])
    x.clamp_(0, 1)
    assert x.tolist() == [0.0, 0.5, 1.0]
    x.clamp_min_(0.25).clamp_max_(0.75)
    assert x.tolist() == [0.25, 0.5, 0.75]
    w = engine.tensor([1.0, 2.0], requires_grad=True)
    y = w * 1
    y.clamp_(max=1.5)
    assert name(y) == "ClampBackward1"
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("call, exc, msg", [
    (lambda x: x.clamp(), RuntimeError,
     "torch.clamp: At least one of 'min' or 'max' must not be None"),
    (lambda x: x.clamp(engine.zeros(4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
     "dimension 1"),
    (lambda x: engine.maximum(x, engine.zeros(4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
     "dimension 1"),
    (lambda x: engine.maximum(x, 1.0), TypeError,
     "maximum(): argument 'other' (position 2) must be Tensor, not float"),
    (lambda x: engine.minimum(x, 1), TypeError,
     "minimum(): argument 'other' (position 2) must be Tensor, not int"),
    (lambda x: x.lerp(engine.zeros(2, 3, dtype=engine.float64), 0.5), RuntimeError,
     "expected dtype float for `end` but got dtype double"),
    (lambda x: x.lerp(x, engine.zeros(2, 3, dtype=engine.float64)), RuntimeError,
     "expected dtype float for `weight` but got dtype double"),
])
def test_elementwise_errors(call, exc, msg):
    raises(exc, msg, lambda: call(engine.zeros(2, 3)))


# ---- lerp / addcmul / addcdiv / atan2 ---------------------------------------------------------

def test_lerp():
    assert engine.lerp(engine.tensor([1.0, 2.0]), engine.tensor([3.0, 4.0]), 0.25).tolist() == \
        [1.5, 2.5]
    a, b, w = arr(2, 3), arr(3), arr(2, 1)
    np.testing.assert_allclose(T(a).lerp(T(b), T(w)).numpy(), a + w * (b - a))
    x = T(a, requires_grad=True)
    assert name(x.lerp(T(b), 0.3)) == "LerpBackward0"
    assert name(x.lerp(T(b), T(w))) == "LerpBackward1"
    gradcheck(lambda s, e: s.lerp(e, 0.3), a, b)
    gradcheck(lambda s, e, wt: engine.lerp(s, e, wt), a, b, w)
    gradgradcheck(lambda s, e, wt: engine.lerp(s * s, e, wt), a, b, w)


def test_addcmul_addcdiv():
    # torch.addcmul([1, 2], [3, 4], [2, 2], value=0.5) -> [4, 6]
    got = engine.addcmul(engine.tensor([1.0, 2.0]), engine.tensor([3.0, 4.0]),
                         engine.tensor([2.0, 2.0]), value=0.5)
    assert got.tolist() == [4.0, 6.0]
    # torch.addcdiv([1, 2], [3, 4], [2, 8], value=2) -> [4, 3]
    got = engine.addcdiv(engine.tensor([1.0, 2.0]), engine.tensor([3.0, 4.0]),
                         engine.tensor([2.0, 8.0]), value=2)
    assert got.tolist() == [4.0, 3.0]
    ints = engine.tensor([1, 2, 3])
    assert ints.addcmul(ints, ints, value=2).tolist() == [3, 10, 21]
    a, b, c = arr(2, 3), arr(3), arr(2, 1) + 3
    x = T(a, requires_grad=True)
    assert name(x.addcmul(T(b), T(c))) == "AddcmulBackward0"
    assert name(x.addcdiv(T(b), T(c))) == "AddcdivBackward0"
    np.testing.assert_allclose(T(a).addcdiv(T(b), T(c), value=-2).numpy(), a - 2 * b / c)
    gradcheck(lambda s, t1, t2: s.addcmul(t1, t2, value=1.5), a, b, c)
    gradcheck(lambda s, t1, t2: engine.addcdiv(s, t1, t2, value=-0.5), a, b, c)
    gradgradcheck(lambda t1, s, t2: s.addcmul(t1 * t1, t2), b, a, c)
    with pytest.raises(RuntimeError, match="^Integer division with addcdiv is no longer "
                                           "supported, and in a future  release"):
        engine.addcdiv(engine.zeros(3), engine.tensor([1, 2, 3]), engine.tensor([1, 2, 3]))
    y = engine.ones(2)
    y.addcmul_(engine.tensor([2.0, 3.0]), engine.tensor([1.0, 2.0]))
    y.addcdiv_(engine.tensor([2.0, 3.0]), engine.tensor([2.0, 3.0]))
    assert y.tolist() == [4.0, 8.0]


def test_atan2():
    got = engine.atan2(engine.tensor([1.0, -1.0, 0.0]), engine.tensor([-1.0, -1.0, 0.0]))
    np.testing.assert_allclose(got.numpy(), [2.3562, -2.3562, 0.0], atol=1e-4)  # from torch
    assert engine.atan2(engine.tensor([1, 2]), engine.tensor([1, 1])).dtype is engine.float32
    a, b = arr(2, 3), arr(3) + 2
    np.testing.assert_allclose(T(a).atan2(T(b)).numpy(), np.arctan2(a, b))
    np.testing.assert_allclose(engine.arctan2(T(a), T(b)).numpy(), np.arctan2(a, b))
    assert name(engine.atan2(T(a, requires_grad=True), T(b))) == "Atan2Backward0"
    gradcheck(engine.atan2, a, b)
    gradgradcheck(engine.atan2, a, b)


def test_more_inplace_variants():
    x = engine.tensor([-2.0, 0.5, 2.0])
    x.clip_(-1, 1)
    assert x.tolist() == [-1.0, 0.5, 1.0]
    y = engine.tensor([1.0, -1.0])
    y.atan2_(engine.tensor([1.0, 1.0]))
    np.testing.assert_allclose(y.numpy(), [0.7853982, -0.7853982], rtol=1e-6)  # pi/4
    z = engine.tensor([1.0, 2.0])
    z.lerp_(engine.tensor([3.0, 4.0]), 0.5)
    assert z.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("make, msg", [
    (lambda: engine.ones(2) | engine.ones(2), "\"bitwise_or_cpu\" not implemented for 'Float'"),
    (lambda: engine.ones(2, dtype=engine.float64) & engine.ones(2, dtype=engine.float64),
     "\"bitwise_and_cpu\" not implemented for 'Double'"),
])
def test_bitwise_ops_refuse_floats_like_pytorch(make, msg):
    raises(NotImplementedError, msg, make)


def test_lerp_refuses_integers_like_pytorch():
    with pytest.raises(NotImplementedError) as info:
        engine.tensor([1, 2]).lerp(engine.tensor([3, 4]), 0.5)
    assert str(info.value) == "\"lerp_kernel_scalar\" not implemented for 'Long'"
    ints = engine.tensor([1, 2], dtype=engine.int32)
    with pytest.raises(NotImplementedError) as info:
        ints.lerp(ints, ints)
    assert str(info.value) == "\"lerp_kernel_tensor\" not implemented for 'Int'"


def test_nan_to_num():
    nan, inf = float("nan"), float("inf")
    x = engine.tensor([nan, inf, -inf, 1.0], requires_grad=True)
    y = x.nan_to_num()
    assert name(y) == "NanToNumBackward0"
    big = float(np.finfo(np.float32).max)
    assert y.tolist() == [0.0, big, -big, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]  # torch: only finite entries pass
    got = engine.nan_to_num(engine.tensor([nan, inf, -inf, 1.0]), 0.5, 10, -10)
    assert got.tolist() == [0.5, 10.0, -10.0, 1.0]
    assert engine.tensor([nan, inf], dtype=engine.float16).nan_to_num().tolist() == [0.0, 65504.0]
    assert engine.tensor([1, 2]).nan_to_num().tolist() == [1, 2]
    z = engine.tensor([nan, 3.0])
    z.nan_to_num_(nan=-1.0)
    assert z.tolist() == [-1.0, 3.0]
    gradcheck(lambda t: (t * t).nan_to_num(), arr(2, 3))
