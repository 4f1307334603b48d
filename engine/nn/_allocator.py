"""Keep freed memory in the process (glibc) so training loops stop paying page faults.

A training step allocates and frees the same large temporaries (im2col matrices, activations)
every iteration. glibc serves blocks above 128 KiB with fresh mmap()s and returns freed heap
tops to the OS, so each step faults all that memory in again; that can double a step's time.
Raising the mmap threshold (to glibc's maximum, 32 MiB on 64-bit) and the trim threshold keeps
those blocks in the heap for reuse. Peak memory is unchanged; only idle memory is not returned.
Elsewhere (macOS, musl) this is a no-op.
"""
import ctypes

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MIB = 1024 * 1024


def keep_freed_memory():
    """True when glibc accepted the settings."""
    try:  # the process's own symbols: no ctypes.util.find_library, which spawns ldconfig
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    ok = mallopt(_M_MMAP_THRESHOLD, 32 * _MIB)
    ok &= mallopt(_M_TRIM_THRESHOLD, 1024 * _MIB)
    ok &= mallopt(_M_TOP_PAD, 64 * _MIB)
    return bool(ok)
