"""Notebook kernels on this host (the local executor's): each in a sandbox of its own, a
KernelSlot beside the pool's run slots, so kernels never take a run's slot; capped per host
(``kernel_slots``) and per client (``kernels_per_client``). One warm spare sandbox is kept
once kernels are in use, so starting one costs a fork, not a new sandbox.

Every event of a kernel goes to the kernel sink with its "kernel_id", in order, from the
kernel's own slot thread (never the caller's).
"""
import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from playground import events
from playground.executors.base import KernelInfo, KernelRefused
from playground.sandbox.kernel_slot import KernelSlot
from playground.sandbox.spec import RunSpec

log = logging.getLogger("playground.executors")


def too_many_of_yours(mine, per_client, limits):
    """Why a client at its cap of live kernels gets no other (both executors say it)."""
    return (f"you already have {mine} kernels running (the limit is {per_client}); shut one "
            f"down on its notebook's page, or wait: idle kernels end by themselves after "
            f"{limits.idle_s / 60:g} minutes")


class _Kernel:
    def __init__(self, spec, slot):
        self.spec, self.slot = spec, slot
        self.state = events.KERNEL_STARTING
        self.cell = (None, None)        # (cell_id, execution_count) of the running cell
        self.input_request = None       # the running cell's unanswered input_request

    def follow(self, event):
        """Keep what a page attaching later must be told: state, running cell, open input."""
        kind = event["type"]
        if kind == "kernel_status":
            self.state = event["state"]
            if self.state != events.KERNEL_BUSY:
                self.cell, self.input_request = (None, None), None
        elif kind == "execute_input":
            self.cell, self.input_request = (event["cell_id"], event["execution_count"]), None
        elif kind == "execute_result" and event.get("cell_id") == self.cell[0]:
            self.cell, self.input_request = (None, None), None
        elif kind == "input_request":
            self.input_request = {k: event.get(k) for k in ("cell_id", "prompt", "password")}

    def info(self):
        return KernelInfo(self.spec.run_id, self.spec.notebook_session, self.spec.client,
                          self.state, *self.cell, self.input_request)


class KernelPool:
    def __init__(self, sink, *, slots, per_client, limits, isolation, uid_base, first_slot):
        self.sink = sink
        self.slots, self.per_client, self.limits = slots, per_client, limits
        self.isolation, self.uid_base = isolation, uid_base
        self._numbers = itertools.count(first_slot)   # slot numbers: uids apart from the pool's
        self._lock = threading.Lock()
        self._kernels = {}                           # kernel_id -> _Kernel
        self._spare = None
        self._stopping = False
        # bwrap dies with the thread that started it (--die-with-parent is per thread): every
        # kernel sandbox is started by this one long-lived thread, not by a caller's.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="kernel-sandboxes")

    def start(self, spec):
        if not isinstance(spec, RunSpec) or not spec.notebook_session:
            raise TypeError("start_kernel takes a RunSpec naming its notebook_session")
        if self.sink is None:
            raise KernelRefused("this server has no kernel sink configured")
        with self._lock:
            if self._stopping:
                raise KernelRefused("the server is shutting down")
            if spec.run_id in self._kernels:
                raise ValueError(f"kernel {spec.run_id} is already started")
            mine = sum(1 for k in self._kernels.values() if k.spec.client == spec.client)
            if mine >= self.per_client:
                raise KernelRefused(too_many_of_yours(mine, self.per_client, self.limits))
            if len(self._kernels) >= self.slots:
                raise KernelRefused(f"this server already runs as many notebook kernels as it "
                                    f"can ({self.slots}); try again in a few minutes")
            spare, self._spare = self._spare, None
            self._kernels[spec.run_id] = kernel = _Kernel(spec, None)  # its place, held
        try:
            kernel.slot = spare or self._new_slot()
        except Exception as exc:  # e.g. no free uid on this host
            with self._lock:
                self._kernels.pop(spec.run_id, None)
            raise KernelRefused(f"the server could not start a sandbox: {exc}") from exc
        kernel.slot.start_kernel(spec, self.limits, lambda event: self._on_event(kernel, event))
        threading.Thread(target=self._keep_spare, daemon=True, name="kernel-spare").start()

    def control(self, kernel_id, message):
        with self._lock:
            kernel = self._kernels.get(kernel_id)
        if kernel is None or kernel.slot is None or not kernel.slot.control(message):
            return False
        if message.get("op") == "input_reply":
            kernel.input_request = None  # answered: a page attaching now is not asked again
        return True

    def find(self, session, client):
        with self._lock:
            for kernel in self._kernels.values():
                if kernel.spec.notebook_session == session and kernel.spec.client == client:
                    return kernel.info()
        return None

    def info(self, kernel_id):
        """The KernelInfo of a live kernel of this pool, or None."""
        with self._lock:
            kernel = self._kernels.get(kernel_id)
        return kernel.info() if kernel is not None else None

    def live(self):
        with self._lock:
            return list(self._kernels)

    def capacity(self):
        with self._lock:
            return {"slots": self.slots, "live": len(self._kernels),
                    "per_client": self.per_client}

    def shutdown(self):
        with self._lock:
            self._stopping = True
            kernels, self._kernels = list(self._kernels.values()), {}
            spare, self._spare = self._spare, None
        for kernel in kernels:
            if kernel.slot is not None:
                kernel.slot.shutdown_kernel(timeout=2)
                kernel.slot.stop()
        if spare is not None:
            spare.stop()
        self._starter.shutdown(wait=False)

    # -- internals ------------------------------------------------------------------------------
    def _new_slot(self):
        return self._starter.submit(KernelSlot, next(self._numbers), self.isolation,
                                    uid_base=self.uid_base).result()

    def _keep_spare(self):
        """A warm sandbox for the next kernel, while another may still start."""
        with self._lock:
            if self._spare is not None or self._stopping or len(self._kernels) >= self.slots:
                return
            self._spare = spare = self._new_slot()
        try:
            spare.wait_ready()
        except (RuntimeError, OSError, ValueError):  # or the pool stopped it meanwhile
            if not self._stopping:
                log.exception("the spare kernel sandbox did not start")
            with self._lock:
                if self._spare is spare:
                    self._spare = None
            spare.stop()

    def _on_event(self, kernel, event):
        kernel_id = kernel.spec.run_id
        kernel.follow(event)
        if event["type"] == "kernel_status" and event["state"] == events.KERNEL_DEAD:
            with self._lock:
                if self._kernels.get(kernel_id) is kernel:
                    del self._kernels[kernel_id]
            threading.Thread(target=kernel.slot.stop, daemon=True).start()
        try:
            self.sink.emit({**event, "kernel_id": kernel_id})
        except Exception:
            log.exception("the kernel sink failed for kernel %s", kernel_id)
