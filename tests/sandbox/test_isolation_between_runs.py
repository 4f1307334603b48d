"""Runs do not share what they should not: random state, and the uid their cleanup kills."""
import os
import re

import pytest

from playground.executors.base import CallbackSink
from playground.executors.local import LocalExecutor
from playground.sandbox import slot
from tests.sandbox.test_executor_local import submit


@pytest.fixture(scope="module")
def executor():
    ex = LocalExecutor(CallbackSink(), pool_size=1)
    yield ex
    ex.shutdown()


def _values(ex, code):
    handle, rec = submit(ex, code)
    assert handle.wait(30)
    assert rec.final["status"] == "succeeded", rec.events
    return re.findall(r"-?\d\.\d{4}", rec.output())


def test_each_run_draws_fresh_random_numbers_unless_seeded(executor):
    code = "import torch, numpy, random\nprint(torch.rand(3), numpy.random.rand(), random.random())"
    assert _values(executor, code) != _values(executor, code)
    seeded = "import torch\ntorch.manual_seed(7)\nprint(torch.rand(3))"
    assert _values(executor, seeded) == _values(executor, seeded)


@pytest.mark.skipif(os.geteuid() != 0, reason="uids are only dropped to when started as root")
def test_workers_on_one_host_never_share_a_run_uid():
    # Two workers for the same slot (as two web processes or Celery workers on one host
    # would make): a run's cleanup kills every process of its uid, so they must differ.
    first = slot.SandboxSlot(slot=0)
    second = slot.SandboxSlot(slot=0)
    try:
        assert first.uid_claim.uid != second.uid_claim.uid
        taken = first.uid_claim.uid
        first.restart()  # a restarted worker gives its uid back and claims one again
        assert first.uid_claim is not None and first.uid_claim.uid != second.uid_claim.uid
    finally:
        first.stop()
        second.stop()
    assert first.uid_claim is None and second.uid_claim is None
    assert taken >= slot.DEFAULT_UID_BASE
