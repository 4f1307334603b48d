"""The local executor: a pool of warm sandbox slots on this host, a fair queue, quotas.

One service thread per slot takes the next eligible run (oldest first, skipping clients
already at their running limit), runs its spec through ``SandboxSlot.run`` and hands its
events to the run's ordered outbox, which delivers them to the sink. Nothing here runs on
the caller's thread except the bookkeeping in ``submit``/``cancel``/``queue_position``,
which never waits on a run. Its numbers (slots, queue and per-client limits, isolation)
come from the run policy unless given here.
"""
import collections
import logging
import threading

from playground import events, policy
from playground.executors.base import Capabilities, Executor
from playground.executors.kernels import KernelPool
from playground.sandbox import devices
from playground.sandbox.slot import SandboxSlot

log = logging.getLogger("playground.executors")

NO_WORKERS = 'this server has no {} workers: run it with device "cpu"'


class LocalExecutor(Executor):
    def __init__(self, sink, store=None, *, kernel_sink=None, pool_size=None, max_queue=None,
                 client_max_running=None, client_max_queued=None, isolation=None):
        p = policy.current()
        self.pool_size = int(pool_size or p.slots)
        super().__init__(sink, store, kernel_sink=kernel_sink,
                         delivery_threads=self.pool_size + 2)
        self.max_queue = max_queue or p.queue_max
        self.client_max_running = client_max_running or p.running_per_client
        self.client_max_queued = client_max_queued or p.queued_per_client
        self.isolation = isolation or p.sandbox_isolation
        self.uid_base = p.sandbox_uid_base
        self._kernels = KernelPool(kernel_sink, slots=p.kernel_slots,
                                   per_client=p.kernels_per_client, limits=p.kernel_limits,
                                   isolation=self.isolation, uid_base=self.uid_base,
                                   first_slot=self.pool_size)
        self._cond = threading.Condition()
        self._queue = []                      # waiting RunHandles, oldest first
        self._running = {}                    # run_id -> (handle, slot)
        self._running_per_client = collections.Counter()
        self._slots = [None] * self.pool_size
        self._stopping = False
        self._threads = [threading.Thread(target=self._serve, args=(slot,), daemon=True,
                                          name=f"sandbox-slot-{slot}")
                         for slot in range(self.pool_size)]
        for thread in self._threads:
            thread.start()

    # -- the interface ------------------------------------------------------------------------
    def submit(self, spec):
        handle = self._new_handle(spec)
        reason = self._refusal(spec)
        with self._cond:
            if reason is None:
                reason = self._quota_refusal(handle)
            if reason is not None:
                handle.finish(events.REJECTED, reason, duration_ms=0)
                return handle
            if handle.run_id in self._running or self._find_queued(handle.run_id):
                raise ValueError(f"run {handle.run_id} is already submitted")
            self._queue.append(handle)
            position = len(self._queue)
            if (position > self._free_slots()
                    or self._running_per_client[spec.client] >= self.client_max_running):
                self._announce(handle, position)
            self._cond.notify_all()
        return handle

    def cancel(self, run_id):
        run_id = str(run_id)
        with self._cond:
            handle = self._find_queued(run_id)
            if handle is not None:
                self._queue.remove(handle)
                handle.finish(events.CANCELLED, "the run was cancelled before it started",
                              duration_ms=0)
                self._announce_positions()
                return True
            entry = self._running.get(run_id)
        if entry is None:
            return False
        handle, slot = entry
        handle.cancel_requested = True
        sandbox = self._slots[slot]
        if sandbox is not None:
            sandbox.cancel(run_id)
        return True

    def queue_position(self, run_id):
        with self._cond:
            for index, handle in enumerate(self._queue):
                if handle.run_id == str(run_id):
                    return index + 1
        return None

    def unavailable_reason(self, device):
        return devices.unavailable_reason(device)

    def capabilities(self):
        reasons = self._device_reasons()
        served = tuple(name for name, why_not in reasons.items() if why_not is None)
        return Capabilities(devices=reasons, queues=({
            "name": "local", "devices": served, "workers": 1, "slots": self.pool_size,
            "busy": None, "waiting_in_broker": None},), kernels=self._kernels.capacity(),
            run_control=self.run_control_refusal())

    def run_control_refusal(self):
        return None

    def control_run(self, run_id, message):
        run_id = str(run_id)
        with self._cond:
            handle = self._find_queued(run_id)
            if handle is not None:  # sent to its sandbox when it starts (_run_one)
                handle.controls = getattr(handle, "controls", []) + [message]
                return True
            entry = self._running.get(run_id)
        if entry is None:
            return False
        sandbox = self._slots[entry[1]]
        return sandbox is not None and sandbox.control(run_id, message)

    def run_state(self, run_id):
        with self._cond:
            entry = self._running.get(str(run_id))
        return getattr(entry[0], "run_state", None) if entry else None

    def drain(self, grace_s, message, finish_timeout_s=10.0):
        """Stop taking runs; let the running ones finish within ``grace_s``, then stop them:
        they end ``failed`` with ``message``. Waiting runs leave this process's queue
        without an event (the web process's next start queues their stored rows again)."""
        with self._cond:
            self._stopping = True
            self._queue = []
            self._cond.notify_all()
            started = [handle for handle, _ in self._running.values()]
            self._cond.wait_for(lambda: not self._running, timeout=grace_s)
            late = [handle for handle, _ in self._running.values()]
        for handle in late:
            handle.shutdown_message = message
            self.cancel(handle.run_id)
        for handle in started:  # every "finished" handed to the sink before the process ends
            handle.wait(finish_timeout_s)

    def shutdown(self):
        with self._cond:
            self._stopping = True
            waiting, self._queue = self._queue, []
            running = list(self._running)
            self._cond.notify_all()
        for handle in waiting:
            handle.finish(events.CANCELLED, "the server is shutting down", duration_ms=0)
        for run_id in running:
            self.cancel(run_id)
        self._kernels.shutdown()
        for thread in self._threads:
            thread.join(timeout=10)
        for sandbox in self._slots:
            if sandbox is not None:
                sandbox.stop()
        super().shutdown()

    # -- internals ----------------------------------------------------------------------------
    def _free_slots(self):
        return self.pool_size - len(self._running)

    def _find_queued(self, run_id):
        return next((h for h in self._queue if h.run_id == run_id), None)

    def _device_refusal(self, device):
        if self.unavailable_reason(device) is None:
            return None
        return NO_WORKERS.format(policy.current().device(device).label)

    def _quota_refusal(self, handle):
        if self._stopping:
            return "the server is shutting down"
        client = handle.spec.client
        queued = sum(1 for h in self._queue if h.spec.client == client)
        running = self._running_per_client[client]
        if running + queued >= self.client_max_running + self.client_max_queued:
            return (f"too many runs at once: you already have {running} running and {queued} "
                    f"waiting (the limit is {self.client_max_running} running and "
                    f"{self.client_max_queued} waiting)")
        if len(self._queue) >= self.max_queue:
            return f"the server is busy: {len(self._queue)} runs are already waiting"
        return None

    def _next_eligible(self):
        for handle in self._queue:
            if self._running_per_client[handle.spec.client] < self.client_max_running:
                return handle
        return None

    def _announce_positions(self):
        for index, handle in enumerate(self._queue):
            if getattr(handle, "announced_position", None) != index + 1:
                self._announce(handle, index + 1)

    @staticmethod
    def _announce(handle, position):
        handle.announced_position = position
        handle.emit(events.event("status", status=events.QUEUED, queue_position=position))

    def _take(self, slot):
        with self._cond:
            while True:
                if self._stopping:
                    return None
                handle = self._next_eligible()
                if handle is not None:
                    break
                self._cond.wait()
            self._queue.remove(handle)
            self._running[handle.run_id] = (handle, slot)
            self._running_per_client[handle.spec.client] += 1
            if self._queue:
                self._announce_positions()
            return handle

    def _release(self, handle):
        with self._cond:
            self._running.pop(handle.run_id, None)
            client = handle.spec.client
            self._running_per_client[client] -= 1
            if self._running_per_client[client] <= 0:
                del self._running_per_client[client]
            self._cond.notify_all()

    def _serve(self, slot):
        self._start_slot(slot)  # warm before the first run arrives
        while True:
            handle = self._take(slot)
            if handle is None:
                return
            try:
                self._run_one(slot, handle)
            except Exception:  # never lose the thread (and its slot)
                log.exception("sandbox slot %d failed on run %s", slot, handle.run_id)
                handle.finish(events.KILLED, "the sandbox service failed; try again")
            finally:
                self._release(handle)

    def _start_slot(self, slot):
        try:
            self._slots[slot] = sandbox = SandboxSlot(slot, self.isolation,
                                                      uid_base=self.uid_base)
            sandbox.wait_ready()
        except Exception as exc:
            log.exception("sandbox slot %d could not start its zygote", slot)
            return exc
        return None

    def _run_one(self, slot, handle):
        if self._slots[slot] is None:
            problem = self._start_slot(slot)
            if problem is not None:
                handle.finish(events.KILLED, f"the sandbox could not start: {problem}")
                return
        sandbox = self._slots[slot]
        if getattr(handle, "cancel_requested", False):
            sandbox.cancel(handle.run_id)  # asked between _take and here: run() honours it
        for message in getattr(handle, "controls", ()):  # asked while it waited
            sandbox.control(handle.run_id, message)
        for event in sandbox.run(handle.spec):
            if event["type"] == "finished" and event["status"] == events.CANCELLED and (
                    getattr(handle, "shutdown_message", None)):  # stopped by drain()
                event = {**event, "status": events.FAILED, "message": handle.shutdown_message}
            if event["type"] == "run_state":
                handle.run_state = event  # for a page that starts watching it later
            handle.emit(event)
