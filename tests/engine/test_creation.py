"""Tensor creation: dtype inference of engine.tensor, zeros/ones/full/empty, arange, linspace,
eye, the *_like family, the random family and manual_seed reproducibility.

Expected dtypes, values and messages are PyTorch 2.13's, written here as literals.
"""
import numpy as np
import pytest

import engine
from tests.helpers import raises


# ---- engine.tensor dtype inference ------------------------------------------------------------

@pytest.mark.parametrize("data, dtype", [
    ([1, 2], engine.int64), ([1.0, 2], engine.float32), ([True, False], engine.bool),
    ([True, 1], engine.int64), ([1, 2.5, True], engine.float32), (3, engine.int64),
    (3.5, engine.float32), (True, engine.bool), ([], engine.float32),
    (np.array([1, 2], dtype=np.int32), engine.int32), (np.array([1.0]), engine.float64),
    (np.float64(2.0), engine.float64), ([np.float64(2.0)], engine.float64),
    (np.array([1], dtype=np.uint8), engine.uint8), ([[1.0, 2.0], [3.0, 4.0]], engine.float32),
])
def test_tensor_infers_dtype_like_pytorch(data, dtype):
    assert engine.tensor(data).dtype is dtype


def test_tensor_values_shapes_and_explicit_dtype():
    assert engine.tensor([1, 2.5, True]).tolist() == [1.0, 2.5, 1.0]
    assert engine.tensor(3).shape == () and engine.tensor(3).item() == 3
    assert engine.tensor([[]]).shape == (1, 0)
    assert engine.tensor([1, 2], dtype=engine.float64).tolist() == [1.0, 2.0]
    assert engine.tensor([1.7, -1.7], dtype=engine.int64).tolist() == [1, -1]  # truncates
    assert engine.tensor([[1, 2]], dtype=engine.float16).dtype is engine.float16
    assert engine.tensor(engine.tensor([1.5])).dtype is engine.float32
    assert engine.tensor([engine.tensor(1.0), engine.tensor(2.0)]).tolist() == [1.0, 2.0]
    a = np.array([1.0, 2.0])
    t = engine.tensor(a)
    t[0] = 9.0
    assert a[0] == 1.0  # engine.tensor copies; from_numpy/as_tensor share
    assert engine.as_tensor(a).dtype is engine.float64
    engine.as_tensor(a)[0] = 5.0
    assert a[0] == 5.0
    assert engine.as_tensor([1, 2]).dtype is engine.int64


def test_tensor_bad_data():
    with pytest.raises(TypeError, match="new\\(\\): invalid data type 'str'"):
        engine.tensor("a")
    with pytest.raises(ValueError):
        engine.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        engine.tensor(1 + 2j)
    with pytest.raises((TypeError, RuntimeError)):
        engine.tensor(None)


def test_requires_grad_only_for_floats():
    assert engine.zeros(2, 3, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        engine.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        engine.ones(2, dtype=engine.int64, requires_grad=True)


# ---- filled tensors ---------------------------------------------------------------------------

def test_zeros_ones_empty_full():
    assert engine.zeros(2, 3).dtype is engine.float32 and engine.zeros(2, 3).sum().item() == 0
    assert engine.zeros((2, 3)).shape == (2, 3) and engine.zeros([2, 3]).shape == (2, 3)
    assert engine.zeros(engine.Size([2, 3])).shape == (2, 3)
    assert engine.zeros([2, 3], dtype=engine.int32).dtype is engine.int32
    assert engine.zeros(0).shape == (0,) and engine.empty(0, 3).shape == (0, 3)
    assert engine.ones(2, dtype=engine.bool).tolist() == [True, True]
    assert engine.empty(2, 3).shape == (2, 3)
    # full infers its dtype from the value: bool, int64, default float
    assert engine.full((2,), True).dtype is engine.bool
    assert engine.full((2, 2), 7).dtype is engine.int64
    assert engine.full((2, 2), 7.0).dtype is engine.float32
    assert engine.full([2, 1], -1.5).tolist() == [[-1.5], [-1.5]]
    assert engine.full((2,), 1.5, dtype=engine.int64).tolist() == [1, 1]
    assert engine.full((2,), 3, dtype=engine.float64).dtype is engine.float64


def test_sizes_must_be_ints():
    with pytest.raises(TypeError):
        engine.zeros(2.5)
    with pytest.raises(RuntimeError) as info:
        engine.ones(-2)
    assert str(info.value) == "Trying to create tensor with negative dimension -2: [-2]"
    with pytest.raises(RuntimeError) as info:
        engine.empty(2, -1)
    assert str(info.value) == "Trying to create tensor with negative dimension -1: [2, -1]"


# ---- ranges -----------------------------------------------------------------------------------

def test_arange():
    assert engine.arange(5).tolist() == [0, 1, 2, 3, 4] and engine.arange(5).dtype is engine.int64
    assert engine.arange(1, 4).tolist() == [1, 2, 3]
    assert engine.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert engine.arange(0.0, 3).dtype is engine.float32
    assert engine.arange(5, dtype=engine.float64).dtype is engine.float64
    assert engine.arange(0, 10, 3).tolist() == [0, 3, 6, 9]
    assert engine.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    assert engine.arange(1, 2.5, 0.5).dtype is engine.float32
    assert engine.arange(0, 1, 0.1).shape == (10,)
    # torch.arange(0, 1, 0.1) in float32
    np.testing.assert_allclose(engine.arange(0, 1, 0.1).numpy(),
                               [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], rtol=1e-7)
    assert engine.arange(engine.tensor(3)).tolist() == [0, 1, 2]
    raises(RuntimeError, "step must be nonzero", lambda: engine.arange(0, 5, 0))
    with pytest.raises(RuntimeError) as info:
        engine.arange(5, 0)
    assert str(info.value) == "upper bound and lower bound inconsistent with step sign"


def test_linspace_and_eye():
    assert engine.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert engine.linspace(-1, 1, 5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert engine.linspace(0, 1, 1).tolist() == [0.0]
    assert engine.linspace(0, 1, 0).shape == (0,)
    assert engine.linspace(-1, 1, 3, dtype=engine.float64).dtype is engine.float64
    assert engine.linspace(0, 10, 5, dtype=engine.int64).tolist() == [0, 2, 5, 7, 10]
    np.testing.assert_allclose(engine.linspace(0, 1, 7).numpy(), np.linspace(0, 1, 7),
                               rtol=1e-6)
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        engine.linspace(0, 1, -1)
    assert engine.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert engine.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert engine.eye(3, dtype=engine.int64).dtype is engine.int64
    assert engine.eye(2, 3, dtype=engine.bool).tolist() == [[True, False, False],
                                                            [False, True, False]]
    assert engine.eye(0).shape == (0, 0)


# ---- *_like -----------------------------------------------------------------------------------

def test_like_family_keeps_shape_and_dtype():
    ints = engine.tensor([1, 2])
    assert engine.zeros_like(ints).tolist() == [0, 0] and engine.zeros_like(ints).dtype is \
        engine.int64
    assert engine.ones_like(engine.tensor([1.0, 2.0]), dtype=engine.int32).dtype is engine.int32
    assert engine.full_like(ints, 2.7).tolist() == [2, 2]  # cast to the input's dtype
    assert engine.empty_like(engine.zeros(2, 3)).shape == (2, 3)
    assert engine.zeros_like(engine.zeros(2, 3, dtype=engine.int8)).dtype is engine.int8
    assert engine.ones_like(engine.zeros(2), requires_grad=True).requires_grad
    assert engine.rand_like(engine.zeros(2, 3)).shape == (2, 3)
    assert engine.randn_like(engine.zeros(2, 3, dtype=engine.float64)).dtype is engine.float64
    assert engine.randint_like(engine.zeros(3, dtype=engine.float64), 5).dtype is engine.float64
    like = engine.randint_like(engine.zeros(100), 2, 5)
    assert set(like.tolist()) <= {2.0, 3.0, 4.0}


# ---- random -----------------------------------------------------------------------------------

def test_random_shapes_dtypes_ranges():
    r = engine.rand(2, 3)
    assert r.dtype is engine.float32 and r.shape == (2, 3)
    assert 0 <= r.min().item() and r.max().item() < 1
    assert engine.rand(3, dtype=engine.float64).dtype is engine.float64
    assert engine.randn(2, 3).shape == (2, 3)
    ri = engine.randint(0, 10, (3,))
    assert ri.dtype is engine.int64
    assert engine.randint(5, (2, 2)).shape == (2, 2)
    assert engine.randint(10, (3,), dtype=engine.int32).dtype is engine.int32
    assert set(engine.randint(-5, -2, (200,)).tolist()) == {-5, -4, -3}
    with pytest.raises(RuntimeError) as info:
        engine.randint(3, 3, (2,))
    assert str(info.value) == ("random_ expects 'from' to be less than 'to', but got from=3 >= "
                               "to=3")
    p = engine.randperm(5)
    assert p.dtype is engine.int64 and sorted(p.tolist()) == [0, 1, 2, 3, 4]
    assert engine.randperm(4, dtype=engine.int32).dtype is engine.int32
    assert engine.randperm(0).shape == (0,)


def test_normal_forms():
    assert engine.normal(0.0, 1.0, size=(2, 3)).shape == (2, 3)
    assert engine.normal(engine.zeros(3), 1.0).shape == (3,)
    assert engine.normal(engine.zeros(2, 3), engine.ones(3)).shape == (2, 3)
    assert engine.normal(2.0, engine.ones(3)).shape == (3,)
    assert engine.normal(engine.zeros(3, dtype=engine.float64), 1.0).dtype is engine.float64
    big = engine.normal(5.0, 2.0, size=(20000,))
    assert abs(big.mean().item() - 5.0) < 0.1
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        engine.normal(0.0, -1.0, size=(2,))


def test_bernoulli_and_multinomial():
    assert engine.bernoulli(engine.zeros(3)).tolist() == [0.0, 0.0, 0.0]
    assert engine.bernoulli(engine.ones(3)).tolist() == [1.0, 1.0, 1.0]
    m = engine.multinomial(engine.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    assert m.tolist() == [1, 1] and m.dtype is engine.int64


RANDOM_CALLS = [
    lambda: engine.rand(4),
    lambda: engine.randn(2, 2),
    lambda: engine.randint(0, 100, (5,)),
    lambda: engine.randperm(10),
    lambda: engine.normal(0.0, 1.0, size=(4,)),
    lambda: engine.normal(engine.zeros(3), engine.ones(3)),
    lambda: engine.rand_like(engine.zeros(3)),
    lambda: engine.randn_like(engine.zeros(3)),
    lambda: engine.randint_like(engine.zeros(3), 10),
    lambda: engine.bernoulli(engine.full((8,), 0.5)),
    lambda: engine.multinomial(engine.tensor([0.2, 0.3, 0.5]), 4, replacement=True),
    lambda: engine.empty(4).uniform_(),
    lambda: engine.empty(4).normal_(),
]


@pytest.mark.parametrize("draw", RANDOM_CALLS)
def test_manual_seed_makes_every_random_function_reproducible(draw):
    engine.manual_seed(1234)
    first = [draw().tolist() for _ in range(2)]
    engine.manual_seed(1234)
    again = [draw().tolist() for _ in range(2)]
    assert first == again
    assert first[0] != first[1] or len(first[0]) < 2  # the stream moves on between draws
    engine.manual_seed(99)
    assert [draw().tolist() for _ in range(2)] != first


def test_rng_state_round_trip_and_generators():
    engine.manual_seed(0)
    state = engine.get_rng_state()
    a = engine.rand(3).tolist()
    engine.set_rng_state(state)
    assert engine.rand(3).tolist() == a
    assert engine.initial_seed() == 0
    g = engine.Generator().manual_seed(7)
    x = engine.rand(3, generator=g).tolist()
    g.manual_seed(7)
    assert engine.rand(3, generator=g).tolist() == x
    engine.manual_seed(5)
    d = engine.rand(2).tolist()
    engine.manual_seed(5)
    engine.rand(3, generator=g)  # a separate generator leaves the default stream alone
    assert engine.rand(2).tolist() == d
