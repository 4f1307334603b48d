"""POST /api/runs/<id>/control/: the websocket's "control" message over REST."""
import json
import time

import pytest
from django.test import Client

from playground.runs import lifecycle
from tests.site.test_consumer_run_control import TRAIN

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_rest_equivalent_pauses_resumes_and_refuses_as_the_websocket_does():
    client, other = Client(), Client()
    other.get("/")   # a browser with a session: someone else
    created = client.post("/api/runs/", data=json.dumps({"code": TRAIN}),
                          content_type="application/json").json()
    url = f"/api/runs/{created['id']}/control/"

    def post(c, body):
        return c.post(url, data=json.dumps(body), content_type="application/json")

    res = post(client, {"action": "pause"})
    assert res.status_code == 202 and res.json()["detail"] == "pause: sent"
    assert post(other, {"action": "resume"}).status_code == 403
    bad = post(client, {"action": "step", "n": 0})
    assert bad.status_code == 400 and '"n" (steps to take)' in bad.json()["detail"]
    assert post(client, {"action": "pause", "x": 1}).status_code == 400
    deadline = time.monotonic() + 30
    while (lifecycle.executor().run_state(created["id"]) or {}).get("state") != "paused":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert post(client, {"action": "resume"}).status_code == 202
    while client.get(f"/api/runs/{created['id']}/").json()["status"] != "succeeded":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert post(client, {"action": "pause"}).status_code == 409
