"""A stored run as the event stream a page would have seen live."""
from playground import events

from .models import Metric, Run

METRIC_POINTS_PER_EVENT = 1000


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
    points = [{"name": n, "step": s, "value": v, "wall_time": w} for n, s, v, w in
              Metric.objects.filter(run=run).values_list("name", "step", "value", "wall_time")]
    for i in range(0, len(points), METRIC_POINTS_PER_EVENT):
        out.append({"type": "metrics", "run_id": rid,
                    "points": points[i:i + METRIC_POINTS_PER_EVENT]})
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
