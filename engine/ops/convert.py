"""dtype and device conversion: to(), float(), double(), cpu(), cuda() ..."""
from .. import _backend
from .._device import as_device, device as Device
from .._dtype import bool_, dtype as DType, float16, float32, float64, int16, int32, int64, \
    int8, to_dtype, uint8
from ._base import Node, Tensor, _make, record


class ToCopyBackward0(Node):
    def backward(self, g):
        return (g.to(dtype=self.in_dtype, device=self.in_device),)


def _parse_to_args(args, kwargs):
    dtype, device = kwargs.get("dtype"), kwargs.get("device")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, DType):
            dtype = a
        elif isinstance(a, (str, Device, int)):
            device = a
        elif a is not None:
            dtype = to_dtype(a)
    return (to_dtype(dtype) if dtype is not None else None,
            as_device(device) if device is not None else None)


def to(input, *args, copy=False, non_blocking=False, **kwargs):
    dtype, device = _parse_to_args(args, kwargs)
    same_dtype = dtype is None or dtype is input.dtype
    same_device = device is None or device == input.device
    if same_dtype and same_device and not copy:
        return input
    data = input._data
    if not same_device:
        data = _backend.to_device(data, device)
    if not same_dtype:
        data = data.astype(dtype.np)
    elif data is input._data:
        data = data.copy()
    out = _make(data, device=device if device is not None else input.device)
    if (dtype is None or dtype.is_floating_point) and input.dtype.is_floating_point:
        node = record(ToCopyBackward0, out, (input,))
        if node is not None:
            node.in_dtype, node.in_device = input.dtype, input.device
    return out


def _caster(dt):
    def cast(input, memory_format=None):
        return to(input, dtype=dt)
    return cast


# Tensor.float(), .double(), ... (kept in a dict: as module names they would shadow builtins)
CASTS = {name: _caster(dt) for name, dt in (
    ("float", float32), ("double", float64), ("half", float16), ("long", int64),
    ("int", int32), ("short", int16), ("char", int8), ("byte", uint8), ("bool", bool_))}


def cpu(input):
    return to(input, device="cpu")


def cuda(input, device=None, non_blocking=False):
    return to(input, device=as_device("cuda" if device is None else device))


def type_as(input, other):
    return to(input, dtype=other.dtype)


METHODS = ["to", "cpu", "cuda", "type_as"]
EXTRA_METHODS = CASTS
