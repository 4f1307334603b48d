"""The run store: the executors' port to the stored runs (executors/base.py's RunStore).

A run's row changes hands atomically, so a run is executed at most once and ends once.
With many web processes and workers, several may act on one run at the same moment: a
worker taking it while a web process cancels it, a message delivered twice (late acks), two
reapers finding the same lost run. Each change here locks the row, checks the status it
expects and moves it on in one transaction; whoever finds another status does nothing.

Events written here bypass the event sink but follow its rules: the next sequence number,
stored first, then published to the run's group (see sink.py).
"""
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from playground import events
from playground.executors.base import RunState

from .models import Run
from .publish import group_name, publish

log = logging.getLogger(__name__)

ACTIVE = (events.QUEUED, events.RUNNING)


class RunStore:
    def state(self, run_id):
        """The run's RunState(status, device); None when there is no such run."""
        row = Run.objects.filter(pk=run_id).values_list("status", "device").first()
        return RunState(*row) if row else None

    def claim(self, run_id):
        """Move a queued run to running for the caller; None when it is not queued any more
        (already executed or executing elsewhere, cancelled, reaped) or does not exist."""
        with transaction.atomic():
            run = Run.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.status != events.QUEUED:
                return None
            run.status = events.RUNNING
            run.started_at = timezone.now()
            run.save(update_fields=["status", "started_at"])
        return run

    def announce(self, run_id, event, expected=ACTIVE):
        """Store and publish one service event of a run that is in one of the ``expected``
        statuses; returns the event (with its seq), or None when the run was elsewhere.

        "status" and "finished" events change the row as the sink would."""
        with transaction.atomic():
            run = Run.objects.select_for_update().filter(pk=run_id).first()
            if run is None or run.status not in expected:
                return None
            run.last_seq += 1
            fields = ["last_seq"]
            if event["type"] == "status":
                run.status = event["status"]
                fields.append("status")
            elif event["type"] == "finished":
                now = timezone.now()
                run.status, run.message, run.finished_at = event["status"], event["message"], now
                if event.get("duration_ms") is None:  # it never started: it took no time
                    ran = (now - run.started_at).total_seconds() if run.started_at else 0
                    event = {**event, "duration_ms": round(ran * 1000)}
                run.duration_ms = event.get("duration_ms")
                fields += ["status", "message", "finished_at", "duration_ms"]
            run.save(update_fields=fields)
        stored = {**event, "run_id": str(run_id), "seq": run.last_seq}
        try:
            publish(group_name(run_id), {"type": "run.events", "run_id": str(run_id),
                                         "events": [stored]})
        except Exception:  # stored already: pages that reconnect will see it
            log.exception("could not publish the %s event of run %s", event["type"], run_id)
        return stored

    def finish(self, run_id, status, message, expected=ACTIVE):
        """End a run that is in one of the ``expected`` statuses; the "finished" event or None."""
        return self.announce(run_id, events.event("finished", status=status, message=message,
                                                  duration_ms=None), expected)

    def announce_positions(self, device, limit=50):
        """A run left the queue of ``device`` (taken by a worker, cancelled): tell the first
        ``limit`` runs still waiting there where they stand now. Returns the events sent."""
        waiting = Run.objects.filter(status=events.QUEUED, device=device).order_by("queued_at")
        sent = []
        for position, run_id in enumerate(waiting.values_list("id", flat=True)[:limit], 1):
            ev = self.announce(run_id, events.event("status", status=events.QUEUED,
                                                    queue_position=position),
                               expected=(events.QUEUED,))
            if ev is not None:
                sent.append(ev)
        return sent

    def queue_position(self, run_id):
        """1 + the queued runs of the same device stored before this one; None unless queued."""
        run = Run.objects.filter(pk=run_id).values("status", "device", "queued_at").first()
        if run is None or run["status"] != events.QUEUED:
            return None
        return 1 + Run.objects.filter(status=events.QUEUED, device=run["device"],
                                      queued_at__lt=run["queued_at"]).count()

    def running(self):
        return list(Run.objects.filter(status=events.RUNNING).values_list("id", flat=True))

    def queued(self, older_than_s, device=None):
        """[(run_id, device)] of the runs queued more than ``older_than_s`` seconds ago."""
        waiting = Run.objects.filter(status=events.QUEUED, queued_at__lt=timezone.now()
                                     - timedelta(seconds=older_than_s))
        if device is not None:
            waiting = waiting.filter(device=device)
        return list(waiting.values_list("id", "device"))


run_store = RunStore()
