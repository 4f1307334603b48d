"""Shape ops: cat, stack, split, chunk, unbind, select, narrow, repeat, tile, flip, roll, movedim.

Forward values against NumPy, gradients through the shared gradcheck, grad_fn names and error
messages as PyTorch 2.13 prints them (written here as literals, taken from real torch).
"""
import numpy as np
import pytest

import engine
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import T, float64_normal, raises
from tests.helpers import grad_fn_name as name

arr = float64_normal(7)


# ---- cat / stack ------------------------------------------------------------------------------

def test_cat_values_and_dims():
    a, b = arr(2, 3), arr(2, 4)
    np.testing.assert_array_equal(engine.cat([T(a), T(b)], 1).numpy(),
                                  np.concatenate([a, b], 1))
    np.testing.assert_array_equal(engine.cat((T(a), T(a)), -2).numpy(),
                                  np.concatenate([a, a], 0))
    assert engine.concat([T(a), T(a)]).shape == (4, 3)
    assert engine.concatenate([T(a), T(a)], dim=1).shape == (2, 6)


def test_cat_skips_legacy_empty_1d_and_promotes():
    # torch.cat([torch.zeros(2, 3), torch.zeros(0)]).shape == torch.Size([2, 3])
    assert engine.cat([engine.zeros(2, 3), engine.zeros(0)]).shape == (2, 3)
    # int64 with float64 -> float64; int64 with float32 -> float32
    got = engine.cat([engine.tensor([1]), engine.tensor([1.5], dtype=engine.float64)])
    assert got.dtype is engine.float64 and got.tolist() == [1.0, 1.5]
    assert engine.cat([engine.tensor([1]), engine.tensor([2.5])]).dtype is engine.float32


def test_cat_gradients():
    a, b, c = arr(2, 3), arr(2, 1), arr(2, 2)
    gradcheck(lambda x, y, z: engine.cat([x, y, z], 1), a, b, c)
    gradcheck(lambda x: engine.cat([x, x * 2], 0), a)
    gradgradcheck(lambda x, y: engine.cat([x * x, y], 1) * 3, a, b)


def test_cat_grad_fn_and_out():
    x = T(arr(2, 2), requires_grad=True)
    assert name(engine.cat([x, x])) == "CatBackward0"
    out = engine.zeros(1)
    engine.cat([engine.ones(2), engine.zeros(1)], out=out)
    assert out.tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("call, exc, msg", [
    (lambda: engine.cat([]), ValueError, "torch.cat(): expected a non-empty list of Tensors"),
    (lambda: engine.cat([engine.zeros(2, 3), engine.zeros(3, 3)], 1), RuntimeError,
     "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for "
     "tensor number 1 in the list."),
    (lambda: engine.cat([engine.zeros(2, 3), engine.zeros(3)]), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda: engine.cat([engine.zeros(2, 3)], 2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: engine.cat(engine.zeros(2)), TypeError,
     "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"),
    (lambda: engine.cat([engine.tensor(1.)]), RuntimeError,
     "zero-dimensional tensor (at position 0) cannot be concatenated"),
    (lambda: engine.stack([]), RuntimeError, "stack expects a non-empty TensorList"),
    (lambda: engine.stack([engine.zeros(2, 3), engine.zeros(3)]), RuntimeError,
     "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3] at entry 1"),
    (lambda: engine.stack([engine.zeros(2, 3)], 3), IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
])
def test_cat_stack_errors(call, exc, msg):
    raises(exc, msg, call)


def test_stack_values_gradients_and_name():
    a, b = arr(2, 3), arr(2, 3)
    for d in (0, 1, 2, -1):
        np.testing.assert_array_equal(engine.stack([T(a), T(b)], d).numpy(),
                                      np.stack([a, b], d))
    gradcheck(lambda x, y: engine.stack([x, y], 1), a, b)
    gradgradcheck(lambda x, y: engine.stack([x * x * y, y], 0), a, b)
    assert name(engine.stack([T(a, requires_grad=True)])) == "StackBackward0"


def test_hstack_vstack():
    a, b = arr(3), arr(2)
    np.testing.assert_array_equal(engine.hstack([T(a), T(b)]).numpy(), np.hstack([a, b]))
    m = arr(2, 3)
    np.testing.assert_array_equal(engine.vstack([T(m), T(a)]).numpy(), np.vstack([m, a]))


# ---- split / chunk / unbind -------------------------------------------------------------------

def test_split_by_size_and_sections():
    a = arr(5, 4)
    x = T(a)
    parts = x.split(2)
    assert [p.shape[0] for p in parts] == [2, 2, 1]
    for p, ref in zip(parts, np.split(a, [2, 4])):
        np.testing.assert_array_equal(p.numpy(), ref)
    parts = engine.split(x, [1, 3], dim=1)
    np.testing.assert_array_equal(parts[1].numpy(), a[:, 1:])
    assert isinstance(parts, tuple)


def test_split_outputs_are_views_and_multi_output_nodes():
    base = engine.zeros(4, 2)
    a, b = base.split(2)
    a[0, 0] = 5.0
    assert base[0, 0].item() == 5.0
    x = T(arr(4, 3), requires_grad=True)
    parts = x.split(1, dim=1)
    assert [name(p) for p in parts] == ["SplitBackward0"] * 3
    assert parts[0].grad_fn is parts[2].grad_fn
    assert [p._output_nr for p in parts] == [0, 1, 2]
    assert name(x.split([1, 2], 1)[0]) == "SplitWithSizesBackward0"


def test_split_gradient_with_unused_pieces():
    a = arr(5, 3)
    # only the middle piece is used: the others get zero gradient
    gradcheck(lambda x: x.split(2)[1] * 3, a)
    gradcheck(lambda x: engine.cat([p * (i + 1) for i, p in enumerate(x.split([1, 2], 1))], 1), a)
    gradgradcheck(lambda x: x.split(2)[0] * x.split(2)[1], arr(4, 2))


def test_chunk_sizes_like_pytorch():
    # torch.arange(5).chunk(3) -> sizes [2, 2, 1]; torch.arange(6).chunk(4) -> [2, 2, 2]
    assert [c.tolist() for c in engine.arange(5).chunk(3)] == [[0, 1], [2, 3], [4]]
    assert [c.tolist() for c in engine.arange(6).chunk(4)] == [[0, 1], [2, 3], [4, 5]]
    # torch.zeros(0).chunk(3) -> three empty tensors
    assert len(engine.zeros(0).chunk(3)) == 3
    x = T(arr(2, 3), requires_grad=True)
    assert name(x.chunk(2, 1)[0]) == "SplitBackward0"
    gradcheck(lambda t: t.chunk(2, 1)[1] * 2, arr(2, 3))


def test_unbind():
    a = arr(3, 2)
    parts = T(a).unbind(1)
    assert len(parts) == 2
    np.testing.assert_array_equal(parts[1].numpy(), a[:, 1])
    x = T(a, requires_grad=True)
    u = x.unbind(0)
    assert name(u[1]) == "UnbindBackward0" and u[1]._output_nr == 1
    gradcheck(lambda t: t.unbind(0)[2] * 4, a)
    gradcheck(lambda t: engine.stack(t.unbind(1)[::-1]), a)


@pytest.mark.parametrize("call, exc, msg", [
    (lambda x: x.split(0), RuntimeError,
     "split_size can only be 0 if dimension size is 0, but got dimension size of 2"),
    (lambda x: x.split([1, 1], 1), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at "
     "dimension 1), but got split_sizes=[1, 1]"),
    (lambda x: x.chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda x: x.unbind(3), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    (lambda x: x.select(1, 3), IndexError,
     "select(): index 3 out of range for tensor of size [2, 3] at dimension 1"),
    (lambda x: x.narrow(1, 5, 1), IndexError,
     "start out of range (expected to be in range of [-3, 3], but got 5)"),
    (lambda x: x.narrow(1, 1, 5), RuntimeError,
     "start (1) + length (5) exceeds dimension size (3)."),
    (lambda x: x.narrow(1, 0, -1), RuntimeError, "narrow(): length must be non-negative."),
    (lambda x: x.repeat(2), RuntimeError,
     "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
     "tensor"),
    (lambda x: x.repeat(-1, 2), RuntimeError,
     "Trying to create tensor with negative dimension -2: [-2, 6]"),
    (lambda x: x.flip(0, 0), RuntimeError, "dim 0 appears multiple times in the list of dims"),
    (lambda x: x.roll(1, (0, 1)), RuntimeError, "shifts and dimensions must align. shifts: 1, "
     "dims:2"),
    (lambda x: x.movedim(0, 5), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
])
def test_shape_errors(call, exc, msg):
    raises(exc, msg, lambda: call(engine.zeros(2, 3)))


# ---- select / narrow (views) ------------------------------------------------------------------

def test_select_and_narrow_are_views():
    base = engine.zeros(3, 4)
    row = base.select(0, 1)
    row.fill_(2.0)
    assert base.sum().item() == 8.0
    cols = base.narrow(1, 1, 2)
    cols.fill_(1.0)
    np.testing.assert_array_equal(base.numpy()[:, 1:3], np.ones((3, 2)))
    assert base.narrow(1, -2, 2).shape == (3, 2)
    assert base.select(1, -1).shape == (3,)


def test_select_narrow_gradients_and_names():
    a = arr(3, 4)
    x = T(a, requires_grad=True)
    assert name(x.select(1, 0)) == "SelectBackward0"
    assert name(x.narrow(1, 0, 2)) == "SliceBackward0"
    gradcheck(lambda t: t.select(1, 2) * 3, a)
    gradcheck(lambda t: t.narrow(0, 1, 2) ** 2, a)
    np.testing.assert_array_equal(T(a).narrow(1, 1, 2).numpy(), a[:, 1:3])


# ---- repeat / tile / flip / roll / movedim ------------------------------------------------------

def test_repeat_and_tile_values():
    a = arr(2, 3)
    np.testing.assert_array_equal(T(a).repeat(2, 1, 2).numpy(), np.tile(a, (2, 1, 2)))
    np.testing.assert_array_equal(T(a).repeat(1, 1).numpy(), a)
    np.testing.assert_array_equal(T(a).tile(2).numpy(), np.tile(a, (1, 2)))
    np.testing.assert_array_equal(engine.tile(T(a), (2, 1, 1)).numpy(), np.tile(a, (2, 1, 1)))
    assert T(a).repeat(0, 2).shape == (0, 6)


def test_repeat_gradients():
    a = arr(2, 3)
    x = T(a, requires_grad=True)
    assert name(x.repeat(2, 1)) == "RepeatBackward0"
    assert name(x.tile(2)) == "RepeatBackward0"
    gradcheck(lambda t: t.repeat(2, 3), a)
    gradcheck(lambda t: t.repeat(3, 1, 2), a)
    gradgradcheck(lambda t: (t * t).repeat(2, 2), a)


def test_flip_copies_and_gradients():
    a = arr(2, 3, 2)
    np.testing.assert_array_equal(T(a).flip(0, 2).numpy(), a[::-1, :, ::-1])
    np.testing.assert_array_equal(engine.flip(T(a), [1]).numpy(), a[:, ::-1])
    np.testing.assert_array_equal(T(a[0]).fliplr().numpy(), np.fliplr(a[0]))
    np.testing.assert_array_equal(T(a[0]).flipud().numpy(), np.flipud(a[0]))
    base = T(a)
    flipped = base.flip(0)
    flipped.zero_()
    assert base.abs().sum().item() > 0  # flip copies, as in PyTorch
    assert name(T(a, requires_grad=True).flip(0)) == "FlipBackward0"
    gradcheck(lambda t: t.flip(0, 1) * engine.arange(6.).reshape(3, 2).double(), a)


def test_roll():
    a = arr(3, 4)
    np.testing.assert_array_equal(T(a).roll(1).numpy(), np.roll(a, 1))
    np.testing.assert_array_equal(T(a).roll(-1, 1).numpy(), np.roll(a, -1, 1))
    np.testing.assert_array_equal(T(a).roll((1, 2), (0, 1)).numpy(), np.roll(a, (1, 2), (0, 1)))
    assert name(T(a, requires_grad=True).roll(1)) == "RollBackward0"
    w = engine.arange(12.).reshape(3, 4).double()
    gradcheck(lambda t: t.roll(2, 1) * w, a)
    gradcheck(lambda t: t.roll(5) * w, a)


def test_movedim():
    a = arr(2, 3, 4)
    np.testing.assert_array_equal(T(a).movedim(0, 2).numpy(), np.moveaxis(a, 0, 2))
    np.testing.assert_array_equal(engine.movedim(T(a), (0, 1), (2, 0)).numpy(),
                                  np.moveaxis(a, (0, 1), (2, 0)))
    np.testing.assert_array_equal(T(a).moveaxis(-1, 0).numpy(), np.moveaxis(a, -1, 0))
    x = T(a, requires_grad=True)
    assert name(x.movedim(0, 1)) == "PermuteBackward0"
    moved = x.detach().movedim(0, 2)
    moved[0, 0, 0] = 100.0
    assert x[0, 0, 0].item() == 100.0  # a view
    gradcheck(lambda t: t.movedim(2, 0) * engine.arange(24.).reshape(4, 2, 3).double(), a)


def test_multi_output_nodes_with_autograd_grad_and_hooks():
    x = engine.tensor(arr(4, 3), requires_grad=True)
    w = engine.tensor(arr(3), requires_grad=True)
    a, b = x.split(2)
    loss = (a * w).sum() + b.sum()
    (gw,) = engine.autograd.grad(loss, [w], retain_graph=True)
    np.testing.assert_allclose(gw.numpy(), x.detach().numpy()[:2].sum(0), rtol=1e-6)
    (gx,) = engine.autograd.grad(loss, [x], create_graph=True)
    assert gx.requires_grad  # the gradient itself has a graph (cat of the pieces)
    np.testing.assert_allclose(gx.detach().numpy()[2:], np.ones((2, 3)))
    seen = []
    a, b = x.split(2)
    b.register_hook(lambda g: seen.append(tuple(g.shape)))
    (a.sum() + (b * 2).sum()).backward()
    assert seen == [(2, 3)]
    assert x.grad.tolist() == [[1.0] * 3] * 2 + [[2.0] * 3] * 2
    u = x.unbind(0)
    u[3].retain_grad()
    (u[3] * 5).sum().backward()
    assert u[3].grad.tolist() == [5.0, 5.0, 5.0]


# ---- triangles, diagonals, broadcasting, meshgrid ----------------------------------------------

def test_tril_triu():
    a = arr(3, 4)
    for k in (0, 1, -1, 5):
        np.testing.assert_array_equal(T(a).tril(k).numpy(), np.tril(a, k))
        np.testing.assert_array_equal(engine.triu(T(a), k).numpy(), np.triu(a, k))
    b = arr(2, 3, 4)
    np.testing.assert_array_equal(T(b).triu().numpy(), np.triu(b))  # batched: last two dims
    x = T(a, requires_grad=True)
    assert name(x.tril()) == "TrilBackward0" and name(x.triu(1)) == "TriuBackward0"
    gradcheck(lambda t: t.tril(-1), a)
    gradcheck(lambda t: t.triu(1), b)
    with pytest.raises(RuntimeError) as info:
        engine.zeros(2).tril()
    assert str(info.value) == "tril: input tensor must have at least 2 dimensions"


def test_diagonal_is_a_writable_view():
    x = engine.zeros(3, 3)
    x.diagonal().fill_(1.0)
    assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    a = np.arange(24.0).reshape(2, 3, 4)
    for args in ((), (1,), (-1,), (5,), (1, 0, 2), (0, -1, 1)):
        np.testing.assert_array_equal(T(a).diagonal(*args).numpy(), np.diagonal(a, *args))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, 1"):
        T(a).diagonal(0, 1, 1)


def test_diagonal_and_diag_gradients():
    a = arr(2, 3, 4)
    x = T(a, requires_grad=True)
    assert name(x.diagonal(1, 0, 2)) == "DiagonalBackward0"
    gradcheck(lambda t: t.diagonal(1, 0, 2), a)
    gradcheck(lambda t: t.diagonal(-1, 2, 1), a)
    gradgradcheck(lambda t: (t * t).diagonal(), arr(3, 3))
    v = arr(3)
    assert name(engine.diag(T(v, requires_grad=True))) == "DiagEmbedBackward0"
    np.testing.assert_array_equal(engine.diag(T(v), 1).numpy(), np.diag(v, 1))
    m = arr(3, 4)
    np.testing.assert_array_equal(engine.diag(T(m), -1).numpy(), np.diag(m, -1))
    gradcheck(lambda t: engine.diag(t, -1), v)
    gradcheck(lambda t: t.diag(1), m)
    # torch.diag(tensor([1, 2]), -1)
    assert engine.diag(engine.tensor([1, 2]), -1).tolist() == [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    with pytest.raises(RuntimeError) as info:
        engine.zeros(2, 2, 2).diag()
    assert str(info.value) == "diag(): Supports 1D or 2D tensors. Got 3D"


def test_broadcast_helpers():
    assert engine.broadcast_to(engine.tensor([1, 2]), (3, 2)).tolist() == [[1, 2]] * 3
    a, b = engine.broadcast_tensors(engine.zeros(2, 1), engine.ones(3))
    assert a.shape == b.shape == (2, 3)
    assert engine.broadcast_shapes((2, 1), (3,), (4, 1, 1)) == (4, 2, 3)
    with pytest.raises(RuntimeError) as info:
        engine.broadcast_shapes((2, 1), (3, 4))
    assert str(info.value) == ("Attempting to broadcast a dimension of length 3 at -2! "
                               "Mismatching argument at index 1 had (3, 4); but expected shape "
                               "should be broadcastable to [2, 4]")
    with pytest.raises(RuntimeError) as info:
        engine.broadcast_tensors(engine.zeros(2, 2), engine.zeros(3))
    assert str(info.value) == ("The size of tensor a (2) must match the size of tensor b (3) at "
                               "non-singleton dimension 1")
    gradcheck(lambda s, t: engine.broadcast_tensors(s, t)[0] * engine.broadcast_tensors(s, t)[1],
              arr(2, 1), arr(3))


def test_meshgrid_ij_and_xy():
    x, y = engine.tensor([1, 2]), engine.tensor([3, 4, 5])
    gi = engine.meshgrid(x, y, indexing="ij")
    ni = np.meshgrid([1, 2], [3, 4, 5], indexing="ij")
    gx = engine.meshgrid([x, y], indexing="xy")
    nx = np.meshgrid([1, 2], [3, 4, 5], indexing="xy")
    for got, ref in zip(gi + gx, ni + nx):
        np.testing.assert_array_equal(got.numpy(), ref)
    three = engine.meshgrid(x, y, engine.tensor([6, 7]), indexing="xy")
    ref = np.meshgrid([1, 2], [3, 4, 5], [6, 7], indexing="xy")
    for got, r in zip(three, ref):
        np.testing.assert_array_equal(got.numpy(), r)
    gradcheck(lambda s, t: engine.meshgrid(s, t, indexing="xy")[0] *
              engine.meshgrid(s, t, indexing="xy")[1], arr(2), arr(3))
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        engine.meshgrid(engine.zeros(2, 2), indexing="ij")


def test_tril_triu_inplace():
    x = engine.ones(2, 3)
    x.tril_()
    assert x.tolist() == [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    x.triu_(1)
    assert x.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def test_expand_error_names_the_tensor_type():
    with pytest.raises(RuntimeError) as info:
        engine.zeros(2, 3, dtype=engine.int64).expand(2)
    # torch 2.13, verbatim
    assert str(info.value) == ("expand(torch.LongTensor{[2, 3]}, size=[2]): the number of sizes "
                               "provided (1) must be greater or equal to the number of "
                               "dimensions in the tensor (2)")


@pytest.mark.parametrize("call, msg", [
    (lambda: engine.zeros(2, 3).unflatten(1, (2, 2)),
     "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (3) in the input "
     "tensor"),
    (lambda: engine.zeros(2, 3).reshape(-2, 3),
     "invalid shape dimension -2 at index 0 of shape [-2, 3]"),
    (lambda: engine.zeros(0, 3).view(-1, 0),
     "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified dimension "
     "size -1 can be any value and is ambiguous"),
    (lambda: engine.zeros(1, 3).squeeze((0, 0)),
     "dim 0 appears multiple times in the list of dims"),
])
def test_reshape_family_messages(call, msg):
    raises(RuntimeError, msg, call)
    assert engine.zeros(2, 3).unflatten(1, (-1, 3)).shape == (2, 1, 3)
    assert engine.zeros(0, 3).reshape(0, 3).shape == (0, 3)


# ---- NumPy-style extras: tensor_split/hsplit/..., atleast_*, stacks, rot90, diag_embed, unfold --

def test_tensor_split_and_friends():
    x = engine.arange(7)
    assert [t.tolist() for t in x.tensor_split(3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [t.tolist() for t in x.tensor_split([1, 5])] == [[0], [1, 2, 3, 4], [5, 6]]
    assert [t.tolist() for t in x.tensor_split([5, 1])] == [[0, 1, 2, 3, 4], [],
                                                             [1, 2, 3, 4, 5, 6]]
    assert [t.tolist() for t in x.tensor_split(engine.tensor([2, 4]))] == [[0, 1], [2, 3],
                                                                             [4, 5, 6]]
    m = engine.arange(12).reshape(3, 4)
    assert [t.shape for t in m.hsplit(2)] == [(3, 2), (3, 2)]
    assert [t.shape for t in m.vsplit([1])] == [(1, 4), (2, 4)]
    assert [t.shape for t in engine.dsplit(engine.zeros(2, 2, 4), 2)] == [(2, 2, 2)] * 2
    assert [t.tolist() for t in engine.arange(6).hsplit(3)] == [[0, 1], [2, 3], [4, 5]]
    pieces = m.tensor_split(2, 1)
    pieces[0][0, 0] = 100  # views, as in torch
    assert m[0, 0].item() == 100
    for call, msg in (
            (lambda: m.hsplit(3), "torch.hsplit attempted to split along dimension 1, but the "
                                  "size of the dimension 4 is not divisible by the split_size 3!"),
            (lambda: engine.arange(6).vsplit(2), "torch.vsplit requires a tensor with at least "
                                                 "2 dimension, but got a tensor with 1 "
                                                 "dimensions!")):
        raises(RuntimeError, msg, call)
    gradcheck(lambda t: engine.cat([p * (i + 1) for i, p in enumerate(t.tensor_split(3, 1))],
                                   1), arr(3, 4))


def test_ravel_atleast_and_stacks():
    a = arr(3, 4)
    np.testing.assert_array_equal(T(a).t().ravel().numpy(), a.T.ravel())
    assert name(T(a, requires_grad=True).t().ravel()) == "ViewBackward0"
    assert engine.atleast_1d(engine.tensor(1.0)).shape == (1,)
    assert engine.atleast_2d(engine.zeros(3)).shape == (1, 3)
    assert engine.atleast_3d(engine.zeros(3, 2)).shape == (3, 2, 1)
    assert engine.atleast_3d(engine.zeros(3)).shape == (1, 3, 1)
    assert [t.shape for t in engine.atleast_2d(engine.zeros(3), engine.tensor(1.0))] == \
        [(1, 3), (1, 1)]
    np.testing.assert_array_equal(engine.column_stack([T(a[:, 0]), T(a)]).numpy(),
                                  np.column_stack([a[:, 0], a]))
    np.testing.assert_array_equal(engine.dstack([T(a), T(a)]).numpy(), np.dstack([a, a]))
    np.testing.assert_array_equal(engine.row_stack([T(a[0]), T(a)]).numpy(),
                                  np.vstack([a[0], a]))
    gradcheck(lambda t: engine.dstack([t, t * 2]), a)


def test_rot90():
    a = arr(3, 4)
    for k in (1, 2, 3, -1, 5):
        np.testing.assert_array_equal(T(a).rot90(k).numpy(), np.rot90(a, k))
    np.testing.assert_array_equal(engine.rot90(T(a), 1, [1, 0]).numpy(), np.rot90(a, 1, (1, 0)))
    assert name(T(a, requires_grad=True).rot90()) == "Rot90Backward0"
    gradcheck(lambda t: t.rot90(1), a)
    gradcheck(lambda t: t.rot90(3, [1, 0]), a)
    with pytest.raises(RuntimeError) as info:
        T(a).rot90(1, [0, 0])
    assert str(info.value) == ("expected rotation dims to be different, but got dim0 = 0 and "
                               "dim1 = 0")
    with pytest.raises(RuntimeError) as info:
        engine.arange(4).rot90()
    assert str(info.value) == "expected total dims >= 2, but got total dims = 1"


def test_diag_embed():
    x = engine.arange(6.0).reshape(2, 3)
    got = engine.diag_embed(x)
    assert got.shape == (2, 3, 3) and got[1].tolist() == [[3.0, 0.0, 0.0], [0.0, 4.0, 0.0],
                                                         [0.0, 0.0, 5.0]]
    assert engine.diag_embed(x, 1).shape == (2, 4, 4)
    # torch.diag_embed(arange(6.).reshape(2, 3), -1, 0, 2)[:, 1], shape (4, 2, 4)
    got = engine.diag_embed(x, -1, 0, 2)
    assert got.shape == (4, 2, 4)
    assert got[:, 1].tolist() == [[0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0],
                                  [0.0, 4.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0]]
    assert name(engine.diag_embed(T(arr(2, 3), requires_grad=True))) == "DiagEmbedBackward0"
    gradcheck(lambda t: engine.diag_embed(t, 1), arr(2, 3))
    gradcheck(lambda t: engine.diag_embed(t, -1, 0, 2), arr(2, 3))


def test_unfold_windows_are_views_and_gradients_add_up():
    x = engine.arange(10.0)
    # torch.arange(10).unfold(0, 3, 2) -> [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8]]
    assert x.unfold(0, 3, 2).tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0], [4.0, 5.0, 6.0],
                                           [6.0, 7.0, 8.0]]
    m = engine.arange(12.0).reshape(3, 4)
    assert m.unfold(1, 2, 1).shape == (3, 3, 2) and m.unfold(0, 2, 1).shape == (2, 4, 2)
    assert m.t().unfold(1, 2, 1)[1].tolist() == [[1.0, 5.0], [5.0, 9.0]]
    window = m.unfold(1, 2, 2)
    window[0, 0, 0] = -1.0  # a view
    assert m[0, 0].item() == -1.0
    t = T(arr(3, 4), requires_grad=True)
    assert name(t.unfold(1, 2, 1)) == "UnfoldBackward0"
    gradcheck(lambda u: u.unfold(1, 3, 1), arr(3, 4))  # overlapping windows accumulate
    gradcheck(lambda u: u.unfold(1, 1, 2), arr(3, 4))  # gaps get zero
    gradgradcheck(lambda u: (u * u).unfold(0, 2, 1), arr(3, 4))
    for call, msg in ((lambda: x.unfold(0, 11, 2), "maximum size for tensor at dimension 0 is "
                                                   "10 but size is 11"),
                      (lambda: x.unfold(0, 3, 0), "step is 0 but must be > 0")):
        raises(RuntimeError, msg, call)


def test_tril_triu_indices():
    assert engine.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    assert engine.triu_indices(3, 4, 1).tolist() == [[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3]]
    assert engine.tril_indices(3, 3, dtype=engine.int32).dtype is engine.int32
    rows, cols = engine.tril_indices(4, 3, -1)
    np.testing.assert_array_equal(rows.numpy(), np.tril_indices(4, -1, 3)[0])
