"""The legacy constructors of thousands of tutorials: torch.Tensor(data) and
torch.Tensor(*sizes), torch.FloatTensor & co. (isinstance through a metaclass, as PyTorch
does), torch.autograd.Variable, Tensor.new and Tensor.type. Each expression's result or
error is written as PyTorch 2.13 printed it."""
import numpy as np
import pytest

import engine as torch


def _show(expr):
    """What PyTorch printed for expr: '-> repr' (with the dtype for tensors) or
    '!! ExceptionType message'."""
    try:
        r = eval(expr, {"torch": torch, "np": np})
    except Exception as e:  # noqa: BLE001 - the recorded outcome may be any error
        return f"!! {type(e).__name__} {e}"
    return f"-> {(repr(r), r.dtype) if isinstance(r, torch.Tensor) else repr(r)}"


RECORDED = [  # (expression, what PyTorch 2.13 printed)
    ('torch.Tensor(torch.tensor([1,2]))',
     "-> ('tensor([1, 2])', torch.int64)"),
    ('torch.FloatTensor(torch.tensor([1,2]))',
     '!! TypeError expected TensorOptions(dtype=float, device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)) (got TensorOptions(dtype=long int, device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)))'),
    ('torch.LongTensor(torch.tensor([1.5]))',
     '!! TypeError expected TensorOptions(dtype=long int, device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)) (got TensorOptions(dtype=float, device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)))'),
    ('torch.Tensor(2,3.0)',
     '!! TypeError new(): argument \'size\' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"'),
    ('torch.Tensor(-1)',
     '!! RuntimeError Trying to create tensor with negative dimension -1: [-1]'),
    ('torch.Tensor((2,3))',
     "-> ('tensor([2., 3.])', torch.float32)"),
    ('torch.Tensor([[1,2],[3,4]])',
     "-> ('tensor([[1., 2.],\\n        [3., 4.]])', torch.float32)"),
    ('torch.autograd.Variable(torch.ones(2), requires_grad=True)',
     "-> ('tensor([1., 1.], requires_grad=True)', torch.float32)"),
    ('type(torch.autograd.Variable(torch.ones(2)))',
     "-> <class 'torch.Tensor'>"),
    ('torch.autograd.Variable([1,2])',
     '!! TypeError Variable data has to be a tensor, but got list'),
    ('isinstance(torch.ones(2), torch.autograd.Variable)',
     '-> True'),
    ('torch.autograd.Variable()',
     "-> ('tensor([])', torch.float32)"),
    ('torch.empty(0).new(2,3).shape',
     '-> torch.Size([2, 3])'),
    ('torch.ones(2).new([1,2])',
     "-> ('tensor([1., 2.])', torch.float32)"),
    ('torch.ones(2,dtype=torch.long).new(2).dtype',
     '-> torch.int64'),
    ('torch.ones(2).new()',
     "-> ('tensor([])', torch.float32)"),
    ('torch.Tensor(torch.Size([2,1])).shape',
     '-> torch.Size([2, 1])'),
    ('torch.IntTensor([True])',
     "-> ('tensor([1], dtype=torch.int32)', torch.int32)"),
    ('torch.BoolTensor(2).shape',
     '-> torch.Size([2])'),
    ("torch.FloatTensor([1,2], device='cpu')",
     "-> ('tensor([1., 2.])', torch.float32)"),
    ('torch.Tensor(2, requires_grad=True)',
     "!! TypeError new() received an invalid combination of arguments - got (int, requires_grad=bool), but expected one of:\n * (*, torch.device device = None)\n      didn't match because some of the keywords were incorrect: requires_grad\n * (torch.Storage storage)\n * (Tensor other)\n * (tuple of ints size, *, torch.device device = None)\n * (object data, *, torch.device device = None)\n"),
    ('torch.Tensor([1,2], dtype=torch.float64)',
     "!! TypeError new() received an invalid combination of arguments - got (list, dtype=torch.dtype), but expected one of:\n * (*, torch.device device = None)\n      didn't match because some of the keywords were incorrect: dtype\n * (torch.Storage storage)\n * (Tensor other)\n * (tuple of ints size, *, torch.device device = None)\n * (object data, *, torch.device device = None)\n"),
    ('torch.ones(2).new(torch.ones(3))',
     "-> ('tensor([1., 1., 1.])', torch.float32)"),
    ('torch.ones(2).new(torch.ones(3, dtype=torch.long))',
     '!! TypeError expected TensorOptions(dtype=float, device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)) (got TensorOptions(dtype=long int, device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)))'),
    ('torch.Tensor(3.5)',
     '!! TypeError new(): data must be a sequence (got float)'),
    ('torch.Tensor(True)',
     '!! TypeError new(): data must be a sequence (got bool)'),
    ('torch.Tensor(None)',
     '!! TypeError new(): data must be a sequence (got NoneType)'),
    ("torch.Tensor('a')",
     "!! TypeError new(): invalid data type 'str'"),
    ("torch.Tensor(2, 'a')",
     '!! TypeError new(): argument \'size\' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got str"'),
    ('torch.Tensor([1,2],[3])',
     "!! TypeError new() received an invalid combination of arguments - got (list, list), but expected one of:\n * (*, torch.device device = None)\n      didn't match because some of the arguments have invalid types: (!list of [int, int]!, !list of [int]!)\n * (torch.Storage storage)\n * (Tensor other)\n * (tuple of ints size, *, torch.device device = None)\n * (object data, *, torch.device device = None)\n"),
    ('torch.ByteTensor([300])',
     '!! RuntimeError value cannot be converted to type uint8 without overflow'),
    ('torch.Tensor([])',
     "-> ('tensor([])', torch.float32)"),
    ('torch.Tensor([[]]).shape',
     '-> torch.Size([1, 0])'),
    ('torch.Tensor(0).shape',
     '-> torch.Size([0])'),
    ('torch.Tensor(2,0).shape',
     '-> torch.Size([2, 0])'),
    ('torch.DoubleTensor([1,2])',
     "-> ('tensor([1., 2.], dtype=torch.float64)', torch.float64)"),
    ('torch.HalfTensor([1.5])',
     "-> ('tensor([1.5000], dtype=torch.float16)', torch.float16)"),
    ('torch.ShortTensor([1,2])',
     "-> ('tensor([1, 2], dtype=torch.int16)', torch.int16)"),
    ('torch.CharTensor([-1])',
     "-> ('tensor([-1], dtype=torch.int8)', torch.int8)"),
    ('torch.ByteTensor([1])',
     "-> ('tensor([1], dtype=torch.uint8)', torch.uint8)"),
    ('torch.LongTensor([[1,2]])',
     "-> ('tensor([[1, 2]])', torch.int64)"),
    ('torch.Tensor(np.array([1,2]))',
     "-> ('tensor([1., 2.])', torch.float32)"),
    ('torch.FloatTensor(np.array([1.,2.]))',
     "-> ('tensor([1., 2.])', torch.float32)"),
    ('torch.LongTensor(np.array([1.,2.]))',
     "-> ('tensor([1, 2])', torch.int64)"),
    ('torch.Tensor([1,2]).type(torch.LongTensor)',
     "-> ('tensor([1, 2])', torch.int64)"),
    ("torch.ones(2).type('torch.IntTensor')",
     "-> ('tensor([1, 1], dtype=torch.int32)', torch.int32)"),
    ('torch.ones(2).type(torch.int32)',
     "-> ('tensor([1, 1], dtype=torch.int32)', torch.int32)"),
    ('torch.ones(2).type()',
     "-> 'torch.FloatTensor'"),
    ('torch.ones(2, dtype=torch.int64).type()',
     "-> 'torch.LongTensor'"),
    ("torch.ones(2).type('torch.Foo')",
     "!! ValueError invalid type: 'torch.Foo'"),
    ('torch.ones(2).type(3)',
     '!! TypeError dtype must be a type, str, or dtype object'),
    ('isinstance(torch.zeros(2), torch.FloatTensor)',
     '-> True'),
    ('isinstance(torch.zeros(2,dtype=torch.long), torch.FloatTensor)',
     '-> False'),
    ('isinstance(torch.zeros(2), torch.cuda.FloatTensor)',
     '-> False'),
    ('isinstance(torch.nn.Parameter(torch.zeros(2)), torch.FloatTensor)',
     '-> True'),
    ('isinstance(torch.zeros(2), torch.Tensor)',
     '-> True'),
    ('issubclass(torch.FloatTensor, torch.Tensor)',
     '-> False'),
    ('torch.FloatTensor.dtype',
     '-> torch.float32'),
    ('torch.LongTensor.is_cuda',
     '-> False'),
    ('torch.FloatTensor',
     "-> <class 'torch.FloatTensor'>"),
    ('torch.cuda.FloatTensor',
     "-> <class 'torch.cuda.FloatTensor'>"),
    ('torch.zeros(2).type(torch.DoubleTensor).dtype',
     '-> torch.float64'),
]


@pytest.mark.parametrize("expr, expected", RECORDED, ids=[e for e, _ in RECORDED])
def test_legacy_constructor_like_pytorch(expr, expected):
    assert _show(expr) == expected


def test_aliases_and_identities_like_pytorch():
    x = torch.ones(2)
    assert x.type(torch.FloatTensor) is x and x.type("torch.FloatTensor") is x
    assert x.type(torch.float32) is x
    y = torch.Tensor(x)  # an alias: a new tensor over the same data
    assert y is not x
    y[0] = 5
    assert x.tolist() == [5.0, 1.0]

    v = torch.ones(2, requires_grad=True)
    w = torch.autograd.Variable(v)
    assert w is not v and w.requires_grad is False

    v = torch.ones(2, requires_grad=True) * 2
    w = torch.autograd.Variable(v, requires_grad=True)
    assert w.requires_grad and w.grad_fn is None and w.is_leaf


def test_variable_volatile_warns_as_pytorch():
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect. Use `with "
                                         "torch.no_grad\\(\\):` instead."):
        assert torch.autograd.Variable(torch.ones(2), volatile=True).requires_grad is False


def test_tensor_subclass_builds_through_the_legacy_constructor():
    class My(torch.Tensor):
        pass

    m = My([1, 2])
    assert type(m) is My and m.tolist() == [1.0, 2.0]
    assert isinstance(m * 2, torch.Tensor)
