"""torch.device ('cpu', 'cuda', 'cuda:N', and the other names PyTorch accepts) and the
default device that factories use (torch.set_default_device)."""

# Every device type PyTorch's parser accepts, in its message's order. Tensors live only on
# "cpu" and "cuda" here (_backend.to_device refuses the others with a clear message), but
# naming one is fine: scripts build torch.device("mps") before asking whether it works.
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


class device:
    __slots__ = ("type", "index", "_previous")
    __module__ = "torch"

    def __init__(self, type_or_str, index=None):
        if isinstance(type_or_str, device):
            self.type, self.index = type_or_str.type, type_or_str.index
            return
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            if type_or_str < 0:
                raise RuntimeError("Device index must not be negative")
            self.type, self.index = "cuda", type_or_str
            return
        if not isinstance(type_or_str, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({type(type_or_str).__name__})")
        kind, _, idx = type_or_str.partition(":")
        if kind not in DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at "
                               f"start of device string: {type_or_str}")
        if idx:
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type_or_str}'")
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was "
                                   f"passed explicitly: {type_or_str}")
            index = int(idx)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = kind, index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):  # a function of the engine's, so plain pickle needs no torch module
        return (as_device, (str(self),))

    def __enter__(self):  # `with torch.device("cuda"):` makes it the factories' default
        self._previous = _default[0]
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        set_default_device(self._previous)
        return False


CPU = device("cpu")


def as_device(d):
    if d is None:
        return CPU
    if isinstance(d, device):
        return d
    return device(d)


# ---- the default device (torch.set_default_device) -------------------------------------------

_default = [CPU]


def set_default_device(d):
    """Where factories (zeros, tensor, arange, rand, a Linear's parameters...) put new tensors
    when they are not told; None means the CPU. Ops on existing tensors are unaffected."""
    _default[0] = CPU if d is None else as_device(d)


def get_default_device():
    d = _default[0]
    if d.type == "cuda" and d.index is None:  # as PyTorch: the current cuda device, indexed
        from . import _backend
        if _backend.cuda_unavailable_reason() is None:
            return device("cuda", _backend.cupy.cuda.Device().id)
    return d


def factory_device(d):
    """The device a factory builds on: the one asked for, else the default device."""
    return _default[0] if d is None else as_device(d)
