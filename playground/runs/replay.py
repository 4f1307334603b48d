"""A stored run as the event stream a page would have seen live.

Its metrics are replayed downsampled: each series of more than
PLAYGROUND_REPLAY_POINTS_PER_SERIES points keeps that many, chosen by M4 (downsample.py, the
dashboard's), so spikes and divergences stay visible; the full series is at
/api/runs/<id>/metrics/ and the CSV export. A whole stored series cost every watch 16 MB and
0.45 s of CPU for 200,000 points. A finished run's replayed points are kept for the next
watch (they no longer change), a few runs at a time.
"""
import functools
import threading

from django.conf import settings

from playground import events

from .downsample import KEPT_PER_BUCKET, keep_indices
from .models import Metric, Run

METRIC_POINTS_PER_EVENT = 1000
FINISHED_RUNS_KEPT = 8
# Watches read in a thread pool: forty at once of a run not yet kept would each read all its
# points (tens of MB apiece) before the first was kept. One reads; the others wait for it.
_reading_finished = threading.Lock()


def stored_events(run_id, queue_position=None):
    """(events, last_seq) for the run as stored now; None when there is no such run."""
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        return None
    rid = str(run.id)
    # A finished run's "finished" event says how it ended; a live one starts with its status.
    out = [] if run.is_finished else [_status(rid, run, queue_position)]
    for stream in ("stdout", "stderr"):
        text = getattr(run, stream)
        if text:
            out.append({"type": stream, "run_id": rid, "text": text})
    for d in run.displays:
        out.append({"type": "display", "run_id": rid, "mime": d["mime"], "data": d["data"]})
    per_series = settings.PLAYGROUND_REPLAY_POINTS_PER_SERIES
    if run.is_finished:
        with _reading_finished:
            points, downsampled = _finished_points(rid, run.last_seq, per_series)
    else:
        points, downsampled = replay_points(rid, per_series)
    for i in range(0, len(points), METRIC_POINTS_PER_EVENT):
        ev = {"type": "metrics", "run_id": rid, "points": points[i:i + METRIC_POINTS_PER_EVENT]}
        if downsampled:   # {series: its stored number of points}, for "fewer points shown"
            ev["downsampled"] = downsampled
        out.append(ev)
    if run.error:
        out.append({"type": "error", "run_id": rid, **run.error})
    if run.is_finished:
        out.append({"type": "finished", "run_id": rid, "status": run.status,
                    "duration_ms": run.duration_ms, "message": run.message})
    return out, run.last_seq


def _status(rid, run, queue_position):
    ev = {"type": "status", "run_id": rid, "status": run.status}
    if run.status == events.QUEUED and queue_position is not None:
        ev["queue_position"] = queue_position
    return ev


def replay_points(run_id, per_series):
    """(points, {series: stored count} of the downsampled ones): every series of the run as
    stored, each cut to at most ``per_series`` points keeping its extremes."""
    per_series = max(per_series, KEPT_PER_BUCKET)
    rows = Metric.objects.filter(run_id=run_id).values_list("name", "step", "value", "wall_time")
    series = {}
    for row in rows.iterator(chunk_size=5000):
        series.setdefault(row[0], []).append(row)
    points, downsampled = [], {}
    for name, rows in series.items():
        if len(rows) > per_series:
            downsampled[name] = len(rows)
            rows = [rows[i] for i in keep_indices([r[2] for r in rows], per_series)]
        points.extend({"name": n, "step": s, "value": v, "wall_time": w} for n, s, v, w in rows)
    return points, downsampled


@functools.lru_cache(maxsize=FINISHED_RUNS_KEPT)
def _finished_points(run_id, last_seq, per_series):
    # Keyed by last_seq too: a run's stored copy only changes with a new event.
    return replay_points(run_id, per_series)
