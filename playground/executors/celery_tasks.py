"""The worker side of the Celery executor: the task that executes one run, and what a worker
process keeps beside its tasks (warm sandbox workers, leases, heartbeat, cancel polling).

A task takes the run row (run_claims.claim: a second delivery of the same message finds it
taken and does nothing), runs the code through ``SandboxWorker.run`` exactly as the local
executor does (same limits from settings, same statuses, same events) and hands every event
to the site's own event sink, which stores batches in the shared database and publishes them
to the run's channel-layer group (Redis), where any web process's consumers pick them up.
"""
import logging
import queue
import threading

from django.db import close_old_connections

from playground import events
from playground.celery import app
from playground.runs.sink import event_sink
from playground.sandbox.limits import resolve_limits
from playground.sandbox.service import SandboxWorker

from . import fleet, run_claims
from .reaper import ReaperThread

log = logging.getLogger("playground.executors")

CANCEL_POLL_S = 0.25


class WorkerRuntime:
    """Per worker process: sandbox workers by slot, the runs executing now, and a control
    thread renewing leases and the heartbeat and passing on cancels."""

    def __init__(self):
        self.hostname = None
        self.queues = ["cpu"]
        self.concurrency = 1
        self._lock = threading.Lock()
        self._idle = queue.LifoQueue()       # warm SandboxWorkers, last used first
        self._slots = 0                      # slots handed out so far
        self._free_slots = []                # slots of discarded sandbox workers
        self._active = {}                    # run_id -> SandboxWorker executing it
        self._cancelling = set()
        self._halt = threading.Event()
        self._threads = []

    # -- lifecycle (celery signals, playground/celery.py) -------------------------------------
    def start(self, hostname, queues, concurrency):
        self.hostname, self.queues, self.concurrency = hostname, list(queues), int(concurrency)
        self._halt.clear()
        control = threading.Thread(target=self._control_loop, daemon=True, name="run-control")
        reaper = ReaperThread()
        warm = threading.Thread(target=self._warm_up, daemon=True, name="sandbox-warm-up")
        self._threads = [control, reaper, warm]
        for thread in self._threads:
            thread.start()
        log.info("worker %s serving queues %s with %d sandbox slots", hostname,
                 ",".join(self.queues), self.concurrency)

    def stop(self):
        self._halt.set()
        for thread in self._threads:
            if isinstance(thread, ReaperThread):
                thread.stop()
        try:
            fleet.forget_worker(self.hostname)
        except Exception:
            pass
        while not self._idle.empty():
            self._idle.get_nowait().stop()

    def _warm_up(self):
        for _ in range(self.concurrency):
            try:
                worker = self._new_sandbox()
                worker.wait_ready()
                self._idle.put(worker)
            except Exception:
                log.exception("a sandbox worker did not start")

    def _take_sandbox(self):
        """A warm sandbox worker whose process is alive (a dead one is replaced)."""
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            if worker.process is not None and worker.process.poll() is None:
                return worker
            self._discard(worker)
        return self._new_sandbox()

    def _discard(self, worker):
        try:
            worker.stop()
        except Exception:  # e.g. a broken pipe to a worker that died: it is gone anyway
            pass
        with self._lock:
            self._free_slots.append(worker.slot)

    def _new_sandbox(self):
        with self._lock:
            if self._free_slots:
                slot = self._free_slots.pop()
            else:
                slot, self._slots = self._slots, self._slots + 1
        return SandboxWorker(slot)  # its own uid: PLAYGROUND_SANDBOX_UID_BASE + slot

    # -- one run ------------------------------------------------------------------------------
    def execute(self, run_id, limit_overrides=None):
        run = run_claims.claim(run_id)
        if run is None:
            log.info("run %s is not queued any more (done, running elsewhere or cancelled): "
                     "not executed again", run_id)
            return "skipped"
        try:
            fleet.take_lease(run_id, self.hostname or "worker")
        except Exception:  # Redis away: the control loop renews it when Redis is back
            log.warning("could not take the lease of run %s", run_id)
        try:
            limits = resolve_limits(run.kind, limit_overrides)
        except ValueError as exc:
            self._emit(run_id, events.event("finished", status=events.REJECTED, duration_ms=0,
                                            message=f"bad limits: {exc}"))
            return "rejected"
        worker = self._take_sandbox()
        with self._lock:
            self._active[run_id] = worker
        try:
            for event in worker.run(run.code, limits, run_id):
                self._emit(run_id, event)
        except Exception as exc:  # never leave the run without its "finished"
            log.exception("sandbox failed on run %s", run_id)
            self._emit(run_id, events.event("finished", status=events.KILLED, duration_ms=None,
                                            message=f"the sandbox service failed ({exc}); try again"))
            self._discard(worker)
            worker = None
        finally:
            with self._lock:
                self._active.pop(run_id, None)
                self._cancelling.discard(run_id)
            if worker is not None:
                self._idle.put(worker)
            try:
                fleet.drop_lease(run_id)
            except Exception:
                pass
            close_old_connections()
        return "done"

    @staticmethod
    def _emit(run_id, event):
        event_sink({**event, "run_id": run_id})

    # -- control thread -----------------------------------------------------------------------
    def _control_loop(self):
        ticks_per_beat = max(1, round(fleet.lease_seconds() / 4 / CANCEL_POLL_S))
        tick = 0
        while not self._halt.wait(CANCEL_POLL_S if tick else 0):
            with self._lock:
                active = dict(self._active)
            try:
                if tick % ticks_per_beat == 0:
                    fleet.beat(self.hostname, self.queues, self.concurrency, len(active))
                    fleet.renew_leases(list(active), self.hostname)
                for run_id in fleet.cancel_requested(list(active)) - self._cancelling:
                    self._cancelling.add(run_id)
                    active[run_id].cancel(run_id)
            except Exception as exc:  # Redis away: runs go on, output is still stored
                log.warning("worker control: %s: %s", type(exc).__name__, exc)
            tick += 1


runtime = WorkerRuntime()


@app.task(name="playground.execute_run")
def execute_run(run_id, limits=None):
    """Execute the stored run ``run_id`` (sent by CeleryExecutor.submit or the reaper)."""
    return runtime.execute(str(run_id), limits)
