"""PyTorch's in-place variants: each ``t.name_(...)`` writes what ``t.name(...)`` computes into
t (cast to t's dtype, refused where PyTorch refuses the cast), returns t and moves its version
counter; ``torch.name_(t, ...)`` is the same method. Results of the out-of-place ops are checked
against PyTorch in the op families' own tests."""
import numpy as np
import pytest

import engine as torch
from engine.ops.inplace import MORE_INPLACE, TOP_LEVEL, VIEW_INPLACE

F = [[1.5, -0.5, 2.0], [0.25, 3.0, -1.0]]
I = [[6, -4, 9], [12, 5, 8]]
CASES = {  # name: (input, args)
    "absolute": (F, ()), "addbmm": ([[1., 2.], [3., 4.]], (torch.ones(2, 2, 3),
                                                           torch.ones(2, 3, 2))),
    "addmm": ([[1., 2.], [3., 4.]], (torch.ones(2, 3), torch.ones(3, 2))),
    "addmv": ([1., 2.], (torch.ones(2, 3), torch.ones(3))),
    "addr": (F, (torch.tensor([1., 2.]), torch.tensor([1., 0., -1.]))),
    "baddbmm": ([[[1., 2.]]], (torch.ones(1, 1, 3), torch.ones(1, 3, 2))),
    "bitwise_and": (I, (3,)), "bitwise_or": (I, (3,)), "bitwise_xor": (I, (3,)),
    "bitwise_not": (I, ()), "bitwise_left_shift": (I, (2,)), "bitwise_right_shift": (I, (1,)),
    "cumprod": (F, (1,)), "cumsum": (F, (0,)), "divide": (F, (2.0,)), "multiply": (F, (3,)),
    "subtract": (F, (1.5,)), "true_divide": (F, (4,)), "negative": (F, ()),
    "eq": (F, (2.0,)), "ne": (F, (2.0,)), "lt": (F, (1.0,)), "le": (F, (1.5,)),
    "gt": (F, (0.0,)), "ge": (F, (0.25,)), "greater": (F, (0.0,)), "greater_equal": (F, (0.,)),
    "less": (F, (0.0,)), "less_equal": (F, (0.0,)), "not_equal": (F, (3.0,)),
    "logical_and": (F, (torch.tensor([1., 0., 1.]),)), "logical_or": (F, (torch.zeros(3),)),
    "logical_xor": (F, (torch.ones(3),)), "logical_not": (F, ()), "exp2": (F, ()),
    "fix": (F, ()), "gcd": (I, (torch.tensor([4, 6, 3]),)), "lcm": (I, (torch.tensor([4, 6, 3]),)),
    "heaviside": (F, (torch.tensor([0.5]),)), "hypot": (F, (torch.tensor([1., 2., 3.]),)),
    "copysign": (F, (-1.0,)), "ldexp": (F, (torch.tensor([1, 2, 0]),)), "log10": ([[1., 10.]], ()),
    "log2": ([[1., 8.]], ()), "nextafter": (F, (torch.zeros(3),)), "renorm": (F, (2, 0, 1.0)),
    "sgn": (F, ()), "tan": (F, ()), "deg2rad": (F, ()), "rad2deg": (F, ()),
    "scatter_reduce": (F, (1, torch.tensor([[0, 0, 1], [2, 2, 2]]), torch.ones(2, 3), "sum")),
    "arctan2": (F, (torch.ones(3),)),
    "index_reduce": (F, (0, torch.tensor([1]), torch.ones(1, 3), "amax")),
    "put": (F, (torch.tensor([0, 5]), torch.tensor([9., 8.]))),
}


def test_every_listed_variant_has_a_case():
    assert set(MORE_INPLACE) <= set(CASES)


@pytest.mark.parametrize("name", MORE_INPLACE)
def test_in_place_variant_writes_the_out_of_place_result(name):
    data, args = CASES[name]
    x = torch.tensor(data)
    expected = getattr(x, name)(*args)
    before = x._version
    got = getattr(x, name + "_")(*args)
    assert got is x and x._version > before
    np.testing.assert_allclose(x.numpy(), expected.to(x.dtype).numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_in_place_functions_are_the_methods(name):
    assert getattr(torch, name) is getattr(torch.Tensor, name)


def test_view_variants_change_the_tensor_not_the_data():
    x = torch.arange(6.).reshape(2, 3)
    ptr = x.data_ptr()
    for name, args, shape in (("t", (), (3, 2)), ("transpose", (0, 1), (2, 3)),
                              ("unsqueeze", (0,), (1, 2, 3)), ("squeeze", (), (2, 3)),
                              ("swapaxes", (0, 1), (3, 2)), ("swapdims", (0, 1), (2, 3)),
                              ("as_strided", ((3,), (2,)), (3,))):
        assert getattr(x, name + "_")(*args) is x and tuple(x.shape) == shape, name
        assert x.data_ptr() == ptr
    assert set(VIEW_INPLACE) == {"t", "transpose", "squeeze", "unsqueeze", "swapaxes",
                                 "swapdims", "as_strided"}
    assert x.tolist() == [0.0, 2.0, 4.0]


def test_casts_pytorch_refuses_and_allows():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        torch.tensor([180, 2]).deg2rad_()
    x = torch.tensor([1, 2, 3])
    assert x.eq_(2).tolist() == [0, 1, 0] and x.dtype is torch.int64  # bool fits any dtype
    torch.abs_(y := torch.tensor([-1., 2.]))
    assert y.tolist() == [1.0, 2.0]
