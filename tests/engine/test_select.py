"""Select/place ops: index_select, index_add/fill/copy, gather, scatter(_add), masked_fill,
masked_select, where, nonzero, take; and the in-place writers zero_, fill_, copy_, uniform_,
normal_, bernoulli_, exponential_, random_.

Expected messages, names and small results are literals from PyTorch 2.13.
"""
import numpy as np
import pytest

import engine
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import T, float64_normal, raises
from tests.helpers import grad_fn_name as name

arr = float64_normal(11)


def idx(*values):
    return engine.tensor(list(values))


# ---- index_select and friends -----------------------------------------------------------------

def test_index_select_values_and_grad():
    a = arr(3, 4)
    i = idx(3, 0, 3)
    np.testing.assert_array_equal(T(a).index_select(1, i).numpy(), a[:, [3, 0, 3]])
    np.testing.assert_array_equal(engine.index_select(T(a), 0, idx(2)).numpy(), a[[2]])
    # a 0-d index keeps the dimension: torch.zeros(2, 3).index_select(1, tensor(1)).shape
    assert T(a).index_select(1, engine.tensor(1)).shape == (3, 1)
    assert T(a).index_select(1, i.int()).shape == (3, 3)
    assert name(T(a, requires_grad=True).index_select(1, i)) == "IndexSelectBackward0"
    gradcheck(lambda t: t.index_select(1, i), a)  # repeated index 3 accumulates
    gradgradcheck(lambda t: (t * t).index_select(0, idx(0, 0, 2)), a)


def test_index_add_copy_fill():
    ones = engine.ones(2, 3)
    got = engine.zeros(2, 3).index_add(1, idx(0, 0, 2), ones, alpha=2)
    assert got.tolist() == [[4.0, 0.0, 2.0], [4.0, 0.0, 2.0]]  # from torch
    got = engine.zeros(3).index_copy(0, idx(2, 0), engine.tensor([5.0, 6.0]))
    assert got.tolist() == [6.0, 0.0, 5.0]
    got = engine.zeros(3).index_fill(0, idx(0, 2), engine.tensor(2.0))
    assert got.tolist() == [2.0, 0.0, 2.0]
    x = T(arr(2, 3), requires_grad=True)
    assert name(x.index_add(1, idx(0, 1), x[:, :2])) == "IndexAddBackward0"
    assert name(x.index_fill(1, idx(0), 2.0)) == "IndexFillBackward0"
    assert name(x.index_copy(1, idx(0, 1), x[:, :2])) == "IndexCopyBackward0"
    a, s = arr(2, 3), arr(2, 3)
    gradcheck(lambda t, u: t.index_add(1, idx(0, 0, 2), u, alpha=3), a, s)
    gradcheck(lambda t, u: t.index_copy(1, idx(2, 0), u[:, :2]), a, s)
    gradcheck(lambda t, v: t.index_fill(1, idx(1), v.sum()), a, s)
    gradcheck(lambda t: t.index_fill(0, idx(1), -1.0), a)


def test_index_inplace_variants():
    x = engine.zeros(4)
    x.index_add_(0, idx(1, 1), engine.ones(2))
    x.index_fill_(0, idx(3), 7)
    x.index_copy_(0, idx(0), engine.tensor([9.0]))
    assert x.tolist() == [9.0, 2.0, 0.0, 7.0]


@pytest.mark.parametrize("call, exc, msg", [
    (lambda x: x.index_select(1, engine.tensor([0.0, 1.0])), RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
    (lambda x: x.index_select(1, engine.tensor([0, 1], dtype=engine.int16)), RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
    (lambda x: x.index_select(1, engine.tensor([5])), RuntimeError,
     "INDICES element is out of DATA bounds, id=5 axis_dim=3"),
    (lambda x: x.index_select(1, engine.tensor([-1])), IndexError,
     "index out of range in self"),
    (lambda x: x.index_select(1, engine.tensor([[0]])), IndexError,
     "index_select(): Index is supposed to be a vector"),
    (lambda x: x.index_add(0, engine.tensor([0, 1]), engine.zeros(3, 3)), RuntimeError,
     "index_add_(): Number of indices (2) should be equal to source.size(dim): (3), for dim: 0"),
    (lambda x: x.index_fill(1, engine.tensor([0]), engine.tensor([1.0, 2.0])), RuntimeError,
     "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 "
     "dimension(s)."),
    (lambda x: x.index_fill(0, engine.tensor([0, 3]), 1), IndexError,
     "index 3 is out of bounds for dimension 0 with size 2"),
    (lambda x: x.index_copy(1, engine.tensor([0]), engine.zeros(2, 2)), IndexError,
     "index_copy_(): Number of indices (1) should be equal to source.size(dim) (2)"),
])
def test_index_errors(call, exc, msg):
    raises(exc, msg, lambda: call(engine.zeros(2, 3)))


# ---- gather / scatter -------------------------------------------------------------------------

def test_gather_values_grad_and_name():
    a = arr(3, 4)
    index = np.array([[0, 0], [3, 1], [2, 2]])
    got = T(a).gather(1, T(index))
    np.testing.assert_array_equal(got.numpy(), np.take_along_axis(a, index, 1))
    # an index smaller than the input in the other dims reads the leading block
    small = np.array([[1, 2, 0, 1]])
    np.testing.assert_array_equal(engine.gather(T(a), 0, T(small)).numpy(),
                                  np.take_along_axis(a[:, :4], small, 0))
    assert T(a).gather(1, T(index).int()).shape == (3, 2)
    assert name(T(a, requires_grad=True).gather(1, T(index))) == "GatherBackward0"
    gradcheck(lambda t: t.gather(1, T(index)), a)
    gradcheck(lambda t: t.gather(0, T(small)), a)
    gradgradcheck(lambda t: (t * t).gather(1, T(index)), a)


def test_scatter_with_src_and_value():
    x = engine.zeros(2, 3)
    src = engine.arange(6.0).reshape(2, 3)
    where_ = engine.tensor([[1], [2]])
    # torch: zeros(2,3).scatter(1, [[1],[2]], arange(6.).reshape(2,3))
    assert x.scatter(1, where_, src).tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 3.0]]
    assert x.scatter(1, where_, 5).tolist() == [[0.0, 5.0, 0.0], [0.0, 0.0, 5.0]]
    assert engine.scatter(x, 1, where_, value=5.0).tolist() == [[0.0, 5.0, 0.0],
                                                                 [0.0, 0.0, 5.0]]
    got = x.scatter_add(0, engine.tensor([[1, 1, 0]]), engine.ones(2, 3))
    assert got.tolist() == [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    got = engine.ones(3).scatter(0, engine.tensor([0, 0, 2]), engine.full((3,), 2.0),
                                 reduce="multiply")
    assert got.tolist() == [4.0, 1.0, 2.0]
    got = engine.ones(3).scatter(0, engine.tensor([0, 0]), engine.ones(2), reduce="add")
    assert got.tolist() == [3.0, 1.0, 1.0]


def test_scatter_gradients_and_names():
    a, s = arr(3, 4), arr(3, 4)
    index = T(np.array([[0, 2], [3, 1], [1, 0]]))  # distinct within a row: well defined
    x = T(a, requires_grad=True)
    assert name(x.scatter(1, index, T(s))) == "ScatterBackward0"
    assert name(x.scatter(1, index, 2.0)) == "ScatterBackward1"
    assert name(x.scatter_add(1, index, T(s))) == "ScatterAddBackward0"
    gradcheck(lambda t, u: t.scatter(1, index, u), a, s)  # src bigger than index: zero-padded
    gradcheck(lambda t: t.scatter(1, index, 0.5), a)
    repeated = T(np.array([[0, 0], [3, 3], [1, 1]]))
    gradcheck(lambda t, u: t.scatter_add(1, repeated, u), a, s)
    gradgradcheck(lambda u, t: t.scatter_add(1, repeated, u * u), s, a)


def test_scatter_inplace_and_reduce_grad_refused():
    x = engine.zeros(3)
    x.scatter_(0, engine.tensor([2]), engine.tensor([4.0]))
    x.scatter_add_(0, engine.tensor([2, 0]), engine.tensor([1.0, 1.0]))
    assert x.tolist() == [1.0, 0.0, 5.0]
    leaf = engine.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for 'scatter' with a reduce"):
        leaf.scatter(0, engine.tensor([0]), engine.ones(1), reduce="add")


@pytest.mark.parametrize("call, msg", [
    (lambda x: x.gather(1, engine.tensor([[0, 5]])),
     "index 5 is out of bounds for dimension 1 with size 3"),
    (lambda x: x.gather(1, engine.tensor([[-1]])),
     "index -1 is out of bounds for dimension 1 with size 3"),
    (lambda x: x.gather(1, engine.tensor([0])),
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda x: x.gather(1, engine.tensor([[0.0]])),
     "gather(): Expected dtype int64 for index"),
    (lambda x: x.gather(1, engine.tensor([[0], [1], [0]])),
     "Size does not match at dimension 0 expected index [3, 1] to be no larger than self "
     "[2, 3] apart from dimension 1"),
    (lambda x: x.scatter(1, engine.tensor([[0, 5]]), 1.0),
     "index 5 is out of bounds for dimension 1 with size 3"),
    (lambda x: x.scatter(1, engine.tensor([0]), 1.0),
     "Index tensor must have the same number of dimensions as self tensor"),
    (lambda x: x.scatter_add(1, engine.tensor([[0, 1]]), engine.zeros(1, 1)),
     "Expected index [1, 2] to be no larger than self [2, 3] apart from dimension 1 and to be "
     "no larger size than src [1, 1]"),
])
def test_gather_scatter_errors(call, msg):
    raises(RuntimeError, msg, lambda: call(engine.zeros(2, 3)))


# ---- masks ------------------------------------------------------------------------------------

def test_masked_fill_values_broadcast_and_dtype():
    a = arr(2, 3)
    m = a > 0
    np.testing.assert_array_equal(T(a).masked_fill(T(m), 9.0).numpy(), np.where(m, 9.0, a))
    # out of place broadcasts both: torch.zeros(3).masked_fill(ones(2, 3, bool), 1).shape
    assert engine.zeros(3).masked_fill(engine.ones(2, 3, dtype=engine.bool), 1.0).shape == (2, 3)
    # an int tensor keeps its dtype: tensor([0, 1]).masked_fill(tensor([True, False]), 1.7)
    got = engine.tensor([0, 1]).masked_fill(engine.tensor([True, False]), 1.7)
    assert got.tolist() == [1, 1] and got.dtype is engine.int64
    x = engine.zeros(2, 3)
    x.masked_fill_(engine.tensor([True, False, True]), engine.tensor(2.0))
    assert x.tolist() == [[2.0, 0.0, 2.0], [2.0, 0.0, 2.0]]


def test_masked_fill_gradients_and_names():
    a, v = arr(2, 3), arr(1)
    mask = T(a > 0.3)
    x = T(a, requires_grad=True)
    assert name(x.masked_fill(mask, 1.0)) == "MaskedFillBackward0"
    assert name(x.masked_fill(mask, engine.tensor(1.0))) == "MaskedFillBackward1"
    gradcheck(lambda t: t.masked_fill(mask, 2.0), a)
    gradcheck(lambda t, val: t.masked_fill(mask, val.reshape(())), a, v)
    gradcheck(lambda t: t.masked_fill(engine.tensor([[True], [False]]), 0.0) * 2, a)
    gradgradcheck(lambda t: (t * t).masked_fill(mask, 0.0), a)


def test_masked_select():
    a = arr(2, 3)
    m = a > 0
    np.testing.assert_array_equal(T(a).masked_select(T(m)).numpy(), a[m])
    row = np.array([True, False, True])
    np.testing.assert_array_equal(engine.masked_select(T(a), T(row)).numpy(),
                                  a[np.broadcast_to(row, a.shape)])
    # torch.zeros(2, 2).masked_select(tensor([True, False])) -> tensor([0., 0.])
    assert engine.zeros(2, 2).masked_select(engine.tensor([True, False])).tolist() == [0.0, 0.0]
    assert name(T(a, requires_grad=True).masked_select(T(m))) == "MaskedSelectBackward0"
    gradcheck(lambda t: t.masked_select(T(row)), a)
    # the input broadcast against a bigger mask: its gradient sums over the copies
    gradcheck(lambda t: t.masked_select(T(np.array([[True, False, True], [True, True, False]]))),
              arr(3))


@pytest.mark.parametrize("call, exc, msg", [
    (lambda x: x.masked_fill(engine.tensor([1, 0, 1]), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    (lambda x: x.masked_fill(engine.tensor([1, 0, 1], dtype=engine.uint8), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char"),
    (lambda x: x.masked_fill(engine.tensor([0.0, 1.0, 0.0]), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype float"),
    (lambda x: x.masked_fill(engine.tensor([True, False]), 1.0), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
     "dimension 1"),
    (lambda x: x.masked_fill(x > 0, engine.tensor([1.0, 2.0])), RuntimeError,
     "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 "
     "dimension(s)."),
    (lambda x: x.masked_select(engine.tensor([1, 0, 1])), RuntimeError,
     "masked_select: expected BoolTensor for mask"),
])
def test_mask_errors(call, exc, msg):
    raises(exc, msg, lambda: call(engine.zeros(2, 3)))


# ---- where / nonzero / take -------------------------------------------------------------------

def test_where_values_promotion_and_broadcast():
    a, b = arr(2, 3), arr(2, 3)
    c = a > b
    np.testing.assert_array_equal(engine.where(T(c), T(a), T(b)).numpy(), np.where(c, a, b))
    got = engine.where(engine.tensor([[True], [False]]), engine.tensor([1.0, 2.0, 3.0]),
                       engine.tensor(0.0))
    assert got.tolist() == [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
    # torch.where(tensor([True, False]), tensor([1, 2]), 1.5) -> tensor([1.0000, 1.5000])
    got = engine.where(engine.tensor([True, False]), engine.tensor([1, 2]), 1.5)
    assert got.tolist() == [1.0, 1.5] and got.dtype is engine.float32
    cond = engine.tensor([True, False])
    assert engine.where(cond, 1, 0).dtype is engine.int64
    assert engine.where(cond, 1.0, 0).dtype is engine.float32
    assert T(a).where(T(c), 0.0).shape == (2, 3)  # the method form: where(cond, self, other)


def test_where_gradients():
    a, b = arr(2, 3), arr(1, 3)
    c = T(a > 0)
    x = T(a, requires_grad=True)
    assert name(engine.where(c, x, T(b))) == "WhereBackward0"
    assert name(engine.where(c, x, 0.0)) == "WhereBackward0"
    gradcheck(lambda s, t: engine.where(c, s, t), a, b)
    gradcheck(lambda s: engine.where(c, 2.0, s * s), a)
    gradgradcheck(lambda s, t: engine.where(c, s * s * t, t), a, b)


def test_where_one_argument_and_nonzero():
    x = engine.tensor([[1.0, 0.0], [0.0, 4.0]])
    rows, cols = engine.where(x)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    assert x.nonzero().tolist() == [[0, 0], [1, 1]] and x.nonzero().dtype is engine.int64
    assert engine.argwhere(x).tolist() == [[0, 0], [1, 1]]
    a = arr(3, 4) > 0
    np.testing.assert_array_equal(T(a).nonzero().numpy(), np.argwhere(a))
    # 0-d: torch.tensor(5.).nonzero() -> tensor([], size=(1, 0)); as_tuple -> (tensor([0]),)
    assert engine.tensor(5.0).nonzero().shape == (1, 0)
    (only,) = engine.nonzero(engine.tensor(5.0), as_tuple=True)
    assert only.tolist() == [0]
    with pytest.raises(TypeError) as info:
        engine.nonzero(x, as_tuple=3)
    assert str(info.value) == "nonzero(): argument 'as_tuple' must be bool, not int"


@pytest.mark.parametrize("call, exc, msg", [
    (lambda x: engine.where(x, x, x), RuntimeError,
     "where expected condition to be a boolean tensor, but got a tensor with dtype Float"),
    (lambda x: engine.where(x > 0, x, engine.zeros(4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
     "dimension 1"),
    (lambda x: x.take(engine.tensor([6])), IndexError,
     "out of range: tried to access index 6 on a tensor of 6 elements."),
    (lambda x: x.take(engine.tensor([-7])), IndexError,
     "out of range: tried to access index -7 on a tensor of 6 elements."),
])
def test_where_take_errors(call, exc, msg):
    raises(exc, msg, lambda: call(engine.zeros(2, 3)))


def test_take():
    a = arr(2, 3)
    i = np.array([[5, -1], [0, 0]])
    np.testing.assert_array_equal(T(a).take(T(i)).numpy(), np.take(a, i))
    assert name(T(a, requires_grad=True).take(T(i))) == "TakeBackward0"
    gradcheck(lambda t: engine.take(t, T(i)), a)  # -1 and 5 are the same element: summed


# ---- zero_, fill_, copy_ and the random fills -------------------------------------------------

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."


def test_zero_fill_copy_values_and_versions():
    x = engine.ones(2, 3)
    v = x._version
    assert x.zero_() is x and x.sum().item() == 0.0 and x._version == v + 1
    x.fill_(2.5)
    assert x.tolist() == [[2.5] * 3] * 2
    x.fill_(engine.tensor(1.0))
    assert x.sum().item() == 6.0
    ints = engine.zeros(3, dtype=engine.int64).fill_(2.7)
    assert ints.tolist() == [2, 2, 2]  # torch truncates the same way
    x.copy_(engine.tensor([1.0, 2.0, 3.0]))  # broadcast over rows
    assert x.tolist() == [[1.0, 2.0, 3.0]] * 2
    x.copy_(engine.tensor([[7, 8, 9]]))  # int source is cast
    assert x.tolist() == [[7.0, 8.0, 9.0]] * 2 and x.dtype is engine.float32
    base = engine.zeros(3, 3)
    base[1].fill_(4.0)  # through a view
    base[:, 0].zero_()
    base.t()[2].copy_(engine.tensor([1.0, 1.0, 1.0]))
    assert base.tolist() == [[0.0, 0.0, 1.0], [0.0, 4.0, 1.0], [0.0, 0.0, 1.0]]


@pytest.mark.parametrize("call", [
    lambda x: x.zero_(), lambda x: x.fill_(1), lambda x: x.copy_(engine.ones(3)),
    lambda x: x.uniform_(), lambda x: x.normal_(), lambda x: x.fill_(engine.tensor(1.0)),
])
def test_inplace_writers_refuse_leaves_that_require_grad(call):
    raises(RuntimeError, LEAF_MSG, lambda: call(engine.zeros(3, requires_grad=True)))
    with engine.no_grad():  # what nn.init does
        leaf = engine.zeros(3, requires_grad=True)
        call(leaf)
        assert leaf.is_leaf and leaf.requires_grad


def test_inplace_writers_record_graph():
    x = engine.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.zero_()
    assert name(y) == "ZeroBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    y = x * 2
    y.fill_(3.0)
    assert name(y) == "FillBackward2"
    v = engine.tensor(2.0, requires_grad=True)
    y = x * 2
    y.fill_(v)
    assert name(y) == "FillBackward3"
    (y * engine.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad.item() == 6.0
    for method, node in (("uniform_", "UniformBackward0"), ("normal_", "NormalBackward0")):
        y = x * 2
        getattr(y, method)()
        assert name(y) == node


def test_copy_is_differentiable_wrt_src():
    src = engine.tensor([1.0, 2.0, 3.0], dtype=engine.float64, requires_grad=True)
    dst = engine.zeros(2, 3)  # a leaf without grad: becomes a non-leaf, as in torch
    dst.copy_(src)
    assert name(dst) == "CopyBackwards" and dst.requires_grad and not dst.is_leaf
    (dst * engine.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])).sum().backward()
    assert src.grad.tolist() == [2.0, 3.0, 4.0] and src.grad.dtype is engine.float64
    x = engine.tensor([5.0, 6.0], requires_grad=True)
    y = x * 1
    y.copy_(engine.tensor([0.0, 0.0]))
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # the old value is overwritten
    gradcheck(lambda s, d: (d * 1).copy_(s) * d, arr(3), arr(2, 3))


def test_copy_broadcast_error_and_type_errors():
    with pytest.raises(RuntimeError) as info:
        engine.zeros(2, 3).copy_(engine.zeros(2, 3, 4))
    assert str(info.value) == ("The size of tensor a (3) must match the size of tensor b (4) "
                               "at non-singleton dimension 2")
    with pytest.raises(RuntimeError) as info:
        engine.zeros(2, 3).fill_(engine.tensor([1.0, 2.0]))
    assert str(info.value) == ("fill_ only supports 0-dimension value tensor but got tensor "
                               "with 1 dimensions.")
    with pytest.raises(TypeError):
        engine.zeros(2).fill_("a")
    with pytest.raises(TypeError):
        engine.zeros(2).copy_([1.0, 2.0])


def test_inplace_write_invalidates_saved_tensor():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * y  # saves y
    y.fill_(3.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_random_fills_are_reproducible_and_in_range():
    engine.manual_seed(3)  # every draw below is then deterministic
    a = engine.empty(1000).uniform_(-2, 5)
    engine.manual_seed(3)
    b = engine.empty(1000).uniform_(-2, 5)
    assert engine.equal(a, b)
    assert a.min().item() >= -2 and a.max().item() < 5 and a.dtype is engine.float32
    n = engine.empty(4000, dtype=engine.float64).normal_(3.0, 0.5)
    assert abs(n.mean().item() - 3.0) < 0.05 and n.dtype is engine.float64
    bern = engine.empty(2000).bernoulli_(0.25)
    assert set(bern.tolist()) == {0.0, 1.0}
    assert 0.15 < bern.mean().item() < 0.35
    e = engine.empty(2000).exponential_(2.0)
    assert e.min().item() >= 0 and 0.4 < e.mean().item() < 0.6
    r = engine.empty(500, dtype=engine.int64).random_(3, 7)
    assert set(r.tolist()) == {3, 4, 5, 6}
    assert set(engine.zeros(300).random_(2).tolist()) == {0.0, 1.0}
    with pytest.raises(RuntimeError) as info:
        engine.zeros(2).uniform_(2, 1)
    assert str(info.value) == ("uniform_ expects to return a [from, to) range, but found "
                               "from=2 > to=1")


# ---- sort / argsort / topk / unique / take_along_dim ------------------------------------------

def test_sort_values_indices_and_named_tuple():
    got = engine.tensor([3.0, 1.0, 3.0, 2.0]).sort(descending=True)
    # torch 2.13: values [3, 3, 2, 1], indices [0, 2, 3, 1] (ties keep their order)
    assert got.values.tolist() == [3.0, 3.0, 2.0, 1.0] and got.indices.tolist() == [0, 2, 3, 1]
    assert repr(got) == ("torch.return_types.sort(\nvalues=tensor([3., 3., 2., 1.]),\n"
                         "indices=tensor([0, 2, 3, 1]))")
    values, indices = engine.tensor([[3, 1, 2], [0, 5, 4]]).sort(0)
    assert values.tolist() == [[0, 1, 2], [3, 5, 4]] and indices.tolist() == [[1, 0, 0],
                                                                              [0, 1, 1]]
    nan = engine.tensor([3.0, float("nan"), 1.0])
    assert nan.sort().indices.tolist() == [2, 0, 1]  # NaN sorts last ...
    assert nan.sort(descending=True).indices.tolist() == [1, 0, 2]  # ... and first descending
    assert engine.tensor(5.0).sort().indices.item() == 0
    a = arr(3, 5)
    np.testing.assert_array_equal(engine.sort(T(a), 1).values.numpy(), np.sort(a, 1))
    np.testing.assert_array_equal(T(a).argsort(0).numpy(), np.argsort(a, 0, kind="stable"))
    assert engine.tensor([3, 1, 3, 2]).argsort(descending=True).tolist() == [0, 2, 3, 1]
    assert engine.tensor([[3, 1], [0, 5]]).msort().tolist() == [[0, 1], [3, 5]]


def test_sort_and_topk_gradients():
    a = arr(3, 5)
    x = T(a, requires_grad=True)
    assert name(x.sort().values) == "SortBackward0" and x.sort().indices.grad_fn is None
    assert name(x.topk(2).values) == "TopkBackward0"
    gradcheck(lambda t: t.sort(0).values, a)
    gradcheck(lambda t: t.sort(1, descending=True).values, a)
    gradcheck(lambda t: t.topk(2, dim=1).values, a)
    gradcheck(lambda t: t.topk(2, dim=0, largest=False).values, a)
    gradgradcheck(lambda t: (t * t).sort(1).values, a)


def test_topk_values():
    got = engine.tensor([1.0, 5.0, 3.0, 4.0]).topk(2)
    assert got.values.tolist() == [5.0, 4.0] and got.indices.tolist() == [1, 3]
    got = engine.tensor([[1, 5, 3], [4, 0, 2]]).topk(2, dim=0)
    assert got.values.tolist() == [[4, 5, 3], [1, 0, 2]]
    assert engine.tensor([1.0, 5.0, 3.0]).topk(2, largest=False).values.tolist() == [1.0, 3.0]
    assert engine.tensor([1]).topk(0).values.shape == (0,)
    raises(RuntimeError, "selected index k out of range", lambda: engine.tensor([1]).topk(2))


def test_unique():
    assert engine.unique(engine.tensor([3, 1, 3, 2])).tolist() == [1, 2, 3]
    values, inverse = engine.unique(engine.tensor([[3, 1], [3, 2]]), return_inverse=True)
    assert values.tolist() == [1, 2, 3] and inverse.tolist() == [[2, 0], [2, 1]]
    values, inverse, counts = engine.tensor([3, 1, 3, 2]).unique(return_inverse=True,
                                                                  return_counts=True)
    assert inverse.tolist() == [2, 0, 2, 1] and counts.tolist() == [1, 1, 2]
    rows, inv = engine.unique(engine.tensor([[1, 2], [1, 2], [0, 3]]), dim=0,
                              return_inverse=True)
    assert rows.tolist() == [[0, 3], [1, 2]] and inv.tolist() == [1, 1, 0]


def test_take_along_dim():
    x = engine.arange(6).reshape(2, 3)
    assert engine.take_along_dim(x, engine.tensor([[0], [2]]), 1).tolist() == [[0], [5]]
    assert engine.take_along_dim(x, engine.tensor([5, 0])).tolist() == [5, 0]
    # indices broadcast against the input in the other dims
    assert engine.take_along_dim(x, engine.tensor([[1], [0]]), 0).tolist() == [[3, 4, 5],
                                                                             [0, 1, 2]]
    a = arr(3, 4)
    idx = engine.tensor(np.argsort(a, 1))
    np.testing.assert_array_equal(engine.take_along_dim(T(a), idx, 1).numpy(), np.sort(a, 1))
    gradcheck(lambda t: engine.take_along_dim(t, engine.tensor([[0, 0, 3]]), 1), a)
    with pytest.raises(RuntimeError) as info:
        engine.take_along_dim(x, engine.tensor([[0, 1]]), 0)
    assert str(info.value) == ("The size of tensor a (3) must match the size of tensor b (2) at "
                               "non-singleton dimension 1")


def test_inplace_select_ops_record_the_graph_like_pytorch():
    x = engine.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.masked_fill_(engine.tensor([True, False, True]), 0.0)
    assert name(y) == "MaskedFillBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0]
    x.grad = None
    s = engine.tensor([5.0, 6.0], requires_grad=True)
    y = x * 1
    y.scatter_(0, engine.tensor([2, 0]), s)
    assert name(y) == "ScatterBackward0"
    (y * engine.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0] and s.grad.tolist() == [3.0, 1.0]
    x.grad = s.grad = None
    y = x * 1
    y.index_add_(0, engine.tensor([1, 1]), s, alpha=2)
    assert name(y) == "IndexAddBackward0"
    (y * engine.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0] and s.grad.tolist() == [4.0, 4.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.masked_fill_(engine.tensor([True, False, True]), 0.0)
    with pytest.raises(RuntimeError) as info:
        engine.zeros(3).masked_fill_(engine.ones(2, 3, dtype=engine.bool), 1.0)
    assert str(info.value) == "output with shape [3] doesn't match the broadcast shape [2, 3]"


def test_out_arguments():
    x = engine.arange(6.0).reshape(2, 3)
    out = engine.empty(0)
    assert engine.index_select(x, 1, engine.tensor([2]), out=out) is out
    assert out.tolist() == [[2.0], [5.0]]
    engine.gather(x, 1, engine.tensor([[0], [1]]), out=out)
    assert out.tolist() == [[0.0], [4.0]]
    engine.masked_select(x, x > 3, out=out)
    assert out.tolist() == [4.0, 5.0]
    engine.where(x > 2, x, engine.zeros(1), out=out)
    assert out.tolist() == [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]]
    engine.take(x, engine.tensor([5]), out=out)
    assert out.tolist() == [5.0]
    idx = engine.empty(0, dtype=engine.int64)
    engine.nonzero(x > 3, out=idx)
    assert idx.tolist() == [[1, 1], [1, 2]]


def test_writing_into_an_expanded_view():
    base = engine.zeros(3)
    wide = base.expand(2, 3)
    wide.fill_(2.0)  # one value for every alias: torch allows it
    assert base.tolist() == [2.0, 2.0, 2.0]
    wide.zero_()
    assert base.tolist() == [0.0, 0.0, 0.0]
    msg = ("unsupported operation: more than one element of the written-to tensor refers to a "
           "single memory location. Please clone() the tensor before performing the operation.")
    for write in (lambda: wide.copy_(engine.ones(2, 3)), lambda: wide.uniform_()):
        raises(RuntimeError, msg, write)
    assert base.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("call, msg", [
    (lambda: engine.zeros(3).scatter(0, engine.tensor([1]), engine.tensor([2])),
     "scatter(): Expected self.dtype to be equal to src.dtype"),
    (lambda: engine.zeros(3).scatter_add(0, engine.tensor([1]), engine.tensor([2])),
     "scatter(): Expected self.dtype to be equal to src.dtype"),
    (lambda: engine.zeros(3, dtype=engine.float64).index_add(0, engine.tensor([1]),
                                                             engine.tensor([2.5])),
     "index_add_(): self (Double) and source (Float) must have the same scalar type"),
    (lambda: engine.zeros(3, dtype=engine.int64).index_copy(0, engine.tensor([1]),
                                                            engine.tensor([2.5])),
     "index_copy_(): self and source expected to have the same dtype, but got (self) Long and "
     "(source) Float"),
])
def test_source_dtype_must_match(call, msg):
    raises(RuntimeError, msg, call)


def test_masked_scatter():
    x = engine.zeros(2, 3, requires_grad=True)
    src = engine.arange(1.0, 7.0).reshape(2, 3).requires_grad_()
    y = x.masked_scatter(engine.tensor([True, False, True]), src)
    # torch: [[1, 0, 2], [3, 0, 4]]; grads x [[0, 1, 0], [0, 4, 0]], src [[0, 2, 3], [5, 0, 0]]
    assert y.tolist() == [[1.0, 0.0, 2.0], [3.0, 0.0, 4.0]]
    assert name(y) == "MaskedScatterBackward0"
    (y * engine.arange(6.0).reshape(2, 3)).sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 4.0, 0.0]]
    assert src.grad.tolist() == [[0.0, 2.0, 3.0], [5.0, 0.0, 0.0]]
    got = engine.zeros(3).masked_scatter(engine.ones(2, 3, dtype=engine.bool), engine.arange(6.0))
    assert got.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    z = engine.zeros(3)
    z.masked_scatter_(engine.tensor([False, True, True]), engine.tensor([7.0, 8.0, 9.0]))
    assert z.tolist() == [0.0, 7.0, 8.0]
    mask = T(np.array([[True, False, True], [False, True, True]]))
    gradcheck(lambda t, s: t.masked_scatter(mask, s), arr(2, 3), arr(5))
    for call, msg in (
            (lambda: engine.zeros(3).masked_scatter(engine.ones(3, dtype=engine.bool),
                                                    engine.arange(2.0)),
             "Number of elements of source < number of ones in mask"),
            (lambda: engine.zeros(3).masked_scatter(engine.ones(3), engine.arange(4.0)),
             "masked_scatter_ only supports boolean masks, but got mask with dtype Float"),
            (lambda: engine.zeros(3).masked_scatter(engine.ones(3, dtype=engine.bool),
                                                    engine.arange(4)),
             "masked_scatter: expected self and source to have same dtypes but gotFloat and "
             "Long")):
        raises(RuntimeError, msg, call)


# ---- scatter_reduce ---------------------------------------------------------------------------

SR_X = [1.0, 2.0, 3.0, 4.0]
SR_INDEX = [0, 0, 2, 2, 2]
SR_SRC = [5.0, 1.0, 7.0, 7.0, 0.5]
# torch 2.13: values, x.grad and src.grad for (y * [1, 2, 3, 4]).sum()
SR_EXPECTED = {
    ("sum", True): ([7.0, 2.0, 17.5, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 3.0, 3.0, 3.0]),
    ("sum", False): ([6.0, 2.0, 14.5, 4.0], [0.0, 2.0, 0.0, 4.0], [1.0, 1.0, 3.0, 3.0, 3.0]),
    ("prod", True): ([5.0, 2.0, 73.5, 4.0], [5.0, 2.0, 73.5, 4.0],
                     [1.0, 5.0, 31.5, 31.5, 441.0]),
    ("prod", False): ([5.0, 2.0, 24.5, 4.0], [0.0, 2.0, 0.0, 4.0],
                      [1.0, 5.0, 10.5, 10.5, 147.0]),
    ("mean", True): ([7 / 3, 2.0, 4.375, 4.0], [1 / 3, 2.0, 0.75, 4.0],
                     [1 / 3, 1 / 3, 0.75, 0.75, 0.75]),
    ("mean", False): ([3.0, 2.0, 14.5 / 3, 4.0], [0.0, 2.0, 0.0, 4.0],
                      [0.5, 0.5, 1.0, 1.0, 1.0]),
    ("amax", True): ([5.0, 2.0, 7.0, 4.0], [0.0, 2.0, 0.0, 4.0], [1.0, 0.0, 1.5, 1.5, 0.0]),
    ("amax", False): ([5.0, 2.0, 7.0, 4.0], [0.0, 2.0, 0.0, 4.0], [1.0, 0.0, 1.5, 1.5, 0.0]),
    ("amin", True): ([1.0, 2.0, 0.5, 4.0], [0.5, 2.0, 0.0, 4.0], [0.0, 0.5, 0.0, 0.0, 3.0]),
    ("amin", False): ([1.0, 2.0, 0.5, 4.0], [0.0, 2.0, 0.0, 4.0], [0.0, 0.5, 0.0, 0.0, 3.0]),
}


@pytest.mark.parametrize("reduce, include_self", list(SR_EXPECTED))
def test_scatter_reduce_values_and_gradients_like_pytorch(reduce, include_self):
    x = engine.tensor(SR_X, dtype=engine.float64, requires_grad=True)
    src = engine.tensor(SR_SRC, dtype=engine.float64, requires_grad=True)
    y = x.scatter_reduce(0, engine.tensor(SR_INDEX), src, reduce, include_self=include_self)
    assert name(y) == "ScatterReduceBackward0"
    (y * engine.tensor([1.0, 2.0, 3.0, 4.0], dtype=engine.float64)).sum().backward()
    values, gx, gs = SR_EXPECTED[(reduce, include_self)]
    np.testing.assert_allclose(y.detach().numpy(), values)
    np.testing.assert_allclose(x.grad.numpy(), gx)
    np.testing.assert_allclose(src.grad.numpy(), gs)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_gradcheck(reduce):
    index = engine.tensor([[0, 2, 2], [1, 1, 0]])
    a = np.arange(1.0, 7.0).reshape(2, 3) / 3 + 0.55  # no ties with src: max is smooth there
    s = np.array([[2.0, 1.5, 0.7], [0.9, 1.1, 1.3]])
    for inc in (True, False):
        gradcheck(lambda t, u: t.scatter_reduce(1, index, u, reduce, include_self=inc), a, s)
    gradgradcheck(lambda u, t: t.scatter_reduce(1, index, u * u, reduce), s, a)


def test_scatter_reduce_integers_and_errors():
    x = engine.tensor([1, 2, 3, 4])
    i = engine.tensor(SR_INDEX)
    s = engine.tensor([5, 2, 7, 8, 1])
    assert x.scatter_reduce(0, i, s, "mean").tolist() == [2, 2, 4, 4]  # floor division
    assert x.scatter_reduce(0, i, s, "mean", include_self=False).tolist() == [3, 2, 5, 4]
    assert x.scatter_reduce(0, i, s, "amax", include_self=False).tolist() == [5, 2, 8, 4]
    assert x.scatter_reduce(0, i, s, "prod").tolist() == [10, 2, 168, 4]
    with pytest.raises(RuntimeError) as info:
        x.scatter_reduce(0, i, s, "max")
    assert str(info.value) == ("reduce argument must be either sum, prod, mean, amax or amin, "
                               "got max")
    with pytest.raises(RuntimeError, match="a reduced value is zero"):
        engine.ones(2, requires_grad=True).scatter_reduce(0, engine.tensor([0]),
                                                          engine.zeros(1), "prod")


# ---- searchsorted / bucketize / bincount / fill_diagonal_ -------------------------------------

def test_searchsorted_and_bucketize():
    seq = engine.tensor([1, 3, 5, 7])
    v = engine.tensor([3, 6, 9])
    assert engine.searchsorted(seq, v).tolist() == [1, 3, 4]
    assert engine.searchsorted(seq, v, right=True).tolist() == [2, 3, 4]
    assert engine.searchsorted(seq, v, side="right").dtype is engine.int64
    assert engine.searchsorted(seq, 4).item() == 2
    got = engine.searchsorted(engine.tensor([1, 3, 5]), engine.tensor([[4, 0]]), side="right",
                              out_int32=True)
    assert got.tolist() == [[2, 0]] and got.dtype is engine.int32
    rows = engine.tensor([[1, 3, 5], [2, 4, 6]])
    assert engine.searchsorted(rows, engine.tensor([[3, 6], [1, 7]])).tolist() == [[1, 3],
                                                                                   [0, 3]]
    sorter = engine.tensor([1, 2, 0])
    assert engine.searchsorted(engine.tensor([5, 1, 3]), engine.tensor([2, 4]),
                               sorter=sorter).tolist() == [1, 2]
    assert engine.bucketize(engine.tensor([[3, 6], [0, 9]]), seq, right=True).tolist() == \
        [[2, 3], [0, 4]]
    for call, msg in (
            (lambda: engine.searchsorted(rows, engine.tensor([3, 6])),
             "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
             "dimensions of boundaries tensor and input value tensor must match, but we got "
             "boundaries tensor [2, 3] and input value tensor [2]"),
            (lambda: engine.searchsorted(seq, v, side="left", right=True),
             "torch.searchsorted(): side and right can't be set to opposites, got side of left "
             "while right was True"),
            (lambda: engine.bucketize(v, rows), "boundaries tensor must be 1 dimension, but got "
                                                "dim(2)")):
        raises(RuntimeError, msg, call)


def test_bincount():
    assert engine.bincount(engine.tensor([1, 1, 3])).tolist() == [0, 2, 0, 1]
    assert engine.tensor([1, 1, 3]).bincount(minlength=6).tolist() == [0, 2, 0, 1, 0, 0]
    got = engine.bincount(engine.tensor([0, 1]), weights=engine.tensor([0.5, 2.0]))
    assert got.tolist() == [0.5, 2.0] and got.dtype is engine.float32
    assert engine.bincount(engine.tensor([0, 1]), weights=engine.tensor([1, 2])).dtype is \
        engine.float64
    assert engine.bincount(engine.tensor([], dtype=engine.int64)).shape == (0,)
    with pytest.raises(RuntimeError) as info:
        engine.bincount(engine.tensor([-1, 1]))
    assert str(info.value) == "bincount only supports 1-d non-negative integral inputs."
    with pytest.raises(NotImplementedError) as info:
        engine.bincount(engine.tensor([1.0]))
    assert str(info.value) == "\"bincount_cpu\" not implemented for 'Float'"
    with pytest.raises(RuntimeError) as info:
        engine.bincount(engine.tensor([0, 1]), weights=engine.tensor([1.0]))
    assert str(info.value) == "weights should be 1-d and have the same length as input"


def test_fill_diagonal_():
    z = engine.zeros(3, 4)
    assert z.fill_diagonal_(5) is z
    np.testing.assert_array_equal(z.numpy(), np.eye(3, 4) * 5)
    for shape, wrap_ in (((7, 3), True), ((7, 3), False), ((3, 7), True), ((4, 3), True)):
        ref = np.zeros(shape)
        np.fill_diagonal(ref, 1, wrap=wrap_)  # same rule as torch's wrap
        got = engine.zeros(*shape)
        got.fill_diagonal_(1, wrap=wrap_)
        np.testing.assert_array_equal(got.numpy(), ref)
    cube = engine.zeros(2, 2, 2).fill_diagonal_(1)
    assert cube[0, 0, 0].item() == 1 and cube[1, 1, 1].item() == 1 and cube.sum().item() == 2
    with pytest.raises(RuntimeError) as info:
        engine.zeros(2, 3, 4).fill_diagonal_(1)
    assert str(info.value) == "all dimensions of input must be of equal length"
    x = engine.tensor(arr(3, 3), requires_grad=True)
    y = x * 1
    y.fill_diagonal_(0)
    assert name(y) == "CopySlices"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1 - np.eye(3))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.fill_diagonal_(0)
