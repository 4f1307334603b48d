"""Tensors built from others (block_diag, cartesian_prod, combinations, diagflat, vander),
window functions, the extra factories (scalar_tensor, asarray, empty_strided, frombuffer),
typename, isin, rsub, vmap, apply_/map_, resize_/set_, and the random fills' checks.

Each expression's outcome (dtype, shape, values, requires_grad and grad_fn name, or the error
type and message) is written as PyTorch 2.13 gave it; gradients are checked by finite
differences below."""
import math

import numpy as np
import pytest

import engine as torch
from tests.engine.torch_outcomes import recorded_test

nan, inf = math.nan, math.inf  # as the recorded values print them
RECORDED = [('torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([[3], [4]]), torch.tensor(5))',
  ('ok',
   ('tensor', 'torch.int64', (4, 4), [[1, 2, 0, 0], [0, 0, 3, 0], [0, 0, 4, 0], [0, 0, 0, 5]],
    False, None))),
 ('torch.block_diag(torch.tensor([[1., 2]]), torch.tensor([3]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]], False, None))),
 ('torch.block_diag()', ('ok', ('tensor', 'torch.float32', (1, 0), [[]], False, None))),
 ('torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([[3.]]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]], False, None))),
 ('torch.block_diag(torch.ones(2,2,2))',
  ('error', 'RuntimeError',
   'torch.block_diag: Input tensors must have 2 or fewer dimensions. Input 0 has 3 dimensions')),
 ('torch.block_diag(torch.tensor([[1., 2]], requires_grad=True), torch.tensor([3.]))',
  ('ok',
   ('tensor', 'torch.float32', (2, 3), [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]], True,
    'BlockDiagBackward0'))),
 ('torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4, 5]))',
  ('ok',
   ('tensor', 'torch.int64', (6, 2), [[1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5]], False,
    None))),
 ('torch.cartesian_prod(torch.tensor([1, 2]))',
  ('ok', ('tensor', 'torch.int64', (2,), [1, 2], False, None))),
 ('torch.cartesian_prod(torch.tensor([1., 2], requires_grad=True), torch.tensor([3., 4]))',
  ('ok',
   ('tensor', 'torch.float32', (4, 2), [[1.0, 3.0], [1.0, 4.0], [2.0, 3.0], [2.0, 4.0]], True,
    'StackBackward0'))),
 ('torch.combinations(torch.tensor([1, 2, 3]))',
  ('ok', ('tensor', 'torch.int64', (3, 2), [[1, 2], [1, 3], [2, 3]], False, None))),
 ('torch.combinations(torch.tensor([1, 2, 3]), r=3)',
  ('ok', ('tensor', 'torch.int64', (1, 3), [[1, 2, 3]], False, None))),
 ('torch.combinations(torch.tensor([1, 2, 3]), with_replacement=True)',
  ('ok',
   ('tensor', 'torch.int64', (6, 2), [[1, 1], [1, 2], [1, 3], [2, 2], [2, 3], [3, 3]], False,
    None))),
 ('torch.combinations(torch.tensor([1, 2, 3]), r=0)',
  ('ok', ('tensor', 'torch.int64', (0,), [], False, None))),
 ('torch.combinations(torch.tensor([1, 2]), r=3)',
  ('ok', ('tensor', 'torch.int64', (0, 3), [], False, None))),
 ('torch.combinations(torch.tensor([[1, 2]]))',
  ('error', 'RuntimeError', 'Expect a 1D vector, but got shape [1, 2]')),
 ('torch.diagflat(torch.tensor([1, 2]))',
  ('ok', ('tensor', 'torch.int64', (2, 2), [[1, 0], [0, 2]], False, None))),
 ('torch.diagflat(torch.tensor([[1, 2], [3, 4]]), 1)',
  ('ok',
   ('tensor', 'torch.int64', (5, 5),
    [[0, 1, 0, 0, 0], [0, 0, 2, 0, 0], [0, 0, 0, 3, 0], [0, 0, 0, 0, 4], [0, 0, 0, 0, 0]], False,
    None))),
 ('torch.diagflat(torch.tensor([1., 2], requires_grad=True), -1)',
  ('ok',
   ('tensor', 'torch.float32', (3, 3), [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 2.0, 0.0]], True,
    'DiagEmbedBackward0'))),
 ('torch.vander(torch.tensor([1, 2, 3]))',
  ('ok', ('tensor', 'torch.int64', (3, 3), [[1, 1, 1], [4, 2, 1], [9, 3, 1]], False, None))),
 ('torch.vander(torch.tensor([1., 2, 3]), N=2, increasing=True)',
  ('ok', ('tensor', 'torch.float32', (3, 2), [[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]], False, None))),
 ('torch.vander(torch.tensor([1, 2, 3]), N=0)',
  ('ok', ('tensor', 'torch.int64', (3, 0), [[], [], []], False, None))),
 ('torch.vander(torch.tensor([True, False]))',
  ('ok', ('tensor', 'torch.int64', (2, 2), [[1, 1], [0, 1]], False, None))),
 ('torch.vander(torch.tensor([[1, 2]]))',
  ('error', 'RuntimeError', 'x must be a one-dimensional tensor.')),
 ('torch.hann_window(5)',
  ('ok',
   ('tensor', 'torch.float32', (5,),
    [0.0, 0.34549152851104736, 0.9045084714889526, 0.9045084714889526, 0.3454914391040802], False,
    None))),
 ('torch.hann_window(5, periodic=False)',
  ('ok', ('tensor', 'torch.float32', (5,), [0.0, 0.5, 1.0, 0.5, 0.0], False, None))),
 ('torch.hann_window(1)', ('ok', ('tensor', 'torch.float32', (1,), [1.0], False, None))),
 ('torch.hann_window(0)', ('ok', ('tensor', 'torch.float32', (0,), [], False, None))),
 ('torch.hamming_window(5)',
  ('ok',
   ('tensor', 'torch.float32', (5,),
    [0.08000001311302185, 0.39785221219062805, 0.9121478796005249, 0.9121478199958801,
     0.3978521227836609],
    False, None))),
 ('torch.hamming_window(5, periodic=False, alpha=0.5, beta=0.4)',
  ('ok',
   ('tensor', 'torch.float32', (5,),
    [0.09999999403953552, 0.5, 0.8999999761581421, 0.5, 0.09999999403953552], False, None))),
 ('torch.bartlett_window(5)',
  ('ok',
   ('tensor', 'torch.float32', (5,),
    [0.0, 0.4000000059604645, 0.800000011920929, 0.7999999523162842, 0.3999999761581421], False,
    None))),
 ('torch.bartlett_window(6, periodic=False)',
  ('ok',
   ('tensor', 'torch.float32', (6,),
    [0.0, 0.4000000059604645, 0.800000011920929, 0.7999999523162842, 0.3999999761581421, 0.0],
    False, None))),
 ('torch.blackman_window(5)',
  ('ok',
   ('tensor', 'torch.float32', (5,),
    [-2.9802322387695312e-08, 0.20077013969421387, 0.8492298126220703, 0.8492298126220703,
     0.2007700800895691],
    False, None))),
 ('torch.blackman_window(5, periodic=False, dtype=torch.float64)',
  ('ok',
   ('tensor', 'torch.float64', (5,), [0.0, 0.33999999999999997, 1.0, 0.3400000000000001, 0.0],
    False, None))),
 ('torch.kaiser_window(5)',
  ('ok',
   ('tensor', 'torch.float32', (5,),
    [5.2773437346331775e-05, 0.10171971470117569, 0.7929394245147705, 0.7929394245147705,
     0.10171971470117569],
    False, None))),
 ('torch.kaiser_window(5, periodic=False, beta=8.)',
  ('ok',
   ('tensor', 'torch.float32', (5,),
    [0.002338829915970564, 0.36897262930870056, 1.0, 0.36897262930870056, 0.002338829915970564],
    False, None))),
 ('torch.hann_window(5, dtype=torch.long)',
  ('error', 'RuntimeError',
   'hann_window expects floating point dtypes, got: TensorOptions(dtype=long int, device=cpu, '
   'layout=Strided (default), requires_grad=false (default), pinned_memory=false, '
   'memory_format=(nullopt))')),
 ('torch.hann_window(-1)',
  ('error', 'RuntimeError',
   'hann_window requires non-negative window_length, got window_length=-1')),
 ('torch.scalar_tensor(3)', ('ok', ('tensor', 'torch.float32', (), 3.0, False, None))),
 ('torch.scalar_tensor(3, dtype=torch.int64)',
  ('ok', ('tensor', 'torch.int64', (), 3, False, None))),
 ('torch.scalar_tensor(True)', ('ok', ('tensor', 'torch.float32', (), 1.0, False, None))),
 ('torch.asarray([1, 2])', ('ok', ('tensor', 'torch.int64', (2,), [1, 2], False, None))),
 ('torch.asarray(np.array([1., 2.]))',
  ('ok', ('tensor', 'torch.float64', (2,), [1.0, 2.0], False, None))),
 ('torch.asarray(3.5)', ('ok', ('tensor', 'torch.float32', (), 3.5, False, None))),
 ('torch.asarray([1, 2], dtype=torch.float64)',
  ('ok', ('tensor', 'torch.float64', (2,), [1.0, 2.0], False, None))),
 ('torch.asarray(torch.tensor([1, 2]), dtype=torch.float32)',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 2.0], False, None))),
 ('torch.empty_strided((2, 3), (1, 2)).stride()', ('ok', ('tuple', [('value', 1), ('value', 2)]))),
 ('torch.empty_strided((2, 3), (3, 1), dtype=torch.int32).dtype', ('ok', ('dtype', 'torch.int32'))),
 ('torch.empty_permuted((2, 3, 4), (0, 2, 1)).stride()',
  ('ok', ('tuple', [('value', 12), ('value', 1), ('value', 3)]))),
 ('torch.empty_permuted((2, 3, 4), (0, 2, 1)).shape',
  ('ok', ('tuple', [('value', 2), ('value', 3), ('value', 4)]))),
 ('torch.zeros(2).new_empty_strided((2, 2), (1, 2)).stride()',
  ('ok', ('tuple', [('value', 1), ('value', 2)]))),
 ("torch.frombuffer(bytearray(b'\\x01\\x00\\x00\\x00\\x02\\x00\\x00\\x00'), dtype=torch.int32)",
  ('ok', ('tensor', 'torch.int32', (2,), [1, 2], False, None))),
 ('torch.frombuffer(bytearray(8), dtype=torch.float32, count=1, offset=4)',
  ('ok', ('tensor', 'torch.float32', (1,), [0.0], False, None))),
 ('torch.typename(torch.zeros(2))', ('ok', ('value', 'torch.FloatTensor'))),
 ('torch.typename(torch.zeros(2, dtype=torch.long))', ('ok', ('value', 'torch.LongTensor'))),
 ('torch.typename(3)', ('ok', ('value', 'int'))),
 ('torch.typename(torch.nn.Linear(2, 2))', ('ok', ('value', 'torch.nn.modules.linear.Linear'))),
 ('torch.is_storage(torch.zeros(2))', ('ok', ('value', False))),
 ('torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2, 5]))',
  ('ok', ('tensor', 'torch.bool', (3,), [False, True, False], False, None))),
 ('torch.isin(torch.tensor([1, 2, 3]), 2)',
  ('ok', ('tensor', 'torch.bool', (3,), [False, True, False], False, None))),
 ('torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2, 5]), invert=True)',
  ('ok', ('tensor', 'torch.bool', (3,), [True, False, True], False, None))),
 ('torch.isin(2, torch.tensor([1, 2]))', ('ok', ('tensor', 'torch.bool', (), True, False, None))),
 ('torch.isin(torch.tensor([1., 2.]), torch.tensor([2]))',
  ('ok', ('tensor', 'torch.bool', (2,), [False, True], False, None))),
 ('torch.rsub(torch.tensor([1, 2]), 5)',
  ('ok', ('tensor', 'torch.int64', (2,), [4, 3], False, None))),
 ('torch.rsub(torch.tensor([1., 2.]), torch.tensor([5., 1.]), alpha=2)',
  ('ok', ('tensor', 'torch.float32', (2,), [3.0, -3.0], False, None))),
 ('torch.vmap(torch.sum)(torch.arange(6.).reshape(2, 3))',
  ('ok', ('tensor', 'torch.float32', (2,), [3.0, 12.0], False, None))),
 ('torch.vmap(lambda x, y: x * y, in_dims=(0, None))(torch.arange(6.).reshape(2, 3), '
  'torch.tensor([1., 2, 3]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[0.0, 2.0, 6.0], [3.0, 8.0, 15.0]], False, None))),
 ('torch.vmap(lambda x: (x.sum(), x * 2))(torch.arange(6.).reshape(2, 3))',
  ('ok',
   ('tuple',
    [('tensor', 'torch.float32', (2,), [3.0, 12.0], False, None),
     ('tensor', 'torch.float32', (2, 3), [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]], False, None)]))),
 ('torch.vmap(torch.dot)(torch.ones(4, 3), torch.ones(4, 3))',
  ('ok', ('tensor', 'torch.float32', (4,), [3.0, 3.0, 3.0, 3.0], False, None))),
 ('torch.vmap(lambda x: x.sum(0), in_dims=1)(torch.arange(6.).reshape(2, 3))',
  ('ok', ('tensor', 'torch.float32', (3,), [3.0, 5.0, 7.0], False, None))),
 ('torch.vmap(lambda x: x * 2, out_dims=1)(torch.arange(6.).reshape(2, 3))',
  ('ok', ('tensor', 'torch.float32', (3, 2), [[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]], False, None))),
 ('torch.vmap(lambda x: x)(torch.tensor(1.))',
  ('error', 'ValueError',
   'vmap(<lambda>, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, but that input is a '
   'Tensor of dimensionality 0 so expected in_dim to satisfy -0 <= in_dim < 0.')),
 ('torch.vmap(lambda x, y: x + y)(torch.ones(2), torch.ones(3))',
  ('error', 'ValueError',
   'vmap: Expected all tensors to have the same size in the mapped dimension, got sizes [2, 3] for '
   'the mapped dimension')),
 ('torch.zeros(3).apply_(lambda v: v + 1)',
  ('ok', ('tensor', 'torch.float32', (3,), [1.0, 1.0, 1.0], False, None))),
 ('torch.tensor([1., 2.]).map_(torch.tensor([3., 4.]), lambda a, b: a * b)',
  ('ok', ('tensor', 'torch.float32', (2,), [3.0, 8.0], False, None))),
 ('torch.tensor([1., 2.]).map2_(torch.tensor([3., 4.]), torch.tensor([1., 1.]), lambda a, b, c: a '
  '* b + c)',
  ('ok', ('tensor', 'torch.float32', (2,), [4.0, 9.0], False, None))),
 ('torch.tensor([1., 2.], requires_grad=True).apply_(lambda v: v)',
  ('error', 'RuntimeError',
   "Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")),
 ('torch.tensor([1, 2]).apply_(lambda v: v * 2.5)',
  ('ok', ('tensor', 'torch.int64', (2,), [2, 5], False, None))),
 ('torch.arange(6.).resize_(2, 2)',
  ('ok', ('tensor', 'torch.float32', (2, 2), [[0.0, 1.0], [2.0, 3.0]], False, None))),
 ('torch.arange(4.).resize_(2, 3).shape', ('ok', ('tuple', [('value', 2), ('value', 3)]))),
 ('torch.arange(6.).resize_as_(torch.zeros(2, 1))',
  ('ok', ('tensor', 'torch.float32', (2, 1), [[0.0], [1.0]], False, None))),
 ('torch.zeros(0).set_(torch.tensor([1., 2.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 2.0], False, None))),
 ('torch.zeros(3).set_()', ('ok', ('tensor', 'torch.float32', (0,), [], False, None))),
 ('torch.tensor([1., 2.]).bernoulli()',
  ('error', 'RuntimeError',
   'Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be '
   'improved?  If so, please report an enhancement request to PyTorch.)')),
 ('torch.tensor([0., 1.]).bernoulli()',
  ('ok', ('tensor', 'torch.float32', (2,), [0.0, 1.0], False, None))),
 ('torch.tensor([0., 1.]).multinomial(1)',
  ('ok', ('tensor', 'torch.int64', (1,), [1], False, None))),
 ('torch.poisson(torch.zeros(3))',
  ('ok', ('tensor', 'torch.float32', (3,), [0.0, 0.0, 0.0], False, None))),
 ('torch.binomial(torch.tensor([0., 10.]), torch.tensor([0.5, 0.]))',
  ('ok', ('tensor', 'torch.float32', (2,), [0.0, 0.0], False, None))),
 ('torch.binomial(torch.tensor([0, 10]), torch.tensor([0.5, 0.]))',
  ('error', 'ValueError', 'binomial only supports floating-point dtypes for count, got: Long')),
 ('torch.zeros(2).cauchy_().shape', ('ok', ('tuple', [('value', 2)]))),
 ('torch.zeros(2).geometric_(1.)',
  ('error', 'RuntimeError', 'geometric_ expects p to be in (0, 1), but got p=1')),
 ('torch.zeros(2).log_normal_().shape', ('ok', ('tuple', [('value', 2)]))),
 ('torch.zeros(2, dtype=torch.long).log_normal_()',
  ('error', 'NotImplementedError', '"log_normal_cpu" not implemented for \'Long\'')),
 ('torch.zeros(2).geometric_(0)',
  ('error', 'RuntimeError', 'geometric_ expects p to be in (0, 1), but got p=0')),
 ('torch.zeros(2).exponential_(-1)',
  ('error', 'RuntimeError', 'exponential_ expects lambda > 0.0, but found lambda=-1')),
 ('(torch.zeros(2).fill_(5).geometric_(0.5) >= 1).all()',
  ('ok', ('tensor', 'torch.bool', (), True, False, None)))]

test_outcome_like_pytorch = recorded_test(RECORDED, torch)


# ---- gradients, memory sharing, statistics of the random fills ------------------------------------

from tests.gradcheck import gradcheck  # noqa: E402

V = np.array([0.7, -1.3, 2.1])


@pytest.mark.parametrize("fn", [
    lambda v: torch.block_diag(v.reshape(1, 3), v[:2], v[0]),
    lambda v: torch.cartesian_prod(v, v[:2] * 3),
    lambda v: torch.combinations(v, 2, with_replacement=True) ** 2,
    lambda v: torch.diagflat(v, -1), lambda v: torch.vander(v, 4),
    lambda v: torch.vander(v, increasing=True),
    lambda v: torch.vmap(lambda row: (row * row).sum())(v.reshape(3, 1) * v),
], ids=["block_diag", "cartesian_prod", "combinations", "diagflat", "vander",
        "vander-increasing", "vmap"])
def test_gradients_match_finite_differences(fn):
    gradcheck(fn, V)


def test_windows_like_pytorch_to_float32_precision():
    # torch.hann_window(8) & co., PyTorch 2.13 (float64 windows)
    got = torch.hann_window(8, dtype=torch.float64).tolist()
    np.testing.assert_allclose(got, 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8),
                               atol=1e-12)
    np.testing.assert_allclose(torch.kaiser_window(6, beta=5.).tolist(), np.kaiser(7, 5.)[:6],
                               rtol=1e-6)
    np.testing.assert_allclose(torch.bartlett_window(7, periodic=False).tolist(),
                               np.bartlett(7), atol=1e-7)
    np.testing.assert_allclose(torch.blackman_window(9, periodic=False).tolist(),
                               np.blackman(9), atol=1e-7)
    np.testing.assert_allclose(torch.hamming_window(9, periodic=False).tolist(),
                               np.hamming(9), atol=1e-7)


def test_asarray_frombuffer_and_dlpack_share_memory():
    a = np.array([1., 2.])
    t = torch.asarray(a)
    a[0] = 9
    assert t.tolist() == [9.0, 2.0]  # PyTorch 2.13: tensor([9., 2.], dtype=torch.float64)
    assert torch.asarray(t) is t
    buf = bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")
    ints = torch.frombuffer(buf, dtype=torch.int32)
    ints[0] = 7
    assert buf[0] == 7
    with pytest.warns(UserWarning, match="The given buffer is not writable"):
        torch.frombuffer(bytes(8), dtype=torch.float32)
    x = torch.arange(4.)
    y = torch.from_dlpack(np.asarray(x))
    y[0] = 5
    assert x[0].item() == 5.0
    back = torch.from_dlpack(torch.to_dlpack(x))
    assert back.tolist() == [5.0, 1.0, 2.0, 3.0]
    assert np.from_dlpack(x).tolist() == [5.0, 1.0, 2.0, 3.0]  # Tensor.__dlpack__


def test_random_fills_follow_their_distributions():
    torch.manual_seed(0)
    n = 20000
    geo = torch.empty(n).geometric_(0.25)
    assert geo.min().item() >= 1 and abs(geo.mean().item() - 4.0) < 0.15
    logn = torch.empty(n, dtype=torch.float64).log_normal_(0.0, 0.5)
    assert abs(logn.log().mean().item()) < 0.02 and abs(logn.log().std().item() - 0.5) < 0.02
    cauchy = torch.empty(n).cauchy_(2.0, 0.5)
    assert abs(cauchy.median().item() - 2.0) < 0.05
    pois = torch.poisson(torch.full((n,), 3.0))
    assert abs(pois.mean().item() - 3.0) < 0.06 and pois.dtype is torch.float32
    bino = torch.binomial(torch.full((n,), 10.), torch.full((n,), 0.3))
    assert abs(bino.mean().item() - 3.0) < 0.06
    torch.manual_seed(0)
    again = torch.empty(n).geometric_(0.25)
    assert torch.equal(geo, again)


def test_vmap_in_and_out_dims_and_errors():
    x = torch.arange(6.).reshape(2, 3)
    assert torch.vmap(lambda r: r * 2, in_dims=1, out_dims=1)(x).tolist() == (x * 2).tolist()
    with pytest.raises(ValueError, match="Expected all tensors to have the same size"):
        torch.vmap(torch.add)(torch.ones(2), torch.ones(3))
