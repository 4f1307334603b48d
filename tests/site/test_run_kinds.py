"""A run's kind (and so its limits) comes from how it was asked for, never from its code; long
runs have their own quota: one per client, at most half of the pool's slots site-wide."""
import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from playground import policy
from playground.runs.models import Run
from tests import ws_client

CLIENT_PORT = 50031
TRAINING_LOOKING = "# loss.backward(); optimizer.step()\nprint(1)\n"


def post(client, body):
    return client.post("/api/runs/", data=json.dumps(body), content_type="application/json")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("asked, stored", [(None, "snippet"), ("snippet", "snippet"),
                                           ("training", "training")])
async def test_a_websocket_run_gets_the_kind_it_asked_for_not_one_read_from_its_code(asked,
                                                                                    stored):
    comm = await ws_client.connected(CLIENT_PORT)
    message = {"type": "run", "code": TRAINING_LOOKING, "device": "cpu"}
    if asked:
        message["kind"] = asked
    await comm.send_json_to(message)
    accepted = await comm.receive_json_from(timeout=10)
    assert accepted["type"] == "accepted", accepted
    await ws_client.until_finished(comm)
    run = await database_sync_to_async(Run.objects.get)(pk=accepted["run_id"])
    assert run.kind == stored
    assert run.spec().limits == policy.resolve_limits(stored)
    await comm.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["notebook", "huge", 3, None])
async def test_a_websocket_run_of_an_unknown_kind_is_invalid(kind):
    comm = await ws_client.connected(CLIENT_PORT)
    await comm.send_json_to({"type": "run", "code": "print(1)", "kind": kind})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid", reply
    assert reply["message"] == f'"kind" must be one of snippet, api, training, not {kind!r}'
    await comm.disconnect()
    assert await database_sync_to_async(Run.objects.count)() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["notebook", "", ["training"]])
def test_a_rest_run_of_an_unknown_kind_is_a_400(kind):
    res = post(Client(), {"code": "print(1)", "kind": kind})
    assert res.status_code == 400, res.content
    assert '"kind" must be one of snippet, api, training' in res.json()["detail"]
    assert Run.objects.count() == 0


def refused_training_run():
    """The detail of a training run refused with 429 (nothing stored)."""
    before = Run.objects.count()
    res = post(Client(), {"code": "print(1)", "kind": "training"})
    assert res.status_code == 429, res.content
    assert Run.objects.count() == before
    return res.json()["detail"]


@pytest.mark.django_db
def test_one_long_run_per_client(settings):
    settings.PLAYGROUND_POOL_SIZE = 8
    Run.objects.create(owner="ip:127.0.0.1", client_ip="127.0.0.1", code="x", kind="training",
                       status="running")
    assert "you already have 1 training run(s) queued or running" in refused_training_run()


@pytest.mark.django_db
def test_long_runs_never_take_more_than_half_of_the_pool(settings):
    settings.PLAYGROUND_POOL_SIZE = 4
    for i in range(2):   # two other people's training runs: half of four slots
        Run.objects.create(owner=f"session:other{i}", client_ip=f"10.0.0.{i}", code="x",
                           kind="training", status="running" if i else "queued")
    Run.objects.create(owner="session:done", code="x", kind="training", status="succeeded")
    detail = refused_training_run()
    assert "2 long runs are queued or running" in detail and "the limit is 2" in detail


def test_the_long_kinds_are_those_longer_than_a_snippet(settings):
    p = policy.current()
    assert p.long_kinds == ("training",) and "notebook" not in p.run_kinds
    settings.PLAYGROUND_LIMITS = {"api": {"wall_s": 300.0}}
    assert policy.current().long_kinds == ("api", "training")
    settings.PLAYGROUND_POOL_SIZE = 1
    assert policy.current().long_run_slots == 1
