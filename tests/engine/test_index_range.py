"""Indexing with a Python range reads and writes like the list of its indices (PyTorch 2.13's
results written as literals), and a short list holding sequences is read as a tuple with
PyTorch's deprecation warning."""
import numpy as np
import pytest

import engine as torch
from tests.gradcheck import gradcheck
from tests.helpers import grad_fn_name, raises


def _x():
    return torch.arange(12.).reshape(3, 4)


@pytest.mark.parametrize("index, expected", [
    ((range(2),), [[0., 1., 2., 3.], [4., 5., 6., 7.]]),
    ((slice(None), range(2)), [[0., 1.], [4., 5.], [8., 9.]]),
    ((range(1, 3), range(2)), [4., 9.]),
    ((range(3, 0, -1)[1:],), [[8., 9., 10., 11.], [4., 5., 6., 7.]]),
    ((range(-1, -3, -1),), [[8., 9., 10., 11.], [4., 5., 6., 7.]]),
    ((0, range(2)), [0., 1.]),
    ((Ellipsis, range(1, 4, 2)), [[1., 3.], [5., 7.], [9., 11.]]),
    ((range(2), slice(1, None)), [[1., 2., 3.], [5., 6., 7.]]),
    ((None, range(2)), [[[0., 1., 2., 3.], [4., 5., 6., 7.]]]),
])
def test_range_index_reads_like_pytorch(index, expected):
    got = _x()[index if len(index) > 1 else index[0]]
    assert got.tolist() == expected
    assert got.is_contiguous()


def test_empty_and_out_of_bounds_ranges():
    assert _x()[range(0)].shape == torch.Size([0, 4])
    raises(IndexError, "index 3 is out of bounds for dimension 0 with size 3",
           lambda: _x()[range(5)])


def test_range_index_writes_and_differentiates():
    y = _x()
    y[range(2)] = 0
    assert y.tolist() == [[0., 0., 0., 0.], [0., 0., 0., 0.], [8., 9., 10., 11.]]
    y = _x()
    y[:, range(1, 3)] = torch.tensor([7., 8.])
    assert y.tolist() == [[0., 7., 8., 3.], [4., 7., 8., 7.], [8., 7., 8., 11.]]
    z = torch.arange(4., requires_grad=True)
    picked = z[range(1, 3)]
    assert grad_fn_name(picked) == "IndexBackward0"
    picked.sum().backward()
    assert z.grad.tolist() == [0., 1., 1., 0.]
    gradcheck(lambda t: t[:, range(2, 0, -1)] * 2, np.arange(6.).reshape(2, 3))


def test_a_list_of_sequences_is_read_as_a_tuple_with_pytorchs_warning():
    x = _x()
    with pytest.warns(UserWarning, match="Using a non-tuple sequence for multidimensional "
                                         "indexing is deprecated"):
        assert x[[range(2)]].tolist() == [[0., 1., 2., 3.], [4., 5., 6., 7.]]
    with pytest.warns(UserWarning):
        assert x[[[0, 1], [1, 2]]].tolist() == [1., 6.]
    with pytest.warns(UserWarning):
        assert x[[None]].shape == torch.Size([1, 3, 4])
    assert x[[0, 1]].shape == torch.Size([2, 4])  # a plain list of ints stays an index list
