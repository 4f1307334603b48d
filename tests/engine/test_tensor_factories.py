"""Tensor.new_* factories, dtype introspection (finfo/iinfo/promote_types), output_nr.

Expected values are PyTorch 2.13's.
"""
import engine as torch


def test_new_factories_inherit_dtype_and_device():
    x = torch.ones(2, dtype=torch.float64)
    assert x.new_zeros(3).dtype is torch.float64 and x.new_zeros(3).tolist() == [0.0] * 3
    assert x.new_ones((2, 2)).shape == (2, 2)
    assert x.new_full((2,), 5).tolist() == [5.0, 5.0]
    assert x.new_tensor([1, 2]).dtype is torch.float64
    assert x.new_empty(4).shape == (4,)
    assert x.new_zeros(2, dtype=torch.int32).dtype is torch.int32


def test_finfo_iinfo_promote_types_can_cast():
    assert repr(torch.finfo(torch.float32)) == (
        "finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, "
        "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)")
    assert repr(torch.iinfo(torch.int8)) == "iinfo(min=-128, max=127, dtype=int8)"
    assert torch.promote_types(torch.int32, torch.float16) is torch.float16
    assert torch.promote_types(torch.uint8, torch.int8) is torch.int16
    assert not torch.can_cast(torch.float32, torch.int32)
    assert torch.can_cast(torch.int32, torch.float32)


def test_output_nr():
    a, b = torch.randn(4, requires_grad=True).split(2)
    assert (a.output_nr, b.output_nr) == (0, 1)
