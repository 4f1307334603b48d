"""The Celery executor (PLAYGROUND_EXECUTOR=celery): runs become tasks on worker hosts.

The web process stores the run's place in the queue (run store), sends the task (its
spec, as a dict) to the queue of the run's device and answers questions about it; the
worker that takes it executes it and hands every event to the sink there
(celery_tasks.py), so any web process can serve any run: its consumers hear the run's
channel-layer group through Redis and replay the rest from the database. The web process's
own sink hears only what this process decides: a refusal. Notebook kernels live on worker
hosts too, each on one, its cells routed there (celery_kernels.py).
"""
import logging

from playground import events, policy
from playground.celery import app

from . import fleet
from .base import Capabilities, Executor, Unavailable
from .celery_kernels import KernelRouter
from .reaper import ReaperThread

log = logging.getLogger("playground.executors")

TASK = "playground.execute_run"


def send_run(run_id, device, spec=None):
    """Put the task of ``run_id`` on its device's queue (with its spec, when the caller has
    it; without, the worker builds it from the stored run)."""
    app.send_task(TASK, args=[str(run_id)], kwargs={"spec": spec.to_dict()} if spec else {},
                  queue=fleet.queue_for(device))


class CeleryExecutor(Executor):
    def __init__(self, sink, store, *, kernel_sink=None):
        if store is None:
            raise TypeError("the Celery executor needs a RunStore: its runs are stored rows")
        super().__init__(sink, store, kernel_sink=kernel_sink, delivery_threads=2)
        fleet.redis_url()  # no REDIS_URL: say so now, not on the first run
        self._reaper = ReaperThread(store, send_run)
        self._reaper.start()
        self._kernels = KernelRouter(kernel_sink)

    def run_control_refusal(self):
        # The run's worker host would need the page's messages (a Redis channel per run).
        return ("pausing and pacing runs is built only where the site runs code itself (the "
                "embedded deployment); this one runs code on worker hosts")

    def submit(self, spec):
        handle = self._new_handle(spec)
        if self.store.state(spec.run_id) is None:
            raise ValueError(f"run {spec.run_id} is not stored: the Celery executor runs "
                             f"stored runs (create the Run row first)")
        reason = self._refusal(spec)
        if reason is not None:
            handle.finish(events.REJECTED, reason, duration_ms=0)
            return handle
        # Stored before it is sent: the worker numbers its events after this one.
        self.store.announce(spec.run_id, events.event(
            "status", status=events.QUEUED, queue_position=self.queue_position(spec.run_id)),
            expected=(events.QUEUED,))
        try:
            fleet.mark_enqueued(spec.run_id)
            send_run(spec.run_id, spec.device, spec)
        except Exception as exc:  # Redis (broker and coordination) away
            log.warning("run %s could not be queued: %s: %s", spec.run_id,
                        type(exc).__name__, exc)
            raise Unavailable("the run queue cannot be reached right now; "
                              "try again in a minute") from exc
        return handle

    def cancel(self, run_id):
        run_id = str(run_id)
        ended = self.store.finish(run_id, events.CANCELLED,
                                  "the run was cancelled before it started",
                                  expected=(events.QUEUED,))
        if ended:  # a worker that gets its message later finds it taken
            self.store.announce_positions(self.store.state(run_id).device)
            return True
        state = self.store.state(run_id)
        if state is None or state.status != events.RUNNING:
            return False
        fleet.request_cancel(run_id)  # its worker, wherever it is, polls for this
        return True

    def queue_position(self, run_id):
        """1 + the queued runs of the same device stored before this one; None unless queued."""
        return self.store.queue_position(run_id)

    def unavailable_reason(self, device):
        if device == policy.DEFAULT_DEVICE:
            return None  # its runs wait for a worker: there is always meant to be one
        return fleet.unavailable_reason(device)

    def capabilities(self):
        problems = []
        try:
            workers = sorted(fleet.live_workers().values(), key=lambda w: w["hostname"])
        except Exception as exc:
            problems.append(f"Redis did not answer: {type(exc).__name__}: {exc}")
            workers, unreachable = [], fleet.unreachable(exc)
        else:
            unreachable = None
        p = policy.current()
        devices = {d: None if d == policy.DEFAULT_DEVICE else
                   unreachable or fleet.no_worker_reason(d, workers) for d in p.device_names}
        if unreachable is None and fleet.no_worker_reason(policy.DEFAULT_DEVICE, workers):
            # Its runs are taken and wait; after three leases without a worker they fail.
            problems.append(f"{fleet.no_worker_reason(policy.DEFAULT_DEVICE, workers)}: "
                            f"{fleet.start_worker_hint(policy.DEFAULT_DEVICE)}")
        queues = []
        for device in p.devices:
            serving = [w for w in workers if device.queue in w["queues"]]
            try:
                waiting = fleet.queue_depth(device.queue)
            except Exception as exc:
                waiting = None
                problems.append(f"the broker did not answer for queue {device.queue}: "
                                f"{type(exc).__name__}")
            queues.append({"name": device.queue, "devices": (device.name,),
                           "waiting_in_broker": waiting, "workers": len(serving),
                           "slots": sum(w["concurrency"] for w in serving),
                           "busy": sum(w["busy"] for w in serving)})
        hosting = [w["kernels"] for w in workers if w.get("kernels")]
        kernels = {"slots": sum(k["slots"] for k in hosting),
                   "live": sum(k["live"] for k in hosting), "per_client": p.kernels_per_client}
        return Capabilities(devices=devices, queues=tuple(queues), workers=tuple(workers),
                            kernels=kernels, problems=tuple(sorted(set(problems))),
                            run_control=self.run_control_refusal())

    def shutdown(self):
        self._reaper.stop()
        self._kernels.stop()
        super().shutdown()
