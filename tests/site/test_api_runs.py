"""Runs started, polled, cancelled and listed through the REST API with the real executor."""
import json
import time

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)

FINAL = {"succeeded", "failed", "timeout", "cpu_limit", "memory_limit", "output_limit",
         "killed", "cancelled", "rejected"}


def start(client, code, **extra):
    res = client.post("/api/runs/", data=json.dumps({"code": code, **extra}),
                      content_type="application/json")
    assert res.status_code == 201, res.content
    return res.json()


def wait_final(client, run_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/api/runs/{run_id}/").json()
        if run["status"] in FINAL:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def test_start_poll_and_read_a_run():
    client = Client()
    created = start(client, "import torch\nprint(torch.ones(2) * 3)\ntorch.zeros(2, 2)",
                    name="ones")
    assert set(created) == {"id", "status", "url"}
    assert created["status"] in {"queued", "running", "succeeded"}
    assert created["url"] == f"/runs/{created['id']}/"
    run = wait_final(client, created["id"])
    assert run["status"] == "succeeded", run
    assert run["stdout"] == "tensor([3., 3.])\n"
    assert run["name"] == "ones" and run["kind"] == "api" and run["device"] == "cpu"
    [display] = run["displays"]
    assert display["mime"] == "application/vnd.playground.tensor+json"
    assert display["data"]["shape"] == [2, 2] and display["data"]["values"] == [[0.0, 0.0]] * 2
    assert run["started_at"] and run["finished_at"] and run["duration_ms"] is not None
    assert run["error"] is None
    assert client.get(f"/api/runs/{created['id']}/metrics/").json() == {"series": {}}
    assert [r["id"] for r in client.get("/api/runs/").json()["runs"]] == [created["id"]]


def test_an_error_is_reported_with_its_line():
    client = Client()
    run = wait_final(client, start(client, "a = [1]\n\nprint(a[5])\n")["id"])
    assert run["status"] == "failed"
    assert run["error"]["ename"] == "IndexError" and run["error"]["line"] == 3
    assert "list index out of range" in run["error"]["evalue"]


def test_cancel_an_endless_loop():
    client = Client()
    created = start(client, "while True:\n    pass\n")
    res = client.post(f"/api/runs/{created['id']}/cancel/")
    assert res.status_code == 202 and res.json()["detail"] == "cancelling"
    run = wait_final(client, created["id"], timeout=30)
    assert run["status"] == "cancelled"
    assert client.post(f"/api/runs/{created['id']}/cancel/").status_code == 409


def test_session_callers_see_only_their_own_runs():
    browser, script = Client(), Client()
    browser.get("/")   # the page gives this browser a session
    mine = start(browser, "print(1)")["id"]
    theirs = start(script, "print(2)")["id"]
    assert [r["id"] for r in browser.get("/api/runs/").json()["runs"]] == [mine]
    assert [r["id"] for r in script.get("/api/runs/").json()["runs"]] == [theirs]
    assert browser.post(f"/api/runs/{theirs}/cancel/").status_code in (403, 409)
    for rid in (mine, theirs):
        wait_final(browser, rid)
