"""Pause, step and pace a run from its page, over the control channel (fd 4) that notebook
kernels use, with the zygote keeping the clocks.

A run has *steps*: an **epoch** is an item of its outermost ``progress()`` loop, a **batch**
one optimizer step (a global post-step hook). The child counts them and, at each one,
looks (without blocking) for a message of the zygote:

  zygote -> child (fd 4)  {"op": "hold", "hold": n}   from now on ask before every step
                          {"op": "go", "hold": n}     the step you asked about may go
                          {"op": "release"}           stop asking (and go, if asking)
  child -> zygote (fd 3)  {"type": "checkpoint", "hold": n, "unit", "epoch", "batch"}

While held, the child writes a checkpoint line at every step and blocks until the zygote
answers it: a paused run waits there, a paced one waits until its next step is due. The
zygote (``PaceKeeper``) decides everything and answers each checkpoint of the current hold
exactly once, so a child that lies gains nothing: the time it waits is what the zygote
withheld, measured by the zygote. That time is off the run's wall clock and counts against
``limits.held_s``; past it, the run is released and runs on at full speed. A free run pays
one non-blocking read per step.
"""
import os
import select
import threading
import weakref

from playground import events
from playground.sandbox import protocol

MAX_CONTROL_LINE = 4096
MAX_STEPS = 1_000_000        # one "step" message advances at most this many
MAX_PACE_S = 60.0            # the slowest pace: a step a minute
SHOW_AFTER_S = 0.05          # a step held longer sends what the run logged so far first


# -- the run child's end ----------------------------------------------------------------------
class Pacer:
    """Counts the run's steps; while the zygote holds the run, asks it before each one."""

    def __init__(self, fd, write):
        self.fd = fd
        self.write = write                  # an event line to fd 3
        os.set_blocking(fd, False)
        self.reader = protocol.LineReader(fd, MAX_CONTROL_LINE)
        self.poller = select.poll()         # the cheapest look at the pipe: a free run's cost
        self.poller.register(fd, select.POLLIN)
        self.pending = []
        self.hold = None                    # the zygote's hold number while it holds the run
        self.counts = {"epoch": 0, "batch": 0}
        self.bars = []                      # weak references to the open progress bars
        self.handle = None
        self.lock = threading.Lock()        # user code may step optimizers on threads

    def install(self):
        from engine.optim.optimizer import register_optimizer_step_post_hook
        self.handle = register_optimizer_step_post_hook(
            lambda optimizer, args, kwargs: self.checkpoint("batch"))

    def bar_advanced(self, bar):
        """A progress bar moved on: an epoch when it is the outermost one still open."""
        self.bars = [ref for ref in self.bars if ref() is not None and not ref()._closed]
        if not any(ref() is bar for ref in self.bars):
            self.bars.append(weakref.ref(bar))
        if self.bars[0]() is bar:
            self.checkpoint("epoch")

    def checkpoint(self, unit):
        with self.lock:
            self._checkpoint(unit)

    def _checkpoint(self, unit):
        self.counts[unit] += 1
        self._apply_pending()
        if self.hold is None:
            return
        sent = self._ask(unit)
        shown = False
        while True:
            if not self.pending:
                if not shown and not select.select([self.fd], [], [], SHOW_AFTER_S)[0]:
                    self._show_progress()       # a real wait (paused, a slow pace)
                    shown = True
                    continue
                self._read(block=True)
                if self.reader.eof and not self.pending:
                    self.hold = None        # no zygote: nothing to wait for
                    return
            message = self.pending.pop(0)
            op = message.get("op")
            if op == "go" and message.get("hold") == sent:
                return
            if op == "release":
                self.hold = None
                return
            if op == "hold":                # asked again under a newer hold
                self.hold = message.get("hold")
                sent = self._ask(unit)

    def _ask(self, unit):
        self.write({"type": "checkpoint", "hold": self.hold, "unit": unit, **self.counts})
        return self.hold

    def _show_progress(self):
        """Before waiting: what the run logged so far reaches the page (a paused run shows
        its last epoch, not the one before the last batched send)."""
        from engine.utils import tensorboard
        for ref in self.bars:
            bar = ref()
            if bar is not None:
                bar.refresh()
        sink = tensorboard.installed_sink()
        if sink is not None:
            sink.flush()

    def _apply_pending(self):
        """The zygote's hold and release messages that came meanwhile, in order."""
        if not self.reader.eof and self.poller.poll(0):
            self._read(block=False)
        while self.pending:
            message = self.pending.pop(0)
            if message.get("op") == "hold":
                self.hold = message.get("hold")
            elif message.get("op") == "release":
                self.hold = None

    def _read(self, block):
        if self.reader.eof:
            return
        if block:
            select.select([self.fd], [], [])
        self.pending.extend(protocol.json_objects(self.reader.read_lines()))


# -- the zygote's end -------------------------------------------------------------------------
class ControlError(ValueError):
    """A control message that cannot be acted on; the message says why."""


def check_message(message):
    """The control message as the zygote acts on it; ControlError says what is wrong. The
    site checks the same before sending (runs/run_control.py), so pages get the sentence."""
    if not isinstance(message, dict):
        raise ControlError("a control message is a JSON object")
    op = message.get("op")
    if op in ("pause", "resume"):
        return {"op": op}
    unit = message.get("unit", "epoch")
    if op not in ("step", "speed"):
        raise ControlError(f'"action" must be one of pause, resume, step, speed, not {op!r}'
                           if isinstance(op, str) and len(op) < 40 else
                           '"action" must be one of pause, resume, step, speed')
    if unit not in events.STEP_UNITS:
        raise ControlError('"unit" must be "epoch" or "batch"')
    if op == "step":
        n = message.get("n", 1)
        if isinstance(n, float) and n.is_integer():   # JSON's 3.0 is the whole number 3
            n = int(n)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_STEPS:
            raise ControlError(f'"n" (steps to take) must be a whole number from 1 to {MAX_STEPS}')
        return {"op": "step", "n": n, "unit": unit}
    pace = message.get("pace_s")
    if isinstance(pace, bool) or not isinstance(pace, (int, float)) or not (
            0 <= pace <= MAX_PACE_S):
        raise ControlError(f'"pace_s" (the least seconds per {unit}; 0: full speed) must be a '
                           f"number from 0 to {MAX_PACE_S:g}")
    return {"op": "speed", "pace_s": float(pace), "unit": unit}


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None


class PaceKeeper:
    """What the page asked (pause, steps, a pace) against where the child says it is; answers
    its checkpoints and keeps the held clock. ``send(message)`` writes to the child's fd 4
    (never blocking); ``say(event)`` sends a run_state event. Times are time.monotonic()."""

    def __init__(self, send, say, budget_s):
        self.send, self.say, self.budget_s = send, say, budget_s
        self.paused = False
        self.step = None            # (unit, n) asked, not yet counted from a checkpoint
        self.target = None          # (unit, count): hold at the checkpoint reaching it
        self.pace_s, self.pace_unit = 0.0, "epoch"
        self.hold = 0               # the number of the current hold
        self.holding = False
        self.waiting = None         # the checkpoint the child waits at: (unit, since)
        self.counts = {"epoch": None, "batch": None}
        self.last_go = {}           # unit -> when its last checkpoint was let go
        self.held = 0.0             # seconds the child waited, answered checkpoints only
        self.spent = False          # the held budget is used up: no more holding
        self.told = None

    # -- clocks ---------------------------------------------------------------------------------
    def held_s(self, now):
        return self.held + (now - self.waiting[1] if self.waiting else 0.0)

    def wake_at(self, now):
        """When ``tick`` must run next (a paced step due, the budget running out), or None."""
        if self.waiting is None:
            return None
        due = now + max(0.0, self.budget_s - self.held_s(now))
        pace_due = self._pace_due()
        return due if pace_due is None else min(due, pace_due)

    def tick(self, now):
        if not self.spent and self.held_s(now) >= self.budget_s:
            self.spent = True
            self.paused, self.step, self.target, self.pace_s = False, None, None, 0.0
            self._update(now, message=(
                f"the run was paused or slowed for {self.budget_s:g} s in all, its limit; it "
                f"runs on at full speed"))
        elif self.waiting is not None:
            self._update(now)

    # -- what the page asks ------------------------------------------------------------------
    def on_control(self, message, now):
        try:
            message = check_message(message)
        except ControlError as exc:
            self._tell(now, force=True, message=str(exc))
            return
        if self.spent:
            self._tell(now, force=True, message=(
                f"the run already used its {self.budget_s:g} s of pausing and slowing; it "
                f"runs on at full speed"))
            return
        op = message["op"]
        if op == "pause":
            self.paused, self.step, self.target = True, None, None
        elif op == "resume":
            self.paused, self.step, self.target = False, None, None
        elif op == "step":
            self.paused, self.step, self.target = True, (message["unit"], message["n"]), None
        else:
            self.pace_s, self.pace_unit = message["pace_s"], message["unit"]
        self._update(now, force=True)

    # -- what the child says -------------------------------------------------------------------
    def on_checkpoint(self, event, now):
        """A checkpoint line of the child; False when it is not one we asked for (junk)."""
        unit = event.get("unit")
        counts = {u: _count(event.get(u)) for u in events.STEP_UNITS}
        if (not self.holding or event.get("hold") != self.hold or self.waiting is not None
                or unit not in events.STEP_UNITS or None in counts.values()):
            return False
        self.counts = counts
        self.waiting = (unit, now)
        self._update(now)
        return True

    # -- deciding ------------------------------------------------------------------------------
    def _wants_hold(self):
        return not self.spent and (self.paused or self.step is not None or self.pace_s > 0)

    def _pace_due(self):
        unit = self.waiting[0]
        if self.pace_s <= 0 or unit != self.pace_unit or unit not in self.last_go:
            return None
        return self.last_go[unit] + self.pace_s

    def _update(self, now, force=False, message=None):
        if self._wants_hold() and not self.holding:
            self.hold += 1
            self.holding = True
            self.send({"op": "hold", "hold": self.hold})
        elif not self._wants_hold() and self.holding:
            self.holding = False
            self.send({"op": "release"})
            self._answered(now)
        if self.waiting is not None:
            unit = self.waiting[0]
            if self.step is not None:                 # count the steps from here
                self.target = (self.step[0], self.counts[self.step[0]] + self.step[1])
                self.step = None
            if self.target is not None and unit == self.target[0] and \
                    self.counts[unit] >= self.target[1]:
                self.target = None                    # the steps are done: paused here
            elif self.target is not None or not self.paused:
                due = self._pace_due()
                if due is None or now >= due:
                    self.send({"op": "go", "hold": self.hold})
                    self.last_go[unit] = now
                    self._answered(now)
        self._tell(now, force, message)

    def _answered(self, now):
        if self.waiting is not None:
            self.held += now - self.waiting[1]
            self.waiting = None

    def state(self):
        if not self.paused:
            return events.RUN_RUNNING
        if self.target is not None or self.step is not None:
            return events.RUN_STEPPING
        return events.RUN_PAUSED if self.waiting is not None else events.RUN_PAUSING

    def _tell(self, now, force=False, message=None):
        """A run_state event when the state or the pace changed (or ``force``)."""
        key = (self.state(), self.pace_s, self.pace_unit,
               self.counts["epoch"] if self.state() == events.RUN_PAUSED else None,
               self.counts["batch"] if self.state() == events.RUN_PAUSED else None)
        if key == self.told and not force and message is None:
            return
        self.told = key
        held = self.held_s(now)
        self.say(events.event(
            "run_state", state=key[0], epoch=self.counts["epoch"], batch=self.counts["batch"],
            pace_s=self.pace_s, pace_unit=self.pace_unit, held_s=round(held, 3),
            hold_left_s=round(max(0.0, self.budget_s - held), 3), message=message))
