"""torch.accelerator: the device-agnostic probes current scripts start with.

The engine's one accelerator is cuda, through CuPy: it is "built" when CuPy imports (as a CUDA
build of PyTorch is, GPU or not) and available when a GPU answers. Without one, the calls that
need a device raise PyTorch's "Cannot access accelerator device when none is available.".
"""
import collections
import sys

from . import _backend, _missing
from ._device import device as _Device

_NONE_AVAILABLE = "Cannot access accelerator device when none is available."


def is_available():
    return _backend.cuda_unavailable_reason() is None


def current_accelerator(check_available=False):
    """device('cuda') when the engine has a GPU backend (available or not); None otherwise,
    and None when ``check_available`` and no GPU answers."""
    if _backend.cupy is None or (check_available and not is_available()):
        return None
    return _Device("cuda")


def device_count():
    return _backend.cuda_device_count()


def require_available():
    if not is_available():
        raise RuntimeError(_NONE_AVAILABLE)


def _index(device, optional=True):
    """A device argument (None, int, 'cuda:1', device) as a cuda device index."""
    require_available()
    if device is None:
        if not optional:
            raise RuntimeError("Expected a torch.device with a specified index or an integer, "
                               "but got:None")
        return current_device_index()
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    d = _Device(device)
    if d.type != "cuda":
        raise RuntimeError("Accelerator expected")
    return d.index if d.index is not None else current_device_index()


def current_device_index():
    require_available()
    return _backend.cupy.cuda.Device().id


current_device_idx = current_device_index


def set_device_index(device):
    index = _index(device, optional=False)
    if index >= 0:
        _backend.cupy.cuda.Device(index).use()


set_device_idx = set_device_index


class device_index:
    """``with torch.accelerator.device_index(i):`` makes device i current inside the block
    (None: no switch)."""
    __module__ = "torch.accelerator"

    def __init__(self, device):
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None:
            self.prev_idx = current_device_index()
            set_device_index(self.idx)

    def __exit__(self, *exc):
        if self.idx is not None:
            set_device_index(self.prev_idx)
        return False


def synchronize(device=None):
    index = _index(device)
    with _backend.cupy.cuda.Device(index):
        _backend.cupy.cuda.Device(index).synchronize()


def get_device_capability(device=None):
    _index(device)
    from ._dtype import ALL
    return {"supported_dtypes": set(ALL)}


# ---- memory (CuPy's memory pool stands where PyTorch's caching allocator does) ---------------

_peak = collections.defaultdict(int)


def _pool(device):
    index = _index(device)
    return index, _backend.cupy.get_default_memory_pool()


def empty_cache():
    require_available()
    _backend.cupy.get_default_memory_pool().free_all_blocks()


def empty_host_cache():
    require_available()
    _backend.cupy.get_default_pinned_memory_pool().free_all_blocks()


def memory_allocated(device_index=None):
    index, pool = _pool(device_index)
    used = pool.used_bytes()
    _peak[("allocated", index)] = max(_peak[("allocated", index)], used)
    return used


def memory_reserved(device_index=None):
    index, pool = _pool(device_index)
    total = pool.total_bytes()
    _peak[("reserved", index)] = max(_peak[("reserved", index)], total)
    return total


def max_memory_allocated(device_index=None):
    """The highest memory_allocated() seen by these calls since the last reset (CuPy keeps no
    peak of its own)."""
    index = _index(device_index)
    return max(_peak[("allocated", index)], memory_allocated(index))


def max_memory_reserved(device_index=None):
    index = _index(device_index)
    return max(_peak[("reserved", index)], memory_reserved(index))


def reset_peak_memory_stats(device_index=None):
    index = _index(device_index)
    _peak.pop(("allocated", index), None)
    _peak.pop(("reserved", index), None)


def reset_accumulated_memory_stats(device_index=None):
    _index(device_index)


def memory_stats(device_index=None):
    index = _index(device_index)
    return collections.OrderedDict([
        ("allocated_bytes.all.current", memory_allocated(index)),
        ("allocated_bytes.all.peak", max_memory_allocated(index)),
        ("reserved_bytes.all.current", memory_reserved(index)),
        ("reserved_bytes.all.peak", max_memory_reserved(index))])


def get_memory_info(device_index=None):
    """(free, total) bytes of the device."""
    index = _index(device_index)
    with _backend.cupy.cuda.Device(index):
        return tuple(_backend.cupy.cuda.runtime.memGetInfo())


_missing.install(sys.modules[__name__], "torch.accelerator")  # PyTorch names it lacks say so
