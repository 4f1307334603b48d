"""The REST API at /api/: start, inspect, cancel and list runs from curl or a script.

Django Ninja builds the OpenAPI schema (/api/openapi.json) and the docs page (/api/docs)
from the signatures below. Callers are told apart by their session cookie when they send
one, otherwise by their address.
"""
import json
import uuid
from datetime import datetime
from typing import Annotated, Literal, Optional

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import Field, NinjaAPI, Schema, Swagger
from ninja.errors import HttpError
from pydantic import ConfigDict, WithJsonSchema

from playground import events, policy
from playground.sandbox import pacing

from . import lifecycle, run_control
from .models import Metric, Run
from .throttle import AddressThrottle

# Per-address request rate for every endpoint; starting runs has its own quotas on top.
request_throttle = AddressThrottle(settings.PLAYGROUND_API_READ_RATE)


class PlaygroundAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Every operation may answer 429: the request throttle covers them all."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema["paths"].values():
            for operation in path.values():
                if 429 in operation["responses"] or "429" in operation["responses"]:
                    continue
                operation["responses"][429] = {
                    "description": "Too many requests from your address "
                                   "(PLAYGROUND_API_READ_RATE)",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Detail"}}}}
        schema["components"]["schemas"].setdefault("Detail", Detail.model_json_schema())
        return schema


# deepLinking off: its links inside each operation's button are focusable content nested in a
# button, which screen readers and keyboards cannot use (WCAG, tests/browser/test_a11y.py).
api = PlaygroundAPI(title="Tensor playground API", version="1", urls_namespace="api",
                    throttle=[request_throttle], docs=Swagger(settings={"deepLinking": False}))

# What the API refuses, said in the schema too: text with a NUL (no database stores it), and
# code or a name without a character that is not whitespace.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"


# -- schemas -------------------------------------------------------------------------------------
class RunIn(Schema):
    model_config = ConfigDict(extra="forbid")   # the API refuses unknown fields: say so
    code: str = Field(min_length=1, pattern=NOT_BLANK,
                      description="Python source: at most PLAYGROUND_MAX_CODE_BYTES (64 KiB) "
                                  "of UTF-8, not only whitespace, no NUL character")
    device: Literal[policy.DEFAULTS.device_names] = policy.DEFAULT_DEVICE
    name: str = Field("", pattern=NO_NUL)
    # What limits the run gets: how it is asked for, never what its code looks like.
    kind: Literal[policy.DEFAULTS.run_kinds] = "api"


class RunRename(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=NOT_BLANK)


class RunCreated(Schema):
    id: uuid.UUID
    status: str
    url: str


class ErrorOut(Schema):
    ename: str
    evalue: str
    traceback: str
    line: Optional[int]


class RunSummary(Schema):
    id: uuid.UUID
    name: str
    status: str
    device: str
    kind: str
    queued_at: datetime
    duration_ms: Optional[int]
    url: str


class RunDetail(RunSummary):
    code: str
    message: str
    queue_position: Optional[int]
    started_at: Optional[datetime]
    finished_at: Optional[datetime]
    stdout: str
    stderr: str
    output_truncated: bool
    error: Optional[ErrorOut]
    displays: list


class RunList(Schema):
    runs: list[RunSummary]


class CancelOut(Schema):
    id: uuid.UUID
    status: str
    detail: str


# A point is [step, value, wall_time]. As JSON Schema 2020-12 (OpenAPI 3.1) it is a tuple,
# "prefixItems", which openapi-spec-validator rightly accepts; but generators and clients
# built for OpenAPI 3.0 (openapi-generator, schemathesis' 3.0 checks) do not read it. So
# points are described as what every tool reads: three numbers, the value possibly null.
Point = Annotated[tuple[int, Optional[float], float], WithJsonSchema({
    "type": "array", "minItems": 3, "maxItems": 3,
    "items": {"type": ["number", "null"]},
    "description": "[step, value, wall_time]: step an integer, value a number (null: NaN or "
                   "infinity), wall_time seconds since the epoch"})]


class MetricsOut(Schema):
    series: dict[str, list[Point]]


class Detail(Schema):
    detail: str


# -- errors: every one is JSON with a "detail" ---------------------------------------------------
@api.exception_handler(lifecycle.RunRejected)
def run_rejected(request, exc):
    response = api.create_response(request, {"detail": exc.message}, status=exc.status)
    if exc.retry_after_s is not None:
        response["Retry-After"] = str(exc.retry_after_s)
    return response


# -- helpers -------------------------------------------------------------------------------------
def caller(request):
    session_key = request.session.session_key if hasattr(request, "session") else None
    return lifecycle.owner_of(request.user, session_key, request.META.get("REMOTE_ADDR"))


def refuse_cross_site(request):
    """Scripts send no Origin; a browser does on every POST. A POST from a page of another
    site would act with the visitor's cookie or address (a run started without a session
    belongs to its address): cancel their runs or spend their quota. Only our own pages,
    and the origins in CSRF_TRUSTED_ORIGINS, may. (Ninja's views are exempt from Django's
    CSRF check, which would also refuse scripts without a token.)"""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    own = f"{request.scheme}://{request.get_host()}"
    if origin != own and origin not in settings.CSRF_TRUSTED_ORIGINS:
        raise HttpError(403, f"cross-site request refused: a page on {origin[:100]} may not "
                             "start or stop runs here")


def json_object(request, example):
    """The request's JSON body, which must be an object (``example`` says what it looks like)."""
    if request.content_type != "application/json":
        raise HttpError(415, "send the body as JSON with Content-Type: application/json")
    try:
        body = json.loads(request.body or b"")
    except RequestDataTooBig:
        raise HttpError(413, f"the request body is larger than "
                             f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes") from None
    except ValueError as exc:
        raise HttpError(400, f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # 2,000 and more nested arrays: past Python's recursion limit
        raise HttpError(400, "the body is not valid JSON: nested too deeply") from None
    if not isinstance(body, dict):
        raise HttpError(400, f"the body must be {example}")
    return body


def get_run(run_id):
    try:
        key = uuid.UUID(run_id)
    except ValueError:
        raise HttpError(404, f"{run_id!r} is not a run id") from None
    run = Run.objects.filter(pk=key).first()
    if run is None:
        raise Http404(f"no run with id {run_id}")
    return run


def summary(run):
    return {"id": run.id, "name": run.name, "status": run.status, "device": run.device,
            "kind": run.kind, "queued_at": run.queued_at, "duration_ms": run.duration_ms,
            "url": run.get_absolute_url()}


# -- endpoints -----------------------------------------------------------------------------------
@api.post("/runs/", response={201: RunCreated, 400: Detail, 403: Detail, 409: Detail, 413: Detail,
                              415: Detail, 429: Detail, 503: Detail},
          summary="Start a run",
          openapi_extra={"requestBody": {"required": True, "content": {
              "application/json": {"schema": RunIn.model_json_schema()}}}})
def create_run(request):
    """Body: `{"code": "...", "device": "cpu"|"cuda", "name"?: "...", "kind"?: "api"|"snippet"|
    "training"}`. The kind picks the run's limits (`training`: longer ones, with their own
    quota). Answers at once; the run goes on in the background: poll `GET /api/runs/<id>/`
    or watch it on the websocket."""
    refuse_cross_site(request)
    body = json_object(request, 'a JSON object like {"code": "...", "device": "cpu"}')
    missing = [k for k in ("code",) if k not in body]
    if missing:
        raise HttpError(400, f'missing field: "{missing[0]}" (the Python source to run)')
    unknown = sorted(set(body) - {"code", "device", "name", "kind"})
    if unknown:
        raise HttpError(400, f"unknown field(s): {', '.join(unknown)}")
    name = body.get("name", "")
    if not isinstance(name, str):
        raise HttpError(400, '"name" must be a string')
    run = lifecycle.start_run(body["code"], body.get("device", policy.DEFAULT_DEVICE),
                              owner=caller(request), ip=request.META.get("REMOTE_ADDR"),
                              user=request.user, kind=body.get("kind", "api"),
                              name=name[:lifecycle.MAX_NAME_CHARS])
    run.refresh_from_db(fields=["status"])
    return 201, {"id": run.id, "status": run.status, "url": run.get_absolute_url()}


@api.get("/runs/", response=RunList, summary="List your recent runs")
def list_runs(request):
    runs = Run.objects.filter(owner=caller(request))[:settings.PLAYGROUND_HISTORY_LENGTH]
    return {"runs": [summary(r) for r in runs]}


@api.get("/runs/{run_id}/", response={200: RunDetail, 404: Detail}, summary="A run in full")
def run_detail(request, run_id: str):
    run = get_run(run_id)
    position = None if run.is_finished else lifecycle.executor().queue_position(str(run.id))
    return {**summary(run), "code": run.code, "message": run.message,
            "queue_position": position, "started_at": run.started_at,
            "finished_at": run.finished_at, "stdout": run.stdout, "stderr": run.stderr,
            "output_truncated": run.output_truncated, "error": run.error,
            "displays": run.displays}


@api.patch("/runs/{run_id}/", response={200: RunSummary, 400: Detail, 403: Detail, 404: Detail,
                                        413: Detail, 415: Detail},
           summary="Rename a run",
           openapi_extra={"requestBody": {"required": True, "content": {
               "application/json": {"schema": RunRename.model_json_schema()}}}})
def rename_run(request, run_id: str):
    """Body: `{"name": "..."}`. Only the run's owner may rename it; the name is what the
    history, the permalink and the dashboard's legends show."""
    refuse_cross_site(request)
    run = get_run(run_id)
    body = json_object(request, 'a JSON object like {"name": "..."}')
    unknown = sorted(set(body) - {"name"})
    if unknown:
        raise HttpError(400, f"unknown field(s): {', '.join(unknown)}; only \"name\" can change")
    if "name" not in body:
        raise HttpError(400, 'missing field: "name"')
    return 200, summary(lifecycle.rename_run(run, caller(request), body["name"]))


@api.post("/runs/{run_id}/cancel/", response={202: CancelOut, 403: Detail, 404: Detail,
                                              409: Detail}, summary="Stop a run")
def cancel_run(request, run_id: str):
    refuse_cross_site(request)
    run = get_run(run_id)
    detail = lifecycle.cancel_run(run, caller(request))
    return 202, {"id": run.id, "status": run.status, "detail": detail}


def control_body_schema():
    """The control body, one shape per action, as exact as run_control.message_of checks it:
    no field of another action, no null, the ranges of sandbox/pacing.py."""
    unit = {"type": "string", "enum": list(events.STEP_UNITS), "default": "epoch"}

    def variant(actions, description, required=(), **fields):
        return {"type": "object", "description": description,
                "properties": {"action": {"type": "string", "enum": list(actions)}, **fields},
                "required": ["action", *required], "additionalProperties": False}
    return {"oneOf": [
        variant(("pause", "resume"), "pause the run at its next step, or let it go on"),
        variant(("step",), "take n more steps of the unit, then wait again",
                n={"type": "integer", "minimum": 1, "maximum": pacing.MAX_STEPS, "default": 1},
                unit=unit),
        variant(("speed",), "start each step of the unit at least pace_s seconds after the "
                            "one before (0: full speed)", required=("pace_s",),
                pace_s={"type": "number", "minimum": 0, "maximum": pacing.MAX_PACE_S},
                unit=unit)]}


@api.post("/runs/{run_id}/control/", response={202: CancelOut, 400: Detail, 403: Detail,
                                               404: Detail, 409: Detail, 413: Detail,
                                               415: Detail},
          summary="Pause, step or pace a run",
          openapi_extra={"requestBody": {"required": True, "content": {
              "application/json": {"schema": control_body_schema()}}}})
def control_run(request, run_id: str):
    """Body: `{"action": "pause"}`, `"resume"`, `{"action": "step", "n": 1, "unit":
    "epoch"}` or `{"action": "speed", "pace_s": 0.5, "unit": "epoch"}`, as the websocket's
    "control" message; only the run's owner may send it. The run answers every page watching
    it with run_state events."""
    refuse_cross_site(request)
    run = get_run(run_id)
    body = json_object(request, 'a JSON object like {"action": "pause"}')
    run_control.control_run(run, caller(request), run_control.message_of(body))
    return 202, {"id": run.id, "status": run.status, "detail": f"{body['action']}: sent"}


@api.get("/runs/{run_id}/metrics/", response={200: MetricsOut, 404: Detail},
         summary="Every metric point of a run")
def run_metrics(request, run_id: str):
    run = get_run(run_id)
    series = {}
    for name, step, value, wall in Metric.objects.filter(run=run).values_list(
            "name", "step", "value", "wall_time"):
        series.setdefault(name, []).append((step, value, wall))
    return {"series": series}
