"""The event sink: what it stores on Run/Metric rows and what it publishes, in what order."""
import math

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from playground.runs.models import Metric, Run
from playground.runs.publish import group_name
from playground.runs.sink import EventSink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run():
    return Run.objects.create(owner="session:t", code="print(1)")


@pytest.fixture
def listen(run):
    """A channel subscribed to the run's group; returns a function that drains it."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(run.id), channel)

    def drain():
        batches = []
        while True:
            try:
                batches.append(async_to_sync(_receive_now)(layer, channel))
            except TimeoutError:
                return batches
    return drain


async def _receive_now(layer, channel):
    import asyncio
    return await asyncio.wait_for(layer.receive(channel), 0.3)


def feed(sink, run, *events):
    for ev in events:
        sink({**ev, "run_id": str(run.id)})


def test_a_whole_run_is_stored_and_published_in_order(run, listen):
    sink = EventSink()
    feed(sink, run,
         {"type": "status", "status": "queued", "queue_position": 1},
         {"type": "status", "status": "running"},
         {"type": "stdout", "text": "a\n"},
         {"type": "stdout", "text": "b\n"},
         {"type": "stderr", "text": "warn\n"},
         {"type": "metrics", "points": [{"name": "loss", "step": 0, "value": 1.5, "wall_time": 1.0},
                                        {"name": "loss", "step": 1, "value": float("nan"),
                                         "wall_time": 2.0}]},
         {"type": "display", "mime": "text/plain", "data": "42"},
         {"type": "error", "ename": "ValueError", "evalue": "no", "traceback": "Traceback", "line": 3},
         {"type": "finished", "status": "failed", "duration_ms": 120, "message": "It raised."},
         {"type": "stdout", "text": "after the end\n"})
    run.refresh_from_db()
    assert run.status == "failed" and run.message == "It raised." and run.duration_ms == 120
    assert run.started_at is not None and run.finished_at is not None
    assert run.stdout == "a\nb\n" and run.stderr == "warn\n"
    assert run.displays == [{"mime": "text/plain", "data": "42"}]
    assert run.error == {"ename": "ValueError", "evalue": "no", "traceback": "Traceback", "line": 3}
    assert run.last_seq == 9
    rows = list(Metric.objects.filter(run=run).values_list("name", "step", "value"))
    assert rows == [("loss", 0, 1.5), ("loss", 1, None)]  # NaN is not JSON: stored as null

    published = [ev for batch in listen() for ev in batch["events"]]
    assert [ev["seq"] for ev in published] == list(range(1, 10))
    assert [ev["type"] for ev in published] == ["status", "status", "stdout", "stdout", "stderr",
                                                "metrics", "display", "error", "finished"]
    assert all(ev["run_id"] == str(run.id) for ev in published)
    assert published[5]["points"][1]["value"] is None
    assert published[0]["queue_position"] == 1


def test_chatty_output_is_batched_into_few_writes_and_messages(run, listen, settings):
    settings.PLAYGROUND_SINK_FLUSH_SECONDS = 60   # only size and urgent events flush
    sink = EventSink()
    feed(sink, run, *[{"type": "stdout", "text": f"{i}\n"} for i in range(450)])
    feed(sink, run, {"type": "finished", "status": "succeeded", "duration_ms": 1, "message": ""})
    batches = listen()
    assert [len(b["events"]) for b in batches] == [200, 200, 51]
    run.refresh_from_db()
    assert run.stdout == "".join(f"{i}\n" for i in range(450))


def test_a_pause_in_the_output_still_reaches_the_page(run, listen, settings):
    settings.PLAYGROUND_SINK_FLUSH_SECONDS = 0.05
    sink = EventSink()
    feed(sink, run, {"type": "stdout", "text": "working...\n"})
    # The code now computes quietly, sending nothing: the sink's timer flushes what it printed.
    import time
    deadline, batches = time.monotonic() + 10, []
    while not batches and time.monotonic() < deadline:
        batches = listen()
    assert [ev["text"] for b in batches for ev in b["events"]] == ["working...\n"]
    run.refresh_from_db()
    assert run.stdout == "working...\n"


def test_stored_output_is_capped_but_says_so(run, settings):
    settings.PLAYGROUND_MAX_STORED_OUTPUT = 10
    sink = EventSink()
    feed(sink, run, {"type": "stdout", "text": "123456"}, {"type": "stdout", "text": "7890abcdef"},
         {"type": "stdout", "text": "more"},
         {"type": "finished", "status": "succeeded", "duration_ms": 1, "message": ""})
    run.refresh_from_db()
    assert run.stdout.startswith("1234567890\n[output truncated")
    assert "first 10 bytes" in run.stdout and "abcdef" not in run.stdout and "more" not in run.stdout
    assert run.output_truncated


def test_displays_beyond_the_cap_are_not_stored(run, settings):
    settings.PLAYGROUND_MAX_STORED_DISPLAYS = 2
    sink = EventSink()
    feed(sink, run, *[{"type": "display", "mime": "text/plain", "data": str(i)} for i in range(4)])
    run.refresh_from_db()
    assert [d["data"] for d in run.displays] == ["0", "1"]


def test_events_of_unknown_runs_and_unknown_types_are_dropped(run):
    sink = EventSink()
    sink({"type": "stdout", "text": "x", "run_id": "00000000-0000-0000-0000-000000000000"})
    sink({"type": "shout", "text": "x", "run_id": str(run.id)})
    sink({"type": "stdout", "text": "x"})
    run.refresh_from_db()
    assert run.stdout == "" and run.last_seq == 0


def test_a_second_sink_continues_the_sequence_from_the_database(run):
    """A worker on another host (or a restarted server) numbers on from what is stored."""
    feed(EventSink(), run, {"type": "status", "status": "running"})
    feed(EventSink(), run, {"type": "finished", "status": "succeeded", "duration_ms": 5,
                            "message": "done"})
    run.refresh_from_db()
    assert run.last_seq == 2 and run.status == "succeeded"
    assert not math.isnan(run.duration_ms)
