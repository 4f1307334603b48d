"""Quotas against one client that looks like many: a fresh session (cookie) per run must not
lift the cap on runs queued or running, which is also kept per address."""
import json

import pytest
from django.test import Client

from playground.runs.models import Run

pytestmark = pytest.mark.django_db


def test_new_sessions_do_not_lift_the_cap_on_active_runs_from_one_address(settings):
    settings.PLAYGROUND_MAX_ACTIVE_RUNS_PER_ADDRESS = 4
    for i in range(4):   # four "people", each with their own session, one address
        Run.objects.create(owner=f"session:s{i}", client_ip="127.0.0.1", code="x",
                           status="running" if i % 2 else "queued")
    Run.objects.create(owner="session:done", client_ip="127.0.0.1", code="x",
                       status="succeeded")   # finished runs do not count
    client = Client()
    client.get("/")   # a fifth fresh session
    res = client.post("/api/runs/", data=json.dumps({"code": "print(1)"}),
                      content_type="application/json")
    assert res.status_code == 429, res.content
    assert "your network address already has 4 runs" in res.json()["detail"]
    assert Run.objects.count() == 5
