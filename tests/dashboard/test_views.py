"""The dashboard and train pages and their JSON endpoints: what they list, what they refuse,
and presets that start real training runs in the sandbox."""
import json
import time

import pytest
from django.test import Client

from playground.dashboard import presets
from playground.runs.models import Metric, Run
from playground.runs.sink import EventSink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def store_at_once(settings):
    settings.PLAYGROUND_SINK_FLUSH_SECONDS = 0   # the sink writes each event as it comes
FINAL = {"succeeded", "failed", "timeout", "cpu_limit", "memory_limit", "output_limit",
         "killed", "cancelled", "rejected"}


def session_client():
    client = Client()
    assert client.get("/dashboard/").status_code == 200   # gives the browser its session
    return client, f"session:{client.session.session_key}"


def feed(run, *evs):
    sink = EventSink()
    for ev in evs:
        sink({**ev, "run_id": str(run.id)})


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_pages_render_with_their_controls():
    client = Client()
    page = client.get("/dashboard/").content.decode()
    for needle in ('id="filter"', 'id="smoothing"', 'value="0.6"', 'id="log-y"', 'id="x-axis"',
                   'value="relative"', 'value="wall"', "js/dashboard.", "css/dashboard."):  # (hashed)
        assert needle in page
    train = client.get("/dashboard/train/").content.decode()
    for needle in ('value="circle"', 'value="xor"', 'value="gaussian"', 'value="spiral"',
                   'value="digits"', 'value="cnn"', 'value="nesterov"', 'value="rmsprop"',
                   'name="noise"', 'name="train_fraction"', 'name="batch_size"', 'name="epochs"',
                   'name="device"', "js/train.", "csrfmiddlewaretoken"):
        assert needle in train


def test_the_run_list_shows_loss_and_progress_of_the_callers_runs_only():
    client, owner = session_client()
    run = Run.objects.create(owner=owner, code="x", name="adam lr=0.01")
    Run.objects.create(owner="session:someone-else", code="x", name="not mine")
    feed(run, {"type": "status", "status": "running"},
         {"type": "metrics", "points": [
             {"name": "train/loss", "step": 0, "value": 2.0, "wall_time": 100.0},
             {"name": "train/loss", "step": 1, "value": 0.5, "wall_time": 101.0},
             {"name": "train/loss", "step": 2, "value": 0.75, "wall_time": 102.0},
             {"name": "acc", "step": 2, "value": 0.9, "wall_time": 102.0},
             {"name": "__progress__/epochs", "step": 0, "value": 10.0, "wall_time": 100.0},
             {"name": "__progress__/epochs", "step": 4, "value": 10.0, "wall_time": 108.0}]})
    runs = client.get("/dashboard/api/runs/").json()["runs"]
    assert [r["name"] for r in runs] == ["adam lr=0.01"]
    r = runs[0]
    assert r["status"] == "running" and r["loss_tag"] == "train/loss"
    assert (r["last_loss"], r["best_loss"]) == (0.75, 0.5)
    assert r["tags"] == ["acc", "train/loss"] and r["points"] == 6
    p = r["progress"]
    assert (p["label"], p["n"], p["total"], p["rate"]) == ("epochs", 4, 10, 0.5)
    assert p["eta_s"] == 12.0          # 6 more epochs at half an epoch a second


def test_the_run_list_filters_by_regex_and_refuses_a_bad_one():
    client, owner = session_client()
    for name in ("spiral adam", "spiral sgd", "xor adam"):
        Run.objects.create(owner=owner, code="x", name=name)
    names = lambda q: sorted(r["name"] for r in client.get(  # noqa: E731
        "/dashboard/api/runs/", {"q": q}).json()["runs"])
    assert names("^spiral") == ["spiral adam", "spiral sgd"]
    assert names("ADAM$") == ["spiral adam", "xor adam"]
    bad = client.get("/dashboard/api/runs/", {"q": "spiral("})
    assert bad.status_code == 400 and "not a valid regular expression" in bad.json()["detail"]


def test_series_include_histograms_and_heatmaps_from_the_stored_displays():
    client, owner = session_client()
    run = Run.objects.create(owner=owner, code="x")
    hist = {"tag": "w", "step": 0, "wall_time": 1.0, "edges": [0, 1], "counts": [3]}
    heat = {"tag": "decision boundary", "step": 5, "wall_time": 1.0, "z": [[0.5]], "x": [0],
            "y": [0], "points": None}
    feed(run, {"type": "display", "mime": "application/vnd.playground.histogram+json",
               "data": {"histograms": [hist, {**hist, "step": 1}]}},
         {"type": "display", "mime": "application/vnd.playground.heatmap+json", "data": heat},
         {"type": "display", "mime": "text/plain", "data": "42"})
    data = client.get(f"/dashboard/api/runs/{run.id}/series/").json()
    assert [h["step"] for h in data["histograms"]] == [0, 1]
    assert data["heatmaps"] == [heat] and data["series"] == {}


@pytest.mark.parametrize("body, words", [
    ({"dataset": "moons"}, '"dataset" must be one of circle, xor, gaussian, spiral, digits'),
    ({"lr": 0}, '"lr" must be between 1e-06 and 10'),
    ({"lr": "fast"}, '"lr" must be a number'),
    ({"epochs": 2.5}, '"epochs" must be an integer'),
    ({"epochs": 10_000}, '"epochs" must be between 1 and 500'),
    ({"batch_size": True}, '"batch_size" must be an integer'),
    ({"optimizer": "lbfgs"}, '"optimizer" must be one of sgd, nesterov, adam, rmsprop'),
    ({"hidden": [16] * 5}, '"hidden" must be a list of at most 4'),
    ({"hidden": [0]}, '"hidden layer width" must be between 1 and 256'),
    ({"model": "cnn", "dataset": "xor"}, "the small CNN is for images"),
    ({"noise": 0.9}, '"noise" must be between 0 and 0.5'),
    ({"train_fraction": 1.0}, '"train_fraction" must be between 0.1 and 0.9'),
    ({"colour": "red"}, "unknown field(s): colour"),
    ([1, 2], "must be a JSON object"),
])
def test_bad_presets_are_refused_with_the_field_named(body, words):
    client, _ = session_client()
    for url in ("/dashboard/api/train/code/", "/dashboard/api/train/"):
        res = post(client, url, body)
        assert res.status_code == 400 and words in res.json()["detail"], res.content
    assert Run.objects.count() == 0


def test_a_train_request_must_be_json():
    client, _ = session_client()
    res = client.post("/dashboard/api/train/", data={"dataset": "xor"})
    assert res.status_code == 400 and "as JSON" in res.json()["detail"]
    res = client.post("/dashboard/api/train/", data="{nope", content_type="application/json")
    assert res.status_code == 400 and "not valid JSON" in res.json()["detail"]
    assert client.get("/dashboard/api/train/").status_code == 405


def test_the_code_preview_is_the_code_that_runs():
    client, _ = session_client()
    res = post(client, "/dashboard/api/train/code/", {"dataset": "xor", "optimizer": "nesterov",
                                                     "hidden": [8], "activation": "relu"})
    body = res.json()
    assert res.status_code == 200 and body["name"] == "xor · MLP 8 relu · nesterov lr=0.03"
    code = body["code"]
    compile(code, "<preset>", "exec")
    assert "momentum=0.9, nesterov=True" in code and "nn.Linear(x_train.shape[1], 8), nn.ReLU()," in code
    assert "from torch.utils.tensorboard import SummaryWriter, progress" in code
    assert 'writer.add_heatmap("decision boundary"' in code
    assert code == presets.generate({"dataset": "xor", "optimizer": "nesterov", "hidden": [8],
                                     "activation": "relu"})[1]


def wait_final(run_id, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run_id)
        if run.status in FINAL:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


@pytest.mark.slow
@pytest.mark.parametrize("preset, boundary", [
    ({"dataset": "spiral", "epochs": 3, "optimizer": "adam"}, True),
    ({"dataset": "circle", "epochs": 2, "optimizer": "sgd", "hidden": []}, True),
    ({"dataset": "xor", "epochs": 2, "optimizer": "nesterov", "activation": "relu"}, True),
    ({"dataset": "gaussian", "epochs": 2, "optimizer": "rmsprop", "activation": "sigmoid"}, True),
    ({"dataset": "digits", "epochs": 1, "hidden": [32], "activation": "gelu"}, False),
    ({"dataset": "digits", "model": "cnn", "epochs": 1, "batch_size": 64}, False),
])
def test_presets_train_as_ordinary_sandboxed_runs(preset, boundary):
    client, owner = session_client()
    res = post(client, "/dashboard/api/train/", preset)
    assert res.status_code == 201, res.content
    body = res.json()
    run = wait_final(body["id"])
    assert run.status == "succeeded", (run.message, run.stderr[-2000:])
    assert (run.kind, run.owner, run.code) == ("training", owner, body["code"])
    assert body["url"] == f"/runs/{run.id}/" and run.name == body["name"]
    epochs = preset["epochs"]
    names = set(Metric.objects.filter(run=run).values_list("name", flat=True))
    assert {"loss/train", "loss/test", "accuracy/train", "accuracy/test",
            "__progress__/epochs"} <= names
    for name in ("loss/train", "accuracy/test"):
        assert Metric.objects.filter(run=run, name=name).count() == epochs
    acc = Metric.objects.filter(run=run, name="accuracy/test").values_list("value", flat=True)
    assert all(0.0 <= a <= 1.0 for a in acc)
    heatmaps = [d for d in run.displays if d["mime"] == "application/vnd.playground.heatmap+json"]
    assert bool(heatmaps) == boundary
    if boundary:
        h = heatmaps[-1]["data"]
        assert h["step"] == epochs - 1 and len(h["z"]) == presets.BOUNDARY_GRID
        assert len(h["points"]["x"]) == preset.get("samples", presets.DEFAULTS["samples"])
    assert "epoch" in run.stdout


@pytest.mark.django_db
def test_a_dashboard_link_lists_its_runs_for_anyone_marked_not_mine():
    theirs = Run.objects.create(owner="session:someone-else", code="print(1)", name="their run",
                                status="succeeded")
    visitor = Client()
    visitor.get("/dashboard/")
    mine = Run.objects.create(owner=f"session:{visitor.session.session_key}", code="print(2)",
                              name="my run", status="succeeded")
    alone = visitor.get("/dashboard/api/runs/").json()["runs"]
    assert [(r["name"], r["mine"]) for r in alone] == [("my run", True)]
    linked = visitor.get(f"/dashboard/api/runs/?ids={theirs.id},{mine.id}").json()["runs"]
    assert [(r["name"], r["mine"]) for r in linked] == [("my run", True), ("their run", False)]
    assert visitor.get("/dashboard/api/runs/?ids=nope").status_code == 400
    many = ",".join([str(theirs.id)] * 21)
    assert "at most 20" in visitor.get(f"/dashboard/api/runs/?ids={many}").json()["detail"]


@pytest.mark.django_db
def test_the_export_leaves_out_progress_bars_and_the_summary_carries_a_presets_settings():
    from playground.dashboard import queries

    cfg, code = presets.generate({"dataset": "xor", "epochs": 3})
    run = Run.objects.create(owner="ip:1", code=code, kind="training", status="succeeded")
    for name in ("loss/train", "__progress__/epochs", "__progress__"):
        run.metrics.create(name=name, step=0, value=1.0, wall_time=1.0)
    rows = Client().get(f"/api/runs/{run.id}/metrics.csv")
    text = b"".join(rows.streaming_content).decode()
    assert "loss/train" in text and "__progress__" not in text
    assert queries.run_summary(run)["preset"] == cfg
    snippet = Run.objects.create(owner="ip:1", code="# Preset: {}\nprint(1)", status="succeeded")
    assert queries.run_summary(snippet)["preset"] is None       # only the train page's runs
