"""Indexing read and write (ints, slices, steps, ellipsis, None, bool masks, int tensors/lists),
with values against NumPy and gradients (repeated indices accumulate); views that share
storage with their base (view, t, transpose, permute, slicing, expand, unsqueeze, ...);
is_contiguous/contiguous, clone/detach. Names and messages are PyTorch 2.13's.
"""
import numpy as np
import pytest

import engine
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import grad_fn_name as name
from tests.helpers import raises

A = np.arange(24.0).reshape(2, 3, 4)


# ---- reading ----------------------------------------------------------------------------------

BASIC = [
    (1,), (1, 2), (1, 2, 3), (-1, -1), (slice(None), 1), (Ellipsis, 1),
    (0, Ellipsis, slice(1, 3)), (None,), (slice(None), None, slice(None), None),
    (Ellipsis, None), (slice(None, None, 2),), (slice(None), slice(1, None, 2)),
    (slice(-2, None),), (slice(5, 2),), (slice(100, None),), (1, slice(None), slice(None, None, 3)),
]


@pytest.mark.parametrize("index", BASIC, ids=repr)
def test_basic_indexing_matches_numpy_and_is_a_view(index):
    base = engine.tensor(A)
    got = base[index]
    np.testing.assert_array_equal(got.numpy(), A[index])
    if got.dim() > 0 and got.numel() > 0:
        assert got._base is base  # a view: shares storage and version counter
        got[(0,) * got.dim()] = -1.0
        assert base.numpy()[index][(0,) * got.dim()] == -1.0


ADVANCED = [
    ([0, 1],), ([1, 0], [2, 2]), ([1, 1, 0],), (slice(None), [0, 0, 2]),
    (np.array([[0, 1], [1, 1]]),), (A[..., 0] > 10,), (A > 11.5,),
    (np.array([True, False]),), ([1], Ellipsis, [0]), ([0, 1], slice(None), [2, 3]),
    (slice(None), [0, 1], [2, 3]), (True,), (False,),
]


@pytest.mark.parametrize("index", ADVANCED, ids=repr)
def test_advanced_indexing_matches_numpy_and_copies(index):
    conv = tuple(engine.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    base = engine.tensor(A)
    got = base[conv]
    np.testing.assert_array_equal(got.numpy(), A[index])
    assert got._base is None and got.is_contiguous()  # a contiguous copy, as in PyTorch
    if got.numel():
        got.view(-1)[0] = -5.0
        assert (base.numpy() != -5.0).all()


def test_index_with_tensors_lists_and_0d_tensors():
    x = engine.arange(12).reshape(3, 4)
    assert x[engine.tensor([0, 2]), 1:].tolist() == [[1, 2, 3], [9, 10, 11]]
    assert x[engine.tensor(1)].tolist() == [4, 5, 6, 7]  # a 0-d int tensor acts as an int
    assert x[engine.tensor(True)].shape == (1, 3, 4)
    assert x[[0, 1], ][:, [1]].tolist() == [[1], [5]]
    assert x[(0, 1)].item() == 1
    assert x[x > 6].tolist() == [7, 8, 9, 10, 11]
    assert x[engine.tensor([True, False, True])].tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert x[engine.tensor([[0, 1], [2, 2]])].shape == (2, 2, 4)
    assert x[engine.tensor([1, 0], dtype=engine.int32)].tolist() == [[4, 5, 6, 7], [0, 1, 2, 3]]


def test_int_and_list_separated_by_slice_keep_pytorch_order():
    x = engine.arange(24).reshape(2, 3, 4)
    # torch.arange(24).reshape(2, 3, 4)[0, :, [2, 3]] -> shape (3, 2)
    assert x[0, :, [2, 3]].tolist() == [[2, 3], [6, 7], [10, 11]]


def test_lists_around_an_empty_ellipsis_stay_in_place():
    x = engine.arange(60).reshape(3, 4, 5)
    # torch.arange(60).reshape(3, 4, 5)[:, [0, 1], ..., [2, 3]] -> shape (3, 2)
    assert x[:, [0, 1], ..., [2, 3]].tolist() == [[2, 8], [22, 28], [42, 48]]


@pytest.mark.parametrize("index, exc, msg", [
    (10, IndexError, "index 10 is out of bounds for dimension 0 with size 10"),
    (-11, IndexError, "index -11 is out of bounds for dimension 0 with size 10"),
    ((0, 0), IndexError, "too many indices for tensor of dimension 1"),
    (engine.tensor([0.0]), IndexError,
     "tensors used as indices must be long, int, byte or bool tensors"),
    (1.5, IndexError, "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                      "Variables are valid indices (got float)"),
])
def test_index_errors(index, exc, msg):
    raises(exc, msg, lambda: engine.arange(10)[index])


def test_negative_step_is_refused():
    with pytest.raises(ValueError):
        engine.arange(10)[::-1]


# ---- reading: gradients -----------------------------------------------------------------------

GRAD_CASES = [
    (lambda t: t[1], "SelectBackward0"),
    (lambda t: t[1, 2], "SelectBackward0"),
    (lambda t: t[:, 1], "SelectBackward0"),
    (lambda t: t[1:, ::2], "SliceBackward0"),
    (lambda t: t[..., -1], "SelectBackward0"),
    (lambda t: t[None, 1], "SelectBackward0"),
    (lambda t: t[:, None], "UnsqueezeBackward0"),
    (lambda t: t[[0, 0, 2]], "IndexBackward0"),
    (lambda t: t[[0, 0], [1, 1]], "IndexBackward0"),
    (lambda t: t[engine.tensor([2, 0, 2])], "IndexBackward0"),
    (lambda t: t[engine.tensor([True, False, True])], "IndexBackward0"),
    (lambda t: t[:, [3, 3, 3]], "IndexBackward0"),
    (lambda t: t[[0, 2]][:, 1:3], "SliceBackward0"),
    (lambda t: t.t()[1], "SelectBackward0"),
    (lambda t: t.view(12)[[1, 1, 5]], "IndexBackward0"),
    (lambda t: t.transpose(0, 1)[::2], "SliceBackward0"),
]


@pytest.mark.parametrize("fn, node", GRAD_CASES)
def test_indexing_gradients(fn, node):
    a = np.arange(1.0, 13.0).reshape(3, 4)
    assert name(fn(engine.tensor(a, requires_grad=True))) == node
    gradcheck(fn, a)


def test_repeated_indices_accumulate_like_pytorch():
    x = engine.tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
    y = x[[0, 0, 2]]
    (y * engine.arange(1.0, 13.0).reshape(3, 4)).sum().backward()
    # torch: [[6, 8, 10, 12], [0, 0, 0, 0], [9, 10, 11, 12]]
    assert x.grad.tolist() == [[6.0, 8.0, 10.0, 12.0], [0.0] * 4, [9.0, 10.0, 11.0, 12.0]]
    x.grad = None
    x[[0, 0], [1, 1]].sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 0.0, 0.0], [0.0] * 4, [0.0] * 4]
    x.grad = None
    x[x > 6].sum().backward()
    assert x.grad.sum().item() == 6.0


def test_indexing_second_derivatives():
    a = np.arange(1.0, 13.0).reshape(3, 4) / 7
    gradgradcheck(lambda t: (t * t)[[0, 0, 2], 1:], a)
    gradgradcheck(lambda t: (t * t * t)[1, ::2], a)


# ---- writing ----------------------------------------------------------------------------------

WRITES = [
    ((0, 1), 9.0), (slice(None), np.array([1.0, 2.0, 3.0])), ((Ellipsis, 0), np.array([5.0, 6.0])),
    ([0, 0], 7.0), ((slice(None, None, 2), 1), 4.0), ((None, 1), 3.0),
    ((slice(None), [0, 2]), np.array([[1.0, 2.0]])),
]


@pytest.mark.parametrize("index, value", WRITES, ids=repr)
def test_setitem_matches_numpy(index, value):
    ref = np.zeros((2, 3))
    ref[index] = value
    got = engine.zeros(2, 3, dtype=engine.float64)
    got[index] = engine.tensor(value) if isinstance(value, np.ndarray) else value
    np.testing.assert_array_equal(got.numpy(), ref)


def test_setitem_masks_casts_and_versions():
    x = engine.tensor([[1.0, -1.0], [2.0, -2.0]])
    x[x > 0] = 0
    assert x.tolist() == [[0.0, -1.0], [0.0, -2.0]]
    ints = engine.zeros(5, dtype=engine.int64)
    ints[::2] = 1.5  # cast to the tensor's dtype, as torch does
    assert ints.tolist() == [1, 0, 1, 0, 1]
    v = ints._version
    ints[0] = 3
    ints[[1, 2]] = 4
    assert ints._version == v + 2 and ints.tolist() == [3, 4, 4, 0, 1]
    with pytest.raises(IndexError) as info:
        engine.zeros(2)[5] = 1.0
    assert str(info.value) == "index 5 is out of bounds for dimension 0 with size 2"
    with pytest.raises(RuntimeError):
        engine.zeros(2, 3)[0] = engine.tensor([1.0, 2.0])


def test_setitem_gradients_flow_to_base_and_value():
    x = engine.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = engine.tensor([10.0, 20.0], requires_grad=True)
    y = x * 1
    y[1:3] = v * 2
    assert name(y) == "CopySlices"
    (y * engine.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 4.0] and v.grad.tolist() == [4.0, 6.0]
    x.grad = None
    y = x * 1
    y[y > 2] = 0
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.0, 0.0]
    x.grad = None
    z = engine.zeros(3)  # a plain tensor becomes part of the graph when written with one
    z[1] = x[2] * 2
    z.sum().backward()
    assert not z.is_leaf and x.grad.tolist() == [0.0, 0.0, 2.0, 0.0]
    gradcheck(lambda t, u: _set(t * 1, (slice(None), [0, 2]), u), np.ones((2, 3)),
              np.array([[1.0, 2.0], [3.0, 4.0]]))


def _set(t, index, value):
    t[index] = value
    return t


def test_setitem_on_leaf_and_stale_saved_tensor():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in "
                                           "an in-place operation"):
        x[0] = 5.0
    with engine.no_grad():
        x[0] = 5.0
    assert x.tolist() == [5.0, 2.0] and x.is_leaf and x.requires_grad
    y = x * 2
    w = y * y
    y[0] = 0.0
    with pytest.raises(RuntimeError) as info:
        w.sum().backward()
    assert str(info.value).startswith(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [torch.FloatTensor [2]], which is output 0 of torch::autograd::CopySlices, is "
        "at version 1; "
        "expected version 0 instead.")


# ---- views share storage ----------------------------------------------------------------------

VIEWS = [
    ("view", lambda b: b.view(6), (0,)),
    ("t", lambda b: b.t(), (0, 1)),
    ("transpose", lambda b: b.transpose(0, 1), (2, 0)),
    ("permute", lambda b: b.permute(1, 0), (1, 1)),
    ("slice", lambda b: b[:, 1:], (0, 0)),
    ("unsqueeze", lambda b: b.unsqueeze(0), (0, 1, 2)),
    ("reshape", lambda b: b.reshape(3, 2), (2, 1)),
    ("flatten", lambda b: b.flatten(), (4,)),
    ("detach", lambda b: b.detach(), (1, 1)),
    ("T", lambda b: b.T, (2, 1)),
    ("select", lambda b: b[1], (2,)),
    ("squeeze", lambda b: b.unsqueeze(1).squeeze(1), (1, 0)),
    ("view_as", lambda b: b.view_as(engine.zeros(3, 2)), (1, 1)),
    ("narrow", lambda b: b.narrow(1, 1, 2), (1, 1)),
    ("split", lambda b: b.split(1)[1], (0, 2)),
]


@pytest.mark.parametrize("label, make, where_", VIEWS, ids=[v[0] for v in VIEWS])
def test_writing_through_a_view_is_seen_by_the_base(label, make, where_):
    base = engine.zeros(2, 3)
    view = make(base)
    view[where_] = 100.0
    assert base.sum().item() == 100.0
    assert view.data_ptr() >= base.data_ptr()
    base.add_(1)  # and the other way round
    assert view[where_].item() == 101.0
    assert view._version == base._version  # one shared version counter


def test_copies_do_not_share_storage():
    base = engine.zeros(2, 2)
    for copy in (base.clone(), base.t().contiguous(), base[[0]], base.flip(0), base.double(),
                 base.to(engine.float32, copy=True), base.repeat(1, 1)):
        copy.view(-1)[0] = 7.0
    assert base.sum().item() == 0.0
    same = base.float()
    assert same is base and base.to(engine.float32) is base and base.contiguous() is base
    assert base.to("cpu") is base and base.cpu() is base


def test_numpy_and_from_numpy_share_memory():
    t = engine.zeros(2)
    t.numpy()[0] = 100.0
    assert t.tolist() == [100.0, 0.0]
    a = np.zeros(2)
    engine.from_numpy(a)[0] = 3.0
    assert a.tolist() == [3.0, 0.0]


def test_write_through_expand_view():
    b = engine.zeros(2)
    b.expand(2, 2)[0, 0] = 100.0
    assert b.tolist() == [100.0, 0.0]


# ---- contiguity, strides, view errors ---------------------------------------------------------

def test_contiguity_and_strides_like_pytorch():
    x = engine.arange(6).reshape(2, 3)
    assert x.is_contiguous() and x.stride() == (3, 1)
    assert not x.t().is_contiguous() and x.t().stride() == (1, 3)
    assert x.t().contiguous().is_contiguous()
    assert x[:, ::2].stride() == (3, 2)
    assert x.unsqueeze(1).stride() == (3, 3, 1)
    assert x.expand(2, 2, 3).stride() == (0, 3, 1)
    assert not x[:, 1].is_contiguous() and x[1].is_contiguous()
    assert not x.permute(1, 0).is_contiguous()
    assert x.t().reshape(6).tolist() == [0, 3, 1, 4, 2, 5]
    assert x.t().flatten().tolist() == [0, 3, 1, 4, 2, 5]
    with pytest.raises(RuntimeError) as info:
        x.t().view(6)
    assert str(info.value) == ("view size is not compatible with input tensor's size and stride "
                               "(at least one dimension spans across two contiguous subspaces). "
                               "Use .reshape(...) instead.")


def test_view_and_reshape_errors():
    x = engine.arange(6).reshape(2, 3)
    assert x.view(3, -1).shape == (3, 2)
    for call, msg in (
            (lambda: x.view(-1, -1), "only one dimension can be inferred"),
            (lambda: x.view(4, 2), "shape '[4, 2]' is invalid for input of size 6"),
            (lambda: x.view(4, -1), "shape '[4, -1]' is invalid for input of size 6")):
        raises(RuntimeError, msg, call)


def test_contiguous_and_reshape_grad_fns():
    x = engine.zeros(2, 3, requires_grad=True)
    assert name(x.t().contiguous()) == "CloneBackward0"
    assert name(x.t().reshape(6)) == "UnsafeViewBackward0"
    assert name(x.reshape(6)) == "ViewBackward0"
    gradcheck(lambda t: t.t().contiguous() * engine.arange(6.0).reshape(3, 2).double(),
              np.ones((2, 3)))


# ---- clone / detach ---------------------------------------------------------------------------

def test_clone_and_detach():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert name(c) == "CloneBackward0" and c.requires_grad and not c.is_leaf
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert d._version == x._version
    with engine.no_grad():
        d[0] = 7.0  # shares storage: the leaf sees it
    assert x[0].item() == 7.0
    d.add_(1)  # in-place on a detached alias is allowed
    assert x.tolist() == [8.0, 3.0]
    y = (x * 2).detach_()
    assert y.is_leaf and not y.requires_grad
