"""The REST API's answers to bad requests: JSON errors with the right 4xx code, and the
OpenAPI schema. (Runs that really execute are in tests/site/test_api_runs.py.)"""
import json
import uuid

import pytest
from django.test import Client

from playground.runs.models import Metric, Run

pytestmark = pytest.mark.django_db


def post(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/runs/", data=data, content_type=content_type)


@pytest.mark.parametrize("body, status, words", [
    ("{not json", 400, "not valid JSON"),
    ("null", 400, "must be a JSON object"),
    ("[1, 2]", 400, "must be a JSON object"),
    ({"device": "cpu"}, 400, 'missing field: "code"'),
    ({"code": 5}, 400, '"code" must be a string'),
    ({"code": "   "}, 400, '"code" is empty'),
    ({"code": "print(1)", "device": "tpu"}, 400, '"device" must be one of cpu, cuda'),
    ({"code": "print(1)", "colour": "red"}, 400, "unknown field(s): colour"),
    ({"code": "print(1)", "name": 3}, 400, '"name" must be a string'),
    ({"code": "x = 1\n" * 20000}, 413, "the limit is 65536 bytes"),
    ('{"code": "print(1)\\ud800"}', 400, "not valid Unicode at position 8"),
    ({"code": "print(1)\x00"}, 400, "NUL character at position 8"),
])
def test_bad_run_requests_get_a_specific_json_error(body, status, words):
    res = post(Client(), body)
    assert res.status_code == status, res.content
    assert res["Content-Type"].startswith("application/json")
    assert words in res.json()["detail"]
    assert Run.objects.count() == 0


def test_a_body_that_is_not_declared_json_is_refused():
    res = post(Client(), json.dumps({"code": "print(1)"}), content_type="text/plain")
    assert res.status_code == 415
    assert "Content-Type: application/json" in res.json()["detail"]


def test_gpu_runs_are_refused_with_the_reason_when_there_is_no_gpu(monkeypatch):
    from playground.executors.local import LocalExecutor

    # The page, the API and the socket ask the executor which devices it can serve.
    monkeypatch.setattr(LocalExecutor, "unavailable_reason", lambda self, device:
                        "no CUDA device is visible" if device == "cuda" else None)
    res = post(Client(), {"code": "print(1)", "device": "cuda"})
    assert res.status_code == 409
    assert res.json()["detail"] == "GPU runs are not available: no CUDA device is visible"


@pytest.mark.parametrize("path", ["/api/runs/{}/", "/api/runs/{}/metrics/"])
def test_unknown_and_malformed_run_ids_are_404(path):
    client = Client()
    for rid in (uuid.uuid4(), "nope"):
        res = client.get(path.format(rid))
        assert res.status_code == 404
        assert res.json()["detail"]
    assert client.post(f"/api/runs/{uuid.uuid4()}/cancel/").status_code == 404


def test_quota_of_active_runs_answers_429(settings):
    settings.PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT = 2
    client = Client()
    for _ in range(2):
        Run.objects.create(owner="ip:127.0.0.1", client_ip="127.0.0.1", code="x", status="running")
    res = post(client, {"code": "print(1)"})
    assert res.status_code == 429
    assert "you already have 2 runs queued or running (the limit is 2)" in res.json()["detail"]


def test_runs_per_minute_per_address_answers_429(settings):
    settings.PLAYGROUND_RUNS_PER_MINUTE = 3
    for i in range(3):
        Run.objects.create(owner=f"session:{i}", client_ip="127.0.0.1", code="x",
                           status="succeeded")
    res = post(Client(), {"code": "print(1)"})
    assert res.status_code == 429
    assert "the limit is 3 a minute" in res.json()["detail"]


def test_cancelling_someone_elses_or_a_finished_run_is_refused():
    other = Run.objects.create(owner="session:someone", code="x", status="running")
    mine_done = Run.objects.create(owner="ip:127.0.0.1", code="x", status="succeeded")
    client = Client()
    res = client.post(f"/api/runs/{other.id}/cancel/")
    assert res.status_code == 403 and "only the person who started" in res.json()["detail"]
    res = client.post(f"/api/runs/{mine_done.id}/cancel/")
    assert res.status_code == 409 and "already finished (succeeded)" in res.json()["detail"]


def test_list_shows_only_the_callers_runs_newest_first():
    Run.objects.create(owner="session:someone", code="x", name="theirs")
    first = Run.objects.create(owner="ip:127.0.0.1", code="a = 1", name="first")
    second = Run.objects.create(owner="ip:127.0.0.1", code="b = 2", name="second")
    runs = Client().get("/api/runs/").json()["runs"]
    assert [r["id"] for r in runs] == [str(second.id), str(first.id)]
    assert runs[0]["url"] == f"/runs/{second.id}/"


def test_detail_and_metrics_of_a_stored_run():
    run = Run.objects.create(owner="ip:9.9.9.9", code="print(1)", status="failed",
                             stdout="1\n", error_type="ValueError", error_message="bad",
                             error_traceback="Traceback...", error_line=3, duration_ms=12,
                             displays=[{"mime": "text/plain", "data": "'x'"}])
    Metric.objects.bulk_create([Metric(run=run, name="loss", step=s, value=1.0 / (s + 1),
                                       wall_time=100.0 + s) for s in range(3)]
                               + [Metric(run=run, name="acc", step=0, value=None, wall_time=5.0)])
    detail = Client().get(f"/api/runs/{run.id}/").json()
    assert detail["status"] == "failed" and detail["stdout"] == "1\n" and detail["code"] == "print(1)"
    assert detail["error"] == {"ename": "ValueError", "evalue": "bad", "traceback": "Traceback...",
                               "line": 3}
    assert detail["displays"] == [{"mime": "text/plain", "data": "'x'"}]
    assert detail["duration_ms"] == 12 and detail["queue_position"] is None
    series = Client().get(f"/api/runs/{run.id}/metrics/").json()["series"]
    assert series == {"acc": [[0, None, 5.0]],
                      "loss": [[0, 1.0, 100.0], [1, 0.5, 101.0], [2, 1 / 3, 102.0]]}


def test_openapi_schema_describes_every_endpoint():
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert set(paths) >= {"/api/runs/", "/api/runs/{run_id}/", "/api/runs/{run_id}/cancel/",
                          "/api/runs/{run_id}/metrics/"}
    body = paths["/api/runs/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"code", "device", "name", "kind"} and body["required"] == ["code"]
    assert "201" in paths["/api/runs/"]["post"]["responses"]


def test_api_requests_are_rate_limited_per_client(monkeypatch):
    from django.core.cache import cache

    from playground.runs.api import request_throttle

    monkeypatch.setattr(request_throttle, "num_requests", 3)
    cache.clear()
    client = Client()
    codes = [client.get("/api/runs/").status_code for _ in range(5)]
    cache.clear()
    assert codes == [200, 200, 200, 429, 429]


def test_a_body_beyond_djangos_upload_limit_is_413_json():
    res = post(Client(), {"code": "x" * 3_000_000})
    assert res.status_code == 413
    assert "the request body is larger than 2621440 bytes" in res.json()["detail"]


def test_errors_that_no_api_view_answers_are_json_too():
    client = Client()
    res = client.get(f"/api/runs/{uuid.uuid4()}/cancel/")
    assert res.status_code == 405 and "POST" in res.json()["detail"] and "POST" in res["Allow"]
    res = client.get("/api/nothing-here/")
    assert res.status_code == 404 and res.json()["detail"].startswith("no API endpoint at")
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")   # pages stay HTML


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_run_the_executor_lost_closes_it():
    """A run left "running" by a server that restarted: Stop still ends it, visibly."""
    lost = Run.objects.create(owner="ip:127.0.0.1", code="x", status="running")
    res = Client().post(f"/api/runs/{lost.id}/cancel/")
    assert res.status_code == 202
    assert res.json()["detail"] == "cancelled: the run was no longer executing"
    lost.refresh_from_db()
    assert lost.status == "cancelled" and lost.message == "Cancelled (the run was no longer executing)."


def openapi():
    return Client().get("/api/openapi.json").json()


def test_the_openapi_schema_is_valid_openapi_3_1():
    from openapi_spec_validator import validate

    schema = openapi()
    assert schema["openapi"].startswith("3.1")
    validate(schema)   # raises with the first violation


def test_every_operation_lists_its_429_and_the_bodies_say_what_is_refused():
    schema = openapi()
    operations = [(path, method, op) for path, ops in schema["paths"].items()
                  for method, op in ops.items()]
    assert [(p, m) for p, m, op in operations if "429" not in op["responses"]] == []
    body = schema["paths"]["/api/runs/"]["post"]["requestBody"]["content"]["application/json"]
    code = body["schema"]["properties"]["code"]
    assert code["minLength"] == 1 and body["schema"]["additionalProperties"] is False
    # The pattern the schema states refuses what the API refuses: blank code, a NUL.
    import re
    assert not re.search(code["pattern"], " \n\t") and not re.search(code["pattern"], "x\x00")
    assert re.search(code["pattern"], "print(1)\n")
    rename = schema["paths"]["/api/runs/{run_id}/"]["patch"]["requestBody"]["content"]
    assert rename["application/json"]["schema"]["properties"]["name"]["minLength"] == 1


def test_metric_points_are_described_so_that_3_0_era_tools_read_them():
    series = openapi()["components"]["schemas"]["MetricsOut"]["properties"]["series"]
    point = series["additionalProperties"]["items"]
    assert "prefixItems" not in point
    assert point["type"] == "array" and point["minItems"] == point["maxItems"] == 3
    assert point["items"] == {"type": ["number", "null"]}


@pytest.mark.parametrize("body", [{"code": ""}, {"code": "  \n"}])
def test_code_the_schema_refuses_the_api_refuses(body):
    res = post(Client(), body)
    assert res.status_code == 400 and '"code" is empty' in res.json()["detail"]
