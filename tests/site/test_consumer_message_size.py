"""Every websocket message fits: a run that logs 200,000 points at once, or prints a
megabyte, reaches a watching page in messages of at most PLAYGROUND_WS_MAX_MESSAGE_BYTES,
each keeping its event's seq, the socket stays open and the page gets every point."""
import json

import pytest
from channels.db import database_sync_to_async

from playground.runs import frames
from playground.runs.models import Run
from playground.runs.sink import EventSink
from tests import ws_client

CLIENT_PORT = 50032
LIMIT = 256 * 1024
POINTS = 200_000


def points(n, name="loss"):
    return [{"name": name, "step": i, "value": 1.0 / (i + 1), "wall_time": 1e9 + i}
            for i in range(n)]


async def messages_until_finished(comm, timeout=60):
    """(raw text sizes, decoded messages) up to and including the run's "finished"."""
    sizes, got = [], []
    while True:
        out = await comm.receive_output(timeout=timeout)
        assert out["type"] == "websocket.send", out   # not a close
        sizes.append(len(out["text"].encode()))
        got.append(json.loads(out["text"]))
        if got[-1]["type"] == "finished":
            return sizes, got


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_burst_of_200000_points_and_a_megabyte_of_output_reach_a_page_in_small_messages(
        settings):
    settings.PLAYGROUND_MAX_STORED_METRIC_POINTS = 20_000   # (storing is not what this checks)
    run = await database_sync_to_async(Run.objects.create)(owner="session:x", code="x",
                                                           status="running")
    rid = str(run.id)
    comm = await ws_client.connected(CLIENT_PORT)
    await comm.send_json_to({"type": "watch", "run_id": rid})
    assert (await comm.receive_json_from(timeout=5))["type"] == "status"   # the replay
    sink = EventSink()
    big_text = ("é" * 99 + "\n") * 10_000   # 1.9 MB of UTF-8, more as JSON escapes
    for event in ({"type": "metrics", "points": points(POINTS)},
                  {"type": "stdout", "text": big_text},
                  {"type": "finished", "status": "succeeded", "duration_ms": 5, "message": ""}):
        await database_sync_to_async(sink.emit)({**event, "run_id": rid})
    sizes, got = await messages_until_finished(comm)
    assert max(sizes) <= LIMIT
    metrics = [m for m in got if m["type"] == "metrics"]
    assert len(metrics) > 1 and {m["seq"] for m in metrics} == {1}   # pieces of one event
    assert [p["step"] for m in metrics for p in m["points"]] == list(range(POINTS))
    assert "".join(m["text"] for m in got if m["type"] == "stdout") == big_text
    assert [m["seq"] for m in got] == sorted(m["seq"] for m in got)   # no gap, no step back
    await comm.send_json_to({"type": "watch", "run_id": "not-a-run"})   # still open
    assert (await comm.receive_json_from(timeout=5))["type"] == "invalid"
    await comm.disconnect()


def test_a_split_event_keeps_every_field_but_the_one_it_splits():
    event = {"type": "metrics", "run_id": "r", "seq": 7, "replay": True,
             "points": points(20_000)}
    texts = frames.encode(event, 64 * 1024)
    pieces = [json.loads(t) for t in texts]
    assert len(pieces) > 1 and all(len(t.encode()) <= 64 * 1024 for t in texts)
    assert all({k: v for k, v in p.items() if k != "points"} ==
               {"type": "metrics", "run_id": "r", "seq": 7, "replay": True} for p in pieces)
    assert [pt for p in pieces for pt in p["points"]] == event["points"]


@pytest.mark.parametrize("text", ["a" * 300_000, "\x01" * 100_000, "\u4e2d" * 100_000,
                                  "\ud800x" * 50_000], ids=["ascii", "control", "cjk", "surrogate"])
def test_text_is_split_at_characters_whatever_it_escapes_to(text):
    event = {"type": "stderr", "run_id": "r", "seq": 2, "text": text}
    texts = frames.encode(event, 32 * 1024)
    assert all(len(t.encode()) <= 32 * 1024 for t in texts)
    assert "".join(json.loads(t)["text"] for t in texts) == text


def test_a_display_too_large_for_a_frame_becomes_a_note():
    event = {"type": "display", "run_id": "r", "seq": 3, "mime": "text/plain",
             "data": "x" * (2 * 1024 * 1024)}
    [text] = frames.encode(event, 256 * 1024)
    note = json.loads(text)
    assert note["seq"] == 3 and "too large to show" in note["data"]
    medium = {**event, "data": "x" * (400 * 1024)}   # the sandbox's events reach 512 KiB
    assert json.loads(frames.encode(medium, 256 * 1024)[0]) == medium
