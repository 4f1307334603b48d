"""Keep freed array memory in the process for the next array of the step (glibc only).

glibc serves allocations over its mmap threshold (128 KiB at start, adjusted upward as
such blocks are freed) with a fresh mmap and returns them with munmap, so a training step
that frees and reallocates the same few-MiB activations every step page-faults them all in
again: 13,600 page faults and 31 ms of kernel time per step of the char-level GPT bench row
(a fifth of its step), 10,500 per ResNet-block step. PyTorch's own allocator keeps such
blocks; here glibc is told to: blocks up to 32 MiB come from the heap, and the heap is
trimmed only when 256 MiB at its top are free. Peak memory is what the step needs, as
before; what stays mapped between steps is at most the step's working set plus that margin.
"""
import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest (DEFAULT_MMAP_THRESHOLD_MAX, 64-bit)
TRIM_THRESHOLD = 256 * 1024 * 1024


def keep_freed_memory():
    """True when glibc took the settings (False elsewhere: macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # absent from musl, whose mallopt does nothing
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
