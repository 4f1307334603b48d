"""POST /api/runs/<id>/control/: the websocket's "control" message over REST."""
import json
import time

import pytest
from django.test import Client

from playground.runs import lifecycle
from playground.runs.models import Run
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


@pytest.mark.parametrize("body, words", [
    ({"action": "pause", "pace_s": {}}, "does not take 'pace_s' with \"action\": \"pause\""),
    ({"action": "resume", "unit": "epoch"}, "does not take 'unit'"),
    ({"action": "step", "n": "2"}, '"n" (steps to take) must be a whole number'),
    ({"action": "speed", "pace_s": None}, '"pace_s" (the least seconds per epoch'),
    ({"action": "speed", "pace_s": 61}, "a number from 0 to 60"),
    ({"action": "pause", "run_id": "x"}, "does not take 'run_id'"),
    ({"n": 1}, '"control" needs "action"'),
    ([], "the body must be a JSON object"),
])
def test_every_malformed_body_is_a_specific_400_before_anything_is_sent(body, words):
    """Even for a finished run (409 once the body is good): the body is checked first."""
    run = Run.objects.create(owner="ip:127.0.0.1", code="x", status="succeeded")
    res = Client().post(f"/api/runs/{run.id}/control/", data=json.dumps(body),
                        content_type="application/json")
    assert res.status_code == 400 and words in res.json()["detail"], res.json()


def test_the_schema_of_the_body_is_exact_per_action():
    from tests.site.test_api_validation import openapi
    body = openapi()["paths"]["/api/runs/{run_id}/control/"]["post"]["requestBody"]
    variants = body["content"]["application/json"]["schema"]["oneOf"]
    assert body["required"] is True
    by_action = {tuple(v["properties"]["action"]["enum"]): v for v in variants}
    assert set(by_action) == {("pause", "resume"), ("step",), ("speed",)}
    assert all(v["additionalProperties"] is False and v["required"][0] == "action"
               for v in variants)
    step, speed = by_action[("step",)]["properties"], by_action[("speed",)]["properties"]
    assert (step["n"]["type"], step["n"]["minimum"], step["n"]["maximum"]) == (
        "integer", 1, 1_000_000)
    assert speed["pace_s"] == {"type": "number", "minimum": 0, "maximum": 60}
    assert by_action[("speed",)]["required"] == ["action", "pace_s"]
    assert step["unit"]["enum"] == speed["unit"]["enum"] == ["epoch", "batch"]
