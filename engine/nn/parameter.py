"""nn.Parameter: a leaf tensor that a Module registers as learnable when assigned to it."""
import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """Shares ``data``'s storage (as PyTorch does) and requires grad by default."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, not {type(data).__name__}")
        p = object.__new__(cls)
        p._data = data._data
        p._version_box = data._version_box
        if data._device.type != "cpu":
            p._device = data._device
        p.requires_grad = requires_grad
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__




# ---- buffers and lazy (uninitialized) parameters -------------------------------------------

class _BufferMeta(type):
    def __instancecheck__(cls, instance):
        if cls is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer",
                                                                      False):
            return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """``self.x = nn.Buffer(t)`` registers t as a buffer (``persistent`` says whether it goes
    into the state_dict). Like PyTorch's, the object made is a plain tensor, marked."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t


def _use_message(owner, func):
    return (f"Attempted to use an uninitialized parameter in {func}. This error happens when "
            f"you are using a `LazyModule` or explicitly manipulating "
            f"`torch.nn.parameter.{owner}` objects. When using LazyModules Call `forward` "
            "with a dummy batch to initialize the parameters before calling torch functions")


class _Unmaterialized(np.ndarray):
    """The storage of an uninitialized parameter or buffer: NumPy dispatches every
    computation on it here, and it refuses with PyTorch's message. Casts (astype) and device
    moves still work, as PyTorch allows them."""
    owner = "UninitializedParameter"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise ValueError(_use_message(self.owner, f"<method '{ufunc.__name__}' of "
                                                  "'torch._C.TensorBase' objects>"))

    def __array_function__(self, func, types, args, kwargs):
        raise ValueError(_use_message(self.owner, f"<function {func.__name__}>"))


class _UnmaterializedBuffer(_Unmaterialized):
    owner = "UninitializedBuffer"


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share: no shape until
    ``materialize(shape)`` gives them storage and turns them into ``cls_to_become``."""
    cls_to_become = None
    _storage_cls = _Unmaterialized

    def _start(self, requires_grad, device, dtype):
        from ..creation import empty
        data = empty(0, device=device, dtype=dtype)
        self._data = data._data.view(self._storage_cls)
        self._version_box = [0]
        if data._device.type != "cpu":
            self._device = data._device
        self.requires_grad = requires_grad

    def materialize(self, shape, device=None, dtype=None):
        from ..creation import empty
        device = self.device if device is None else device
        dtype = self.dtype if dtype is None else dtype
        self.data = empty(tuple(shape), device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. "
                           "This error usually happens in `load_state_dict` when trying to "
                           "load an uninitialized parameter into an initialized one. Call "
                           "`forward` to initialize the parameters before accessing their "
                           "attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


# Tensor methods an uninitialized parameter refuses (PyTorch refuses all but a few through
# __torch_function__; these are the ones code reaches for first: counting, arithmetic, views).
_REFUSED = {"__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub",
            "__isub__": "sub_", "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul_",
            "__truediv__": "div", "__rtruediv__": "div", "__itruediv__": "div_",
            "__matmul__": "matmul", "__rmatmul__": "matmul", "__neg__": "neg", "__pow__": "pow",
            "__rsub__": None, "__rpow__": None, "__getitem__": None, "__setitem__": None,
            "__len__": None, "__iter__": None}
_REFUSED.update({name: name for name in (
    "numel", "nelement", "dim", "sum", "mean", "std", "var", "norm", "abs", "view", "reshape",
    "flatten", "squeeze", "unsqueeze", "permute", "transpose", "t", "expand", "contiguous",
    "clone", "item", "tolist", "numpy", "detach", "add", "sub", "mul", "div", "matmul", "mm",
    "exp", "log", "pow", "max", "min", "add_", "mul_", "zero_", "fill_", "normal_",
    "uniform_")})


def _refusal(name, torch_name):
    what = (f"<method '{torch_name}' of 'torch._C.TensorBase' objects>" if torch_name else
            f"<slot wrapper '{name}' of 'torch._C.TensorBase' objects>")

    def refuse(self, *args, **kwargs):
        raise ValueError(_use_message(type(self).__name__, what))
    refuse.__name__ = name
    return refuse


for _name, _torch_name in _REFUSED.items():
    setattr(UninitializedTensorMixin, _name, _refusal(_name, _torch_name))
UninitializedTensorMixin.data = property(lambda self: Tensor.detach(self), Tensor.data.fset)


def is_lazy(param):
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        p = object.__new__(cls)
        p._start(requires_grad, device, dtype)
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    cls_to_become = Tensor
    _storage_cls = _UnmaterializedBuffer

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        b = object.__new__(cls)
        b._start(requires_grad, device, dtype)
        b.persistent = persistent
        b._is_buffer = True
        return b

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass
