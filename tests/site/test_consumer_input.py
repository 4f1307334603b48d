"""The websocket against hostile input: odd JSON types, huge numbers, NaN, unicode, and one
client opening many watches. Each gets a specific "invalid" and the socket keeps serving."""
import json
import uuid

import pytest
from channels.db import database_sync_to_async

from playground.runs.models import Run
from tests import ws_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

CLIENT_PORT = 50100


async def still_serving(comm):
    await comm.send_to(text_data="{}")
    assert (await comm.receive_json_from(timeout=5))["type"] == "invalid"


@pytest.mark.parametrize("frame, words", [
    ('{"type": ["run"]}', "unknown message type ['run']"),
    ('{"type": {"a": 1}}', "unknown message type {'a': 1}"),
    ('{"type": "run", "code": NaN}', '"code" must be a string'),
    ('{"type": "run", "code": 1e999}', '"code" must be a string'),
    ('{"type": "run", "code": "print(1)", "device": ["cpu"]}', '"device" must be one of'),
    ('{"type": "run", "code": "print(1)", "device": 10000000000000000000000000000000}',
     '"device" must be one of'),
    ('{"type": "run", "code": "print(1)\\ud800"}', "not valid Unicode"),
    ('{"type": "watch", "run_id": "\\ud800"}', "is not a run id"),
    ('{"type": "watch", "run_id": "%s"}' % ("f" * 10_000), "is not a run id"),
    ('[' * 100_000 + ']' * 100_000, "not valid JSON"),
], ids=lambda v: v[:40] if isinstance(v, str) else None)
async def test_odd_values_get_a_specific_invalid_and_the_socket_stays_open(frame, words):
    comm = await ws_client.connected(CLIENT_PORT)
    await comm.send_to(text_data=frame)
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and words in reply["message"], reply
    assert len(reply["message"]) < 500   # says why without echoing a huge input back
    await still_serving(comm)
    await comm.disconnect()
    assert await database_sync_to_async(Run.objects.count)() == 0


async def test_a_socket_has_a_limit_of_live_watches(settings):
    settings.PLAYGROUND_MAX_WATCHES_PER_SOCKET = 3
    runs = [await database_sync_to_async(Run.objects.create)(owner="session:other", code="x",
                                                             status="running")
            for _ in range(4)]
    comm = await ws_client.connected(CLIENT_PORT)
    for run in runs[:3]:
        await comm.send_json_to({"type": "watch", "run_id": str(run.id)})
        assert (await comm.receive_json_from(timeout=5))["type"] == "status"
    await comm.send_json_to({"type": "watch", "run_id": str(runs[3].id)})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and "3 runs" in reply["message"], reply
    # Watching one of them again is no new watch.
    await comm.send_json_to({"type": "watch", "run_id": str(runs[0].id)})
    assert (await comm.receive_json_from(timeout=5))["type"] == "status"
    await comm.disconnect()


async def test_finished_runs_do_not_count_as_watches(settings):
    settings.PLAYGROUND_MAX_WATCHES_PER_SOCKET = 2
    done = [await database_sync_to_async(Run.objects.create)(
        owner="session:other", code="x", status="succeeded", message="ok") for _ in range(5)]
    comm = await ws_client.connected(CLIENT_PORT)
    for run in done:   # a permalink page or the dashboard replaying finished runs
        await comm.send_json_to({"type": "watch", "run_id": str(run.id)})
        assert (await comm.receive_json_from(timeout=5))["type"] == "finished"
    live = await database_sync_to_async(Run.objects.create)(owner="session:other", code="x",
                                                            status="running")
    await comm.send_json_to({"type": "watch", "run_id": str(live.id)})
    assert (await comm.receive_json_from(timeout=5))["type"] == "status"
    await comm.disconnect()


async def test_a_socket_without_an_origin_is_refused():
    comm = ws_client.communicator(CLIENT_PORT)
    comm.scope["headers"] = [(k, v) for k, v in comm.scope["headers"] if k != b"origin"]
    ok, _ = await comm.connect()
    assert not ok


@pytest.mark.parametrize("origin", [b"http://127.0.0.1:9999", b"http://127.0.0.1", b"null",
                                    b"http://127.0.0.1:8000.evil.example"])
async def test_a_page_on_another_port_or_origin_of_the_host_cannot_open_the_socket(origin):
    # 127.0.0.1 is in ALLOWED_HOSTS, so a host-only check lets these through.
    comm = ws_client.communicator(CLIENT_PORT, site="127.0.0.1:8000", origin=origin)
    ok, _ = await comm.connect()
    assert not ok


async def test_a_trusted_origin_may_open_the_socket(settings):
    # (its host must be in ALLOWED_HOSTS too, which asgi.py's validator checks first)
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost:3000"]
    comm = ws_client.communicator(CLIENT_PORT, site="127.0.0.1:8000",
                                  origin=b"http://localhost:3000")
    ok, _ = await comm.connect()
    assert ok
    await comm.disconnect()


async def test_one_address_may_open_only_so_many_sockets(settings):
    settings.PLAYGROUND_MAX_SOCKETS_PER_ADDRESS = 3
    from playground.runs import consumers
    consumers._open_sockets.clear()   # sockets other tests left open do not count here
    socks = [await ws_client.connected(CLIENT_PORT) for _ in range(3)]
    extra = ws_client.communicator(CLIENT_PORT)
    ok, _ = await extra.connect()
    assert not ok
    await socks[0].disconnect()     # a closed socket gives its place back
    again = await ws_client.connected(CLIENT_PORT)
    await still_serving(again)
    for comm in (*socks[1:], again):
        await comm.disconnect()
    assert consumers._open_sockets["127.0.0.1"] == 0


async def test_a_socket_sending_too_many_messages_is_told_and_ignored(settings):
    settings.PLAYGROUND_WS_MESSAGES_PER_MINUTE = 5
    done = await database_sync_to_async(Run.objects.create)(
        owner="session:other", code="x", status="succeeded", message="ok")
    comm = await ws_client.connected(CLIENT_PORT)
    for _ in range(5):   # each one a full replay
        await comm.send_json_to({"type": "watch", "run_id": str(done.id)})
        assert (await comm.receive_json_from(timeout=5))["type"] == "finished"
    await comm.send_json_to({"type": "watch", "run_id": str(done.id)})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and "limit is 5 a minute" in reply["message"], reply
    assert await comm.receive_nothing(timeout=0.2)   # no replay followed
    await comm.disconnect()
