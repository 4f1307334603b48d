"""The reaper: no run stays "running" or "queued" forever because a process died.

Every web process and every worker runs one (a daemon thread ticking every lease/3 s); the
run store's row locks make them agree, so it does not matter how many there are.

- A running run whose lease (renewed by its worker every lease/4 s) has been gone for half a
  lease across two looks is "failed: worker lost". Two looks, so a Redis restart (leases
  gone until the workers renew them a moment later) ends no healthy run.
- A queued run whose task message is gone (fleet's "enqueued" marker missing: Redis came
  back empty, or the web process died between storing and sending it) is sent again.
- A queued run while no worker has served its device's queue for three leases (no GPU host,
  or every CPU worker down and not coming back) is failed with a message saying so, instead
  of waiting for a host that is not coming; the log says how to start one.
"""
import logging
import threading
import time

from django.db import close_old_connections

from playground import events, policy

from . import fleet

log = logging.getLogger("playground.executors")

WORKER_LOST = "worker lost: the worker executing this run stopped (killed, or its host went down)"
NO_WORKER = ("no {label} worker took this run: none has been running for {grace:g} s; "
             "try again later")


class Reaper:
    """``store``: the RunStore; ``resend(run_id, device)``: put a run's task on its queue
    again (the Celery executor's ``send_run``)."""

    def __init__(self, store, resend):
        self.store = store
        self.resend = resend
        self._lease_missing_since = {}   # run_id -> monotonic time its lease was first missed
        self._lease_missing_looks = {}
        self._worker_missing_since = {}  # device -> monotonic time its queue had no worker

    def tick(self):
        """One look at every active run: {"lost": [...], "resent": [...], "no_worker": [...]}."""
        lease = fleet.lease_seconds()
        done = {"lost": self._reap_lost(lease), "resent": self._resend_lost_messages(lease),
                "no_worker": self._fail_runs_without_worker(lease)}
        for kind, run_ids in done.items():
            for run_id in run_ids:
                log.warning("reaper: run %s %s", run_id, kind.replace("_", " "))
        return done

    def _reap_lost(self, lease):
        now = time.monotonic()
        running = [str(r) for r in self.store.running()]
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
                if self.store.finish(run_id, events.FAILED, WORKER_LOST,
                                     expected=(events.RUNNING,)):
                    lost.append(run_id)
                self._lease_missing_since.pop(run_id, None)
                self._lease_missing_looks.pop(run_id, None)
        return lost

    def _resend_lost_messages(self, lease):
        queued = {str(r): d for r, d in self.store.queued(older_than_s=lease)}
        if not queued:
            return []
        present = fleet.enqueued(list(queued))
        resent = []
        for run_id, device in queued.items():
            if run_id not in present and fleet.mark_enqueued(run_id, only_if_missing=True):
                self.resend(run_id, device)
                resent.append(run_id)
        return resent

    def _fail_runs_without_worker(self, lease):
        now, grace = time.monotonic(), 3 * lease
        workers = list(fleet.live_workers().values())
        failed = []
        for device in policy.current().devices:
            if fleet.no_worker_reason(device.name, workers) is None:
                self._worker_missing_since.pop(device.name, None)
                continue
            since = self._worker_missing_since.setdefault(device.name, now)
            if now - since < grace:
                continue
            message = NO_WORKER.format(label=device.label, grace=grace)
            ended = [str(run_id) for run_id, _ in
                     self.store.queued(older_than_s=grace, device=device.name)
                     if self.store.finish(str(run_id), events.FAILED, message,
                                          expected=(events.QUEUED,))]
            failed += ended
            if ended:
                log.error("reaper: no worker serves queue %s: %s", device.queue,
                          fleet.start_worker_hint(device.name))
        return failed


class ReaperThread(threading.Thread):
    """Runs ``Reaper.tick`` every lease/3 seconds until ``stop()``; survives any error."""

    def __init__(self, store, resend):
        super().__init__(daemon=True, name="run-reaper")
        self.reaper = Reaper(store, resend)
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
