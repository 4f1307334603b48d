"""The REST API while Redis is away (its cache and the run queue pointed at a port where
nothing listens): stored runs are still read from the database, the request rate is counted
in the process instead of failing, and a new run gets a clear 503 with Retry-After."""
import json

import pytest
from django.test import Client

from playground import events
from playground.executors import fleet
from playground.runs import lifecycle
from playground.runs.api import request_throttle
from playground.runs.models import Run

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_REDIS = "redis://127.0.0.1:9/0"   # the discard port: nothing answers there


@pytest.fixture
def redis_away(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": DEAD_REDIS,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    monkeypatch.setattr(request_throttle.cache, "away_until", 0.0)
    request_throttle.cache.local.clear()
    monkeypatch.setenv("REDIS_URL", DEAD_REDIS)
    fleet._clients.clear()
    from playground.executors.celery_executor import CeleryExecutor
    from playground.runs.sink import event_sink
    from playground.runs.store import run_store

    executor = CeleryExecutor(event_sink, run_store)
    monkeypatch.setattr(lifecycle, "executor", lambda: executor)
    yield
    executor.shutdown()
    fleet._clients.clear()
    request_throttle.cache.local.clear()


def test_stored_runs_are_read_from_the_database(redis_away):
    run = Run.objects.create(owner="ip:127.0.0.1", client_ip="127.0.0.1", code="print(1)",
                             status=events.SUCCEEDED, stdout="1\n")
    client = Client()
    listed = client.get("/api/runs/")
    assert listed.status_code == 200, listed.content
    assert [r["id"] for r in listed.json()["runs"]] == [str(run.id)]
    detail = client.get(f"/api/runs/{run.id}/")
    assert detail.status_code == 200 and detail.json()["stdout"] == "1\n"
    assert client.get(f"/api/runs/{run.id}/metrics/").status_code == 200


def test_the_request_rate_is_counted_in_the_process_meanwhile(redis_away, monkeypatch):
    monkeypatch.setattr(request_throttle, "num_requests", 3)
    client = Client()
    codes = [client.get("/api/runs/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


def test_a_new_run_gets_503_with_retry_after_and_ends_rejected(redis_away):
    res = Client().post("/api/runs/", data=json.dumps({"code": "print(1)"}),
                        content_type="application/json")
    assert res.status_code == 503, res.content
    assert int(res["Retry-After"]) > 0
    assert res.json()["detail"] == "the run queue cannot be reached right now; try again in a minute"
    [run] = Run.objects.all()   # stored, and ended saying why: it does not wait forever
    assert run.status == events.REJECTED and run.message == res.json()["detail"]
