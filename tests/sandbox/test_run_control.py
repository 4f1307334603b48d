"""Pausing, stepping and pacing a run over the control channel (sandbox/pacing.py): the
zygote's PaceKeeper on its own (decisions and clocks, fed by hand), then real runs in a
sandbox slot driven as the local executor drives them."""
import threading
import time
import uuid

import pytest

from playground import events
from playground.sandbox.limits import SandboxLimits
from playground.sandbox.pacing import ControlError, PaceKeeper, check_message
from playground.sandbox.slot import SandboxSlot
from playground.sandbox.spec import RunSpec


# -- the PaceKeeper, fed by hand --------------------------------------------------------------
class Child:
    """What a PaceKeeper sends to the child and says to the page."""

    def __init__(self, budget_s=100.0):
        self.sent, self.states = [], []
        self.keeper = PaceKeeper(self.sent.append, self.states.append, budget_s)
        self.epoch = self.batch = 0

    def step(self, unit, now):
        """The child reached a step: True when it may go on at once."""
        if unit == "epoch":
            self.epoch += 1
        else:
            self.batch += 1
        hold = next((m["hold"] for m in reversed(self.sent) if m["op"] == "hold"), None)
        if not self.keeper.holding:
            return True
        before = len(self.sent)
        assert self.keeper.on_checkpoint({"type": "checkpoint", "hold": hold, "unit": unit,
                                          "epoch": self.epoch, "batch": self.batch}, now)
        return any(m["op"] in ("go", "release") for m in self.sent[before:])

    def go_after(self, before):
        return any(m["op"] in ("go", "release") for m in self.sent[before:])


def test_a_free_run_is_never_asked_to_wait():
    child = Child()
    assert all(child.step("batch", t) for t in range(10))
    assert child.sent == [] and child.states == []


def test_pause_holds_the_run_at_its_next_step_until_resumed():
    child = Child()
    child.keeper.on_control({"op": "pause"}, 0.0)
    assert child.sent == [{"op": "hold", "hold": 1}]
    assert child.states[-1]["state"] == events.RUN_PAUSING
    assert not child.step("batch", 1.0)
    assert child.states[-1]["state"] == events.RUN_PAUSED and child.states[-1]["batch"] == 1
    child.keeper.tick(50.0)                       # waiting: nothing goes
    assert child.sent[-1] == {"op": "hold", "hold": 1}
    assert child.keeper.held_s(50.0) == pytest.approx(49.0)
    child.keeper.on_control({"op": "resume"}, 51.0)
    assert child.sent[-1] == {"op": "release"}     # answers the waiting step, stops asking
    assert child.keeper.held_s(60.0) == pytest.approx(50.0)
    assert child.states[-1]["state"] == events.RUN_RUNNING
    assert child.step("batch", 61.0) and child.sent[-1] == {"op": "release"}


@pytest.mark.parametrize("unit,other", [("batch", "epoch"), ("epoch", "batch")])
def test_step_advances_exactly_n_of_its_unit_then_pauses_again(unit, other):
    child = Child()
    child.keeper.on_control({"op": "pause"}, 0.0)
    assert not child.step(unit, 0.0)
    start = getattr(child, unit)
    child.keeper.on_control({"op": "step", "n": 3, "unit": unit}, 1.0)
    assert child.states[-1]["state"] == events.RUN_STEPPING
    passed = 0
    for t in range(2, 40):
        # the other unit's steps pass; this unit's count until the third
        assert child.step(other, t)
        if not child.step(unit, t + 0.5):
            break
        passed += 1
    assert getattr(child, unit) - start == 3 and passed == 2  # the third is where it waits
    assert child.states[-1]["state"] == events.RUN_PAUSED
    assert child.states[-1][unit] == start + 3


def test_a_step_asked_while_running_counts_from_the_next_step():
    child = Child()
    child.keeper.on_control({"op": "step", "n": 2, "unit": "batch"}, 0.0)
    assert child.step("batch", 1.0)    # batch 1: where counting starts
    assert child.step("batch", 2.0)    # batch 2
    assert not child.step("batch", 3.0)   # batch 3 = 1 + 2: paused here
    assert child.states[-1]["state"] == events.RUN_PAUSED and child.states[-1]["batch"] == 3


def test_a_pace_spaces_the_steps_and_its_waits_are_held_time():
    child = Child()
    child.keeper.on_control({"op": "speed", "pace_s": 0.5, "unit": "epoch"}, 0.0)
    assert child.step("epoch", 0.1)               # the first paced step goes at once
    assert child.step("batch", 0.2)               # batches are not paced here
    before = len(child.sent)
    assert not child.step("epoch", 0.3)           # due at 0.6
    assert child.keeper.wake_at(0.3) == pytest.approx(0.6)
    child.keeper.tick(0.5)
    assert not child.go_after(before)
    child.keeper.tick(0.6)
    assert child.go_after(before)
    assert child.keeper.held_s(1.0) == pytest.approx(0.3)
    child.keeper.on_control({"op": "speed", "pace_s": 0, "unit": "epoch"}, 1.0)
    assert child.sent[-1] == {"op": "release"} and not child.keeper.holding


def test_held_time_has_its_own_cap_then_the_run_goes_on_at_full_speed():
    child = Child(budget_s=10.0)
    child.keeper.on_control({"op": "pause"}, 0.0)
    assert not child.step("epoch", 1.0)
    assert child.keeper.wake_at(5.0) == pytest.approx(11.0)
    child.keeper.tick(10.9)
    assert child.sent[-1]["op"] == "hold"
    child.keeper.tick(11.0)
    assert child.sent[-1] == {"op": "release"}
    assert child.keeper.held_s(20.0) == pytest.approx(10.0)  # no more held time accrues
    last = child.states[-1]
    assert last["state"] == events.RUN_RUNNING and last["hold_left_s"] == 0
    assert "10 s in all" in last["message"]
    child.keeper.on_control({"op": "pause"}, 12.0)   # refused, with the reason
    assert child.sent[-1] == {"op": "release"} and "already used" in child.states[-1]["message"]


def test_checkpoints_that_answer_no_hold_of_ours_are_refused():
    child = Child()
    k = child.keeper
    assert not k.on_checkpoint({"type": "checkpoint", "hold": 1, "unit": "epoch", "epoch": 1,
                                "batch": 0}, 0.0)          # not holding: forged
    k.on_control({"op": "pause"}, 0.0)
    for forged in ({"hold": 2, "unit": "epoch", "epoch": 1, "batch": 0},   # another hold
                   {"hold": 1, "unit": "lap", "epoch": 1, "batch": 0},
                   {"hold": 1, "unit": "epoch", "epoch": -1, "batch": 0},
                   {"hold": 1, "unit": "epoch", "epoch": True, "batch": 0},
                   {"hold": 1, "unit": "epoch", "batch": 0}):
        assert not k.on_checkpoint({"type": "checkpoint", **forged}, 0.0)
    assert k.on_checkpoint({"type": "checkpoint", "hold": 1, "unit": "epoch", "epoch": 1,
                            "batch": 0}, 0.0)
    assert not k.on_checkpoint({"type": "checkpoint", "hold": 1, "unit": "epoch", "epoch": 2,
                                "batch": 0}, 0.0)          # already waiting: one at a time


@pytest.mark.parametrize("message,error", [
    ("pause", "a JSON object"),
    ({"op": "jump"}, "must be one of pause, resume, step, speed, not 'jump'"),
    ({}, "must be one of pause, resume, step, speed"),
    ({"op": "step", "n": 0}, '"n" (steps to take) must be a whole number from 1'),
    ({"op": "step", "n": 2.5}, '"n" (steps to take)'),
    ({"op": "step", "n": True}, '"n" (steps to take)'),
    ({"op": "step", "unit": "lap"}, '"unit" must be "epoch" or "batch"'),
    ({"op": "speed"}, '"pace_s" (the least seconds per epoch; 0: full speed) must be a number'),
    ({"op": "speed", "pace_s": -1}, '"pace_s"'),
    ({"op": "speed", "pace_s": 61}, "from 0 to 60"),
    ({"op": "speed", "pace_s": float("nan")}, '"pace_s"'),
])
def test_bad_control_messages_get_specific_errors(message, error):
    with pytest.raises(ControlError, match=None) as caught:
        check_message(message)
    assert error in str(caught.value)
    child = Child()
    child.keeper.on_control(message, 0.0)     # the zygote ignores it, saying why
    assert child.sent == [] and error in child.states[-1]["message"]


def test_good_control_messages_are_normalised():
    assert check_message({"op": "step"}) == {"op": "step", "n": 1, "unit": "epoch"}
    assert check_message({"op": "speed", "pace_s": 1, "unit": "batch"}) == {
        "op": "speed", "pace_s": 1.0, "unit": "batch"}
    assert check_message({"op": "pause", "extra": 1}) == {"op": "pause"}
    # JSON Schema's "integer" (the API's schema) counts 3.0 in: the same number as 3.
    assert check_message({"op": "step", "n": 3.0}) == {"op": "step", "n": 3, "unit": "epoch"}


# -- real runs in a sandbox -------------------------------------------------------------------
TRAIN = '''
import time
import torch
from torch.utils.tensorboard import progress
w = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)
for epoch in progress(range({epochs}), desc="epochs"):
    for batch in range(3):
        opt.zero_grad()
        (w - 1).pow(2).sum().backward()
        opt.step()
        print("batch", flush=True)
    time.sleep({sleep})
print("done", epoch)
'''


class Run:
    """One run in a slot, its events collected on a thread as the local executor does."""

    def __init__(self, slot, code, **limits):
        self.slot, self.id = slot, uuid.uuid4().hex
        self.events = []
        self.changed = threading.Condition()
        spec = RunSpec(run_id=self.id, code=code,
                       limits=SandboxLimits().with_overrides(limits))
        self.thread = threading.Thread(target=self._collect, args=(spec,), daemon=True)
        self.thread.start()

    def _collect(self, spec):
        for event in self.slot.run(spec):
            with self.changed:
                self.events.append(event)
                self.changed.notify_all()

    def control(self, **message):
        assert self.slot.control(self.id, message)

    def wait_for(self, predicate, timeout=30):
        with self.changed:
            found = self.changed.wait_for(
                lambda: next((e for e in reversed(self.events) if predicate(e)), None), timeout)
        assert found, self.events[-10:]
        return found

    def wait_state(self, state, **fields):
        return self.wait_for(lambda e: e["type"] == "run_state" and e["state"] == state and all(
            e[k] == v for k, v in fields.items()))

    def finished(self, timeout=60):
        self.thread.join(timeout)
        assert self.events[-1]["type"] == "finished", self.events[-5:]
        return self.events[-1]

    def batches(self):
        return "".join(e["text"] for e in self.events if e["type"] == "stdout").count("batch")


@pytest.fixture(scope="module")
def slot():
    s = SandboxSlot(0)
    yield s
    s.stop()


def test_a_paused_run_waits_off_its_wall_clock_then_finishes_when_resumed(slot):
    run = Run(slot, TRAIN.format(epochs=30, sleep=0.02), wall_s=2)
    run.control(op="pause")   # before it starts: it follows the run into the sandbox
    paused = run.wait_state(events.RUN_PAUSED)
    # Held at its very first step: the optimizer's, before the batch's print.
    assert paused["batch"] == 1 and paused["epoch"] == 0
    time.sleep(3)             # longer than the wall clock, all of it paused
    assert run.batches() == 0   # nothing ran meanwhile
    run.control(op="resume")
    finished = run.finished()
    assert finished["status"] == events.SUCCEEDED, finished
    assert run.batches() == 90
    resumed = [e for e in run.events if e["type"] == "run_state"][-1]
    assert resumed["state"] == events.RUN_RUNNING and resumed["held_s"] >= 3


def test_steps_advance_exactly_n_batches_or_epochs_in_the_child(slot):
    run = Run(slot, TRAIN.format(epochs=10, sleep=0))
    run.control(op="pause")
    run.wait_state(events.RUN_PAUSED, batch=1)
    run.control(op="step", n=4, unit="batch")
    run.wait_state(events.RUN_PAUSED, batch=5)
    time.sleep(0.3)
    assert run.batches() == 4   # the fifth waits right after its optimizer step
    run.control(op="step", n=2, unit="epoch")
    state = run.wait_state(events.RUN_PAUSED, epoch=3)
    assert state["batch"] == 9
    time.sleep(0.3)
    assert run.batches() == 9
    run.control(op="resume")
    assert run.finished()["status"] == events.SUCCEEDED and run.batches() == 30


def test_the_held_time_cap_ends_a_pause_and_the_run_goes_on(slot):
    run = Run(slot, TRAIN.format(epochs=3, sleep=0), held_s=1)
    run.control(op="pause")
    run.wait_state(events.RUN_PAUSED)
    released = run.wait_state(events.RUN_RUNNING)
    assert "1 s in all" in released["message"]
    assert run.finished()["status"] == events.SUCCEEDED and run.batches() == 9


def test_a_paced_run_is_spaced_and_its_pace_is_not_wall_time(slot):
    run = Run(slot, TRAIN.format(epochs=6, sleep=0), wall_s=1)
    run.control(op="speed", pace_s=0.3, unit="epoch")
    finished = run.finished()
    # Six epochs, each at least 0.3 s after the one before: 1.5 s, past the wall clock.
    assert finished["status"] == events.SUCCEEDED, finished
    assert finished["duration_ms"] >= 1500
    state = [e for e in run.events if e["type"] == "run_state"][-1]
    assert state["state"] == events.RUN_RUNNING and state["pace_s"] == 0.3


def test_a_paused_run_is_cancelled_at_once(slot):
    run = Run(slot, TRAIN.format(epochs=5, sleep=0))
    run.control(op="pause")
    run.wait_state(events.RUN_PAUSED)
    slot.cancel(run.id)
    assert run.finished()["status"] == events.CANCELLED


def test_forged_checkpoints_and_control_of_other_runs_change_nothing(slot):
    code = ('import json, os\n'
            'for hold in range(5):\n'
            '    os.write(3, (json.dumps({"type": "checkpoint", "hold": hold, "unit": "epoch",'
            ' "epoch": 1, "batch": 1}) + "\\n").encode())\n'
            'print("free")\n')
    run = Run(slot, code)
    slot.control("someone-else", {"op": "pause"})
    finished = run.finished()
    assert finished["status"] == events.SUCCEEDED
    assert not [e for e in run.events if e["type"] == "run_state"]
    assert "free" in "".join(e["text"] for e in run.events if e["type"] == "stdout")
