"""PyTorch's legacy constructors, still in thousands of tutorials: ``torch.Tensor(data)`` and
``torch.Tensor(*sizes)``, ``torch.FloatTensor`` and its siblings (``torch.cuda.*`` too),
``Tensor.new(...)`` and ``Tensor.type(...)``.

``torch.FloatTensor`` is no subclass of Tensor in PyTorch: it is a class whose metaclass
(``torch.tensortype``) answers ``isinstance(x, torch.FloatTensor)`` by x's dtype and device,
and whose call builds a float32 tensor. The same here.
"""
import numpy as np

from . import _backend
from ._device import as_device, factory_device
from ._dtype import ALL as ALL_DTYPES, get_default_dtype
from ._size import Size
from .tensor import Tensor, _legacy_type_name, _view

# The signatures PyTorch lists when the arguments fit none of them.
_SIGNATURES = (" * (*, torch.device device = None)\n{note} * (torch.Storage storage)\n"
               " * (Tensor other)\n * (tuple of ints size, *, torch.device device = None)\n"
               " * (object data, *, torch.device device = None)\n")


def _arg_type(value):
    return "torch.dtype" if type(value).__name__ == "dtype" else type(value).__name__


def _bad_combination(args, kwargs, note):
    got = [type(a).__name__ for a in args] + [f"{k}={_arg_type(v)}" for k, v in kwargs.items()]
    return TypeError(f"new() received an invalid combination of arguments - got "
                     f"({', '.join(got)}), but expected one of:\n" + _SIGNATURES.format(
                         note=f"      didn't match because {note}\n"))


def _options(dtype, device):
    from .ops._base import CPP_NAMES
    return (f"TensorOptions(dtype={CPP_NAMES[dtype.name]}, device={device}, layout=Strided, "
            "requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def legacy_new(dtype, device, args, kwargs, *, alias_any_dtype=False):
    """What ``torch.Tensor(...)``, ``torch.FloatTensor(...)`` and ``t.new(...)`` build:
    no argument -> an empty 1-D tensor; ints or a Size -> an uninitialised (here: zeroed)
    tensor of that shape; a tensor -> an alias of it; anything else -> a copy of the data."""
    unknown = [k for k in kwargs if k != "device"]
    if unknown:
        raise _bad_combination(args, kwargs,
                               f"some of the keywords were incorrect: {', '.join(unknown)}")
    if "device" in kwargs and kwargs["device"] is not None:
        device = as_device(kwargs["device"])
    from .creation import tensor as make_tensor, zeros
    if not args:
        return zeros(0, dtype=dtype, device=device)
    first = args[0]
    if len(args) == 1 and isinstance(first, Tensor):
        if not alias_any_dtype and (first.dtype is not dtype or first.device != device):
            raise TypeError(f"expected {_options(dtype, device)} (got "
                            f"{_options(first.dtype, first.device)})")
        return _view(first, first._data, track_base=False)  # an alias, as in PyTorch
    if isinstance(first, (int, np.integer)) and not isinstance(first, bool) or \
            (len(args) == 1 and isinstance(first, Size)):
        sizes = tuple(first) if isinstance(first, Size) else args
        for pos, s in enumerate(sizes, 1):
            if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
                raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {pos}"
                                f" with error \"type must be tuple of ints,but got "
                                f"{type(s).__name__}\"")
        return zeros(*sizes, dtype=dtype, device=device)
    if len(args) > 1:
        types = ", ".join(f"!{_describe(a)}!" for a in args)
        raise _bad_combination(args, {}, f"some of the arguments have invalid types: ({types})")
    if isinstance(first, str):
        raise TypeError("new(): invalid data type 'str'")
    if not isinstance(first, (list, tuple, np.ndarray)) and not hasattr(first, "__array__"):
        raise TypeError(f"new(): data must be a sequence (got {type(first).__name__})")
    data = make_tensor(first, dtype=dtype, device=device)
    if dtype.name == "uint8" and isinstance(first, (list, tuple)):
        values = np.asarray(first)
        if values.size and (values.min() < 0 or values.max() > 255):
            raise RuntimeError("value cannot be converted to type uint8 without overflow")
    return data


def _describe(value):
    """'list of [int, int]', as PyTorch's argument parser describes an argument."""
    if isinstance(value, (list, tuple)) and value:
        return f"{type(value).__name__} of [{', '.join(type(v).__name__ for v in value)}]"
    return type(value).__name__


def tensor_new(cls, *args, **kwargs):
    """``torch.Tensor(...)`` (and a subclass's ``super().__new__(cls, ...)``): the default
    dtype, and a tensor argument is aliased whatever its dtype."""
    t = legacy_new(get_default_dtype(), factory_device(None), args, kwargs,
                   alias_any_dtype=True)
    if cls is not Tensor:
        t.__class__ = cls
    return t


def new(self, *args, **kwargs):
    """``t.new(...)``: legacy_new with t's dtype and device."""
    return legacy_new(self.dtype, self.device, args, kwargs)


# ---- torch.FloatTensor & co. --------------------------------------------------------------------

class tensortype(type):
    """The metaclass of the legacy tensor classes (``torch.tensortype`` in PyTorch)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and \
            (obj.device.type == "cuda") == cls.is_cuda

    def __call__(cls, *args, **kwargs):
        if cls.is_cuda:
            reason = _backend.cuda_unavailable_reason()
            if reason:
                raise TypeError(f"type {cls.__module__}.{cls.__name__} not available. "
                                f"{reason}.")
        return legacy_new(cls.dtype, as_device("cuda" if cls.is_cuda else "cpu"), args,
                          kwargs)

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


tensortype.__module__ = "torch"


def _legacy_class(d, cuda):
    return tensortype(f"{d.legacy}Tensor", (), {
        "__module__": "torch.cuda" if cuda else "torch", "dtype": d, "is_cuda": cuda,
        "is_sparse": False, "is_xpu": False, "is_sparse_csr": False,
        "__doc__": f"The legacy {d.legacy}Tensor type: isinstance checks dtype {d}."})


CPU_TYPES = {f"{d.legacy}Tensor": _legacy_class(d, False) for d in ALL_DTYPES}
CUDA_TYPES = {f"{d.legacy}Tensor": _legacy_class(d, True) for d in ALL_DTYPES}


def _resolve_type(name):
    """(dtype, is_cuda) for 'torch.FloatTensor' / 'torch.cuda.FloatTensor'."""
    if isinstance(name, str):
        prefix, _, short = name.rpartition(".")
        table = {"torch": CPU_TYPES, "torch.cuda": CUDA_TYPES}.get(prefix)
        if table is None or short not in table:
            raise ValueError(f"invalid type: '{name}'")
        cls = table[short]
    else:
        cls = name
    return cls.dtype, cls.is_cuda


def type_method(self, dtype=None, non_blocking=False, **kwargs):
    """``t.type()`` -> 'torch.FloatTensor'; ``t.type(torch.DoubleTensor)``,
    ``t.type('torch.DoubleTensor')`` or ``t.type(torch.float64)`` -> t cast (t itself when
    nothing changes)."""
    from ._dtype import dtype as DType
    if dtype is None:
        if kwargs:
            raise TypeError(f"type() got an unexpected keyword argument '{next(iter(kwargs))}'")
        return _legacy_type_name(self)
    if isinstance(dtype, DType):
        return self.to(dtype=dtype)
    if not isinstance(dtype, (str, tensortype)):
        raise TypeError("dtype must be a type, str, or dtype object")
    target, cuda = _resolve_type(dtype)
    device = (self.device if self.device.type == "cuda" else as_device("cuda")) if cuda \
        else as_device("cpu")
    return self.to(dtype=target, device=device)


def typename(obj):
    """'torch.FloatTensor' for a tensor, else the object's module.qualname (torch.* paths)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        module, qualname = type(obj).__module__ or "", type(obj).__qualname__
    if module.split(".")[0] == "engine":
        module = "torch" + module[len("engine"):]
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def is_storage(obj):
    """False: the engine has no storage objects (tensors hold arrays)."""
    return False
