"""engine.cuda: is the GPU backend (CuPy) usable here?"""
from . import _backend


def is_available():
    return _backend.cuda_unavailable_reason() is None


def device_count():
    return _backend.cuda_device_count()


def manual_seed(seed):
    from .random import manual_seed as seed_all
    seed_all(seed)


manual_seed_all = manual_seed


def synchronize(device=None):
    if is_available():
        _backend.cupy.cuda.Device().synchronize()


def current_device():
    if not is_available():
        raise RuntimeError(f"No CUDA GPUs are available: {_backend.cuda_unavailable_reason()}")
    return _backend.cupy.cuda.Device().id
