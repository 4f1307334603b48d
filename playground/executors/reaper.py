"""The reaper: no run stays "running" or "queued" forever because a process died.

Every web process and every worker runs one (a daemon thread ticking every lease/3 s); the
row locks of run_claims make them agree, so it does not matter how many there are.

- A running run whose lease (renewed by its worker every lease/4 s) has been gone for half a
  lease across two looks is "failed: worker lost". Two looks, so a Redis restart (leases
  gone until the workers renew them a moment later) ends no healthy run.
- A queued run whose task message is gone (fleet's "enqueued" marker missing: Redis came
  back empty, or the web process died between storing and sending it) is sent again.
- A queued CUDA run while no GPU worker has been alive for three leases is failed with a
  message saying so, instead of waiting for a GPU host that is not coming.
"""
import logging
import threading
import time
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone

from playground import events
from playground.runs.models import Run

from . import fleet, run_claims

log = logging.getLogger("playground.executors")

WORKER_LOST = "worker lost: the worker executing this run stopped (killed, or its host went down)"
NO_GPU_WORKER = ("no GPU worker took this run: none has been running for {:g} s "
                 "(start one with: celery -A playground worker -Q gpu)")


class Reaper:
    def __init__(self):
        self._lease_missing_since = {}   # run_id -> monotonic time its lease was first missed
        self._lease_missing_looks = {}
        self._gpu_missing_since = None

    def tick(self):
        """One look at every active run: {"lost": [...], "resent": [...], "no_gpu": [...]}."""
        lease = fleet.lease_seconds()
        done = {"lost": self._reap_lost(lease), "resent": self._resend_lost_messages(lease),
                "no_gpu": self._fail_gpu_runs_without_worker(lease)}
        for kind, run_ids in done.items():
            for run_id in run_ids:
                log.warning("reaper: run %s %s", run_id, kind.replace("_", " "))
        return done

    def _reap_lost(self, lease):
        now = time.monotonic()
        running = [str(r) for r in Run.objects.filter(status=events.RUNNING)
                   .values_list("id", flat=True)]
        held = fleet.leased(running)
        lost = []
        for run_id in list(self._lease_missing_since):
            if run_id not in running or run_id in held:
                self._lease_missing_since.pop(run_id)
                self._lease_missing_looks.pop(run_id, None)
        for run_id in running:
            if run_id in held:
                continue
            since = self._lease_missing_since.setdefault(run_id, now)
            looks = self._lease_missing_looks[run_id] = self._lease_missing_looks.get(run_id, 0) + 1
            if looks >= 2 and now - since >= lease / 2:
                if run_claims.finish(run_id, events.FAILED, WORKER_LOST,
                                     expected=(events.RUNNING,)):
                    lost.append(run_id)
                self._lease_missing_since.pop(run_id, None)
                self._lease_missing_looks.pop(run_id, None)
        return lost

    def _resend_lost_messages(self, lease):
        from .celery_executor import send_run

        cutoff = timezone.now() - timedelta(seconds=lease)
        queued = dict((str(r), d) for r, d in Run.objects.filter(
            status=events.QUEUED, queued_at__lt=cutoff).values_list("id", "device"))
        if not queued:
            return []
        present = fleet.enqueued(list(queued))
        resent = []
        for run_id, device in queued.items():
            if run_id not in present and fleet.mark_enqueued(run_id, only_if_missing=True):
                send_run(run_id, device)
                resent.append(run_id)
        return resent

    def _fail_gpu_runs_without_worker(self, lease):
        if fleet.workers_on("gpu"):
            self._gpu_missing_since = None
            return []
        now = time.monotonic()
        if self._gpu_missing_since is None:
            self._gpu_missing_since = now
        grace = 3 * lease
        if now - self._gpu_missing_since < grace:
            return []
        failed = []
        cutoff = timezone.now() - timedelta(seconds=grace)
        for run_id in Run.objects.filter(status=events.QUEUED, device="cuda",
                                         queued_at__lt=cutoff).values_list("id", flat=True):
            if run_claims.finish(str(run_id), events.FAILED, NO_GPU_WORKER.format(grace),
                                 expected=(events.QUEUED,)):
                failed.append(str(run_id))
        return failed


class ReaperThread(threading.Thread):
    """Runs ``Reaper.tick`` every lease/3 seconds until ``stop()``; survives any error."""

    def __init__(self):
        super().__init__(daemon=True, name="run-reaper")
        self.reaper = Reaper()
        self._halt = threading.Event()

    def run(self):
        while not self._halt.wait(fleet.lease_seconds() / 3):
            try:
                self.reaper.tick()
            except Exception as exc:  # Redis or the database away: look again next time
                log.warning("reaper: skipped a look: %s: %s", type(exc).__name__, exc)
            finally:
                close_old_connections()

    def stop(self):
        self._halt.set()
