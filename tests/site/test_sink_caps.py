"""What one run may cost the server's storage and log: its stored metric points are capped
(PLAYGROUND_MAX_STORED_METRIC_POINTS) with a visible marker, and its warnings are few."""
import logging

import pytest
from django.test import Client

from playground.runs.models import Metric, Run
from playground.runs.sink import EventSink
from tests.site.test_sink import feed, listen  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run():
    return Run.objects.create(owner="session:t", code="x", status="running")


def points(start, n):
    return [{"name": "loss", "step": i, "value": float(i), "wall_time": 1.0 + i}
            for i in range(start, start + n)]


def test_metric_points_past_the_cap_are_live_only_and_the_run_says_so(run, listen, settings):
    settings.PLAYGROUND_MAX_STORED_METRIC_POINTS = 100
    sink = EventSink()
    feed(sink, run, {"type": "metrics", "points": points(0, 60)})
    feed(sink, run, {"type": "display", "mime": "text/plain", "data": "flush"})
    feed(sink, run, {"type": "metrics", "points": points(60, 60)},
         {"type": "metrics", "points": points(120, 30)},
         {"type": "finished", "status": "succeeded", "duration_ms": 1, "message": ""})
    assert list(Metric.objects.filter(run=run).values_list("step", flat=True)) == list(range(100))
    published = [ev for batch in listen() for ev in batch["events"]]
    live = [p["step"] for ev in published if ev["type"] == "metrics" for p in ev["points"]]
    assert live == list(range(150))   # the page watching live saw every point
    [note] = [ev for ev in published if ev["type"] == "stderr"]
    assert "metrics truncated: the stored copy of this run keeps its first 100 points" in note["text"]
    detail = Client().get(f"/api/runs/{run.id}/").json()
    assert detail["output_truncated"] is True and note["text"] in detail["stderr"]
    series = Client().get(f"/api/runs/{run.id}/metrics/").json()["series"]
    assert len(series["loss"]) == 100


def test_a_second_sink_counts_the_points_already_stored(run, settings):
    settings.PLAYGROUND_MAX_STORED_METRIC_POINTS = 50
    feed(EventSink(), run, {"type": "metrics", "points": points(0, 40)},
         {"type": "display", "mime": "text/plain", "data": "flush"})
    feed(EventSink(), run, {"type": "metrics", "points": points(40, 40)},
         {"type": "finished", "status": "succeeded", "duration_ms": 1, "message": ""})
    assert Metric.objects.filter(run=run).count() == 50


def test_a_flood_of_junk_points_writes_a_few_log_lines_not_one_each(run, caplog):
    junk = [{"name": "loss", "step": "x", "value": 1.0, "wall_time": 1.0}] * 5000
    with caplog.at_level(logging.WARNING, logger="playground.runs.sink"):
        feed(EventSink(), run, *[{"type": "metrics", "points": junk} for _ in range(4)],
             {"type": "finished", "status": "succeeded", "duration_ms": 1, "message": ""})
    lines = [r.getMessage() for r in caplog.records if str(run.id) in r.getMessage()]
    assert 3 <= len(lines) <= 10, lines[:3]
    assert "more warnings about run" in lines[-2]
    assert lines[-1] == f"sink: {20000 - 5} warnings about run {run.id} were not logged"
    assert Metric.objects.filter(run=run).count() == 0
