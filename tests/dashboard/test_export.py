"""Metric persistence through the event sink and the CSV/JSON export: nothing lost; the
dashboard's series endpoint downsamples with extremes kept. (The same checks run on a real
100,000-point run in tests/dashboard/test_live.py.)"""
import csv
import io
import json

import pytest

from playground.runs.models import Run
from playground.runs.sink import EventSink

pytestmark = pytest.mark.django_db(transaction=True)
N_SMALL = 5000


def body(response):
    return b"".join(response.streaming_content).decode()


def make_run(n):
    """A run whose n points arrived as the sandbox sends them: batches of 4,000."""
    run = Run.objects.create(owner="session:x", code="...", name="big one")
    sink = EventSink()
    rid = str(run.id)
    sink({"type": "status", "status": "running", "run_id": rid})
    points = [{"name": "loss", "step": i, "value": 1.0 / (i + 1), "wall_time": 1000.0 + i / 100}
              for i in range(n)]
    points[n * 7 // 9]["value"] = 50.0                  # a spike the charts must keep
    points[5]["value"] = float("nan")                   # a divergence, kept as null
    for i in range(0, n, 4000):
        sink({"type": "metrics", "points": points[i:i + 4000], "run_id": rid})
    sink({"type": "metrics", "run_id": rid,
          "points": [{"name": "acc", "step": 0, "value": 0.5, "wall_time": 999.5}]})
    sink({"type": "finished", "status": "succeeded", "duration_ms": 10, "message": "ok",
          "run_id": rid})
    return run


@pytest.fixture
def big_run():
    return make_run(N_SMALL)


def test_exports_with_a_few_thousand_points(client, big_run):
    check_csv(client, big_run, N_SMALL)
    check_json(client, big_run, N_SMALL)
    check_rest_api(client, big_run, N_SMALL)
    check_series(client, big_run, N_SMALL)


def check_csv(client, big_run, N):
    response = client.get(f"/api/runs/{big_run.id}/metrics.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows[0] == ["name", "step", "value", "wall_time"]
    assert len(rows) == N + 2
    assert rows[1] == ["acc", "0", "0.5", "999.5"]
    loss = rows[2:]
    assert [int(r[1]) for r in loss] == list(range(N))
    assert loss[5][2] == ""                                  # NaN: an empty cell
    assert float(loss[N * 7 // 9][2]) == 50.0
    assert float(loss[123][2]) == 1.0 / 124 and float(loss[123][3]) == 1000.0 + 123 / 100


def check_json(client, big_run, N):
    response = client.get(f"/api/runs/{big_run.id}/metrics.json")
    assert response.status_code == 200
    data = json.loads(body(response))
    assert data["run_id"] == str(big_run.id)
    assert data["columns"] == ["name", "step", "value", "wall_time"]
    assert len(data["rows"]) == N + 1 and data["rows"][0] == ["acc", 0, 0.5, 999.5]
    assert data["rows"][6] == ["loss", 5, None, 1000.05]


def check_rest_api(client, big_run, N):
    series = client.get(f"/api/runs/{big_run.id}/metrics/").json()["series"]
    assert len(series["loss"]) == N and series["loss"][-1][0] == N - 1


def check_series(client, big_run, N):
    data = client.get(f"/dashboard/api/runs/{big_run.id}/series/").json()
    loss = data["series"]["loss"]
    assert loss["count"] == N and len(loss["step"]) <= 2000
    spike = N * 7 // 9
    assert spike in loss["step"] and loss["value"][loss["step"].index(spike)] == 50.0
    assert 5 in loss["step"] and loss["value"][loss["step"].index(5)] is None
    assert loss["step"][0] == 0 and loss["step"][-1] == N - 1
    assert data["series"]["acc"] == {"step": [0], "value": [0.5], "wall_time": [999.5], "count": 1}
    assert data["run"]["status"] == "succeeded" and data["run"]["loss_tag"] == "loss"
    assert data["run"]["best_loss"] == pytest.approx(1.0 / N)
    assert data["run"]["last_loss"] == pytest.approx(1.0 / N)
    small = client.get(f"/dashboard/api/runs/{big_run.id}/series/?max_points=100").json()
    assert len(small["series"]["loss"]["step"]) <= 100


@pytest.mark.parametrize("query, words", [("max_points=abc", "must be an integer"),
                                          ("max_points=2", "between 5 and 100000")])
def test_bad_series_parameters_are_refused(client, big_run, query, words):
    response = client.get(f"/dashboard/api/runs/{big_run.id}/series/?{query}")
    assert response.status_code == 400 and words in response.json()["detail"]


def test_unknown_runs_are_404(client):
    for url in ("/api/runs/00000000-0000-0000-0000-000000000000/metrics.csv",
                "/api/runs/00000000-0000-0000-0000-000000000000/metrics.json",
                "/dashboard/api/runs/00000000-0000-0000-0000-000000000000/series/"):
        assert client.get(url).status_code == 404
    assert client.get("/api/runs/not-a-uuid/metrics.csv").status_code == 404
