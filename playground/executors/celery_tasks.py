"""The worker side of the Celery executor: the task that executes one run, and what a worker
process keeps beside its tasks (warm sandbox slots, leases, heartbeat, cancel polling, and
the notebook kernels it hosts: celery_kernels.KernelHost).

A task claims the run through the run store (a second delivery of the same message finds it
taken and does nothing), runs its spec through ``SandboxSlot.run`` exactly as the local
executor does (same limits, same statuses, same events) and hands every event to the event
sink wired in at startup (the runs app's), which stores batches in the shared database and
publishes them to the run's channel-layer group (Redis), where any web process's consumers
pick them up.
"""
import logging
import os
import queue
import threading
import time

from celery import signals
from django.db import DatabaseError, close_old_connections, connections

from playground import events, policy
from playground.celery import app
from playground.sandbox import devices
from playground.sandbox.slot import SandboxSlot
from playground.sandbox.spec import RunSpec

from . import fleet, kernel_port, ports
from .celery_executor import send_run
from .celery_kernels import KernelHost
from .reaper import ReaperThread

log = logging.getLogger("playground.executors")

CANCEL_POLL_S = 0.25
DB_RETRY_S = 5
STUCK_EXIT_CODE = 75  # EX_TEMPFAIL: the supervisor (systemd Restart=always) starts it again


class WorkerRuntime:
    """Per worker process: sandbox slots, the runs executing now, and a control thread
    renewing leases and the heartbeat and passing on cancels."""

    def __init__(self):
        self.hostname = None
        self.queues = ["cpu"]
        self.concurrency = 1
        self.sink = self.store = None        # the ports, taken when the worker starts
        self.kernels = None                  # this host's notebook kernels (a KernelHost)
        self._lock = threading.Lock()
        self._idle = queue.LifoQueue()       # free SandboxSlots, one per task thread
        self._active = {}                    # run_id -> SandboxSlot executing it
        self._cancelling = set()
        self._halt = threading.Event()
        self._threads = []
        self._last_task_at = time.monotonic()
        self._starved_since = None

    # -- lifecycle (the celery signals below) --------------------------------------------------
    def start(self, hostname, queues, concurrency):
        self.hostname, self.queues, self.concurrency = hostname, list(queues), int(concurrency)
        self.sink, self.store = ports()
        self._halt.clear()
        # One sandbox slot per task thread, started now: they warm up (import NumPy and
        # the engine) side by side while the worker waits for its first run.
        for slot in range(self.concurrency):
            self._idle.put(self._new_slot(slot))
        if kernel_port() is not None:  # kernels' sandboxes are numbered after the run slots
            self.kernels = KernelHost(self.hostname, kernel_port(), first_slot=self.concurrency)
        control = threading.Thread(target=self._control_loop, daemon=True, name="run-control")
        reaper = ReaperThread(self.store, send_run)
        self._threads = [control, reaper]
        for thread in self._threads:
            thread.start()
        log.info("worker %s serving queues %s with %d sandbox slots", hostname,
                 ",".join(self.queues), self.concurrency)
        for device in policy.current().devices:  # a GPU queue on a host without a GPU
            reason = device.queue in self.queues and devices.unavailable_reason(device.name)
            if reason:
                log.warning("worker %s consumes queue %s, but this host cannot run %s code: "
                            "%s", hostname, device.queue, device.name, reason)

    def stop(self):
        self._halt.set()
        for thread in self._threads:
            if isinstance(thread, ReaperThread):
                thread.stop()
        try:
            fleet.forget_worker(self.hostname)
        except Exception:
            pass
        if self.kernels is not None:
            self.kernels.stop()
            self.kernels = None
        while not self._idle.empty():
            try:
                self._idle.get_nowait().stop()
            except Exception:
                pass

    @staticmethod
    def _new_slot(slot):
        p = policy.current()  # its own uid: PLAYGROUND_SANDBOX_UID_BASE + slot, or the next free
        return SandboxSlot(slot, p.sandbox_isolation, uid_base=p.sandbox_uid_base)

    def _take_sandbox(self):
        """A sandbox slot whose zygote is alive (one that died between runs is replaced).
        There are as many as task threads, so one is always free for a starting task."""
        sandbox = self._idle.get()
        if sandbox.process is None or sandbox.process.poll() is not None:
            sandbox = self._replace(sandbox)
        return sandbox

    def _replace(self, sandbox):
        try:
            sandbox.stop()
        except Exception:  # e.g. a broken pipe to a zygote that died: it is gone anyway
            pass
        return self._new_slot(sandbox.slot)

    # -- one run ------------------------------------------------------------------------------
    def execute(self, run_id, spec=None):
        """Claim and execute the stored run ``run_id``; ``spec`` (a dict) as it was built
        where the run was created, or None to build it from the stored run."""
        self._last_task_at = time.monotonic()
        run = self.store.claim(run_id)
        if run is None:
            log.info("run %s is not queued any more (done, running elsewhere or cancelled): "
                     "not executed again", run_id)
            return "skipped"
        # The runs behind it moved up: tell them, beside the run rather than before it.
        threading.Thread(target=self._announce_positions, args=(run.device,), daemon=True,
                         name="queue-positions").start()
        try:
            fleet.take_lease(run_id, self.hostname or "worker")
        except Exception:  # Redis away: the control loop renews it when Redis is back
            log.warning("could not take the lease of run %s", run_id)
        try:
            spec = RunSpec.from_dict(spec) if spec else run.spec()
        except (TypeError, ValueError) as exc:
            self._emit(run_id, events.event("finished", status=events.REJECTED, duration_ms=0,
                                            message=f"bad run spec: {exc}"))
            fleet.drop_lease(run_id)
            return "rejected"
        log.info("run %s (%s, device %s) executing on %s", run_id, spec.kind, spec.device,
                 self.hostname)
        sandbox = self._take_sandbox()
        with self._lock:
            self._active[run_id] = sandbox
        try:
            for event in sandbox.run(spec):
                self._emit(run_id, event)
        except Exception as exc:  # never leave the run without its "finished"
            log.exception("sandbox failed on run %s", run_id)
            self._emit(run_id, events.event(
                "finished", status=events.KILLED, duration_ms=None,
                message=f"the sandbox service failed ({exc}); try again"))
            sandbox = self._replace(sandbox)
        finally:
            with self._lock:
                self._active.pop(run_id, None)
                self._cancelling.discard(run_id)
            self._idle.put(sandbox)
            try:
                fleet.drop_lease(run_id)
            except Exception:
                pass
            close_old_connections()
        return "done"

    def _announce_positions(self, device):
        try:
            self.store.announce_positions(device)
        except Exception:
            log.exception("could not announce queue positions")
        finally:
            connections.close_all()  # this thread ends here: close, do not keep, its connection

    def _emit(self, run_id, event):
        self.sink.emit({**event, "run_id": run_id})

    # -- control thread -----------------------------------------------------------------------
    def _control_loop(self):
        ticks_per_beat = max(1, round(fleet.lease_seconds() / 4 / CANCEL_POLL_S))
        tick = 0
        while not self._halt.wait(CANCEL_POLL_S if tick else 0):
            with self._lock:
                active = dict(self._active)
            try:
                if tick % ticks_per_beat == 0:
                    kernels = self.kernels
                    fleet.beat(self.hostname, self.queues, self.concurrency, len(active),
                               kernels.capacity() if kernels else None)
                    fleet.renew_leases(list(active), self.hostname)
                    if kernels is not None:
                        kernels.renew()
                    self._check_consumer(active)
                for run_id in fleet.cancel_requested(list(active)) - self._cancelling:
                    self._cancelling.add(run_id)
                    active[run_id].cancel(run_id)
            except Exception as exc:  # Redis away: runs go on, output is still stored
                log.warning("worker control: %s: %s", type(exc).__name__, exc)
            tick += 1


    def _check_consumer(self, active):
        """Exit (for the supervisor to restart us) when runs have waited in our queues for
        three leases while we sat idle and no task came: Celery's consumer can stay wedged
        after the broker restarted under a running task (it never reconnects). Never exits
        with runs on."""
        lease = fleet.lease_seconds()
        now = time.monotonic()
        if active or not any(fleet.queue_depth(q) for q in self.queues):
            self._starved_since = None
            return
        if self._starved_since is None or self._last_task_at > self._starved_since:
            self._starved_since = now  # runs wait: from now on, one should reach us
        elif now - self._starved_since >= 3 * lease:
            log.error("worker %s: runs wait in %s but none reached this idle worker for %.0f s: "
                      "its broker connection is stuck; exiting to be restarted",
                      self.hostname, ",".join(self.queues), now - self._last_task_at)
            fleet.forget_worker(self.hostname)
            logging.shutdown()
            os._exit(STUCK_EXIT_CODE)  # its zygotes see their pipe close and exit


runtime = WorkerRuntime()


@app.task(name="playground.execute_run", bind=True, max_retries=None)
def execute_run(task, run_id, spec=None):
    """Execute the stored run ``run_id`` (sent by CeleryExecutor.submit or the reaper)."""
    try:
        return runtime.execute(str(run_id), spec)
    except DatabaseError as exc:  # could not even claim it: the database is away; later
        close_old_connections()
        log.warning("run %s: the database is unavailable (%s); trying again in %d s", run_id,
                    exc, DB_RETRY_S)
        raise task.retry(countdown=DB_RETRY_S) from exc


@signals.worker_ready.connect
def _start_worker_runtime(sender=None, **_):
    pool = getattr(sender.controller.pool_cls, "__module__", str(sender.controller.pool_cls))
    if not pool.endswith((".thread", ".solo")):
        # Tasks would run in child processes that hold no sandbox slots, leases or
        # heartbeat: refuse loudly rather than take runs and never execute them.
        log.critical("playground workers need the threads pool (the default) or solo, not %s",
                     pool)
        logging.shutdown()
        os._exit(2)
    runtime.start(hostname=sender.hostname,
                  queues=sorted(sender.app.amqp.queues.consume_from or ["cpu"]),
                  concurrency=sender.controller.concurrency)


@signals.worker_shutdown.connect
def _stop_worker_runtime(**_):
    runtime.stop()
