"""engine.utils.tensorboard outside the playground: SummaryWriter, log and progress writing
JSON lines to runs/<name>/metrics.jsonl, and every bad input refused with a clear error."""
import json
import math
import os

import numpy as np
import pytest

import engine as torch
from engine.utils import tensorboard
from engine.utils.tensorboard import SummaryWriter, log, progress, set_sink
from engine.utils.tensorboard import helpers


def read(log_dir):
    with open(os.path.join(log_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]


class Recorder:
    """A sink that keeps what it is given (what the sandbox's sink receives)."""

    def __init__(self):
        self.points, self.histograms, self.progress_records, self.flushes = [], [], [], 0

    def scalars(self, log_dir, points):
        self.points.extend(points)

    def histogram(self, log_dir, record):
        self.histograms.append(record)

    def progress(self, record):
        self.progress_records.append(record)

    def flush(self, log_dir=None):
        self.flushes += 1


@pytest.fixture
def recorder():
    rec = Recorder()
    old = set_sink(rec)
    helpers._default_writer = None
    yield rec
    set_sink(old)
    helpers._default_writer = None


def test_add_scalar_appends_json_lines_with_every_kind_of_value(tmp_path):
    d = str(tmp_path / "run1")
    with SummaryWriter(d) as w:
        w.add_scalar("loss", 1.5, 0, walltime=100.0)
        w.add_scalar("loss", torch.tensor(0.25), 1, walltime=101.0)      # 0-d tensor
        w.add_scalar("loss", torch.tensor([0.125]), 2, walltime=102.0)   # one element
        w.add_scalar("loss", np.float32(2.0), np.int64(3), walltime=103.0)
        w.add_scalar("loss", 7, torch.tensor(4), walltime=104.0)
        w.add_scalar("acc", float("nan"), 0, walltime=105.0)
        w.add_scalar("acc", float("-inf"), 1, walltime=106.0)
    lines = read(d)
    assert [(p["name"], p["step"], p["wall_time"]) for p in lines] == [
        ("loss", 0, 100.0), ("loss", 1, 101.0), ("loss", 2, 102.0), ("loss", 3, 103.0),
        ("loss", 4, 104.0), ("acc", 0, 105.0), ("acc", 1, 106.0)]
    assert [p["value"] for p in lines[:5]] == [1.5, 0.25, 0.125, 2.0, 7.0]
    assert math.isnan(lines[5]["value"]) and lines[6]["value"] == float("-inf")
    assert set(lines[0]) == {"name", "step", "value", "wall_time"}


def test_steps_left_out_count_up_per_tag_and_walltime_defaults_to_now(tmp_path):
    w = SummaryWriter(str(tmp_path))
    for v in (3, 2, 1):
        w.add_scalar("a", v)
    w.add_scalar("b", 9)
    w.add_scalar("a", 0, 10)
    w.add_scalar("a", 0)
    w.close()
    assert [(p["name"], p["step"]) for p in read(str(tmp_path))] == [
        ("a", 0), ("a", 1), ("a", 2), ("b", 0), ("a", 10), ("a", 11)]
    assert all(p["wall_time"] > 1.7e9 for p in read(str(tmp_path)))


def test_add_scalars_names_each_key_under_the_main_tag(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_scalars("loss", {"train": 0.5, "test": torch.tensor(0.75)}, 3)
    assert [(p["name"], p["step"], p["value"]) for p in read(str(tmp_path))] == [
        ("loss/train", 3, 0.5), ("loss/test", 3, 0.75)]


def test_default_log_dir_is_runs_date_host_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1")
    w.add_scalar("x", 1, 0)
    w.close()
    assert w.log_dir.startswith("runs" + os.sep) and w.log_dir.endswith("_lr0.1")
    assert read(w.get_logdir())[0]["name"] == "x"


@pytest.mark.parametrize("tag, error, words", [
    (3, TypeError, "tag must be a str, not int"),
    ("", ValueError, "must not be empty"),
    ("x" * 101, ValueError, "101 characters long; the limit is 100"),
    ("a\nb", ValueError, "control characters"),
])
def test_bad_tags_are_refused(tmp_path, tag, error, words):
    with pytest.raises(error, match=words):
        SummaryWriter(str(tmp_path)).add_scalar(tag, 1.0, 0)


@pytest.mark.parametrize("value, error, words", [
    ("0.5", TypeError, "must be a number or a one-element tensor, not str"),
    ([1.0], TypeError, "not list"),
    (None, TypeError, "not NoneType"),
    (1 + 2j, TypeError, "real number, not complex"),
    (torch.ones(2, 3), ValueError, r"got a tensor with 6 elements \(shape \(2, 3\)\)"),
    (np.zeros(2), ValueError, "2 elements"),
])
def test_bad_values_are_refused(tmp_path, value, error, words):
    with pytest.raises(error, match=words):
        SummaryWriter(str(tmp_path)).add_scalar("loss", value, 0)


@pytest.mark.parametrize("step, error, words", [
    (1.5, ValueError, "whole number, not 1.5"),
    (True, TypeError, "integer, not bool"),
    ("3", TypeError, "integer, not str"),
    (2**40, ValueError, "out of range"),
    (float("nan"), ValueError, "whole number"),
])
def test_bad_steps_are_refused(tmp_path, step, error, words):
    with pytest.raises(error, match=words):
        SummaryWriter(str(tmp_path)).add_scalar("loss", 1.0, step)


def test_other_bad_calls_say_what_is_wrong(tmp_path):
    w = SummaryWriter(str(tmp_path))
    with pytest.raises(TypeError, match="tag_scalar_dict must be a dict"):
        w.add_scalars("loss", [0.5])
    with pytest.raises(ValueError, match="walltime must be a finite number"):
        w.add_scalar("loss", 1.0, 0, walltime=float("inf"))
    with pytest.raises(TypeError, match="log_dir must be a path"):
        SummaryWriter(log_dir=5)
    with pytest.raises(AttributeError, match="add_image is not available here; this "
                                             "SummaryWriter supports add_scalar, add_scalars"):
        w.add_image("img", [[0.0]])
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        w.nonsense
    w.close()
    with pytest.raises(RuntimeError, match="was closed"):
        w.add_scalar("loss", 1.0, 0)


def test_add_histogram_bins_the_finite_values(tmp_path):
    values = torch.tensor([0.0, 1.0, 1.0, 2.0, 3.0, float("nan")])
    with SummaryWriter(str(tmp_path)) as w:
        w.add_histogram("weights", values, 7, bins=3, walltime=5.0)
        w.add_histogram("weights", np.random.default_rng(0).normal(size=1000))
    first, second = read(str(tmp_path))
    assert first["kind"] == "histogram" and first["tag"] == "weights"
    assert (first["step"], first["wall_time"]) == (7, 5.0)
    assert first["edges"] == [0.0, 1.0, 2.0, 3.0] and first["counts"] == [1, 2, 2]
    assert (first["min"], first["max"], first["num"], first["nonfinite"]) == (0.0, 3.0, 6, 1)
    assert first["sum"] == 7.0 and first["sum_squares"] == 15.0
    assert second["step"] == 8 and len(second["counts"]) == 30 and sum(second["counts"]) == 1000


def test_add_histogram_refuses_what_it_cannot_draw(tmp_path):
    w = SummaryWriter(str(tmp_path))
    with pytest.raises(ValueError, match="no finite numbers.*all 2 are NaN"):
        w.add_histogram("w", [float("nan"), float("inf")])
    with pytest.raises(ValueError, match="it is empty"):
        w.add_histogram("w", [])
    with pytest.raises(TypeError, match="must be a tensor, an array or a list of numbers"):
        w.add_histogram("w", "abc")
    with pytest.raises(ValueError, match="bins must be at least 1"):
        w.add_histogram("w", [1.0], bins=0)
    w.add_histogram("w", np.arange(10_000.0), bins=2000)    # merged down to at most 512 bins
    assert len(read(str(tmp_path))[0]["counts"]) <= 512
    assert sum(read(str(tmp_path))[0]["counts"]) == 10_000


def test_set_sink_sends_every_writer_to_it(recorder, tmp_path):
    w = SummaryWriter(str(tmp_path / "never"))
    w.add_scalar("loss", 0.5, 1, walltime=3.0)
    w.add_histogram("w", [1.0, 2.0], 1)
    w.flush()
    assert recorder.points == [{"name": "loss", "step": 1, "value": 0.5, "wall_time": 3.0}]
    assert recorder.histograms[0]["counts"][0] + recorder.histograms[0]["counts"][-1] == 2
    assert recorder.flushes == 1
    assert not (tmp_path / "never").exists()   # nothing written locally


def test_log_writes_each_keyword_at_one_step(recorder):
    log(step=4, loss=torch.tensor(0.5), acc=0.75, **{"train/loss": 1})
    log(loss=0.25)             # no step: the next one
    assert [(p["name"], p["step"], p["value"]) for p in recorder.points] == [
        ("loss", 4, 0.5), ("acc", 4, 0.75), ("train/loss", 4, 1.0), ("loss", 5, 0.25)]
    with pytest.raises(TypeError, match="needs at least one metric"):
        log(step=1)
    with pytest.raises(TypeError, match="number or a one-element tensor, not str"):
        log(step=1, loss="high")


def test_progress_reports_items_done_total_and_finishes(recorder):
    seen = [x for x in progress(range(5), desc="epoch")]
    assert seen == [0, 1, 2, 3, 4]
    first, last = recorder.progress_records[0], recorder.progress_records[-1]
    assert (first["label"], first["n"], first["total"]) == ("epoch", 0, 5)
    assert (last["n"], last["total"], last["done"]) == (5, 5, True)
    assert all(r["elapsed"] >= 0 for r in recorder.progress_records)


def test_progress_by_hand_and_without_a_total(recorder):
    with progress(total=10) as bar:
        bar.update(4)
        bar.update(6)
    assert recorder.progress_records[-1]["n"] == 10
    recorder.progress_records.clear()
    for _ in progress(x for x in range(3)):
        pass
    assert recorder.progress_records[-1]["total"] is None
    assert recorder.progress_records[-1]["n"] == 3
    with pytest.raises(ValueError, match="total must not be negative"):
        progress(total=-1)
    with pytest.raises(TypeError, match="no iterable to loop over"):
        iter(progress(total=3)).__next__()


def test_progress_outside_the_playground_draws_a_text_bar(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in progress(range(4), desc="train"):
        pass
    err = capsys.readouterr().err
    assert "train: 100%|" in err and "| 4/4 [" in err


def test_it_is_importable_as_torch_utils_tensorboard():
    from playground.sandbox import torch_alias
    import importlib
    import sys
    had_alias = any(isinstance(f, torch_alias.TorchAliasFinder) for f in sys.meta_path)
    torch_alias.install()
    try:
        module = importlib.import_module("torch.utils.tensorboard")
        assert module.SummaryWriter is SummaryWriter and module.log is log
        assert module.progress is progress and tensorboard.progress is progress
    finally:
        if not had_alias:  # leave the process as it was for other tests
            for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
                del sys.modules[name]
            sys.meta_path[:] = [f for f in sys.meta_path
                                if not isinstance(f, torch_alias.TorchAliasFinder)]


def test_add_heatmap_writes_a_grid_with_its_points_and_refuses_bad_ones(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_heatmap("boundary", torch.tensor([[0.0, 0.5], [1.0, float("nan")]]), 3,
                      x=[0.0, 1.0], y=np.array([10.0, 20.0]),
                      points={"x": [0.5], "y": [15.0], "label": [1]})
    rec = read(str(tmp_path))[0]
    assert (rec["kind"], rec["tag"], rec["step"]) == ("heatmap", "boundary", 3)
    assert rec["z"] == [[0.0, 0.5], [1.0, None]] and rec["x"] == [0.0, 1.0] and rec["y"] == [10.0, 20.0]
    assert rec["points"] == {"x": [0.5], "y": [15.0], "label": [1.0]}
    w = SummaryWriter(str(tmp_path))
    with pytest.raises(ValueError, match=r"must be 2-D \(rows, cols\), not shape \(3,\)"):
        w.add_heatmap("h", [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x has 3 values; values needs 2"):
        w.add_heatmap("h", [[1.0, 2.0]], x=[0, 1, 2])
    with pytest.raises(ValueError, match="10001 cells"):
        w.add_heatmap("h", np.zeros((1, 10_001)))
    with pytest.raises(TypeError, match="points must be a dict"):
        w.add_heatmap("h", [[1.0]], points=[1, 2])
    with pytest.raises(ValueError, match="same length"):
        w.add_heatmap("h", [[1.0]], points={"x": [1, 2], "y": [1]})
