"""Fixtures of the notebook kernel tests (the kernels themselves: kernels.py)."""
import pytest

from playground import events

from .kernels import Kernel, executor


@pytest.fixture(scope="module")
def local():
    """A test module's executor and its kernel events."""
    ex, sink = executor()
    yield ex, sink
    ex.shutdown()


@pytest.fixture
def kernel(local):
    """A fresh idle kernel, shut down after the test."""
    k = Kernel(*local)
    k.wait_state(events.KERNEL_IDLE)
    yield k
    local[0].control(k.id, {"op": "shutdown"})
