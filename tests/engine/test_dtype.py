"""dtypes: PyTorch's promotion table (tensor-tensor, with 0-d tensors, with Python scalars),
true division of ints, comparisons giving bool; dtype objects; conversions .float() .double()
.long() .int() .bool() .half() .type() .to().

Every table below was printed by PyTorch 2.13 and is written here as a literal.
"""
import numpy as np
import pytest

import engine
from tests.helpers import raises

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
DT = {n: getattr(engine, n) for n in NAMES}

# row dtype (a 1-D tensor) + column dtype (a 1-D tensor): torch.ones(2, dtype=a) + ...(b)
ADD_1D_1D = {
    "bool": "bool uint8 int8 int16 int32 int64 float16 float32 float64",
    "uint8": "uint8 uint8 int16 int16 int32 int64 float16 float32 float64",
    "int8": "int8 int16 int8 int16 int32 int64 float16 float32 float64",
    "int16": "int16 int16 int16 int16 int32 int64 float16 float32 float64",
    "int32": "int32 int32 int32 int32 int32 int64 float16 float32 float64",
    "int64": "int64 int64 int64 int64 int64 int64 float16 float32 float64",
    "float16": "float16 float16 float16 float16 float16 float16 float16 float32 float64",
    "float32": "float32 float32 float32 float32 float32 float32 float32 float32 float64",
    "float64": "float64 float64 float64 float64 float64 float64 float64 float64 float64",
}

# row dtype (1-D) + column dtype (0-d): the 0-d operand only counts for its category
ADD_1D_0D = {
    "bool": "bool uint8 int8 int16 int32 int64 float16 float32 float64",
    "uint8": "uint8 uint8 uint8 uint8 uint8 uint8 float16 float32 float64",
    "int8": "int8 int8 int8 int8 int8 int8 float16 float32 float64",
    "int16": "int16 int16 int16 int16 int16 int16 float16 float32 float64",
    "int32": "int32 int32 int32 int32 int32 int32 float16 float32 float64",
    "int64": "int64 int64 int64 int64 int64 int64 float16 float32 float64",
    "float16": "float16 float16 float16 float16 float16 float16 float16 float16 float16",
    "float32": "float32 float32 float32 float32 float32 float32 float32 float32 float32",
    "float64": "float64 float64 float64 float64 float64 float64 float64 float64 float64",
}

# row dtype (1-D) + Python True, 2, 2.5
ADD_SCALAR = {
    "bool": "bool int64 float32", "uint8": "uint8 uint8 float32", "int8": "int8 int8 float32",
    "int16": "int16 int16 float32", "int32": "int32 int32 float32",
    "int64": "int64 int64 float32", "float16": "float16 float16 float16",
    "float32": "float32 float32 float32", "float64": "float64 float64 float64",
}

# true division, 1-D by 1-D: integers give the default float
DIV_1D_1D = {
    "bool": "float32 float32 float32 float32 float32 float32 float16 float32 float64",
    "uint8": "float32 float32 float32 float32 float32 float32 float16 float32 float64",
    "int8": "float32 float32 float32 float32 float32 float32 float16 float32 float64",
    "int16": "float32 float32 float32 float32 float32 float32 float16 float32 float64",
    "int32": "float32 float32 float32 float32 float32 float32 float16 float32 float64",
    "int64": "float32 float32 float32 float32 float32 float32 float16 float32 float64",
    "float16": "float16 float16 float16 float16 float16 float16 float16 float32 float64",
    "float32": "float32 float32 float32 float32 float32 float32 float32 float32 float64",
    "float64": "float64 float64 float64 float64 float64 float64 float64 float64 float64",
}


def _ones(dtype, shape=(2,)):
    return engine.ones(shape, dtype=DT[dtype])


@pytest.mark.parametrize("a", NAMES)
def test_promotion_tensor_tensor(a):
    got = [(_ones(a) + _ones(b)).dtype.name for b in NAMES]
    assert " ".join(got) == ADD_1D_1D[a]
    # two 0-d tensors promote like two dimensioned ones
    got = [(_ones(a, ()) * _ones(b, ())).dtype.name for b in NAMES]
    assert " ".join(got) == ADD_1D_1D[a]


@pytest.mark.parametrize("a", NAMES)
def test_promotion_with_0d_tensor(a):
    got = [(_ones(a) + _ones(b, ())).dtype.name for b in NAMES]
    assert " ".join(got) == ADD_1D_0D[a]


@pytest.mark.parametrize("a", NAMES)
def test_promotion_with_python_scalars(a):
    got = [(_ones(a) + s).dtype.name for s in (True, 2, 2.5)]
    assert " ".join(got) == ADD_SCALAR[a]


@pytest.mark.parametrize("a", NAMES)
def test_true_division_promotion(a):
    got = [(_ones(a) / _ones(b)).dtype.name for b in NAMES]
    assert " ".join(got) == DIV_1D_1D[a]


def test_division_and_powers():
    got = engine.tensor([3, 4]) / engine.tensor([2, 2])
    assert got.tolist() == [1.5, 2.0] and got.dtype is engine.float32
    assert (engine.tensor(7) / 2).dtype is engine.float32
    assert (engine.tensor([5, -5]) // 3).tolist() == [1, -2]
    assert (engine.tensor([5.0, -5.0]) // 3).tolist() == [1.0, -2.0]
    assert (engine.tensor([5, -5]) % 3).tolist() == [2, 1]
    assert engine.div(engine.tensor([5, -5]), 3, rounding_mode="trunc").tolist() == [1, -1]
    assert engine.div(engine.tensor([5, -5]), 3, rounding_mode="floor").tolist() == [1, -2]
    for d in NAMES[1:]:
        assert (_ones(d) // _ones(d)).dtype is DT[d]
    # torch: (ones(2, d) ** 2).dtype, (ones(2, d) ** 2.0).dtype
    assert [(_ones(d) ** 2).dtype.name for d in NAMES] == \
        ["int64", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
    assert [(_ones(d) ** 2.0).dtype.name for d in NAMES] == \
        ["float32"] * 6 + ["float16", "float32", "float64"]
    assert (2 ** engine.tensor([1, 2])).tolist() == [2, 4]
    assert (2.0 ** engine.tensor([1, 2])).dtype is engine.float32
    assert (1.0 / engine.tensor([1, 2])).dtype is engine.float32
    assert (1 - engine.tensor([1, 2])).tolist() == [0, -1]
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not "
                                           "allowed."):
        engine.tensor([1, 2]) ** -1


def test_comparisons_and_logic_give_bool():
    for a, b in (("int8", "float64"), ("int64", "int64"), ("float32", "float16")):
        for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
            assert getattr(_ones(a), op)(_ones(b)).dtype is engine.bool
    assert (engine.tensor([1, 2]) == 1.0).tolist() == [True, False]
    assert (engine.tensor([1.5, 2]) > 1).tolist() == [True, True]
    assert (engine.tensor([1, 2]) < engine.tensor([2, 1])).tolist() == [True, False]
    assert (~engine.tensor([True, False])).tolist() == [False, True]
    assert (~engine.tensor([1, 2])).tolist() == [-2, -3]
    assert (engine.tensor([1, 2]) & engine.tensor([3, 3])).tolist() == [1, 2]
    assert engine.logical_and(engine.tensor([1, 0]), engine.tensor([1, 1])).dtype is engine.bool
    with pytest.raises(RuntimeError) as info:
        -engine.tensor([True])
    assert str(info.value).startswith("Negation, the `-` operator, on a bool tensor is not "
                                      "supported.")


def test_numpy_scalars_and_unary_dtypes():
    assert (engine.tensor([1.5]) + np.float64(1.0)).dtype is engine.float32
    assert (engine.tensor([1]) + np.int64(1)).dtype is engine.int64
    assert (engine.tensor([1.0]) * np.float32(2.0)).dtype is engine.float32
    assert engine.tensor([1, 2]).sqrt().dtype is engine.float32
    assert engine.tensor([1, 2]).exp().dtype is engine.float32
    assert engine.tensor([1, 2]).abs().dtype is engine.int64
    assert engine.tensor([1, 2]).neg().tolist() == [-1, -2]
    # integer and bool sums are int64
    assert [_ones(d).sum().dtype.name for d in NAMES] == \
        ["int64"] * 6 + ["float16", "float32", "float64"]
    with pytest.raises(RuntimeError) as info:
        engine.tensor([1, 2]).mean()
    assert str(info.value) == ("mean(): could not infer output dtype. Input dtype must be "
                               "either a floating point or complex dtype. Got: Long")
    # uint8 - int8 -> int16, as torch does
    got = engine.ones(2, dtype=engine.uint8) - engine.ones(2, dtype=engine.int8) * 3
    assert got.tolist() == [-2, -2] and got.dtype is engine.int16


def test_uint8_wraps_like_torch():
    got = engine.tensor([200], dtype=engine.uint8) + engine.tensor([100], dtype=engine.uint8)
    assert got.tolist() == [44]


def test_python_int_out_of_small_int_range_wraps():
    assert (engine.tensor([1, 2], dtype=engine.int8) + 1000).tolist() == [-23, -22]


# ---- dtype objects ----------------------------------------------------------------------------

def test_dtype_objects():
    assert str(engine.float32) == "torch.float32" and repr(engine.bool) == "torch.bool"
    assert str(engine.int64) == "torch.int64"
    assert engine.float is engine.float32 and engine.double is engine.float64
    assert engine.long is engine.int64 and engine.int is engine.int32
    assert engine.half is engine.float16 and engine.short is engine.int16
    assert engine.float32.is_floating_point and not engine.int32.is_floating_point
    assert engine.int32.is_signed and not engine.uint8.is_signed
    assert engine.float64.itemsize == 8 and engine.tensor([1]).element_size() == 8
    assert engine.get_default_dtype() is engine.float32


def test_set_default_dtype_changes_inference():
    try:
        engine.set_default_dtype(engine.float64)
        assert engine.tensor([1.5]).dtype is engine.float64
        assert engine.zeros(2).dtype is engine.float64
        assert (engine.tensor([1, 2]) / 2).dtype is engine.float64
    finally:
        engine.set_default_dtype(engine.float32)
    assert engine.tensor([1.5]).dtype is engine.float32


# ---- conversions ------------------------------------------------------------------------------

def test_cast_methods():
    x = engine.tensor([1.9, -1.9, 0.0])
    assert x.long().tolist() == [1, -1, 0] and x.long().dtype is engine.int64
    assert x.int().dtype is engine.int32 and x.int().tolist() == [1, -1, 0]
    assert x.bool().tolist() == [True, True, False]
    assert x.double().dtype is engine.float64 and x.half().dtype is engine.float16
    assert engine.tensor([1, 0]).bool().tolist() == [True, False]
    assert engine.tensor([True]).float().tolist() == [1.0]
    assert engine.tensor([0.0, 0.1, float("nan")]).bool().tolist() == [False, True, True]
    assert engine.tensor([1.0, 2.0]).to(engine.int64).tolist() == [1, 2]
    assert engine.tensor([1.5]).short().dtype is engine.int16
    assert engine.tensor([1.5]).char().dtype is engine.int8
    assert engine.tensor([1.5]).byte().dtype is engine.uint8


def test_type_and_to():
    x = engine.tensor([1.5])
    assert x.type() == "torch.FloatTensor"
    assert engine.tensor([1]).type() == "torch.LongTensor"
    assert engine.tensor([True]).type() == "torch.BoolTensor"
    assert x.type(engine.int64).tolist() == [1]
    assert x.type("torch.DoubleTensor").dtype is engine.float64
    raises(ValueError, "invalid type: 'foo'", lambda: x.type("foo"))
    assert x.to("cpu", engine.float64).dtype is engine.float64
    assert x.to(engine.tensor([1])).dtype is engine.int64
    assert x.to(dtype=engine.float16).dtype is engine.float16
    assert x.to(engine.float32) is x and x.float() is x
    assert x.to(engine.float32, copy=True) is not x
    assert x.type_as(engine.tensor([1])).dtype is engine.int64


def test_conversions_and_autograd():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    d = x.double()
    assert type(d.grad_fn).__name__ == "ToCopyBackward0"
    (d * d).sum().backward()
    assert x.grad.dtype is engine.float32 and x.grad.tolist() == [2.0, 4.0]
    assert not x.long().requires_grad  # integer results leave the graph
    assert type(x.to(engine.float64).to(engine.float32).grad_fn).__name__ == "ToCopyBackward0"


def test_scalar_conversions():
    assert engine.tensor([[5]]).item() == 5
    assert int(engine.tensor([2.7])) == 2 and float(engine.tensor(3)) == 3.0
    assert bool(engine.tensor([0])) is False
    with pytest.raises(RuntimeError) as info:
        bool(engine.tensor([1, 2]))
    assert str(info.value) == "Boolean value of Tensor with more than one value is ambiguous"
    with pytest.raises(RuntimeError) as info:
        engine.tensor([1, 2]).item()
    assert str(info.value) == "a Tensor with 2 elements cannot be converted to Scalar"
    assert engine.tensor([[1.5, 2]]).tolist() == [[1.5, 2.0]]
    assert len(engine.zeros(3, 2)) == 3
    raises(TypeError, "len() of a 0-d tensor", lambda: len(engine.tensor(1)))


# ---- view(dtype): the same bytes read as another dtype ----------------------------------------

def test_view_dtype_reinterprets_bytes_like_pytorch():
    # torch.tensor([1.5]).view(torch.int32) -> tensor([1069547520], dtype=torch.int32)
    assert engine.tensor([1.5]).view(engine.int32).tolist() == [1069547520]
    assert engine.tensor([1, 0, 255], dtype=engine.uint8).view(engine.int8).tolist() == [1, 0, -1]
    assert engine.arange(6).view(engine.int32).tolist() == [0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0]
    assert engine.arange(6).reshape(2, 3).view(engine.int16).shape == (2, 12)
    got = engine.arange(6, dtype=engine.int32).reshape(3, 2).view(engine.int64)
    assert got.shape == (3, 1) and got.tolist() == [[4294967296], [12884901890], [21474836484]]
    base = engine.tensor([1.5, 2.0])
    alias = base.view(engine.int32)
    alias[0] = 0  # shares storage and the version counter
    assert base.tolist() == [0.0, 2.0] and base._version == 1
    # not differentiable, as in torch 2.13
    assert not engine.randn(4, requires_grad=True).view(engine.float32).requires_grad


@pytest.mark.parametrize("make, msg", [
    (lambda: engine.tensor(1.0).view(engine.int16),
     "self.dim() cannot be 0 to view Float as Short (different element sizes)"),
    (lambda: engine.arange(6).reshape(2, 3).t().view(engine.int32),
     "self.stride(-1) must be 1 to view Long as Int (different element sizes), but got 3"),
    (lambda: engine.arange(6, dtype=engine.int32).reshape(2, 3).view(engine.int64),
     "self.size(-1) must be divisible by 2 to view Int as Long (different element sizes), but "
     "got 3"),
])
def test_view_dtype_errors(make, msg):
    raises(RuntimeError, msg, make)
