"""Tensors copy and pickle as PyTorch's do: copy.copy shares the data (a new leaf over the same
storage, Python attributes kept, .grad not), deepcopy copies data, grad and attributes, and
pickle round-trips values, dtype, requires_grad, subclass and attributes (behaviours recorded
from PyTorch 2.13)."""
import copy
import pickle

import numpy as np
import pytest

import engine as torch
import engine.nn as nn


def test_copy_copy_shares_the_data_like_pytorch():
    x = torch.arange(4.)
    c = copy.copy(x)
    c[0] = 9
    assert x.tolist() == [9.0, 1.0, 2.0, 3.0]  # PyTorch: tensor([9., 1., 2., 3.])
    x.foo = 3
    assert copy.copy(x).foo == 3
    leaf = torch.arange(4.).requires_grad_()
    leaf.grad = torch.ones(4)
    c = copy.copy(leaf)
    assert c.grad is None and c.requires_grad and c.is_leaf  # PyTorch: None True
    view = torch.arange(4.)[1:3]
    assert copy.copy(view).storage_offset() == 1


def test_copy_of_a_parameter_is_a_parameter_over_the_same_data():
    p = nn.Parameter(torch.ones(2))
    c = copy.copy(p)
    assert type(c) is nn.Parameter and c.requires_grad and c.data_ptr() == p.data_ptr()


def test_deepcopy_copies_data_grad_and_attributes():
    x = torch.arange(3.).requires_grad_()
    x.grad = torch.ones(3)
    x.tag = {"name": "w"}
    d = copy.deepcopy(x)
    d.data[0] = 7
    assert x.tolist() == [0.0, 1.0, 2.0]
    assert d.grad.tolist() == [1.0, 1.0, 1.0] and d.grad is not x.grad
    assert d.tag == {"name": "w"} and d.tag is not x.tag
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)


def test_deepcopied_parameter_accumulates_into_itself():
    lin = nn.Linear(2, 1)
    lin(torch.ones(1, 2)).sum().backward()  # the original now has its AccumulateGrad node
    twin = copy.deepcopy(lin)
    twin.zero_grad()
    lin.zero_grad()
    twin(torch.ones(1, 2)).sum().backward()
    assert lin.weight.grad is None or not lin.weight.grad.any()
    assert twin.weight.grad.tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.int64,
                                   torch.int8, torch.uint8, torch.bool])
def test_pickle_round_trips_values_and_dtype(dtype):
    x = torch.tensor([[1, 0], [3, 4]]).to(dtype)
    back = pickle.loads(pickle.dumps(x))
    assert back.dtype is dtype and torch.equal(back, x)
    assert type(back) is torch.Tensor


def test_pickle_keeps_requires_grad_subclass_and_attributes():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.note = "hi"
    back = pickle.loads(pickle.dumps(x))
    assert back.requires_grad and back.is_leaf and back.grad is None and back.note == "hi"
    y = pickle.loads(pickle.dumps(x * 2))  # PyTorch pickles non-leaves too (as leaves)
    assert y.requires_grad and y.grad_fn is None
    p = pickle.loads(pickle.dumps(nn.Parameter(torch.ones(2))))
    assert type(p) is nn.Parameter and p.requires_grad
    t = torch.arange(6.).reshape(2, 3).t()  # non-contiguous: its values survive
    assert pickle.loads(pickle.dumps(t)).tolist() == t.tolist()


def test_pickle_of_a_module_and_its_state_dict():
    lin = nn.Linear(3, 2)
    back = pickle.loads(pickle.dumps(lin))
    x = torch.ones(1, 3)
    assert torch.equal(back(x), lin(x))
    sd = pickle.loads(pickle.dumps(lin.state_dict()))
    assert list(sd) == ["weight", "bias"] and np.array_equal(sd["weight"].numpy(),
                                                          lin.weight.detach().numpy())


def test_sizes_devices_dtypes_pickle_without_a_torch_module():
    for obj in (torch.Size([2, 3]), torch.device("cpu"), torch.float16, torch.strided,
                torch.channels_last):
        assert pickle.loads(pickle.dumps(obj)) == obj
