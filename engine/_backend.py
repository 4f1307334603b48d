"""The one place that picks the array library for tensor data.

CPU tensors hold NumPy arrays, cuda tensors hold CuPy arrays. Every op asks ``xp_of`` for the
module that matches its operand, so no op has a separate CPU and GPU version.
"""
import sys

import numpy

try:  # CuPy is optional: without it (or without a working GPU) only "cpu" exists.
    import cupy
except Exception:  # ImportError, or a CUDA runtime that fails to load
    cupy = None

_cuda_error = None
_cupyx = None  # cupyx, imported on first use (or the test double's)


def use_cuda_backend(cupy_module, cupyx_module=None):
    """Put another CuPy-like module behind "cuda" (tests: tests/engine/fake_cupy.py, a double
    for the device logic on machines with no GPU); returns the previous pair to restore."""
    global cupy, _cupyx, _cuda_error
    previous = (cupy, _cupyx)
    cupy, _cupyx, _cuda_error = cupy_module, cupyx_module, None
    return previous


def cupyx():
    global _cupyx
    if _cupyx is None:
        import cupyx.scipy.special  # noqa: F401 (the submodule scipy_special needs)
        _cupyx = sys.modules["cupyx"]
    return _cupyx


def is_device_array(array):
    return cupy is not None and isinstance(array, cupy.ndarray)


def cuda_unavailable_reason():
    """None when a usable GPU is present, else the reason why not (a sentence)."""
    global _cuda_error
    if _cuda_error is None:
        if cupy is None:
            _cuda_error = "CuPy is not installed, so the engine has no GPU backend"
        else:
            try:
                n = cupy.cuda.runtime.getDeviceCount()
                _cuda_error = "" if n > 0 else "no CUDA GPU was found"
            except Exception as exc:  # driver missing, no device, ...
                _cuda_error = f"CUDA is not usable: {exc}"
    return _cuda_error or None


def cuda_device_count():
    return 0 if cuda_unavailable_reason() else cupy.cuda.runtime.getDeviceCount()


def storage_offset(array):
    """Elements from the start of the memory ``array`` views to its first element."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return (array.data.ptr - array.data.mem.ptr) // array.itemsize
    root, node = array, array.base
    for _ in range(64):  # through views and the helper objects as_strided puts between them
        if node is None:
            break
        if isinstance(node, numpy.ndarray):
            root = node
        node = getattr(node, "base", None)
    start = root.__array_interface__["data"][0]
    return (array.__array_interface__["data"][0] - start) // array.itemsize


def xp_of(array):
    """NumPy or CuPy, whichever owns this array."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return numpy


def to_numpy(array):
    """A host NumPy array for any backend array (no copy for NumPy)."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy.asnumpy(array)
    return array


def to_device(array, device):
    """Move an array to ``device`` (a Device); a no-op when it is already there."""
    if device.type == "cuda":
        reason = cuda_unavailable_reason()
        if reason:
            raise RuntimeError(f"Cannot move a tensor to {device}: {reason}. "
                               "engine.cuda.is_available() is False on this machine.")
        if device.index is None:  # "cuda": the current device, as PyTorch
            return cupy.asarray(array)
        with cupy.cuda.Device(device.index):
            return cupy.asarray(array)
    if device.type != "cpu":
        raise RuntimeError(f"Cannot put a tensor on {device}: this playground's engine has no "
                           f"'{device.type}' backend (tensors live on 'cpu', and on 'cuda' "
                           "where a GPU is present)")
    return to_numpy(array)


def scipy_special(array):
    """scipy.special for NumPy arrays, cupyx.scipy.special for CuPy arrays; imported on first
    use, so ``import engine`` does not pay for SciPy."""
    if is_device_array(array):
        special = cupyx().scipy.special
    else:
        import scipy.special as special
    return special


def special_function(name, array):
    """The ``scipy.special`` function ``name`` for ``array``'s backend. A function CuPy
    lacks runs on the host and its result comes back to the array's GPU."""
    special = scipy_special(array)
    fn = getattr(special, name, None)
    if fn is not None:
        return fn
    import scipy.special as host_special
    host_fn = getattr(host_special, name)

    def on_host(*args, **kwargs):
        args = [to_numpy(a) if isinstance(a, cupy.ndarray) else a for a in args]
        return cupy.asarray(host_fn(*args, **kwargs))
    return on_host


def scatter_add(out, index, values):
    """out[index] += values in place, repeated indices adding up: NumPy's add.at, or
    cupyx.scatter_add (CuPy's own; its ufunc.at is missing or slow in older releases)."""
    if is_device_array(out):
        cupyx().scatter_add(out, index, values)
    elif _whole_rows(out, index, values):
        _add_rows_at(out, index, values)
    else:
        numpy.add.at(out, index, values)


def _whole_rows(out, index, values):
    return (type(index) is numpy.ndarray and index.ndim == 1 and out.ndim == 2 and
            values.ndim == 2 and values.shape == (index.size, out.shape[1]) and
            values.dtype == out.dtype and values.size >= 4096)  # smaller: add.at is quicker


def _add_rows_at(out, index, values):
    """out[index[k]] += values[k] for whole rows (an embedding's gradient): NumPy's add.at
    takes ~10 ns per element (2.2 ms for a char-level GPT's 2048 x 126 gradient); sorting
    the rows by index and summing each run with add.reduceat takes 0.3 ms (the sums may
    round differently in the last bit: they are added in another order)."""
    order = numpy.argsort(index, kind="stable")
    ordered = index[order]
    starts = numpy.flatnonzero(numpy.concatenate(([True], ordered[1:] != ordered[:-1])))
    out[ordered[starts]] += numpy.add.reduceat(values[order], starts, axis=0)


# The ufunc methods CuPy has: ufunc.at for add, maximum and minimum only; no reduce,
# accumulate or reduceat. The others run on a host copy (a round trip, correct and rare).
DEVICE_UFUNC_AT = ("add", "maximum", "minimum")


def ufunc_at(name, target, index, values):
    """``numpy.<name>.at(target, index, values)`` in place, on either backend."""
    if not is_device_array(target):
        getattr(numpy, name).at(target, index, values)
    elif name in DEVICE_UFUNC_AT:
        getattr(cupy, name).at(target, index, values)
    else:
        host = to_numpy(target)
        index = tuple(to_numpy(i) for i in index) if isinstance(index, tuple) else \
            to_numpy(index)
        getattr(numpy, name).at(host, index, to_numpy(values))
        target[...] = cupy.asarray(host)


def ufunc_method(name, method, array, *args, **kwargs):
    """``numpy.<name>.<method>(array, *args, **kwargs)`` (reduce, accumulate, reduceat), on a
    host copy for device arrays; the result comes back to the device."""
    fn = getattr(getattr(numpy, name), method)
    if not is_device_array(array):
        return fn(array, *args, **kwargs)
    result = fn(to_numpy(array), *[to_numpy(a) for a in args], **kwargs)
    return cupy.asarray(result)


def on_host(fn, *arrays):
    """fn on NumPy copies of the arrays (for SciPy/LAPACK routines CuPy lacks); results
    (an array or a tuple of them) come back to the GPU when an input was there."""
    on_gpu = cupy is not None and any(isinstance(a, cupy.ndarray) for a in arrays)
    result = fn(*[to_numpy(a) for a in arrays])
    if not on_gpu:
        return result
    if isinstance(result, tuple):
        return tuple(cupy.asarray(r) for r in result)
    return cupy.asarray(result)
