"""The sandbox child's metric sink: batching into at most ~10 "metrics" events a second,
nothing lost, progress as points, histograms as displays; and through a real sandbox run,
every point arriving (100,000 of them: tests/dashboard/test_live.py)."""
import json
import threading
import time

import pytest

from engine.utils.tensorboard import SummaryWriter, log, progress, set_sink
from engine.utils.tensorboard import helpers, sinks
from playground import events
from playground.policy import resolve_limits
from playground.sandbox import metrics, run_in_sandbox


class Pipe:
    """Stands in for the event pipe: records each event and when it was written."""

    def __init__(self):
        self.events, self.times = [], []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.events.append(event)
            self.times.append(time.monotonic())

    def points(self):
        return [p for e in self.events if e["type"] == "metrics" for p in e["points"]]


@pytest.fixture
def sink():
    pipe = Pipe()
    s = metrics.SandboxSink(write=pipe)
    s.pipe = pipe
    old = set_sink(s)
    helpers._default_writer = None
    yield s
    s.shutdown()
    set_sink(old)
    helpers._default_writer = None


def test_a_fast_loop_becomes_few_large_events_and_loses_nothing(sink):
    w = SummaryWriter()
    n = 3 * metrics.POINTS_PER_EVENT + 17
    for i in range(n):
        w.add_scalar("loss", 1.0 / (i + 1), i)
    sink.shutdown()
    assert [p["step"] for p in sink.pipe.points()] == list(range(n))
    sent = [e for e in sink.pipe.events if e["type"] == "metrics"]
    assert len(sent) <= 5 and all(len(e["points"]) <= metrics.POINTS_PER_EVENT for e in sent)
    # full events leave no closer together than the flush interval: <= ~10 a second
    gaps = [b - a for a, b in zip(sink.pipe.times, sink.pipe.times[1:])]
    assert all(g >= metrics.FLUSH_INTERVAL_S * 0.9 for g in gaps[:-1])


def test_points_leave_on_their_own_when_the_code_goes_quiet(sink):
    log(step=0, loss=0.5)
    deadline = time.monotonic() + 5
    while not sink.pipe.points() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sink.pipe.points() == [{"name": "loss", "step": 0, "value": 0.5,
                                   "wall_time": sink.pipe.points()[0]["wall_time"]}]


def test_non_finite_values_travel_as_null_points(sink):
    log(step=1, loss=float("nan"), acc=float("inf"))
    sink.flush()
    assert [(p["name"], p["value"]) for p in sink.pipe.points()] == [("loss", None), ("acc", None)]
    for e in sink.pipe.events:
        json.dumps(e, allow_nan=False)   # strict JSON: no NaN tokens on the pipe


def test_progress_travels_as_points_named_after_its_label(sink):
    for _ in progress(range(3), desc="epoch"):
        pass
    for _ in progress(iter([1, 2])):
        pass
    sink.flush()
    pts = sink.pipe.points()
    epoch = [(p["step"], p["value"]) for p in pts if p["name"] == "__progress__/epoch"]
    assert epoch[0] == (0, 3.0) and epoch[-1] == (3, 3.0)
    bare = [(p["step"], p["value"]) for p in pts if p["name"] == events.PROGRESS_METRIC]
    assert bare[-1] == (2, None)   # no total: null


def test_histograms_leave_as_one_display_a_second_and_thin_out(sink):
    w = SummaryWriter()
    for step in range(200):
        w.add_histogram("w", [0.0, 1.0, step], step)
    sink.shutdown()
    displays = [e for e in sink.pipe.events if e["type"] == "display"]
    assert all(d["mime"] == events.HISTOGRAM_MIME for d in displays) and len(displays) <= 3
    steps = [h["step"] for d in displays for h in d["data"]["histograms"]]
    assert steps[:50] == list(range(50))          # the first 50 all kept
    assert steps[50:75] == list(range(50, 100, 2))  # then every 2nd, then every 4th...
    assert len(steps) < 120 and steps == sorted(steps)


def test_run_logged_installs_the_sink_and_sends_everything_before_returning(monkeypatch):
    pipe = Pipe()
    monkeypatch.setattr(metrics, "_write_line", pipe)

    def cell(code, namespace):
        namespace["log_metric"]("loss", 0.5, step=3)
        assert isinstance(sinks.installed_sink(), metrics.SandboxSink)
        raise ValueError("user error")

    with pytest.raises(ValueError):
        metrics.run_logged(cell, "", {})
    assert [(p["name"], p["step"]) for p in pipe.points()] == [("loss", 3)]
    assert sinks.installed_sink() is None


@pytest.mark.slow
def test_a_sandboxed_run_delivers_every_point_at_about_ten_events_a_second():
    code = ("from torch.utils.tensorboard import SummaryWriter\n"
            "w = SummaryWriter()\n"
            "for i in range(30_000):\n"
            "    w.add_scalar('loss', 1.0 / (i + 1), i)\n"
            "log_metric('nan', float('nan'), step=0)\n"
            "print('done')\n")
    got = list(run_in_sandbox(code, resolve_limits("training")))
    finished = got[-1]
    assert finished["type"] == "finished" and finished["status"] == "succeeded", got[-3:]
    batches = [e for e in got if e["type"] == "metrics"]
    steps = [p["step"] for e in batches for p in e["points"] if p["name"] == "loss"]
    assert steps == list(range(30_000))
    assert [p["value"] for e in batches for p in e["points"] if p["name"] == "nan"] == [None]
    seconds = finished["duration_ms"] / 1000
    assert len(batches) <= 10 * seconds + 2


@pytest.mark.slow
def test_the_sandbox_caps_metric_points_per_run_and_says_so():
    code = ("from torch.utils.tensorboard import log\n"
            "for i in range(1500):\n"
            "    log(step=i, loss=i)\n"
            "print('still running')\n")
    got = list(run_in_sandbox(code, limits={"metric_points": 1000}))
    points = [p for e in got if e["type"] == "metrics" for p in e["points"]]
    assert len(points) == 1000 and [p["step"] for p in points] == list(range(1000))
    stderr = "".join(e["text"] for e in got if e["type"] == "stderr")
    assert "more than 1000 metric points; later points are dropped" in stderr
    assert got[-1]["status"] == "succeeded"
    assert "still running" in "".join(e["text"] for e in got if e["type"] == "stdout")


def test_heatmaps_leave_as_the_newest_of_each_tag_and_displays_slow_down(sink):
    w = SummaryWriter()
    for step in range(5):     # a tight loop: at most one a second leaves, the newest
        w.add_heatmap("boundary", [[step, 1.0], [0.0, 1.0]], step, points={"x": [0], "y": [0]})
    sink.shutdown()
    heat = [e["data"] for e in sink.pipe.events if e.get("mime") == events.HEATMAP_MIME]
    assert len(heat) <= 2 and heat[-1]["step"] == 4     # stale ones in between dropped
    assert heat[-1]["z"] == [[4.0, 1.0], [0.0, 1.0]] and heat[-1]["points"]["x"] == [0.0]

    pipe = Pipe()
    slow = metrics.SandboxSink(write=pipe, display_interval=0.001)
    old = set_sink(slow)
    try:
        for step in range(metrics.DISPLAYS_BEFORE_SLOWING):
            slow.heatmap(None, {"tag": "t", "step": step})
            slow.flush()
    finally:
        set_sink(old)
        slow.shutdown()
    assert slow.display_interval == 0.002                # doubled after 50 displays


def test_many_big_histograms_are_split_so_no_event_is_too_large(sink):
    w = SummaryWriter()
    for tag in range(12):
        w.add_histogram(f"layer{tag}", list(range(1000)), 0, bins=500)
    sink.shutdown()
    displays = [e for e in sink.pipe.events if e.get("mime") == events.HISTOGRAM_MIME]
    assert len(displays) > 1
    assert sorted(h["tag"] for d in displays for h in d["data"]["histograms"]) == \
        sorted(f"layer{t}" for t in range(12))
    assert all(len(json.dumps(d)) < 512 * 1024 for d in displays)
