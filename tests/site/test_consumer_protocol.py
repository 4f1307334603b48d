"""The websocket's answers to malformed messages, origin checks, and replaying stored runs.
(Live runs through the real executor are in tests/site/test_consumer_runs.py.)"""
import uuid

import pytest
from channels.db import database_sync_to_async

from playground.runs.models import Metric, Run
from tests import ws_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


CLIENT_PORT = 50000


def connected():
    return ws_client.connected(CLIENT_PORT)


async def test_a_page_from_another_origin_cannot_open_the_socket():
    comm = ws_client.communicator(CLIENT_PORT, origin=b"http://evil.example")
    ok, _ = await comm.connect()
    assert not ok


@pytest.mark.parametrize("frame, words", [
    ("not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('"run"', "must be a JSON object"),
    ("{}", "unknown message type None"),
    ('{"type": "explode"}', "unknown message type 'explode'"),
    ('{"type": "run"}', '"run" needs "code"'),
    ('{"type": "run", "code": 42}', '"code" must be a string'),
    ('{"type": "run", "code": ""}', '"code" is empty'),
    ('{"type": "run", "code": "print(1)", "device": "tpu"}', '"device" must be one of cpu, cuda'),
    ('{"type": "cancel"}', '"cancel" needs "run_id"'),
    ('{"type": "cancel", "run_id": 7}', '"cancel" needs "run_id"'),
    ('{"type": "watch", "run_id": "abc"}', "'abc' is not a run id"),
    ('{"type": "watch", "run_id": "%s"}' % uuid.UUID(int=1), f"no run with id {uuid.UUID(int=1)}"),
])
async def test_malformed_messages_get_invalid_and_the_socket_stays_open(frame, words):
    comm = await connected()
    await comm.send_to(text_data=frame)
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and words in reply["message"], reply
    assert set(reply) == {"type", "message"}
    # Still open and still answering.
    await comm.send_to(text_data="{}")
    assert (await comm.receive_json_from(timeout=5))["type"] == "invalid"
    await comm.disconnect()
    assert await database_sync_to_async(Run.objects.count)() == 0


async def test_binary_frames_are_invalid():
    comm = await connected()
    await comm.send_to(bytes_data=b"\x00\x01")
    reply = await comm.receive_json_from(timeout=5)
    assert reply == {"type": "invalid",
                     "message": "send text frames holding JSON objects, not binary frames"}
    await comm.disconnect()


async def test_oversized_code_is_invalid(settings):
    settings.PLAYGROUND_MAX_CODE_BYTES = 100
    comm = await connected()
    await comm.send_json_to({"type": "run", "code": "x = 1\n" * 50, "device": "cpu"})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and "300 bytes; the limit is 100 bytes" in reply["message"]
    await comm.disconnect()


async def test_quota_is_invalid_with_the_reason(settings):
    settings.PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT = 1
    # The communicator has no session: the caller is its address.
    await database_sync_to_async(Run.objects.create)(owner="ip:127.0.0.1", code="x",
                                                     status="running")
    comm = await connected()
    await comm.send_json_to({"type": "run", "code": "print(1)", "device": "cpu"})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "invalid" and "the limit is 1" in reply["message"]
    await comm.disconnect()


async def test_cancel_of_a_finished_or_foreign_run_is_invalid():
    done = await database_sync_to_async(Run.objects.create)(owner="ip:127.0.0.1", code="x",
                                                            status="succeeded")
    foreign = await database_sync_to_async(Run.objects.create)(owner="session:x", code="x",
                                                               status="running")
    comm = await connected()
    await comm.send_json_to({"type": "cancel", "run_id": str(done.id)})
    assert "already finished (succeeded)" in (await comm.receive_json_from(timeout=5))["message"]
    await comm.send_json_to({"type": "cancel", "run_id": str(foreign.id)})
    assert "only the person who started" in (await comm.receive_json_from(timeout=5))["message"]
    await comm.disconnect()


def _finished_run():
    run = Run.objects.create(owner="session:x", code="print(1)", status="failed",
                             stdout="hello\n", stderr="careful\n", error_type="ZeroDivisionError",
                             error_message="division by zero", error_traceback="Traceback ...",
                             error_line=2, duration_ms=34, message="Your code raised an error.",
                             displays=[{"mime": "text/plain", "data": "42"}], last_seq=9)
    Metric.objects.create(run=run, name="loss", step=0, value=0.5, wall_time=10.0)
    return run


async def test_watch_replays_a_stored_run_in_stream_order():
    run = await database_sync_to_async(_finished_run)()
    rid = str(run.id)
    comm = await connected()
    await comm.send_json_to({"type": "watch", "run_id": rid})
    got = [await comm.receive_json_from(timeout=5) for _ in range(6)]
    # The stored run as of its last event (seq 9), marked as a replay: it replaces a copy.
    assert all(m.pop("seq") == 9 and m.pop("replay") is True for m in got)
    assert got == [
        {"type": "stdout", "run_id": rid, "text": "hello\n"},
        {"type": "stderr", "run_id": rid, "text": "careful\n"},
        {"type": "display", "run_id": rid, "mime": "text/plain", "data": "42"},
        {"type": "metrics", "run_id": rid,
         "points": [{"name": "loss", "step": 0, "value": 0.5, "wall_time": 10.0}]},
        {"type": "error", "run_id": rid, "ename": "ZeroDivisionError",
         "evalue": "division by zero", "traceback": "Traceback ...", "line": 2},
        {"type": "finished", "run_id": rid, "status": "failed", "duration_ms": 34,
         "message": "Your code raised an error."},
    ]
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_live_events_already_replayed_are_not_sent_twice():
    """The sink publishes batches with sequence numbers; a watcher drops what the replay had."""
    from playground.runs.publish import group_name

    run = await database_sync_to_async(Run.objects.create)(
        owner="session:x", code="x", status="running", stdout="a\n", last_seq=2)
    rid = str(run.id)
    comm = await connected()
    await comm.send_json_to({"type": "watch", "run_id": rid})
    assert await comm.receive_json_from(timeout=5) == {"type": "status", "run_id": rid,
                                                       "status": "running", "seq": 2,
                                                       "replay": True}
    assert (await comm.receive_json_from(timeout=5))["text"] == "a\n"
    from channels.layers import get_channel_layer
    await get_channel_layer().group_send(group_name(rid), {
        "type": "run.events", "run_id": rid, "events": [
            {"type": "stdout", "run_id": rid, "text": "a\n", "seq": 2},       # already replayed
            {"type": "stdout", "run_id": rid, "text": "b\n", "seq": 3}]})
    assert await comm.receive_json_from(timeout=5) == {"type": "stdout", "run_id": rid,
                                                       "text": "b\n", "seq": 3}
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


async def test_gpu_runs_without_a_gpu_are_invalid_with_the_reason(monkeypatch):
    from playground.executors.local import LocalExecutor

    # The page, the API and the socket ask the executor which devices it can serve.
    monkeypatch.setattr(LocalExecutor, "unavailable_reason", lambda self, device:
                        "no CUDA device is visible" if device == "cuda" else None)
    comm = await connected()
    await comm.send_json_to({"type": "run", "code": "print(1)", "device": "cuda"})
    assert await comm.receive_json_from(timeout=5) == {
        "type": "invalid", "message": "GPU runs are not available: no CUDA device is visible"}
    await comm.disconnect()


async def test_nan_never_reaches_the_browser_as_invalid_json():
    """Whatever a display or metric carries, every frame is strict JSON."""
    import json as strict_json

    from channels.layers import get_channel_layer

    from playground.runs.publish import group_name

    run = await database_sync_to_async(Run.objects.create)(owner="session:x", code="x",
                                                           status="running")
    rid = str(run.id)
    comm = await connected()
    await comm.send_json_to({"type": "watch", "run_id": rid})
    await comm.receive_json_from(timeout=5)                       # status running
    await get_channel_layer().group_send(group_name(rid), {
        "type": "run.events", "run_id": rid, "events": [
            {"type": "display", "run_id": rid, "mime": "application/json", "seq": 1,
             "data": {"values": [1.0, float("nan"), [float("inf")]]}}]})
    frame = await comm.receive_from(timeout=5)
    assert strict_json.loads(frame, parse_constant=lambda c: pytest.fail(f"{c} in a frame")) == {
        "type": "display", "run_id": rid, "mime": "application/json", "seq": 1,
        "data": {"values": [1.0, None, [None]]}}
    await comm.disconnect()


async def test_a_deeply_nested_message_is_invalid_and_the_socket_stays_open():
    comm = await connected()
    await comm.send_to(text_data='{"type": "run", "code": ' + "[" * 3000 + "]" * 3000 + "}")
    reply = await comm.receive_json_from(timeout=5)
    assert reply == {"type": "invalid", "message": "message is not valid JSON: nested too deeply"}
    await comm.send_to(text_data="{}")
    assert (await comm.receive_json_from(timeout=5))["type"] == "invalid"
    await comm.disconnect()
