"""The Celery executor (PLAYGROUND_EXECUTOR=celery): runs become tasks on worker hosts.

The web process only sends the task (queue "cpu", or "gpu" for device "cuda") and answers
questions about it; the worker that takes it stores and publishes every event itself
(celery_tasks.py), so any web process can serve any run: its consumers hear the run's
channel-layer group through Redis and replay the rest from the database.

Unlike the local executor, ``submit`` runs stored runs only (the task reads the code from
the Run row), and ``on_event`` hears only what the web process itself decides (a refusal);
everything else reaches pages through the channel layer.
"""
import logging

from playground import events
from playground.runs.models import Run

from . import fleet, run_claims
from .base import Executor
from .reaper import ReaperThread

log = logging.getLogger("playground.executors")

TASK = "playground.execute_run"


def send_run(run_id, device, limits=None):
    """Put the task of ``run_id`` on its device's queue."""
    from playground.celery import app

    app.send_task(TASK, args=[str(run_id)], kwargs={"limits": limits} if limits else {},
                  queue=fleet.queue_for(device))


class CeleryExecutor(Executor):
    def __init__(self):
        super().__init__(delivery_threads=2)
        fleet.redis_url()  # no REDIS_URL: say so now, not on the first run
        self._reaper = ReaperThread()
        self._reaper.start()

    def submit(self, code, on_event, *, run_id=None, device="cpu", kind="snippet",
               client="anon", limits=None):
        handle = self._new_handle(code, on_event, run_id, device, kind, client, limits)
        if not Run.objects.filter(pk=handle.run_id).exists():
            raise ValueError(f"run {handle.run_id} is not stored: the Celery executor runs "
                             f"stored runs (create the Run row first)")
        reason = self._refusal(handle, code)
        if reason is None and device == "cuda":
            reason = fleet.gpu_unavailable_reason()
        if reason is not None:
            handle.finish(events.REJECTED, reason, duration_ms=0)
            return handle
        # Stored before it is sent: the worker numbers its events after this one.
        run_claims.announce(handle.run_id, events.event(
            "status", status=events.QUEUED, queue_position=self.queue_position(handle.run_id)),
            expected=(events.QUEUED,))
        fleet.mark_enqueued(handle.run_id)
        send_run(handle.run_id, device, limits)
        return handle

    def cancel(self, run_id):
        run_id = str(run_id)
        ended = run_claims.finish(run_id, events.CANCELLED,
                                  "the run was cancelled before it started",
                                  expected=(events.QUEUED,))
        if ended:  # a worker that gets its message later finds it taken
            device = Run.objects.filter(pk=run_id).values_list("device", flat=True).first()
            run_claims.announce_positions(device)
            return True
        status = Run.objects.filter(pk=run_id).values_list("status", flat=True).first()
        if status != events.RUNNING:
            return False
        fleet.request_cancel(run_id)  # its worker, wherever it is, polls for this
        return True

    def queue_position(self, run_id):
        """1 + the queued runs of the same queue stored before this one; None unless queued."""
        run = Run.objects.filter(pk=run_id).values("status", "device", "queued_at").first()
        if run is None or run["status"] != events.QUEUED:
            return None
        same_queue = ("cuda",) if run["device"] == "cuda" else ("cpu",)
        return 1 + Run.objects.filter(status=events.QUEUED, device__in=same_queue,
                                      queued_at__lt=run["queued_at"]).count()

    def shutdown(self):
        self._reaper.stop()
        super().shutdown()
