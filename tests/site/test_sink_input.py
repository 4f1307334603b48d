"""The event sink against hostile events from a child: one bad field must not lose the rest
of the batch (a run's output, status or other points)."""
import json

import pytest

from playground.runs.models import Metric, Run
from playground.runs.sink import EventSink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def run():
    return Run.objects.create(owner="session:t", code="print(1)")


def feed(sink, run, *events):
    for ev in events:
        sink({**ev, "run_id": str(run.id)})


@pytest.mark.parametrize("bad", [
    {"name": "loss", "step": 10 ** 30, "value": 1.0, "wall_time": 1.0},
    {"name": "loss", "step": -(10 ** 30), "value": 1.0, "wall_time": 1.0},
    {"name": "loss", "step": 1, "value": 1.0, "wall_time": float("nan")},
    {"name": "loss", "step": 1, "value": 10 ** 400, "wall_time": 1.0},
    {"name": "loss", "step": 1, "value": 1.0, "wall_time": 10 ** 400},
    {"name": "loss", "step": float("inf"), "value": 1.0, "wall_time": 1.0},
    {"name": "loss", "step": True, "value": 1.0, "wall_time": 1.0},
    "not a point",
])
def test_a_bad_metric_point_costs_only_itself(run, bad):
    sink = EventSink()
    feed(sink, run,
         {"type": "status", "status": "running"},
         {"type": "stdout", "text": "kept\n"},
         {"type": "metrics", "points": [{"name": "loss", "step": 0, "value": 2.0, "wall_time": 1.0},
                                        bad]},
         {"type": "finished", "status": "succeeded", "duration_ms": 5, "message": "done"})
    run.refresh_from_db()
    assert run.stdout == "kept\n"
    assert run.status == "succeeded"
    assert list(Metric.objects.filter(run=run).values_list("step", "value")) == [(0, 2.0)]


@pytest.mark.parametrize("line", ["3", 10 ** 30, [1], 2.5])
def test_an_error_with_a_bad_line_is_stored_with_its_message(run, line):
    sink = EventSink()
    feed(sink, run,
         {"type": "status", "status": "running"},
         {"type": "error", "ename": "ValueError", "evalue": "no", "traceback": "tb", "line": line},
         {"type": "finished", "status": "failed", "duration_ms": 5, "message": "It raised."})
    run.refresh_from_db()
    assert (run.error_type, run.error_message, run.status) == ("ValueError", "no", "failed")


def test_pages_get_only_the_points_that_were_stored(run, monkeypatch):
    """A forged string value would turn a live chart's axis into categories (whose labels
    Plotly renders as HTML); live pages must see what a replay of the stored run shows."""
    published = []
    monkeypatch.setattr("playground.runs.sink.publish", lambda group, msg: published.append(msg))
    sink = EventSink()
    feed(sink, run,
         {"type": "status", "status": "running"},
         {"type": "metrics", "points": [
             {"name": "loss", "step": 0, "value": 2.0, "wall_time": 1.0},
             {"name": "loss", "step": 1, "value": "<a href='https://evil.example'>x</a>",
              "wall_time": 2.0},
             {"name": "loss", "step": 2, "value": float("inf"), "wall_time": 3.0, "extra": 1}]},
         {"type": "finished", "status": "succeeded", "duration_ms": 5, "message": "done"})
    live = [p for msg in published for ev in msg["events"] if ev["type"] == "metrics"
            for p in ev["points"]]
    assert live == [{"name": "loss", "step": 0, "value": 2.0, "wall_time": 1.0},
                    {"name": "loss", "step": 2, "value": None, "wall_time": 3.0}]
    assert list(Metric.objects.filter(run=run).values_list("step", "value")) == [(0, 2.0),
                                                                                (2, None)]


def strict_json(text):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_a_forged_display_with_nan_is_stored_and_served_as_strict_json(run, client):
    sink = EventSink()
    feed(sink, run,
         {"type": "status", "status": "running"},
         {"type": "stdout", "text": "kept\n"},
         {"type": "display", "mime": "application/vnd.playground.heatmap+json",
          "data": {"tag": "t", "step": 0, "x": [0.0, float("nan")], "y": [float("inf")],
                   "z": [[1.0]]}},
         {"type": "finished", "status": "succeeded", "duration_ms": 5, "message": "done"})
    run.refresh_from_db()
    assert run.stdout == "kept\n"
    detail = strict_json(client.get(f"/api/runs/{run.id}/").content)
    assert detail["displays"][0]["data"]["x"] == [0.0, None]
    series = strict_json(client.get(f"/dashboard/api/runs/{run.id}/series/").content)
    assert series["heatmaps"][0]["y"] == [None]


def test_nul_characters_are_stored_as_replacement_characters(run, monkeypatch):
    """print("\\x00") is ordinary user code; PostgreSQL refuses NUL in text and jsonb, which
    failed the whole batch there. Live pages get the same text as the stored copy."""
    published = []
    monkeypatch.setattr("playground.runs.sink.publish", lambda group, msg: published.append(msg))
    sink = EventSink()
    feed(sink, run,
         {"type": "status", "status": "running"},
         {"type": "stdout", "text": "a\x00b\n"},
         {"type": "display", "mime": "text/plain", "data": {"k\x00": ["v\x00"]}},
         {"type": "metrics", "points": [{"name": "lo\x00ss", "step": 0, "value": 1.0,
                                         "wall_time": 1.0}]},
         {"type": "error", "ename": "ValueError", "evalue": "bad \x00", "traceback": "tb\x00",
          "line": 1},
         {"type": "finished", "status": "failed", "duration_ms": 5, "message": "It raised."})
    run.refresh_from_db()
    assert run.stdout == "a\ufffdb\n"
    assert run.displays == [{"mime": "text/plain", "data": {"k\ufffd": ["v\ufffd"]}}]
    assert run.error_message == "bad \ufffd" and run.error_traceback == "tb\ufffd"
    assert Metric.objects.get(run=run).name == "lo\ufffdss"
    live = [ev for msg in published for ev in msg["events"]]
    assert "\\u0000" not in json.dumps(live)


def test_stored_displays_are_bounded_in_bytes(run, settings):
    """200 displays of 512 KiB each would be a 100 MiB row, rewritten with every batch and
    replayed to every page that opens the run."""
    settings.PLAYGROUND_MAX_STORED_DISPLAY_BYTES = 1000
    sink = EventSink()
    feed(sink, run, {"type": "status", "status": "running"},
         *[{"type": "display", "mime": "text/plain", "data": "x" * 400} for _ in range(5)],
         {"type": "stdout", "text": "still stored\n"},
         {"type": "finished", "status": "succeeded", "duration_ms": 5, "message": "done"})
    run.refresh_from_db()
    assert len(run.displays) == 2
    assert run.output_truncated and run.stdout == "still stored\n"


FORGED = [  # what a run can write to its event descriptor, once parsed
    {"type": "stdout", "text": "lone \ud800 surrogate\n"},
    {"type": "stderr", "text": "\udfff"},
    {"type": "display", "mime": "text/plain", "data": {"k\udc80": ["\ud83d", float("nan"),
                                                                    float("-inf"), 10 ** 400]}},
    {"type": "display", "mime": "text/\ud800", "data": [-(10 ** 30), {"x": float("inf")}]},
    {"type": "error", "ename": "E\ud800", "evalue": "\udbff", "traceback": "tb\udc00",
     "line": "three"},
    {"type": "metrics", "points": [{"name": "lo\ud800ss", "step": 0, "value": 1.0,
                                    "wall_time": 1.0}]},
]


@pytest.mark.parametrize("forged", FORGED, ids=lambda ev: ev["type"])
def test_a_forged_event_never_keeps_the_final_status_from_being_stored(run, forged, monkeypatch):
    """Lone surrogates made encoding the batch raise: the batch with "finished" was lost and
    the run stayed running for good. Each event is made storable on its own."""
    published = []
    monkeypatch.setattr("playground.runs.sink.publish", lambda group, msg: published.append(msg))
    sink = EventSink()
    feed(sink, run, {"type": "status", "status": "running"}, forged,
         {"type": "finished", "status": "succeeded", "duration_ms": 5, "message": "done"})
    run.refresh_from_db()
    assert run.status == "succeeded" and run.message == "done" and run.last_seq == 3
    live = [ev for msg in published for ev in msg["events"]]
    assert [ev["type"] for ev in live][-1] == "finished"
    text = json.dumps(live, allow_nan=False)  # strict JSON, as browsers read it
    text.encode()                             # and valid UTF-8 (no lone surrogate)
    for value in (run.stdout, run.stderr, run.error_message, run.error_traceback,
                  json.dumps(run.displays, allow_nan=False)):
        value.encode()


def test_the_final_status_is_stored_on_its_own_when_its_batch_fails(run, monkeypatch):
    """Whatever made the batch's write fail (here: the Metric insert), how the run ended is
    stored and published by itself."""
    published = []
    monkeypatch.setattr("playground.runs.sink.publish", lambda group, msg: published.append(msg))

    def broken(*args, **kwargs):
        raise RuntimeError("the database refused the batch")
    monkeypatch.setattr(Metric.objects, "bulk_create", broken)
    sink = EventSink()
    feed(sink, run, {"type": "status", "status": "running"},
         {"type": "metrics", "points": [{"name": "loss", "step": 0, "value": 1.0,
                                         "wall_time": 1.0}]},
         {"type": "finished", "status": "failed", "duration_ms": 7, "message": "It raised."})
    run.refresh_from_db()
    assert run.status == "failed" and run.message == "It raised." and run.duration_ms == 7
    assert run.finished_at is not None
    live = [ev for msg in published for ev in msg["events"]]
    assert [ev["type"] for ev in live][-1] == "finished"


@pytest.mark.parametrize("line", [
    b'{"type":"stdout","text":"\\ud800"}',
    b'{"type":"display","mime":"text/plain","data":[NaN, Infinity, -Infinity, 1e999]}',
    b'{"type":"display","mime":"text/plain","data":' + b"9" * 4000 + b"}",
    b'{"type":"error","ename":"E","evalue":"\\udfff","traceback":"","line":1}',
])
def test_the_zygote_scrubs_a_child_line_into_storable_json(line):
    from playground.sandbox import protocol
    event = protocol.parse_child_event(line)
    if event is not None:
        json.dumps(event, allow_nan=False).encode()
        json.dumps(event, ensure_ascii=False, allow_nan=False).encode()


@pytest.mark.parametrize("line", [b"[]", b"42", b'"stdout"', b"null", b'{"type":["stdout"]}',
                                  b'{"type":"stdout","text":5}'])
def test_non_object_or_mistyped_lines_are_dropped(line):
    from playground.sandbox import protocol
    assert protocol.parse_child_event(line) is None
