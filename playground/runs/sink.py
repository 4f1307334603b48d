"""The event sink: every event of every run passes through here on its way to the browser.

It numbers each run's events, batches them for a short while, writes the batch to the Run
and Metric rows in one transaction, then publishes it to the channel-layer group
``run.<id>``. Because a batch is stored before it is published and carries sequence
numbers, a page can subscribe, replay what is stored and drop live events it already has.

It is the executors' EventSink port (executors/base.py), wired in at startup (apps.py): the
local executor's threads and the Celery workers on other hosts hand it the same events; it
needs only the database and the channel layer.
"""
import json
import logging
import math
import threading
import time

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from playground import events

from .models import Metric, Run
from .publish import group_name, publish

log = logging.getLogger(__name__)

# Events worth showing at once rather than after the batching delay.
URGENT = frozenset({"status", "error", "finished", "display"})
MAX_BATCH = 200
TRUNCATION_NOTE = "\n[output truncated: the stored copy of this run keeps the first {} bytes]\n"
METRICS_TRUNCATION_NOTE = ("\n[metrics truncated: the stored copy of this run keeps its first "
                           "{} points; later ones were shown live only]\n")


class RunWarnings:
    """The log's warnings about one run's events, at most ``per_run`` of them: a hostile run
    can send 200,000 junk points, and a warning each wrote 17 MB of log. Past the limit one
    line says so, and the run's end says how many were not logged."""

    def __init__(self, per_run=5, runs=1000):
        self.per_run, self.runs = per_run, runs
        self.counts = {}
        self.lock = threading.Lock()

    def warn(self, run_id, message, *args):
        with self.lock:
            count = self.counts[run_id] = self.counts.pop(run_id, 0) + 1   # now the newest
            while len(self.counts) > self.runs:   # forget the runs least recently warned of
                del self.counts[next(iter(self.counts))]
        if count <= self.per_run:
            log.warning(message, *args)
        elif count == self.per_run + 1:
            log.warning("sink: more warnings about run %s are not logged (the limit is %d a "
                        "run)", run_id, self.per_run)

    def forget(self, run_id):
        with self.lock:
            count = self.counts.pop(run_id, 0)
        if count > self.per_run:
            log.warning("sink: %d warnings about run %s were not logged", count - self.per_run,
                        run_id)


run_warnings = RunWarnings()


class _RunBuffer:
    """What the sink holds for one run between flushes."""

    def __init__(self, run):
        self.lock = threading.Lock()
        self.seq = run.last_seq
        self.stored = {"stdout": len(run.stdout.encode()), "stderr": len(run.stderr.encode())}
        self.truncated = run.output_truncated
        self.display_count = len(run.displays)
        self.display_bytes = len(json.dumps(run.displays)) if run.displays else 0
        self.metric_points = Metric.objects.filter(run=run).count()   # stored
        self.points_seen = self.metric_points   # stored or not: the live stream has them all
        self.pending = []
        self.first_pending_at = None
        self.timer = None
        self.done = False


class EventSink:
    def __init__(self):
        self._buffers = {}
        self._lock = threading.Lock()

    # -- entry point: the executors' EventSink port ------------------------------------------
    def __call__(self, event):
        self.emit(event)

    def emit(self, event):
        run_id = str(event.get("run_id", ""))
        if event.get("type") not in events.EVENT_FIELDS or not run_id:
            run_warnings.warn(run_id, "sink dropped a malformed event: %.200r", event)
            return
        buf = self._buffer(run_id)
        if buf is None:
            run_warnings.warn(run_id, "sink dropped a %s event of unknown or finished run %s",
                          event["type"], run_id)
            return
        with buf.lock:
            if buf.done:
                return  # nothing follows "finished"
            fields = _protocol_fields(event)
            last = buf.pending[-1] if buf.pending else None
            if fields["type"] == "metrics" and last is not None and last["type"] == "metrics":
                last["points"] = last["points"] + fields["points"]  # <= one message a flush
            else:
                buf.seq += 1
                buf.pending.append({**fields, "run_id": run_id, "seq": buf.seq})
            if fields["type"] == "metrics":
                self._note_metrics_cap(run_id, buf, len(fields["points"]))
            if buf.first_pending_at is None:
                buf.first_pending_at = time.monotonic()
            final = event["type"] == "finished"
            delay = settings.PLAYGROUND_SINK_FLUSH_SECONDS
            if (final or event["type"] in URGENT or len(buf.pending) >= MAX_BATCH
                    or time.monotonic() - buf.first_pending_at >= delay):
                self._flush_locked(run_id, buf)
            elif buf.timer is None:
                buf.timer = threading.Timer(delay, self._timed_flush, args=(run_id, buf))
                buf.timer.daemon = True
                buf.timer.start()
            if final:
                buf.done = True
                with self._lock:
                    self._buffers.pop(run_id, None)
                run_warnings.forget(run_id)

    def finish_lost_run(self, run_id, status, message):
        """Close a run the executor no longer knows (e.g. the server restarted under it)."""
        self.emit(events.event("finished", run_id=str(run_id), status=status,
                               duration_ms=None, message=message))

    # -- internals -----------------------------------------------------------------------------
    @staticmethod
    def _note_metrics_cap(run_id, buf, count):
        """Once the run's points pass the stored cap, say so in its stream (a stderr line that
        is stored and replayed too): later points are live only."""
        cap = settings.PLAYGROUND_MAX_STORED_METRIC_POINTS
        before, buf.points_seen = buf.points_seen, buf.points_seen + count
        if before <= cap < buf.points_seen:
            buf.seq += 1
            buf.pending.append({"type": "stderr", "text": METRICS_TRUNCATION_NOTE.format(cap),
                                "run_id": run_id, "seq": buf.seq})

    def _buffer(self, run_id):
        with self._lock:
            buf = self._buffers.get(run_id)
            if buf is None:
                run = Run.objects.filter(pk=run_id).first()
                if run is None or run.is_finished:  # nothing follows "finished"
                    return None
                buf = self._buffers[run_id] = _RunBuffer(run)
            return buf

    def _timed_flush(self, run_id, buf):
        try:
            with buf.lock:
                buf.timer = None
                self._flush_locked(run_id, buf)
        finally:
            close_old_connections()  # this timer thread ends here: give back its DB connection

    def _flush_locked(self, run_id, buf):
        if buf.timer is not None:
            buf.timer.cancel()
            buf.timer = None
        batch, buf.pending, buf.first_pending_at = buf.pending, [], None
        if not batch:
            return
        try:
            self._store(run_id, buf, batch)
        except Exception:  # a lost write must not kill the executor's thread
            log.exception("sink could not store %d events of run %s", len(batch), run_id)
            if batch[-1]["type"] == "finished":  # how the run ended is stored whatever else
                batch = self._store_final(run_id, batch)
        try:
            publish(group_name(run_id), {"type": "run.events", "run_id": run_id, "events": batch})
        except Exception:
            log.exception("sink could not publish %d events of run %s", len(batch), run_id)
            if len(batch) > 1 and batch[-1]["type"] == "finished":
                self._publish_final(run_id, batch[-1])

    @staticmethod
    def _store_final(run_id, batch):
        """Store a failed batch's "finished" by itself (its other events are lost)."""
        final = batch[-1]
        try:
            Run.objects.filter(pk=run_id, status__in=(events.QUEUED, events.RUNNING)).update(
                last_seq=final["seq"], **_final_fields(final))
        except Exception:
            log.exception("sink could not store how run %s ended", run_id)
        return batch

    @staticmethod
    def _publish_final(run_id, final):
        try:
            publish(group_name(run_id), {"type": "run.events", "run_id": run_id,
                                         "events": [final]})
        except Exception:
            log.exception("sink could not publish how run %s ended", run_id)

    def _store(self, run_id, buf, batch):
        fields = {"last_seq": batch[-1]["seq"]}
        text = {"stdout": [], "stderr": []}
        new_displays, metrics = [], []
        for ev in batch:
            kind = ev["type"]
            if kind in text:
                text[kind].append(self._capped(buf, kind, ev["text"]))
            elif kind == "status":
                fields["status"] = ev["status"]
                if ev["status"] == events.RUNNING:
                    fields["started_at"] = timezone.now()
            elif kind == "display":
                # Bounded in bytes too: each display may be 512 KiB, and the whole list is
                # rewritten with each batch and read back by every page that opens the run.
                size = len(json.dumps(ev["data"]))
                if (buf.display_count < settings.PLAYGROUND_MAX_STORED_DISPLAYS and
                        buf.display_bytes + size <= settings.PLAYGROUND_MAX_STORED_DISPLAY_BYTES):
                    buf.display_count += 1
                    buf.display_bytes += size
                    new_displays.append({"mime": ev["mime"], "data": ev["data"]})
                else:
                    buf.truncated = True  # the API's output_truncated says so
            elif kind == "metrics":
                # Stored up to the cap (200,000 rows were 30 MB of SQLite); the rest is live only.
                room = settings.PLAYGROUND_MAX_STORED_METRIC_POINTS - buf.metric_points
                kept = ev["points"][:max(room, 0)]
                buf.metric_points += len(kept)
                buf.truncated = buf.truncated or len(kept) < len(ev["points"])
                metrics.extend(_metric_rows(run_id, kept))
            elif kind == "error":
                fields.update(error_type=str(ev["ename"])[:200], error_message=str(ev["evalue"]),
                              error_traceback=str(ev["traceback"] or ""),
                              error_line=_int32(ev["line"]))
            elif kind == "finished":
                fields.update(_final_fields(ev))
        for stream, parts in text.items():
            joined = "".join(parts)
            if joined:
                fields[stream] = Concat(F(stream), Value(joined))
        if buf.truncated:
            fields["output_truncated"] = True
        with transaction.atomic():
            if new_displays:
                current = Run.objects.filter(pk=run_id).values_list("displays", flat=True).first()
                fields["displays"] = (current or []) + new_displays
            # Only while the run is live: once another process ended it (a cancel before it
            # started, the reaper's "worker lost") nothing may overwrite how it ended.
            Run.objects.filter(pk=run_id, status__in=(events.QUEUED, events.RUNNING)).update(**fields)
            if metrics:
                Metric.objects.bulk_create(metrics)

    @staticmethod
    def _capped(buf, stream, text):
        """The part of ``text`` the stored copy may still take (the live stream gets it all)."""
        limit = settings.PLAYGROUND_MAX_STORED_OUTPUT
        room = limit - buf.stored[stream]
        if room <= 0:
            return ""
        data = text.encode()
        if len(data) <= room:
            buf.stored[stream] += len(data)
            return text
        buf.stored[stream] = limit
        buf.truncated = True
        return data[:room].decode(errors="ignore") + TRUNCATION_NOTE.format(limit)


def _protocol_fields(event):
    """The event as the websocket protocol defines it: its type's fields and nothing else
    (the service may attach diagnostics, such as the sandbox tier, that pages need not see)."""
    kind = event["type"]
    keep = {"type", *events.EVENT_FIELDS[kind]} | ({"queue_position"} if kind == "status" else set())
    out = {k: v for k, v in event.items() if k in keep}
    # What the database can store and browsers can parse, in every event, checked one event
    # at a time: a display may carry NaN (PostgreSQL's jsonb and browsers refuse it),
    # print("\x00") puts a NUL in stdout (PostgreSQL refuses it in text), a forged line a lone
    # surrogate (no UTF-8 encoder takes it): each failed the whole batch's write.
    out = events.strict_json(out) if kind != "metrics" else out  # points: _valid_points
    if kind == "metrics":
        # Pages get exactly the points that are stored, so live and replayed runs agree and
        # no page charts a forged string or object as a value.
        out["points"] = _valid_points(event.get("run_id"), out.get("points") or [])
    return out


def _final_fields(finished):
    """The Run columns a "finished" event sets."""
    duration = finished.get("duration_ms")
    return {"status": finished["status"], "finished_at": timezone.now(),
            "duration_ms": None if duration is None else round(duration),
            "message": finished.get("message") or ""}


# What the Metric and Run columns hold (32-bit integers on PostgreSQL): a forged value
# outside them would fail the whole batch's write, output and status included.
INT32 = (-2 ** 31, 2 ** 31 - 1)


def _int32(value):
    """``value`` as a column int, or None when it is not an integer that fits."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if INT32[0] <= value <= INT32[1] else None


def _float_or_none(value):
    """``value`` as a float (NaN/inf kept for the caller to judge), None when not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an int past float range
        return None


def _valid_points(run_id, points):
    """The points that fit the Metric columns, as {name, step, value, wall_time}; NaN and
    infinity are not JSON, so a diverging loss is sent and stored as a null value."""
    out = []
    for p in points if isinstance(points, list) else ():
        # The child is hostile: every field is checked, and a bad point costs only itself.
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            run_warnings.warn(run_id, "sink dropped a malformed metric point of run %s: %.200r",
                          run_id, p)
            continue
        step, wall = _int32(p.get("step")), _float_or_none(p.get("wall_time"))
        value = p.get("value")
        number = None if value is None else _float_or_none(value)
        if step is None or wall is None or not math.isfinite(wall) or (
                value is not None and number is None):
            run_warnings.warn(run_id, "sink dropped a malformed metric point of run %s: %.200r",
                          run_id, p)
            continue
        out.append({"name": events.strict_json(p["name"][:100]), "step": step, "wall_time": wall,
                    "value": number if number is not None and math.isfinite(number) else None})
    return out


def _metric_rows(run_id, points):
    return [Metric(run_id=run_id, **p) for p in points]


event_sink = EventSink()
