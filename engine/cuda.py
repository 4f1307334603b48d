"""engine.cuda (torch.cuda): is the GPU backend (CuPy) usable here, and the probes, seeds and
memory counters scripts call around it. Without a GPU the counters read 0 and the seed calls
do nothing, as in PyTorch; what needs a device says why there is none."""
from . import _backend, accelerator


def is_available():
    return _backend.cuda_unavailable_reason() is None


def is_initialized():
    return is_available()


def device_count():
    return _backend.cuda_device_count()


def _require():
    reason = _backend.cuda_unavailable_reason()
    if reason:
        raise RuntimeError(f"No CUDA GPUs are available: {reason}")


def current_device():
    _require()
    return _backend.cupy.cuda.Device().id


def set_device(device):
    _require()
    accelerator.set_device_index(device)


class device:
    """``with torch.cuda.device(i):`` runs the block with device i current (None: no switch)."""
    __module__ = "torch.cuda"

    def __init__(self, device):
        self.idx = device
        self._inner = None

    def __enter__(self):
        if self.idx is not None:
            _require()
            self._inner = accelerator.device_index(accelerator._index(self.idx))
            self._inner.__enter__()

    def __exit__(self, *exc):
        if self._inner is not None:
            self._inner.__exit__(*exc)
        return False


def synchronize(device=None):
    _require()
    accelerator.synchronize(device)


def get_device_name(device=None):
    _require()
    index = accelerator._index(device)
    name = _backend.cupy.cuda.runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None):
    _require()
    index = accelerator._index(device)
    props = _backend.cupy.cuda.runtime.getDeviceProperties(index)
    return props["major"], props["minor"]


def is_bf16_supported(including_emulation=True):
    return False  # the engine has no bfloat16 dtype


# ---- seeds: one generator serves every device ------------------------------------------------

def manual_seed(seed):
    from .random import manual_seed as seed_all
    seed_all(seed)


manual_seed_all = manual_seed


def seed():
    if is_available():
        from .random import seed as reseed
        reseed()


seed_all = seed


def initial_seed():
    _require()
    from .random import initial_seed as first
    return first()


def get_rng_state(device="cuda"):
    _require()
    from .random import get_rng_state as state
    return state()


def set_rng_state(new_state, device="cuda"):
    _require()
    from .random import set_rng_state as restore
    restore(new_state)


def get_rng_state_all():
    return [get_rng_state() for _ in range(device_count())]


def set_rng_state_all(new_states):
    for state in new_states:
        set_rng_state(state)


# ---- memory: 0 without a GPU, CuPy's memory pool with one --------------------------------------

def _counter(name):
    def count(device=None):
        return getattr(accelerator, name)(device) if is_available() else 0
    count.__name__ = name
    return count


memory_allocated = _counter("memory_allocated")
max_memory_allocated = _counter("max_memory_allocated")
memory_reserved = _counter("memory_reserved")
max_memory_reserved = _counter("max_memory_reserved")


def empty_cache():
    if is_available():
        accelerator.empty_cache()


def reset_peak_memory_stats(device=None):
    if is_available():
        accelerator.reset_peak_memory_stats(device)


def mem_get_info(device=None):
    _require()
    return accelerator.get_memory_info(device)


def _legacy_types():
    from ._legacy import CUDA_TYPES
    globals().update(CUDA_TYPES)  # torch.cuda.FloatTensor & co.


_legacy_types()
