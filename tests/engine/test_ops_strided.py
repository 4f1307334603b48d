"""Strided views and their scatters, writes at indices (put, index_put with accumulate,
index_reduce), splitting and repeating, the shape-changing in-place ops, addr.

Each expression's outcome (dtype, shape, values, requires_grad and grad_fn name, or the error
type and message) is written as PyTorch 2.13 gave it; gradients are checked by finite
differences below."""
import math

import numpy as np
import pytest

import engine as torch
from tests.engine.torch_outcomes import recorded_test

nan, inf = math.nan, math.inf  # as the recorded values print them
RECORDED = [('torch.as_strided(torch.arange(9.), (2, 2), (1, 2))',
  ('ok', ('tensor', 'torch.float32', (2, 2), [[0.0, 2.0], [1.0, 3.0]], False, None))),
 ('torch.as_strided(torch.arange(9.), (2, 2), (3, 1), 1)',
  ('ok', ('tensor', 'torch.float32', (2, 2), [[1.0, 2.0], [4.0, 5.0]], False, None))),
 ('torch.as_strided(torch.arange(9.).reshape(3,3)[1:], (2,), (1,))',
  ('ok', ('tensor', 'torch.float32', (2,), [3.0, 4.0], False, None))),
 ('torch.as_strided(torch.arange(4.), (3, 3), (1, 1))',
  ('error', 'RuntimeError',
   'setStorage: sizes [3, 3], strides [1, 1], storage offset 0, and itemsize 4 requiring a storage '
   'size of 20 are out of bounds for storage of size 16')),
 ('torch.as_strided(torch.arange(9., requires_grad=True), (2, 2), (1, 2))',
  ('ok',
   ('tensor', 'torch.float32', (2, 2), [[0.0, 2.0], [1.0, 3.0]], True, 'AsStridedBackward0'))),
 ('torch.as_strided_scatter(torch.zeros(9), torch.ones(2, 2), (2, 2), (1, 2))',
  ('ok',
   ('tensor', 'torch.float32', (9,), [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], False, None))),
 ('torch.diagonal_scatter(torch.zeros(3, 3), torch.ones(3))',
  ('ok',
   ('tensor', 'torch.float32', (3, 3), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], False,
    None))),
 ('torch.diagonal_scatter(torch.zeros(3, 3), torch.ones(2), 1)',
  ('ok',
   ('tensor', 'torch.float32', (3, 3), [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]], False,
    None))),
 ('torch.diagonal_scatter(torch.zeros(2, 3, 3), torch.ones(3, 2), 0, 0, 1)',
  ('ok',
   ('tensor', 'torch.float32', (2, 3, 3),
    [[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
     [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]],
    False, None))),
 ('torch.diagonal_scatter(torch.zeros(3, 3), torch.ones(2))',
  ('error', 'RuntimeError',
   'expected src to have a size equal to the slice of self. src size = [2], slice size = [3]')),
 ('torch.select_scatter(torch.zeros(2, 2), torch.ones(2), 0, 0)',
  ('ok', ('tensor', 'torch.float32', (2, 2), [[1.0, 1.0], [0.0, 0.0]], False, None))),
 ('torch.select_scatter(torch.zeros(2, 3), torch.ones(2), 1, -1)',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]], False, None))),
 ('torch.select_scatter(torch.zeros(2, 2), torch.ones(3), 0, 0)',
  ('error', 'RuntimeError',
   'expected src to have a size equal to the slice of self. src size = [3], slice size = [2]')),
 ('torch.slice_scatter(torch.zeros(8, 8), torch.ones(2, 8), start=6)',
  ('ok',
   ('tensor', 'torch.float32', (8, 8),
    [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
     [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]],
    False, None))),
 ('torch.slice_scatter(torch.zeros(8, 8), torch.ones(8, 2), dim=1, start=2, end=6, step=2)',
  ('ok',
   ('tensor', 'torch.float32', (8, 8),
    [[0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0],
     [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]],
    False, None))),
 ('torch.slice_scatter(torch.zeros(4), torch.ones(2))',
  ('error', 'RuntimeError',
   'expected src to have a size equal to the slice of self. src size = [2], slice size = [4]')),
 ('torch.slice_scatter(torch.zeros(4, requires_grad=True), torch.ones(4, requires_grad=True))',
  ('ok', ('tensor', 'torch.float32', (4,), [1.0, 1.0, 1.0, 1.0], True, 'SliceScatterBackward0'))),
 ('torch.put(torch.zeros(2, 3), torch.tensor([0, 4]), torch.tensor([9., 8.]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[9.0, 0.0, 0.0], [0.0, 8.0, 0.0]], False, None))),
 ('torch.zeros(2, 3).put_(torch.tensor([0, -1]), torch.tensor([9., 8.]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[9.0, 0.0, 0.0], [0.0, 0.0, 8.0]], False, None))),
 ('torch.zeros(2, 3).put_(torch.tensor([0, 0]), torch.tensor([9., 8.]), accumulate=True)',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[17.0, 0.0, 0.0], [0.0, 0.0, 0.0]], False, None))),
 ('torch.zeros(2, 3).put_(torch.tensor([7]), torch.tensor([9.]))',
  ('error', 'IndexError', 'out of range: tried to access index 7 on a tensor of 6 elements.')),
 ('torch.index_put(torch.zeros(3), (torch.tensor([0, 0, 2]),), torch.tensor([1., 2., 3.]), '
  'accumulate=True)',
  ('ok', ('tensor', 'torch.float32', (3,), [3.0, 0.0, 3.0], False, None))),
 ('torch.index_put(torch.zeros(3), (torch.tensor([0, 2]),), torch.tensor(5.))',
  ('ok', ('tensor', 'torch.float32', (3,), [5.0, 0.0, 5.0], False, None))),
 ('torch.zeros(2, 2).index_put_((torch.tensor([0, 1]), torch.tensor([1, 0])), torch.tensor([3., '
  '4.]))',
  ('ok', ('tensor', 'torch.float32', (2, 2), [[0.0, 3.0], [4.0, 0.0]], False, None))),
 ('torch.zeros(3).index_put_([torch.tensor([True, False, True])], torch.tensor(1.))',
  ('ok', ('tensor', 'torch.float32', (3,), [1.0, 0.0, 1.0], False, None))),
 ('torch.zeros(3).index_put_((torch.tensor([0, 0]),), torch.tensor([1., 2.]), accumulate=True)',
  ('ok', ('tensor', 'torch.float32', (3,), [3.0, 0.0, 0.0], False, None))),
 ('torch.index_reduce(torch.ones(5), 0, torch.tensor([0, 0, 2]), torch.tensor([2., 3., 4.]), '
  "'prod')",
  ('ok', ('tensor', 'torch.float32', (5,), [6.0, 1.0, 4.0, 1.0, 1.0], False, None))),
 ('torch.index_reduce(torch.ones(5), 0, torch.tensor([0, 0, 2]), torch.tensor([2., 3., 4.]), '
  "'mean')",
  ('ok', ('tensor', 'torch.float32', (5,), [2.0, 1.0, 2.5, 1.0, 1.0], False, None))),
 ('torch.index_reduce(torch.ones(5), 0, torch.tensor([0, 0, 2]), torch.tensor([2., 3., 4.]), '
  "'amax', include_self=False)",
  ('ok', ('tensor', 'torch.float32', (5,), [3.0, 1.0, 4.0, 1.0, 1.0], False, None))),
 ('torch.index_reduce(torch.ones(5), 0, torch.tensor([0, 0, 2]), torch.tensor([2., 3., 4.]), '
  "'amin')",
  ('ok', ('tensor', 'torch.float32', (5,), [1.0, 1.0, 1.0, 1.0, 1.0], False, None))),
 ('torch.index_reduce(torch.ones(5), 0, torch.tensor([0, 0, 2]), torch.tensor([2., 3., 4.]), '
  "'mean', include_self=False)",
  ('ok', ('tensor', 'torch.float32', (5,), [2.5, 1.0, 4.0, 1.0, 1.0], False, None))),
 ('torch.index_reduce(torch.ones(2, 3), 1, torch.tensor([0, 0]), torch.tensor([[2., 3.], [4., '
  "5.]]), 'prod')",
  ('ok', ('tensor', 'torch.float32', (2, 3), [[6.0, 1.0, 1.0], [20.0, 1.0, 1.0]], False, None))),
 ('torch.index_reduce(torch.ones(5), 0, torch.tensor([0, 0, 2]), torch.tensor([2., 3., 4.]), '
  "'sum')",
  ('error', 'RuntimeError',
   'index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got sum.')),
 ("torch.ones(5).index_reduce_(0, torch.tensor([1]), torch.tensor([7.]), 'amax')",
  ('ok', ('tensor', 'torch.float32', (5,), [1.0, 7.0, 1.0, 1.0, 1.0], False, None))),
 ('torch.split_with_sizes(torch.arange(5), [2, 3])',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (2,), [0, 1], False, None),
     ('tensor', 'torch.int64', (3,), [2, 3, 4], False, None)]))),
 ('torch.split_with_sizes(torch.arange(5), [2, 2])',
  ('error', 'RuntimeError',
   "split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at dimension 0), "
   'but got split_sizes=[2, 2]')),
 ('torch.arange(6).reshape(2,3).split_with_sizes([1, 2], 1)',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (2, 1), [[0], [3]], False, None),
     ('tensor', 'torch.int64', (2, 2), [[1, 2], [4, 5]], False, None)]))),
 ('torch.unsafe_chunk(torch.arange(5), 2)',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (3,), [0, 1, 2], False, None),
     ('tensor', 'torch.int64', (2,), [3, 4], False, None)]))),
 ('torch.unsafe_split(torch.arange(5), 2)',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (2,), [0, 1], False, None),
     ('tensor', 'torch.int64', (2,), [2, 3], False, None),
     ('tensor', 'torch.int64', (1,), [4], False, None)]))),
 ('torch.unsafe_split_with_sizes(torch.arange(5), [1, 4])',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (1,), [0], False, None),
     ('tensor', 'torch.int64', (4,), [1, 2, 3, 4], False, None)]))),
 ('torch.narrow_copy(torch.arange(6).reshape(2, 3), 1, 1, 2)',
  ('ok', ('tensor', 'torch.int64', (2, 2), [[1, 2], [4, 5]], False, None))),
 ('torch.narrow_copy(torch.arange(6).reshape(2, 3), 1, 1, 5)',
  ('error', 'RuntimeError', 'start (1) + length (5) exceeds dimension size (3).')),
 ('torch.repeat_interleave(torch.tensor([1, 2, 3]), 2)',
  ('ok', ('tensor', 'torch.int64', (6,), [1, 1, 2, 2, 3, 3], False, None))),
 ('torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), 2)',
  ('ok', ('tensor', 'torch.int64', (8,), [1, 1, 2, 2, 3, 3, 4, 4], False, None))),
 ('torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), 3, dim=1)',
  ('ok', ('tensor', 'torch.int64', (2, 6), [[1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]], False, None))),
 ('torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0)',
  ('ok', ('tensor', 'torch.int64', (3, 2), [[1, 2], [3, 4], [3, 4]], False, None))),
 ('torch.repeat_interleave(torch.tensor([2, 1, 3]))',
  ('ok', ('tensor', 'torch.int64', (6,), [0, 0, 1, 2, 2, 2], False, None))),
 ('torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0, '
  'output_size=3)',
  ('ok', ('tensor', 'torch.int64', (3, 2), [[1, 2], [3, 4], [3, 4]], False, None))),
 ('torch.repeat_interleave(torch.tensor([1., 2.], requires_grad=True), 2)',
  ('ok', ('tensor', 'torch.float32', (4,), [1.0, 1.0, 2.0, 2.0], True, 'ViewBackward0'))),
 ('torch.repeat_interleave(torch.tensor([1, 2]), torch.tensor([1, 2, 3]))',
  ('error', 'RuntimeError',
   'repeats must have the same size as input along dim, but got repeats.size(0) = 3 and '
   'input.size(0) = 2')),
 ('torch.repeat_interleave(torch.tensor([1, 2]), -1)',
  ('error', 'RuntimeError', 'Repeats must be non-negative')),
 ('torch.unravel_index(torch.tensor([4, 1]), (2, 3))',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (2,), [1, 0], False, None),
     ('tensor', 'torch.int64', (2,), [1, 1], False, None)]))),
 ('torch.unravel_index(torch.tensor(5), (2, 3))',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (), 1, False, None),
     ('tensor', 'torch.int64', (), 2, False, None)]))),
 ('torch.unravel_index(torch.tensor([7]), (2, 3))',
  ('ok',
   ('tuple',
    [('tensor', 'torch.int64', (1,), [0], False, None),
     ('tensor', 'torch.int64', (1,), [1], False, None)]))),
 ('torch.unravel_index(torch.tensor([1.]), (2, 3))',
  ('error', 'TypeError', "expected 'indices' to be integer dtype, but got torch.float32")),
 ('torch.nonzero_static(torch.tensor([0, 1, 0, 2]), size=3)',
  ('ok', ('tensor', 'torch.int64', (3, 1), [[1], [3], [-1]], False, None))),
 ('torch.nonzero_static(torch.tensor([[0, 1], [3, 0]]), size=1, fill_value=-5)',
  ('ok', ('tensor', 'torch.int64', (1, 2), [[0, 1]], False, None))),
 ('torch.nonzero_static(torch.tensor([0, 1, 0, 2]), size=4, fill_value=-5)',
  ('ok', ('tensor', 'torch.int64', (4, 1), [[1], [3], [-5], [-5]], False, None))),
 ('torch.fill(torch.zeros(2), 3)',
  ('ok', ('tensor', 'torch.float32', (2,), [3.0, 3.0], False, None))),
 ('torch.fill(torch.zeros(2, dtype=torch.long), 3.7)',
  ('ok', ('tensor', 'torch.int64', (2,), [3, 3], False, None))),
 ('torch.detach(torch.ones(2, requires_grad=True))',
  ('ok', ('tensor', 'torch.float32', (2,), [1.0, 1.0], False, None))),
 ('torch.zeros(2).swapaxes_(0, 0)',
  ('ok', ('tensor', 'torch.float32', (2,), [0.0, 0.0], False, None))),
 ('torch.zeros(2, 3).swapdims_(0, 1).shape', ('ok', ('tuple', [('value', 3), ('value', 2)]))),
 ('torch.zeros(2, 3).t_().shape', ('ok', ('tuple', [('value', 3), ('value', 2)]))),
 ('torch.zeros(2, 1).squeeze_().shape', ('ok', ('tuple', [('value', 2)]))),
 ('torch.zeros(2).unsqueeze_(0).shape', ('ok', ('tuple', [('value', 1), ('value', 2)]))),
 ('torch.zeros(2, 3).transpose_(0, 1).is_contiguous()', ('ok', ('value', False))),
 ('torch.arange(9.).as_strided_((2, 2), (1, 2))',
  ('ok', ('tensor', 'torch.float32', (2, 2), [[0.0, 2.0], [1.0, 3.0]], False, None))),
 ('torch.addr(torch.zeros(2, 3), torch.tensor([1., 2]), torch.tensor([1., 2, 3]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]], False, None))),
 ('torch.addr(torch.ones(2, 3), torch.tensor([1., 2]), torch.tensor([1., 2, 3]), beta=2, alpha=3)',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[5.0, 8.0, 11.0], [8.0, 14.0, 20.0]], False, None))),
 ('torch.addr(torch.ones(2, 3, dtype=torch.long), torch.tensor([1, 2]), torch.tensor([1, 2, 3]))',
  ('ok', ('tensor', 'torch.int64', (2, 3), [[2, 3, 4], [3, 5, 7]], False, None))),
 ('torch.addr(torch.ones(3), torch.tensor([1., 2]), torch.tensor([1., 2, 3]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[2.0, 3.0, 4.0], [3.0, 5.0, 7.0]], False, None))),
 ('torch.ones(2,3).addr_(torch.tensor([1., 2]), torch.tensor([1., 2, 3]))',
  ('ok', ('tensor', 'torch.float32', (2, 3), [[2.0, 3.0, 4.0], [3.0, 5.0, 7.0]], False, None))),
 ('torch.addr(torch.ones(2, 3, requires_grad=True), torch.tensor([1., 2]), torch.tensor([1., 2, '
  '3]))',
  ('ok',
   ('tensor', 'torch.float32', (2, 3), [[2.0, 3.0, 4.0], [3.0, 5.0, 7.0]], True, 'AddrBackward0')))]

test_outcome_like_pytorch = recorded_test(RECORDED, torch)


# ---- gradients (finite differences) and views -----------------------------------------------------

from tests.gradcheck import gradcheck, gradgradcheck  # noqa: E402

X = np.arange(1.0, 13.0).reshape(3, 4) / 7


@pytest.mark.parametrize("fn", [
    lambda x: torch.as_strided(x, (2, 3), (1, 2), 1),
    lambda x: torch.as_strided(x, (3, 3), (1, 1)),  # overlapping: gradients add up
    lambda x, s: torch.diagonal_scatter(x, s.sum(1)[:3], 1),
    lambda x, s: torch.select_scatter(x, s[0], 0, 1),
    lambda x, s: torch.slice_scatter(x, s[:, :2], 1, 1, 4, 2),
    lambda x, s: torch.as_strided_scatter(x, s[:2, :2], (2, 2), (1, 4)),
    lambda x, s: torch.put(x, torch.tensor([0, 5, -1]), s[0, :3]),
    lambda x, s: torch.put(x, torch.tensor([0, 0, 2]), s[0, :3], accumulate=True),
    lambda x, s: torch.index_put(x, (torch.tensor([0, 0, 2]),), s[:3], accumulate=True),
    lambda x, s: torch.index_put(x, (torch.tensor([1, 2]), torch.tensor([0, 3])), s[0, :2]),
    lambda x, s: torch.index_reduce(x, 0, torch.tensor([0, 0, 2]), s, "prod"),
    lambda x, s: torch.index_reduce(x, 1, torch.tensor([0, 3, 0, 1]), s, "mean",
                                    include_self=False),
    lambda x, s: torch.index_reduce(x, 0, torch.tensor([0, 0, 2]), s, "amax"),
    lambda x, s: torch.index_reduce(x, 0, torch.tensor([1, 1, 1]), s, "amin",
                                    include_self=False),
    lambda x: torch.repeat_interleave(x, 2, dim=1),
    lambda x: torch.repeat_interleave(x, torch.tensor([2, 0, 1]), dim=0),
    lambda x: torch.addr(x, x[:, 0], x[0]),
    lambda x: torch.addr(x[0], x[:, 0], x[1], beta=0.5, alpha=2),
], ids=["as_strided", "as_strided-overlap", "diagonal_scatter", "select_scatter",
        "slice_scatter", "as_strided_scatter", "put", "put-accumulate", "index_put-accumulate",
        "index_put", "index_reduce-prod", "index_reduce-mean", "index_reduce-amax",
        "index_reduce-amin", "repeat_interleave", "repeat_interleave-tensor", "addr",
        "addr-broadcast"])
def test_gradients_match_finite_differences(fn):
    args = [X, X[::-1].copy() * 1.3][:fn.__code__.co_argcount]
    gradcheck(fn, *args)


def test_scatter_second_derivatives():
    gradgradcheck(lambda x, s: torch.slice_scatter(x, s[:, :2], 1, 0, 2) ** 2, X, X * 2)
    gradgradcheck(lambda x: torch.as_strided(x, (2, 2), (4, 1)) ** 2, X)


def test_index_reduce_prod_with_zeros_has_the_exact_gradient():
    x = torch.tensor([2., 0., 3.], requires_grad=True)
    s = torch.tensor([0., 5.], requires_grad=True)
    torch.index_reduce(x, 0, torch.tensor([0, 0]), s, "prod").sum().backward()
    # out[0] = 2 * 0 * 5: d/dx0 = 0, d/ds0 = 2 * 5 (the one zero is s0), d/ds1 = 0
    assert x.grad.tolist() == [0.0, 1.0, 1.0] and s.grad.tolist() == [10.0, 0.0]


def test_as_strided_is_a_view_of_the_storage():
    base = torch.arange(9.)
    view = base.as_strided((2, 2), (3, 1), 1)
    view[0, 0] = 100
    assert base[1].item() == 100.0
    assert view.storage_offset() == 1 and view.stride() == (3, 1)
    row = torch.arange(9.).reshape(3, 3)[1:]
    assert torch.as_strided(row, (2,), (1,)).tolist() == [3.0, 4.0]  # offset kept


def test_shape_changing_in_place_ops_rebase_autograd():
    x = torch.arange(6., requires_grad=True)
    z = (x * 2).reshape(2, 3)
    z.t_()
    assert z.shape == (3, 2) and type(z.grad_fn).__name__ == "TBackward0"
    z.unsqueeze_(0).squeeze_(0).transpose_(0, 1)
    (z * torch.arange(6.).reshape(2, 3)).sum().backward()
    assert x.grad.tolist() == [0., 2., 4., 6., 8., 10.]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.t_()
