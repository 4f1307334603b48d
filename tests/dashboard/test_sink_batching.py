"""Server-side metric batching: however many "metrics" events a run sends, each flush of the
event sink publishes at most one, with every point in order, and stores them in bulk."""
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from playground.runs.models import Metric, Run
from playground.runs.publish import group_name
from playground.runs.sink import EventSink

pytestmark = pytest.mark.django_db(transaction=True)


async def _drain(layer, channel):
    import asyncio
    out = []
    while True:
        try:
            out.append(await asyncio.wait_for(layer.receive(channel), 0.3))
        except TimeoutError:
            return out


def test_consecutive_metrics_events_are_merged_into_one_message_per_flush(settings):
    settings.PLAYGROUND_SINK_FLUSH_SECONDS = 60     # only the urgent "finished" flushes
    run = Run.objects.create(owner="session:t", code="x")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(run.id), channel)
    sink = EventSink()
    rid = str(run.id)
    for i in range(50):   # 50 events of 10 points, as fast as hostile code could send them
        sink({"type": "metrics", "run_id": rid, "points": [
            {"name": "loss", "step": i * 10 + j, "value": float(j), "wall_time": 1.0}
            for j in range(10)]})
    sink({"type": "stdout", "run_id": rid, "text": "between\n"})
    sink({"type": "metrics", "run_id": rid, "points": [
        {"name": "loss", "step": 500, "value": 1.0, "wall_time": 2.0}]})
    sink({"type": "finished", "run_id": rid, "status": "succeeded", "duration_ms": 1,
          "message": "ok"})
    published = [ev for batch in async_to_sync(_drain)(layer, channel) for ev in batch["events"]]
    assert [ev["type"] for ev in published] == ["metrics", "stdout", "metrics", "finished"]
    assert [p["step"] for p in published[0]["points"]] == list(range(500))
    assert [ev["seq"] for ev in published] == [1, 2, 3, 4]
    assert Metric.objects.filter(run=run).count() == 501
    assert Run.objects.get(pk=run.id).last_seq == 4
