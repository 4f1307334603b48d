"""engine/_allocator.py: freed activations stay in the process for the next step (glibc)."""
import resource
import sys

import numpy as np
import pytest

import engine  # noqa: F401  (importing the engine applies the settings)
from engine import _allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibc_takes_the_settings():
    assert _allocator.keep_freed_memory() is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_step_that_reallocates_its_arrays_does_not_fault_them_in_again():
    """Without the settings every fresh 8 MiB array is a new mmap: ~2,000 page faults each."""
    def step():
        a = np.ones(2 * 1024 * 1024, np.float32)  # 8 MiB, written: every page touched
        b = a * 2
        del a
        return float(b[-1])
    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 2000, f"{faults} page faults in 20 steps: freed memory went back to the OS"
