"""What the dashboard shows of a run, read from the Run and Metric rows."""
import json

from django.db.models import Count, Min

from playground import events
from playground.runs.downsample import DEFAULT_MAX_POINTS, downsample
from playground.runs.models import Metric, Run

from . import presets

def loss_tag(names):
    """The series the run list calls "loss": "loss" itself, else a train loss, else any."""
    candidates = sorted(n for n in names if "loss" in n.lower()
                        and not n.startswith(events.PROGRESS_METRIC))
    if "loss" in candidates:
        return "loss"
    train = [n for n in candidates if "train" in n.lower()]
    return (train or candidates or [None])[0]


def progress_of(run, names):
    """The run's first progress bar: items done, total, rate and ETA (None without one)."""
    bars = sorted(n for n in names if n == events.PROGRESS_METRIC
                  or n.startswith(events.PROGRESS_METRIC + "/"))
    if not bars:
        return None
    name = bars[0]
    points = Metric.objects.filter(run=run, name=name)
    last = points.order_by("-id").first()
    start = points.filter(step=0, id__lte=last.id).order_by("-id").first() or \
        points.order_by("id").first()
    elapsed = last.wall_time - start.wall_time
    rate = (last.step - start.step) / elapsed if elapsed > 0 else None
    total = None if last.value is None else int(last.value)
    eta = None
    if total is not None and rate:
        eta = max(0.0, (total - last.step) / rate)
    return {"label": name[len(events.PROGRESS_METRIC) + 1:], "n": last.step, "total": total,
            "rate": rate, "eta_s": eta, "wall_time": last.wall_time}


def run_summary(run):
    counts = dict(Metric.objects.filter(run=run).values_list("name").annotate(n=Count("id"))
                  .values_list("name", "n"))
    tag = loss_tag(counts)
    last = best = None
    if tag:
        series = Metric.objects.filter(run=run, name=tag)
        last_row = series.order_by("-step", "-id").first()
        last = last_row.value if last_row else None
        best = series.aggregate(best=Min("value"))["best"]
    return {
        "id": str(run.id), "name": run.name, "status": run.status, "device": run.device,
        "kind": run.kind, "url": run.get_absolute_url(),
        "queued_at": _iso(run.queued_at), "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at), "duration_ms": run.duration_ms,
        "finished": run.is_finished, "message": run.message,
        "loss_tag": tag, "last_loss": last, "best_loss": best,
        "tags": sorted(n for n in counts if not n.startswith(events.PROGRESS_METRIC)),
        "points": sum(counts.values()),
        "progress": progress_of(run, counts),
        "preset": preset_of(run),
    }


def _iso(when):
    return when.isoformat() if when else None


def run_series(run, max_points=DEFAULT_MAX_POINTS):
    """Every series of the run, each cut to ``max_points`` with extremes kept."""
    grouped = {}
    for name, step, value, wall in Metric.objects.filter(run=run).order_by(
            "name", "step", "id").values_list("name", "step", "value", "wall_time").iterator(
            chunk_size=10_000):
        s = grouped.setdefault(name, ([], [], []))
        s[0].append(step)
        s[1].append(value)
        s[2].append(wall)
    out = {}
    for name, (steps, values, walls) in grouped.items():
        ds, dv, dw = downsample(steps, values, walls, max_points)
        out[name] = {"step": ds, "value": dv, "wall_time": dw, "count": len(steps)}
    return out


def run_displays(run, mime):
    """The stored dashboard displays of one kind (histogram batches are flattened)."""
    out = []
    for d in run.displays:
        if d.get("mime") != mime:
            continue
        data = d.get("data")
        if mime == events.HISTOGRAM_MIME and isinstance(data, dict):
            out.extend(data.get("histograms") or [])
        elif isinstance(data, dict):
            out.append(data)
    return out


def export_rows(run):
    """(name, step, value, wall_time) of every point, in the order they are charted; progress
    bars (``__progress__/...``) are the page's bookkeeping, not the run's data, and stay out."""
    return Metric.objects.filter(run=run).exclude(name=events.PROGRESS_METRIC).exclude(
        name__startswith=events.PROGRESS_METRIC + "/").order_by("name", "step", "id").values_list(
        "name", "step", "value", "wall_time").iterator(chunk_size=10_000)


def preset_of(run):
    """The train page's settings of a run it generated (its code's "# Preset: {...}" line, see
    presets.generate), for the dashboard's side-by-side table; None for any other run."""
    if run.kind != "training":
        return None
    for line in run.code.splitlines()[:5]:
        if line.startswith(presets.PRESET_LINE):
            try:
                preset = json.loads(line[len(presets.PRESET_LINE):])
            except ValueError:
                return None
            return preset if isinstance(preset, dict) else None
    return None


def json_dumps(obj):
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def recent_runs(owner, limit):
    return list(Run.objects.filter(owner=owner).order_by("-queued_at")[:limit])
