"""A sandbox slot that holds one notebook kernel (kernel_host.py) instead of running runs.

It is a ``SandboxSlot``: the same zygote, started the same way (bubblewrap, namespaces, its
own uid claim, seccomp), so whatever hardens runs hardens kernels. The slot belongs to one
kernel from ``start_kernel`` until the kernel is dead; restarts fork a fresh kernel process
from the same warm zygote. A thread reads the zygote and hands each event to ``on_event``
in order; a zygote that dies or stops answering ends the kernel ("dead"), never a wait
without end.
"""
import logging
import threading
import time
from dataclasses import asdict

from playground import events
from playground.sandbox.slot import GRACE_S, SandboxSlot

log = logging.getLogger("playground.sandbox")

OPS = frozenset({"execute", "input_reply", "interrupt", "restart", "shutdown"})


class KernelSlot(SandboxSlot):
    kernel_id = None
    _ending = False

    def __init__(self, *args, **kwargs):
        self.stopping = threading.Lock()  # the kernel's end and the pool's shutdown may race
        self.readying = threading.Lock()  # a spare warms up while its kernel may start
        super().__init__(*args, **kwargs)

    def stop(self):
        with self.stopping:
            super().stop()

    def wait_ready(self):
        with self.readying:
            super().wait_ready()

    def start_kernel(self, spec, kernel_limits, on_event):
        """Start the kernel ``spec`` describes (its run_id is the kernel's id; its limits are
        each cell's, and the kernel process's memory and the rest); return at once. Events,
        from this slot's own thread, go to ``on_event``: kernel_status first, a final
        kernel_status "dead" last."""
        self.kernel_id = spec.run_id
        self.spec, self.kernel_limits, self.on_event = spec, kernel_limits, on_event
        self.outstanding = {}          # cell_id -> True: sent, not yet ended
        self.busy_since = None         # when the running cell started (our clock)
        self.waited = 0.0              # ... and how long it waited for input
        self.waiting_since = None
        self.dead = threading.Event()
        self.early = []                # messages sent before the zygote took the kernel
        self.ordering = threading.Lock()
        threading.Thread(target=self._serve, daemon=True,
                         name=f"kernel-{spec.run_id[:8]}").start()

    def control(self, message):
        """Hand the kernel one control message (see OPS); False once it is dead."""
        if not isinstance(message, dict) or message.get("op") not in OPS or self.dead.is_set():
            return False
        with self.lock:
            if message["op"] == "execute":
                self.outstanding[message["cell_id"]] = True
            elif message["op"] == "input_reply" and self.waiting_since is not None:
                self.waited += time.monotonic() - self.waiting_since
                self.waiting_since = None
        with self.ordering:
            if self.early is not None:  # the kernel is still on its way: in order, later
                self.early.append(message)
                return True
            return self._send({"op": "control", "run_id": self.kernel_id, "message": message})

    def shutdown_kernel(self, timeout=5.0):
        """Ask the kernel to end; stop the zygote if it does not say "dead" in time."""
        self.control({"op": "shutdown"})
        if not self.dead.wait(timeout):
            self._lost("the kernel did not shut down in time and was killed")

    # -- the zygote's side -------------------------------------------------------------------
    def _serve(self):
        try:
            self.wait_ready()
            with self.ordering:
                sent = self._send({"op": "kernel", "run_id": self.kernel_id,
                                   "device": self.spec.device,
                                   "limits": self.spec.limits.to_dict(),
                                   "kernel": asdict(self.kernel_limits)})
                for message in self.early:
                    sent = sent and self._send({"op": "control", "run_id": self.kernel_id,
                                                "message": message})
                self.early = None
            if not sent:
                raise RuntimeError("the sandbox worker is gone")
        except RuntimeError as exc:
            self._lost(f"the kernel could not start: {exc}")
            return
        while not self.dead.is_set():
            message = self._next(time.monotonic() + 0.5)
            if message is None:
                if self.dead.is_set():
                    return
                if self.reader.eof or self.process is None or self.process.poll() is not None:
                    self._lost("the sandbox of this kernel died")
                    return
                if self._overdue():
                    self._lost("the sandbox of this kernel stopped responding")
                    return
                continue
            if message.get("op") != "event" or message.get("run_id") != self.kernel_id:
                continue
            self._deliver(message.get("event"))

    def _deliver(self, event):
        if not isinstance(event, dict) or event.get("type") not in events.EVENT_FIELDS:
            return
        kind, now = event["type"], time.monotonic()
        with self.lock:
            if kind == "execute_input":
                self.busy_since, self.waited, self.waiting_since = now, 0.0, None
            elif kind == "input_request":
                self.waiting_since = self.waiting_since or now
            elif kind == "execute_result":
                self.outstanding.pop(event.get("cell_id"), None)
                self.busy_since = self.waiting_since = None
        self._hand_on(event)
        if kind == "kernel_status" and event.get("state") == events.KERNEL_DEAD:
            self.dead.set()

    def _overdue(self):
        """A cell the zygote should have ended by now (its limits, plus grace)."""
        with self.lock:
            if self.busy_since is None or self.waiting_since is not None:
                return False
            budget = (self.spec.limits.wall_s + self.kernel_limits.interrupt_grace_s
                      + self.waited + GRACE_S)
            return time.monotonic() - self.busy_since > budget

    def _lost(self, why):
        """The zygote is gone or hung: end every cell sent, then the kernel."""
        with self.lock:
            if self._ending:
                return
            self._ending = True
        log.warning("kernel %s on sandbox slot %d: %s", self.kernel_id, self.slot, why)
        self.stop()
        with self.lock:
            cells, self.outstanding = list(self.outstanding), {}
        for cell_id in cells:
            self._hand_on(events.event("execute_result", cell_id=cell_id, execution_count=None,
                                       status=events.KILLED, duration_ms=None, message=why))
        self._hand_on(events.event("kernel_status", state=events.KERNEL_DEAD, message=why))
        self.dead.set()

    def _hand_on(self, event):
        try:
            self.on_event(event)
        except Exception:  # the receiver's bug must not stop this kernel's events
            log.exception("kernel %s: an event handler failed", self.kernel_id)
