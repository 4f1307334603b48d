"""Reductions (prod, std/var, max/min, amax/amin, argmax/argmin, all/any/count_nonzero,
cumsum/cumprod, logsumexp) and softmax/log_softmax: values against NumPy, gradients against
finite differences, grad_fn names, messages and printed text as PyTorch 2.13 gives them
(expected literals were produced with torch 2.13 and are written in by hand)."""
import warnings

import numpy as np
import pytest

import engine
from tests.gradcheck import gradcheck, gradgradcheck
from tests.helpers import T as t
from tests.helpers import raises

rng = np.random.default_rng(0)
A = rng.standard_normal((3, 4))
A3 = rng.standard_normal((2, 3, 4))


def close(x, expected, **kw):
    np.testing.assert_allclose(np.asarray(x.detach().numpy()), expected, rtol=1e-6, atol=1e-7,
                               **kw)


# ---- prod ----------------------------------------------------------------------------------

def test_prod_values_dtypes_and_names():
    x = t(A, requires_grad=True)
    close(x.prod(), A.prod())
    close(engine.prod(x, 1), A.prod(1))
    assert x.prod(-1, keepdim=True).shape == (3, 1)
    assert x.prod().grad_fn.name() == "ProdBackward0"
    assert x.prod(0).grad_fn.name() == "ProdBackward1"
    ints = t([[1, 2], [3, 4]])
    assert ints.prod().item() == 24 and ints.prod().dtype == engine.int64
    assert t([True, False]).prod().dtype == engine.int64
    assert ints.prod(dtype=engine.float32).dtype == engine.float32
    assert engine.tensor(2.5).prod(0).item() == 2.5


def test_prod_gradients_with_and_without_zeros():
    gradcheck(lambda x: x.prod(), A)
    gradcheck(lambda x: x.prod(1), A)
    gradcheck(lambda x: x.prod(0, keepdim=True), A)
    one_zero = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]])
    gradcheck(lambda x: x.prod(1), one_zero)
    gradcheck(lambda x: x.prod(), one_zero)
    two_zeros = np.array([[2.0, 0.0, 0.0], [1.0, 0.0, 3.0]])
    gradcheck(lambda x: x.prod(1), two_zeros)
    # PyTorch: prod(1) of [[2,0,3],[1,2,3]] sends [[0,6,0],[6,3,2]]
    x = t(np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]], dtype=np.float32), requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [6.0, 3.0, 2.0]]
    gradgradcheck(lambda x: x.prod(1), A)
    gradgradcheck(lambda x: x.prod(1), one_zero)


def test_prod_rejects_a_tuple_of_dims():
    with pytest.raises(TypeError, match="prod\\(\\): argument 'dim' must be int"):
        t(A).prod((0, 1))


# ---- var, std ------------------------------------------------------------------------------

def test_var_std_values_and_signatures():
    x = t(A)
    close(x.var(), A.var(ddof=1))
    close(x.std(), A.std(ddof=1))
    close(x.var(1), A.var(1, ddof=1))
    close(x.std(1, False), A.std(1))             # (dim, unbiased)
    close(x.std(False), A.std())                 # x.std(False): unbiased=False
    close(x.var(0, unbiased=False), A.var(0))
    close(x.var((0, 1), correction=0.5), A.var(ddof=0.5))
    close(engine.std(x, dim=1, correction=2, keepdim=True), A.std(1, ddof=2, keepdims=True))
    close(engine.var(t(A3), dim=(0, 2)), A3.var((0, 2), ddof=1))
    h = t(np.array([1.0, 2.0], dtype=np.float16)).std()
    assert h.dtype == engine.float16 and abs(h.item() - 0.7070) < 1e-3
    assert x.std().grad_fn is None
    assert t(A, requires_grad=True).std(1).grad_fn.name() == "StdBackward0"
    assert t(A, requires_grad=True).var().grad_fn.name() == "VarBackward0"


def test_var_std_errors_and_degrees_of_freedom():
    raises(RuntimeError, "std and var only support floating point and complex dtypes",
           lambda: t([1, 2]).std())
    raises(RuntimeError, "std and var only support floating point and complex dtypes",
           lambda: t([1, 2]).var())
    with pytest.raises(TypeError, match="either unbiased or correction"):
        t(A).var(1, unbiased=True, correction=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = t([1.0]).std()
    assert np.isnan(out.item())
    assert "std(): degrees of freedom is <= 0" in str(caught[0].message)


def test_var_std_gradients():
    gradcheck(lambda x: x.var(), A)
    gradcheck(lambda x: x.var(1, keepdim=True), A)
    gradcheck(lambda x: x.std(), A)
    gradcheck(lambda x: x.std((0, 2), correction=0), A3)
    gradgradcheck(lambda x: x.var(1), A)
    gradgradcheck(lambda x: x.std(0), A)
    # PyTorch: a zero std passes a zero gradient, not nan
    x = t([1.0, 1.0], requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0, 0.0]


# ---- max, min ------------------------------------------------------------------------------

TIES = [[1.0, 5.0, 5.0], [2.0, 0.0, 2.0]]


def test_max_min_all_elements_split_ties():
    x = t(TIES, requires_grad=True)
    m = x.max()
    assert m.item() == 5.0 and m.grad_fn.name() == "MaxBackward1"
    m.backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]
    assert x.min().grad_fn.name() == "MinBackward1"
    x.grad = None
    engine.min(x).backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    gradcheck(lambda x: x.max(), A)
    gradcheck(lambda x: x.min(), A)
    assert t([True, False]).max().item() is True
    assert np.isnan(t([1.0, np.nan, 5.0]).max().item())


def test_max_min_with_dim_named_tuple():
    x = t(TIES, requires_grad=True)
    r = x.max(1)
    assert isinstance(r, tuple) and len(r) == 2
    assert repr(r) == ("torch.return_types.max(\nvalues=tensor([5., 2.], "
                       "grad_fn=<MaxBackward0>),\nindices=tensor([1, 0]))")
    assert str(r) == repr(r)
    assert r.values.tolist() == [5.0, 2.0] and r.indices.tolist() == [1, 0]
    assert r[0] is r.values and r.indices.dtype == engine.int64
    values, indices = engine.max(x, dim=1, keepdim=True)
    assert values.shape == (2, 1) and indices.tolist() == [[1], [0]]
    assert repr(x.min(dim=0, keepdim=True)) == (
        "torch.return_types.min(\nvalues=tensor([[1., 0., 2.]], grad_fn=<MinBackward0>),\n"
        "indices=tensor([[0, 1, 1]]))")
    assert type(r).__module__ == "torch.return_types" and type(r).__name__ == "max"
    assert repr(engine.return_types.max((t(1.0), t(2)))) == (
        "torch.return_types.max(\nvalues=tensor(1.),\nindices=tensor(2))")


def test_max_min_with_dim_gradients_go_to_the_index():
    x = t(TIES, requires_grad=True)
    x.max(1)[0].sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    x.grad = None
    x.min(1).values.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    gradcheck(lambda x: x.max(1).values, A)
    gradcheck(lambda x: x.min(0, keepdim=True)[0], A)
    gradcheck(lambda x: x.max(-1)[0], A3)
    gradgradcheck(lambda x: x.max(1).values * x.max(1).values, A)
    r = engine.tensor(2.0).max(0)
    assert r.values.item() == 2.0 and r.indices.item() == 0


def test_max_values_against_numpy():
    close(t(A3).max(1).values, A3.max(1))
    close(t(A3).max(1).indices, A3.argmax(1))
    close(t(A3).min(-1).values, A3.min(-1))
    close(t(A3).min(-1).indices, A3.argmin(-1))


def test_max_min_of_two_tensors_is_elementwise():
    a, b = t([1.0, 5.0]), t([3.0, 2.0])
    assert engine.max(a, b).tolist() == [3.0, 5.0]
    assert engine.min(a, b).tolist() == [1.0, 2.0]


def test_max_min_errors():
    e = engine.empty(0, 3)
    raises(RuntimeError, "max(): Expected reduction dim to be specified for input.numel() == 0."
           " Specify the reduction dim with the 'dim' argument.", lambda: e.max())
    raises(RuntimeError, "min(): Expected reduction dim to be specified for input.numel() == 0."
           " Specify the reduction dim with the 'dim' argument.", lambda: e.min())
    raises(IndexError, "max(): Expected reduction dim 0 to have non-zero size.",
           lambda: e.max(0))
    assert e.max(1).values.shape == (0,)
    raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
           lambda: t(A).max(2))
    with pytest.raises(TypeError, match="argument 'dim'"):
        t(A).max((0, 1))


# ---- amax, amin, argmax, argmin ------------------------------------------------------------

def test_amax_amin_values_and_tie_gradients():
    x = t(TIES, requires_grad=True)
    out = x.amax(1)
    assert out.tolist() == [5.0, 2.0] and out.grad_fn.name() == "AmaxBackward0"
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
    assert x.amin(0).grad_fn.name() == "AminBackward0"
    close(t(A3).amax((0, 2)), A3.max((0, 2)))
    close(t(A3).amin(), A3.min())
    close(t(A3).amax(-1, keepdim=True), A3.max(-1, keepdims=True))
    assert t([[1, 2], [3, 4]]).amax(0).tolist() == [3, 4]
    gradcheck(lambda x: x.amax(1), A)
    gradcheck(lambda x: x.amin((0, 1)), A3)
    gradcheck(lambda x: engine.amax(x), A)
    raises(RuntimeError, "amax(): Expected reduction dim to be specified for input.numel() == "
           "0. Specify the reduction dim with the 'dim' argument.",
           lambda: engine.empty(0, 3).amax())
    raises(IndexError, "amax(): Expected reduction dim 0 to have non-zero size.",
           lambda: engine.empty(0, 3).amax(0))
    raises(RuntimeError, "dim 0 appears multiple times in the list of dims",
           lambda: t(A).amax((0, 0)))


def test_argmax_argmin():
    x = t(A3)
    assert x.argmax().item() == A3.argmax()
    assert x.argmin().item() == A3.argmin()
    close(x.argmax(1), A3.argmax(1))
    close(engine.argmin(x, dim=-1), A3.argmin(-1))
    assert x.argmax(1).dtype == engine.int64
    assert x.argmax(1, keepdim=True).shape == (2, 1, 4)
    assert t([[1, 5, 5], [2, 0, 2]]).argmax(1).tolist() == [1, 0]  # first of the ties
    assert t(A).argmax(keepdim=True).shape == (1, 1)
    assert t([1.0, np.nan, 5.0]).argmax().item() == 1
    raises(RuntimeError, "argmax(): does not support bool input", lambda: t([True]).argmax())
    raises(RuntimeError, "argmin(): does not support bool input", lambda: t([True]).argmin())
    raises(IndexError, "argmax(): Expected reduction dim to be specified for input.numel() == "
           "0.", lambda: engine.empty(0, 3).argmax())
    raises(IndexError, "argmax(): Expected reduction dim 0 to have non-zero size.",
           lambda: engine.empty(0, 3).argmax(0))


# ---- all, any, count_nonzero ---------------------------------------------------------------

def test_all_any_count_nonzero():
    m = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 0.0]])
    x = t(m)
    assert x.all().item() is False and x.any().item() is True
    assert x.all().dtype == engine.bool
    assert x.any(1).tolist() == [True, True]
    assert x.all(0).tolist() == [False, False, False]
    assert engine.all(x, dim=(0, 1), keepdim=True).shape == (1, 1)
    assert x.any(1, keepdim=True).shape == (2, 1)
    u8 = t(np.array([1, 2], dtype=np.uint8)).all()
    assert u8.dtype == engine.uint8 and u8.item() == 1
    assert engine.empty(0).all().item() is True
    assert x.count_nonzero().item() == 3
    assert x.count_nonzero(1).tolist() == [2, 1]
    assert engine.count_nonzero(x, dim=(0, 1)).item() == 3
    assert x.count_nonzero(0).dtype == engine.int64


# ---- cumsum, cumprod -----------------------------------------------------------------------

def test_cumsum_cumprod_values_and_dtypes():
    x = t(A3, requires_grad=True)
    close(x.cumsum(1), A3.cumsum(1))
    close(engine.cumsum(x, dim=-1), A3.cumsum(-1))
    close(x.cumprod(0), A3.cumprod(0))
    assert x.cumsum(0).grad_fn.name() == "CumsumBackward0"
    assert x.cumprod(0).grad_fn.name() == "CumprodBackward0"
    ints = t([[1, 2], [3, 4]])
    assert ints.cumsum(0).tolist() == [[1, 2], [4, 6]] and ints.cumsum(0).dtype == engine.int64
    assert t([True, True]).cumsum(0).tolist() == [1, 2]
    assert ints.cumsum(0, dtype=engine.float32).dtype == engine.float32
    assert t(np.array([1, 2, 3], dtype=np.int32)).cumprod(0).tolist() == [1, 2, 6]
    assert engine.tensor(2.0).cumsum(0).item() == 2.0
    raises(TypeError, 'cumsum() missing 1 required positional arguments: "dim"',
           lambda: x.cumsum())
    raises(TypeError, "cumsum(): argument 'dim' (position 1) must be int, not tuple",
           lambda: x.cumsum((0, 1)))


def test_cumsum_cumprod_gradients():
    gradcheck(lambda x: x.cumsum(1), A)
    gradcheck(lambda x: x.cumsum(0), A3)
    gradcheck(lambda x: x.cumprod(1), A)
    gradgradcheck(lambda x: x.cumprod(1), A)
    zeros = np.array([[2.0, 0.0, 3.0, 0.0], [1.0, 2.0, 0.0, 4.0]])
    gradcheck(lambda x: x.cumprod(1), zeros)
    # PyTorch: cumprod(0).sum() of [2, 0, 3, 0] sends [1, 8, 0, 0]
    x = t([2.0, 0.0, 3.0, 0.0], requires_grad=True)
    x.cumprod(0).sum().backward()
    assert x.grad.tolist() == [1.0, 8.0, 0.0, 0.0]


# ---- logsumexp -----------------------------------------------------------------------------

def test_logsumexp_is_stable():
    x = t(A3, requires_grad=True)
    close(x.logsumexp(1), np.log(np.exp(A3).sum(1)))
    close(engine.logsumexp(x, (0, 2), keepdim=True), np.log(np.exp(A3).sum((0, 2),
                                                                         keepdims=True)))
    assert x.logsumexp(0).grad_fn.name() == "LogsumexpBackward0"
    big = t([1000.0, 1000.0])
    assert abs(big.logsumexp(0).item() - (1000 + np.log(2))) < 1e-3
    assert t([np.inf, 1.0]).logsumexp(0).item() == np.inf
    assert t([-np.inf, -np.inf]).logsumexp(0).item() == -np.inf
    assert engine.empty(0, 3).logsumexp(0).tolist() == [-np.inf] * 3
    ints = t([[1, 2], [3, 4]]).logsumexp(1)
    assert ints.dtype == engine.float32
    np.testing.assert_allclose(ints.numpy(), [2.3133, 4.3133], atol=1e-4)
    raises(TypeError, 'logsumexp() missing 1 required positional arguments: "dim"',
           lambda: x.logsumexp())
    gradcheck(lambda x: x.logsumexp(1), A)
    gradcheck(lambda x: x.logsumexp((0, 2)), A3)
    gradgradcheck(lambda x: x.logsumexp(1), A)


# ---- softmax, log_softmax ------------------------------------------------------------------

def np_softmax(a, d):
    e = np.exp(a - a.max(d, keepdims=True))
    return e / e.sum(d, keepdims=True)


def test_softmax_log_softmax_values():
    x = t(A3, requires_grad=True)
    for d in (0, 1, -1):
        close(x.softmax(d), np_softmax(A3, d))
        close(engine.log_softmax(x, d), np.log(np_softmax(A3, d)))
    assert x.softmax(1).grad_fn.name() == "SoftmaxBackward0"
    assert x.log_softmax(1).grad_fn.name() == "LogSoftmaxBackward0"
    big = t([1000.0, 0.0, -1000.0]).softmax(0)
    assert big.tolist() == [1.0, 0.0, 0.0]
    close(t([1000.0, 0.0]).log_softmax(0), [0.0, -1000.0])
    assert engine.tensor(2.0).softmax(0).item() == 1.0
    ints = t([[1, 2], [3, 4]])
    out = ints.softmax(1, dtype=engine.float64)
    assert out.dtype == engine.float64
    np.testing.assert_allclose(out.numpy(), [[0.2689, 0.7311]] * 2, atol=1e-4)
    h = t(np.array([1.0, 2.0], dtype=np.float16)).softmax(0)
    assert h.dtype == engine.float16


def test_softmax_errors():
    ints = t([[1, 2], [3, 4]])
    raises(NotImplementedError, "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'",
           lambda: ints.softmax(1))
    raises(NotImplementedError, "\"softmax_kernel_impl\" not implemented for 'Long'",
           lambda: ints.softmax(0))
    raises(NotImplementedError, "\"log_softmax_lastdim_kernel_impl\" not implemented for "
           "'Long'", lambda: ints.log_softmax(1))
    raises(TypeError, 'softmax() missing 1 required positional arguments: "dim"',
           lambda: engine.softmax(t(A)))
    raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
           lambda: t(A).softmax(2))


def test_softmax_gradients():
    gradcheck(lambda x: x.softmax(1), A)
    gradcheck(lambda x: x.softmax(0), A3)
    gradcheck(lambda x: x.log_softmax(-1), A3)
    gradgradcheck(lambda x: x.softmax(1), A)
    gradgradcheck(lambda x: x.log_softmax(0), A)


# ---- dim conventions shared by the reductions ------------------------------------------------

def test_empty_dim_list_reduces_everything_except_for_all_any():
    # PyTorch 2.13: sum/mean/std/var/amax/norm/count_nonzero over dim=() reduce every dim;
    # all/any over dim=() reduce none.
    x = t(A)
    for fn in (lambda x: x.sum(()), lambda x: x.sum([]), lambda x: x.mean(()),
               lambda x: x.std(()), lambda x: x.var(dim=()), lambda x: x.amax(()),
               lambda x: x.norm(dim=()), lambda x: x.count_nonzero(())):
        assert fn(x).shape == ()
    close(x.sum(()), A.sum())
    close(x.std(()), A.std(ddof=1))
    assert x.any(()).shape == (3, 4) and x.all(dim=()).shape == (3, 4)
    gradcheck(lambda x: x.sum(()), A)


def test_zero_dim_tensors_accept_dim_zero():
    s = engine.tensor(2.5, requires_grad=True)
    for fn in (lambda s: s.sum(0), lambda s: s.mean(-1), lambda s: s.prod(0),
               lambda s: s.amax(0), lambda s: s.logsumexp(0), lambda s: s.cumsum(0)):
        out = fn(s)
        assert out.shape == () and out.item() == 2.5
    gradcheck(lambda s: s.sum(0) * s.amax(0), np.array(1.5))


def test_mean_with_dtype_casts_first():
    out = t([1, 2]).mean(dtype=engine.float32)
    assert out.dtype == engine.float32 and out.item() == 1.5
    raises(RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a "
           "floating point or complex dtype. Got: Long", lambda: t([1, 2]).mean())


# ---- std_mean/var_mean, aminmax, median/nanmedian, nansum/nanmean, cummax/cummin ---------------

def test_std_mean_var_mean_share_one_node():
    x = t(A, requires_grad=True)
    s, m = engine.std_mean(x, 1)
    close(s, A.std(1, ddof=1))
    close(m, A.mean(1))
    assert s.grad_fn is m.grad_fn and s.grad_fn.name() == "StdMeanBackward0"
    v, m = engine.var_mean(x, dim=0, correction=0, keepdim=True)
    close(v, A.var(0, keepdims=True))
    assert v.grad_fn.name() == "VarMeanBackward0"
    gradcheck(lambda x: engine.std_mean(x, 1)[0] * 2 + engine.std_mean(x, 1)[1], A)
    gradcheck(lambda x: engine.var_mean(x)[1], A)       # only the mean output used
    gradcheck(lambda x: engine.var_mean(x, (0, 2))[0], A3)
    raises(RuntimeError, "std_mean only support floating point and complex dtypes",
           lambda: engine.std_mean(t([1, 2])))


def test_aminmax():
    x = t([[1.0, 3.0, 3.0, 2.0]], requires_grad=True)
    r = engine.aminmax(x)
    assert repr(r) == ("torch.return_types.aminmax(\nmin=tensor(1., grad_fn=<AminmaxBackward0>),"
                       "\nmax=tensor(3., grad_fn=<AminmaxBackward0>))")
    (r.min + r.max * 2).backward()
    assert x.grad.tolist() == [[1.0, 1.0, 1.0, 0.0]]  # PyTorch 2.13: ties share the gradient
    lo, hi = t(A3).aminmax(dim=1, keepdim=True)
    close(lo, A3.min(1, keepdims=True))
    close(hi, A3.max(1, keepdims=True))
    gradcheck(lambda x: engine.aminmax(x, dim=0).max - engine.aminmax(x, dim=0).min, A)
    raises(RuntimeError, "aminmax(): cannot compute aminmax over an empty dimension as the "
           "operation has no identity.", lambda: engine.empty(0).aminmax())
    raises(IndexError, "aminmax: Expected reduction dim 0 to have non-zero size.",
           lambda: engine.empty(0, 3).aminmax(dim=0))


def test_median_nanmedian():
    x = t([[1.0, 3.0, 2.0, 2.0], [2.0, 1.0, 1.0, 3.0]], requires_grad=True)
    m = x.median()
    assert m.item() == 2.0 and m.grad_fn.name() == "MedianBackward0"  # the lower median
    m.backward()
    third = 1 / 3
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0, third, third], [third, 0, 0, 0]],
                               rtol=1e-6)
    # PyTorch 2.13's indices with ties and NaN
    r = t([[1.0, 1.0, 1.0], [2.0, 1.0, 2.0], [3.0, 3.0, 1.0]]).median(1)
    assert r.values.tolist() == [1.0, 2.0, 3.0] and r.indices.tolist() == [1, 0, 0]
    assert t([[5.0, 1.0, 5.0, 1.0, 3.0, 3.0]]).median(1).indices.tolist() == [4]
    r = t([[1.0, np.nan, 2.0]]).median(1)
    assert np.isnan(r.values.item()) and r.indices.tolist() == [1]
    assert np.isnan(t([1.0, np.nan, 2.0]).median().item())
    assert t([1.0, np.nan, 2.0]).nanmedian().item() == 1.0
    r = engine.nanmedian(t([[1.0, np.nan, 2.0, 3.0]]), 1)
    assert r.values.tolist() == [2.0] and r.indices.tolist() == [2]
    assert repr(t([[1, 2, 3]]).median(1)) == ("torch.return_types.median(\nvalues=tensor([2]),"
                                              "\nindices=tensor([1]))")
    assert x.median(1, keepdim=True).values.grad_fn.name() == "MedianBackward1"
    close(t(A3).median(-1).values, np.sort(A3, -1)[..., 1])
    gradcheck(lambda x: x.median(1).values, A)
    gradcheck(lambda x: x.median(), A3)
    raises(NotImplementedError, "\"median_cpu\" not implemented for 'Bool'",
           lambda: t([True, False]).median())
    raises(IndexError, "median(): Expected reduction dim 0 to have non-zero size.",
           lambda: engine.empty(0, 3).median(0))


def test_nansum_nanmean():
    m = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 4.0]])
    x = t(m, requires_grad=True)
    close(engine.nansum(x), np.nansum(m))
    close(x.nansum(1), np.nansum(m, 1))
    close(x.nanmean(0, keepdim=True), np.nanmean(m, 0, keepdims=True))
    assert x.nansum().grad_fn.name() == "NansumBackward0"
    assert x.nanmean().grad_fn.name() == "DivBackward0"
    engine.nanmean(x).backward()
    assert x.grad.tolist() == [[0.25, 0.0, 0.25], [0.0, 0.25, 0.25]]
    assert t([1, 2]).nansum().item() == 3 and t([1, 2]).nansum().dtype == engine.int64
    raises(RuntimeError, "nanmean(): expected input to have floating point or complex dtype but "
           "got Long", lambda: t([1, 2]).nanmean())
    gradcheck(lambda x: x.nansum(1), A)


def test_cummax_cummin():
    r = t([[1.0, 3.0, 3.0, 2.0, 3.0, 5.0]]).cummax(1)
    assert r.values.tolist() == [[1.0, 3.0, 3.0, 3.0, 3.0, 5.0]]
    assert r.indices.tolist() == [[0, 1, 2, 2, 4, 5]]  # PyTorch: the latest tie wins
    r = engine.cummin(t([[3.0, 1.0, 1.0, 2.0, 1.0]]), 1)
    assert r.indices.tolist() == [[0, 1, 2, 2, 4]]
    r = t([[1.0, np.nan, 3.0]]).cummax(1)
    assert r.indices.tolist() == [[0, 1, 1]] and np.isnan(r.values[0, 2].item())
    x = t([[1.0, 3.0, 3.0, 2.0]], requires_grad=True)
    out = x.cummax(1).values
    assert out.grad_fn.name() == "CummaxBackward0"
    out.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0, 2.0, 0.0]]
    close(t(A3).cummax(1).values, np.maximum.accumulate(A3, 1))
    close(t(A3).cummin(-1).values, np.minimum.accumulate(A3, -1))
    gradcheck(lambda x: x.cummax(1).values, A)
    gradcheck(lambda x: x.cummin(0).values, A3)
    assert engine.tensor(2.0).cummax(0).indices.item() == 0


def test_softmax_saves_only_its_result_as_pytorch_does():
    x = t(A, requires_grad=True)
    h = x * 1
    y = h.softmax(1)
    h.add_(1.0)  # PyTorch allows this: SoftmaxBackward0 saved only its result
    y.sum().backward()
    z = x * 1
    p = z.softmax(1)
    p.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        p.sum().backward()


def test_numpy_style_axis_and_keepdims_aliases():
    # PyTorch 2.13 accepts axis= for dim= and keepdims= for keepdim= in its reductions.
    x = t(A3)
    close(x.sum(axis=1), A3.sum(1))
    close(x.mean(axis=(0, 2), keepdims=True), A3.mean((0, 2), keepdims=True))
    close(x.std(axis=1), A3.std(1, ddof=1))
    assert x.max(axis=1, keepdims=True).values.shape == (2, 1, 4)
    assert x.argmax(axis=-1).shape == (2, 3)
    close(engine.logsumexp(x, axis=2), np.log(np.exp(A3).sum(2)))
    close(x.softmax(axis=1), np_softmax(A3, 1))
    assert engine.count_nonzero(x, axis=0).shape == (3, 4)
    with pytest.raises(TypeError, match="both dim and its alias axis"):
        x.sum(1, axis=1)
    with pytest.raises(TypeError, match="both dim and its alias axis"):
        x.amax(dim=1, axis=1)


def test_out_argument():
    x = t(A)
    o = engine.empty(0)
    assert engine.sum(x, 1, out=o) is o and o.shape == (3,)
    close(o, A.sum(1))
    o = engine.empty(0)
    engine.std(x, 0, out=o)
    close(o, A.std(0, ddof=1))
    v, i = engine.empty(0), engine.empty(0, dtype=engine.int64)
    r = engine.max(x, 1, out=(v, i))
    assert r.values is v and r.indices is i and i.tolist() == A.argmax(1).tolist()
    raises(TypeError, "median(): argument 'out' must be tuple of Tensors, not Tensor",
           lambda: engine.median(x, 1, out=engine.empty(0)))


def test_half_precision_accumulates_in_float32():
    # NumPy would add float16 in float16 (a running sum sticks at 2048 when adding 0.5);
    # PyTorch accumulates half in float32 and so does the engine.
    halves = np.full(10000, 0.5, dtype=np.float16)
    x = t(halves)
    assert x.cumsum(0)[-1].item() == 5000.0 and x.cumsum(0).dtype == engine.float16
    assert x.sum().item() == 5000.0 and x.sum().dtype == engine.float16
    assert x.sum(0).item() == 5000.0
    assert x.nansum().item() == 5000.0


def test_empty_inputs_as_pytorch_handles_them():
    # PyTorch 2.13: softmax of nothing is nothing (any dtype); amax names the dim as given;
    # the median of no integers is NaN cast to int64 (its minimum).
    assert engine.empty(0).softmax(0).shape == (0,)
    assert engine.empty(0, dtype=engine.int64).log_softmax(0).dtype == engine.int64
    raises(IndexError, "amax(): Expected reduction dim -1 to have non-zero size.",
           lambda: engine.empty(2, 0).amax(-1))
    assert engine.empty(0, dtype=engine.int64).median().item() == -9223372036854775808
    raises(NotImplementedError, "\"median_out\" not implemented for 'Bool'",
           lambda: t([True]).median(0))
    raises(RuntimeError, "linalg.vector_norm cannot compute the inf norm on the dimension "
           "-1because this dimension is empty and the operation does not have an identity",
           lambda: engine.empty(0).norm(float("inf"), dim=-1))
    raises(RuntimeError, "linalg.vector_norm cannot compute the inf norm on an empty tensor "
           "because the operation does not have an identity",
           lambda: engine.empty(0).norm(float("inf")))
    raises(TypeError, "aminmax(): argument 'dim' must be int, not tuple",
           lambda: t(A).aminmax(dim=(0, 1)))
