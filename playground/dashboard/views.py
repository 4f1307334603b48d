"""The dashboard (/dashboard/), the train page (/dashboard/train/), their JSON endpoints and
the CSV/JSON export of a run's metric points (/api/runs/<id>/metrics.csv and .json)."""
import copy
import csv
import functools
import io
import json
import time
import uuid

import regex
from django.conf import settings
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground import events
from playground.runs import devices, lifecycle
from playground.runs.api import request_throttle
from playground.runs.models import Run

from . import presets, queries

MAX_LISTED_RUNS = 100


# -- helpers -------------------------------------------------------------------------------------
def _ensure_session(request):
    # Runs belong to a session; the websocket and this page must agree on it.
    if not request.session.session_key:
        request.session["playground"] = True
        request.session.save()


def _owner(request):
    return lifecycle.owner_of(request.user, request.session.session_key,
                              request.META.get("REMOTE_ADDR"))


def _error(message, status, field=None):
    body = {"detail": message}
    if field:
        body["field"] = field   # the form input the page marks
    return JsonResponse(body, status=status)


def _get_run(run_id):
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404(f"no run with id {run_id}")
    return run


def throttled(view):
    """The REST API's per-address request rate, on these JSON endpoints too: a series or a
    run list costs several queries a run, and the dashboard itself polls it slowly."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        throttle = copy.copy(request_throttle)  # allow_request keeps per-request state
        if not throttle.allow_request(request):
            return _error(f"too many requests: the limit is {settings.PLAYGROUND_API_READ_RATE}"
                          " per address; try again shortly", 429)
        return view(request, *args, **kwargs)
    return wrapper


def _page_context(request):
    _ensure_session(request)
    return {"gpu_unavailable": devices.unavailable_reason("cuda"), "csrf_token": get_token(request)}


# -- pages ---------------------------------------------------------------------------------------
@require_GET
def dashboard(request):
    return render(request, "dashboard/dashboard.html", _page_context(request))


@require_GET
def train(request):
    context = _page_context(request)
    context.update(datasets=presets.DATASETS, activations=presets.ACTIVATIONS,
                   optimizers=presets.OPTIMIZER_LABELS, defaults=presets.DEFAULTS,
                   paces=presets.PACES, default_pace=presets.DEFAULT_PACE,
                   control_unavailable=lifecycle.executor().run_control_refusal())
    return render(request, "dashboard/train.html", context)


# -- JSON ----------------------------------------------------------------------------------------
# The ?q= filter is a regex from the caller, matched against names the caller chose too: a
# backtracking pattern such as (a|a)+$ would hold a server thread for minutes. The regex
# module can stop a match after a while; Python's re cannot.
FILTER_MAX_CHARS = 200
FILTER_TIME_S = 0.25


@require_GET
@throttled
def runs_json(request):
    """The caller's recent runs with their last/best loss and progress (``"mine": true``), and
    the runs that ``?ids=a,b`` names whoever started them (``"mine": false``: a run's id is
    its capability, as on its permalink, so a dashboard link shows its runs to anyone it is
    sent to, read-only); ``?q=`` a regex on name."""
    try:
        shared_ids = _run_ids(request.GET.get("ids", ""))
    except ValueError as exc:
        return _error(str(exc), 400)
    pattern = request.GET.get("q", "")
    if len(pattern) > FILTER_MAX_CHARS:
        return _error(f"q is {len(pattern)} characters; the limit is {FILTER_MAX_CHARS}", 400)
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE) if pattern else None
    except regex.error as exc:
        return _error(f"q is not a valid regular expression: {exc}", 400)
    owner = _owner(request)
    runs = queries.recent_runs(owner, MAX_LISTED_RUNS)
    runs += [r for r in Run.objects.filter(pk__in=shared_ids).order_by("-queued_at")
             if r.owner != owner]
    if compiled is not None:
        deadline = time.monotonic() + FILTER_TIME_S
        try:
            runs = [r for r in runs if compiled.search(
                r.name or "", timeout=max(0.001, deadline - time.monotonic()))]
        except TimeoutError:
            return _error(f"q took longer than {FILTER_TIME_S} s to match the run names (a "
                          "pattern that backtracks, such as (a|a)+$); simplify it", 400)
    return JsonResponse({"runs": [{**queries.run_summary(r), "mine": r.owner == owner}
                                  for r in runs]})


MAX_SHARED_RUNS = 20


def _run_ids(text):
    """The run ids of a dashboard link's ``?ids=a,b,c`` (at most MAX_SHARED_RUNS)."""
    ids = [part for part in text.split(",") if part]
    if len(ids) > MAX_SHARED_RUNS:
        raise ValueError(f"ids names {len(ids)} runs; a dashboard shows at most "
                         f"{MAX_SHARED_RUNS} shared runs")
    try:
        return [uuid.UUID(part) for part in ids]
    except ValueError:
        raise ValueError("ids must be run ids separated by commas") from None


@require_GET
@throttled
def run_series_json(request, run_id):
    """A run's summary, its series downsampled (``?max_points=``, default 2000) and its
    histograms and heatmaps."""
    run = _get_run(run_id)
    raw = request.GET.get("max_points", str(queries.DEFAULT_MAX_POINTS))
    try:
        max_points = int(raw)
    except ValueError:
        return _error(f"max_points must be an integer, not {raw[:30]!r}", 400)  # not all of it
    if not 5 <= max_points <= 100_000:
        return _error(f"max_points must be between 5 and 100000, not {max_points}", 400)
    body = {"run": queries.run_summary(run), "series": queries.run_series(run, max_points),
            "histograms": queries.run_displays(run, events.HISTOGRAM_MIME),
            "heatmaps": queries.run_displays(run, events.HEATMAP_MIME)}
    return JsonResponse(body, json_dumps_params={"separators": (",", ":")})


def _json_body(request):
    if request.content_type != "application/json":
        raise presets.PresetError("send the form as JSON with Content-Type: application/json")
    try:
        return json.loads(request.body or b"")
    except ValueError as exc:
        raise presets.PresetError(f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # nested past Python's recursion limit
        raise presets.PresetError("the body is not valid JSON: nested too deeply") from None


@require_POST
@throttled
def train_code(request):
    """The code a preset would run, without running it."""
    try:
        cfg, code = presets.generate(_json_body(request))
    except presets.PresetError as exc:
        return _error(str(exc), 400, exc.field)
    return JsonResponse({"config": cfg, "code": code, "name": presets.run_name(cfg)})


@require_POST
@throttled
def train_preview(request):
    """The 2-D points a preset would train on (null for the digits), to show before Start."""
    try:
        points = presets.preview(_json_body(request))
    except presets.PresetError as exc:
        return _error(str(exc), 400, exc.field)
    return JsonResponse({"points": points}, json_dumps_params={"separators": (",", ":")})


@require_POST
@throttled
def train_start(request):
    """Start a preset as an ordinary sandboxed run of kind "training"."""
    _ensure_session(request)
    try:
        cfg, code = presets.generate(_json_body(request))
    except presets.PresetError as exc:
        return _error(str(exc), 400, exc.field)
    try:
        run = lifecycle.start_run(code, cfg["device"], owner=_owner(request),
                                  ip=request.META.get("REMOTE_ADDR"), user=request.user,
                                  kind="training", name=presets.run_name(cfg))
    except lifecycle.RunRejected as exc:
        return _error(exc.message, exc.status)
    return JsonResponse({"id": str(run.id), "url": run.get_absolute_url(), "code": code,
                         "name": run.name, "config": cfg}, status=201)


# -- export --------------------------------------------------------------------------------------
ROWS_PER_CHUNK = 5000  # one streamed chunk per this many rows, not one per row


def _chunked(lines):
    buf = []
    for line in lines:
        buf.append(line)
        if len(buf) >= ROWS_PER_CHUNK:
            yield "".join(buf)
            buf = []
    if buf:
        yield "".join(buf)


def _csv_field(value):
    return "" if value is None else repr(value)


@require_GET
@throttled
def metrics_csv(request, run_id):
    """Every metric point: name,step,value,wall_time (an empty value: NaN or infinity)."""
    run = _get_run(run_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def lines():
        yield "name,step,value,wall_time\n"
        for name, step, value, wall in queries.export_rows(run):
            writer.writerow((name, step, _csv_field(value), repr(wall)))
            yield out.getvalue()
            out.seek(0)
            out.truncate()

    response = StreamingHttpResponse(_chunked(lines()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="run-{run.id}-metrics.csv"'
    return response


@require_GET
@throttled
def metrics_json(request, run_id):
    """The CSV's twin: {"run_id", "columns": [...], "rows": [[name, step, value, wall_time]]}."""
    run = _get_run(run_id)

    def lines():
        yield f'{{"run_id":"{run.id}","columns":["name","step","value","wall_time"],"rows":['
        first = True
        for row in queries.export_rows(run):
            yield ("" if first else ",") + queries.json_dumps(list(row))
            first = False
        yield "]}"

    response = StreamingHttpResponse(_chunked(lines()), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="run-{run.id}-metrics.json"'
    return response
