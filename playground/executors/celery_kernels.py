"""Notebook kernels scaled out (PLAYGROUND_EXECUTOR=celery): each lives on one worker host.

Web side, ``KernelRouter`` (the CeleryExecutor's kernel methods): a start picks the live
worker with the most free kernel places (heartbeats say them), stores the kernel's record
and puts "start" in that host's inbox; every control message after it goes to the same
inbox, so each cell runs where the kernel's state is. It watches the kernels its pages use:
a record gone stale (its host stopped renewing it: killed, host down) is a dead kernel; the
first to see it ends the cells left unanswered and says "dead" with why, so nothing waits.

Worker side, ``KernelHost`` (beside a worker's run slots, in celery_tasks.WorkerRuntime):
the same ``KernelPool`` as the embedded executor's (its own sandboxes, never a run slot), a
thread reading the host's inbox, and the records renewed with the heartbeat. Events go to
the kernel sink of the worker process, which publishes them to the kernel's channel-layer
group (Redis): the page hears them through whichever web process it is connected to.
Keys: kernel_fleet.py.
"""
import logging
import threading

from playground import events, policy
from playground.sandbox.spec import RunSpec

from . import fleet, kernel_fleet
from .base import KernelInfo, KernelRefused
from .kernels import KernelPool, too_many_of_yours

log = logging.getLogger("playground.executors")

INBOX_WAIT_S = 1   # below the Redis client's socket timeout
HOST_LOST = ("the kernel died: the worker host running it stopped (killed, or its host went "
             "down), and its variables are gone; Restart starts a fresh kernel")
NO_HOST = "no worker host can take a notebook kernel right now; try again in a minute"
UNREACHABLE = "the kernel hosts cannot be reached right now; try again in a minute"
GONE = "the kernel is not running any more: start it again"


def _status(kernel_id, state, message):
    return events.event("kernel_status", kernel_id=kernel_id, state=state, message=message)


def _info(record):
    return KernelInfo(record["kernel_id"], record["session"], record["client"],
                      record["state"], record.get("cell_id"), record.get("execution_count"),
                      record.get("input_request"))


class KernelRouter:
    """The web process's half: start, control, find and watch kernels on worker hosts."""

    def __init__(self, kernel_sink):
        self.sink = kernel_sink
        self._watched = set()
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._watch_loop, daemon=True,
                                        name="kernel-watch")
        self._thread.start()

    def start(self, spec):
        if not isinstance(spec, RunSpec) or not spec.notebook_session:
            raise TypeError("start_kernel takes a RunSpec naming its notebook_session")
        if self.sink is None:
            raise KernelRefused("this server has no kernel sink configured")
        p = policy.current()
        try:
            mine = len(kernel_fleet.of_client(spec.client))
            if mine >= p.kernels_per_client:
                raise KernelRefused(too_many_of_yours(mine, p.kernels_per_client,
                                                      p.kernel_limits))
            host = self._pick_host()
            kernel_fleet.record(spec.run_id, host, spec.notebook_session, spec.client,
                                events.KERNEL_STARTING)
            kernel_fleet.send(host, spec.run_id, {"op": "start", "spec": spec.to_dict()})
        except KernelRefused:
            raise
        except Exception as exc:  # Redis away
            log.warning("kernel %s could not be started: %s: %s", spec.run_id,
                        type(exc).__name__, exc)
            raise KernelRefused(UNREACHABLE) from exc
        log.info("kernel %s starting on %s", spec.run_id, host)
        self._watch(spec.run_id)

    @staticmethod
    def _pick_host():
        """The live worker with the most free kernel places."""
        free = {w["hostname"]: w["kernels"]["slots"] - w["kernels"]["live"]
                for w in fleet.live_workers().values() if w.get("kernels")}
        host = max(free, key=free.get, default=None)
        if host is None or free[host] <= 0:
            raise KernelRefused(NO_HOST)
        return host

    def control(self, kernel_id, message):
        try:
            record = kernel_fleet.get(kernel_id)
            if record is None:
                return False
            if message.get("op") == "execute":
                kernel_fleet.cell_sent(kernel_id, message["cell_id"])
            kernel_fleet.send(record["host"], kernel_id, message)
        except Exception as exc:  # Redis away: the page is told the kernel cannot be reached
            log.warning("kernel %s: control failed: %s: %s", kernel_id, type(exc).__name__, exc)
            return False
        self._watch(kernel_id)
        return True

    def find(self, session, client):
        try:
            record = kernel_fleet.find(client, session)
        except Exception:
            return None
        if record is None:
            return None
        self._watch(record["kernel_id"])
        return _info(record)

    def stop(self):
        self._halt.set()

    # -- noticing a dead host -----------------------------------------------------------------
    def _watch(self, kernel_id):
        with self._lock:
            self._watched.add(kernel_id)

    def _watch_loop(self):
        while not self._halt.wait(fleet.lease_seconds() / 4):
            with self._lock:
                watched = set(self._watched)
            if not watched:
                continue
            try:
                alive = kernel_fleet.records(watched)
                for kernel_id in watched - set(alive):
                    self._lost(kernel_id)
            except Exception as exc:  # Redis away: look again next time
                log.warning("kernel watch: %s: %s", type(exc).__name__, exc)

    def _lost(self, kernel_id):
        """Its record lapsed: announce its death unless its host (or another web process)
        did; cells sent to it and never ended end now, so no page waits on them."""
        with self._lock:
            self._watched.discard(kernel_id)
        if not kernel_fleet.claim_death(kernel_id):
            return
        log.warning("kernel %s: its host stopped renewing it; it is dead", kernel_id)
        for cell_id in kernel_fleet.cells_left(kernel_id):
            self.sink.emit(events.event(
                "execute_result", kernel_id=kernel_id, cell_id=cell_id, execution_count=None,
                status=events.KILLED, duration_ms=None, message=HOST_LOST))
        self.sink.emit(_status(kernel_id, events.KERNEL_DEAD, HOST_LOST))


class KernelHost:
    """The worker's half: this host's kernels, its inbox, their records."""

    def __init__(self, hostname, kernel_sink, first_slot):
        p = policy.current()
        self.hostname, self.sink = hostname, kernel_sink
        self.pool = KernelPool(self, slots=p.kernel_slots_beside(first_slot),
                               per_client=p.kernels_per_client, limits=p.kernel_limits,
                               isolation=p.sandbox_isolation, uid_base=p.sandbox_uid_base,
                               first_slot=first_slot)
        self._halt = threading.Event()
        try:  # what a dead predecessor of this name left unread is for kernels gone with it
            kernel_fleet.clear_inbox(hostname)
        except Exception as exc:
            log.warning("kernel inbox of %s not cleared: %s", hostname, exc)
        self._thread = threading.Thread(target=self._inbox_loop, daemon=True,
                                        name="kernel-inbox")
        self._thread.start()

    def capacity(self):
        cap = self.pool.capacity()
        return {"slots": cap["slots"], "live": cap["live"]}

    def renew(self):
        """With the heartbeat: this host's kernels are alive. One whose record lapsed anyway
        (this host stalled longer than a lease) was announced dead to its pages: it ends
        here too, rather than live on unseen; else its record is written again."""
        for kernel_id in kernel_fleet.renew(self.pool.live()):
            if kernel_fleet.announced_dead(kernel_id):
                log.warning("kernel %s was declared dead while this host stalled: ending it",
                            kernel_id)
                self.pool.control(kernel_id, {"op": "shutdown"})
            else:
                self._record(kernel_id)

    def stop(self):
        self._halt.set()
        self.pool.shutdown()

    # -- the pool's kernel sink ---------------------------------------------------------------
    def emit(self, event):
        kernel_id, kind = event["kernel_id"], event["type"]
        try:
            if kind == "execute_result":
                kernel_fleet.cell_ended(kernel_id, event["cell_id"])
            if kind == "kernel_status" and event["state"] == events.KERNEL_DEAD:
                self._forget(kernel_id)
                if not kernel_fleet.claim_death(kernel_id):
                    return  # a web process announced it already
            elif kind in ("kernel_status", "execute_input", "execute_result", "input_request"):
                self._record(kernel_id)
        except Exception as exc:  # Redis away: the event still goes (through Redis, later)
            log.warning("kernel %s: could not record a %s event: %s", kernel_id, kind, exc)
        self.sink.emit(event)

    def _record(self, kernel_id):
        info = self.pool.info(kernel_id)
        if info is not None:
            kernel_fleet.record(info.kernel_id, self.hostname, info.session, info.client,
                                info.state, info.cell_id, info.execution_count,
                                info.input_request)

    def _forget(self, kernel_id):
        record = kernel_fleet.get(kernel_id)
        if record is not None:
            kernel_fleet.forget(kernel_id, record["client"], record["session"])

    # -- the inbox ----------------------------------------------------------------------------
    def _inbox_loop(self):
        while not self._halt.is_set():
            try:
                got = kernel_fleet.receive(self.hostname, INBOX_WAIT_S)
            except Exception as exc:  # Redis away: wait and read again
                log.warning("kernel inbox of %s: %s: %s", self.hostname, type(exc).__name__, exc)
                self._halt.wait(INBOX_WAIT_S)
                continue
            if got is not None:
                try:
                    self._handle(got["kernel_id"], got["message"])
                except Exception:
                    log.exception("kernel inbox of %s: a message failed", self.hostname)

    def _handle(self, kernel_id, message):
        if message.get("op") == "start":
            if kernel_fleet.announced_dead(kernel_id):
                return  # it waited here past its lease: its page was told it died
            try:
                self.pool.start(RunSpec.from_dict(message["spec"]))
            except (KernelRefused, TypeError, ValueError) as exc:
                self._refuse(kernel_id, getattr(exc, "reason", f"bad kernel spec: {exc}"))
                return
            self._record(kernel_id)  # ours now, whatever was left of the web's record
            return
        if not self.pool.control(kernel_id, message):
            self._refuse(kernel_id, GONE)  # it ended here meanwhile: the page must hear so
        elif message.get("op") == "input_reply":
            self._record(kernel_id)        # answered: a page attaching now is not asked

    def _refuse(self, kernel_id, reason):
        self.emit(_status(kernel_id, events.KERNEL_DEAD, reason))
