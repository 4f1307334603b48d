"""Live metric delivery over the websocket, through the real executor and sandbox: points
arrive while the run goes, batched to about ten messages a second, none lost; and a run
logging 100,000 points ends with all of them stored and exported."""
import csv
import io
import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from playground.runs.models import Metric
from tests import ws_client

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def connected():
    return ws_client.connected(50002, site="localhost:8000")


async def run_to_end(comm, code, timeout=90):
    await comm.send_json_to({"type": "run", "device": "cpu", "code": code})
    accepted = await comm.receive_json_from(timeout=10)
    assert accepted["type"] == "accepted", accepted
    return accepted["run_id"], await ws_client.until_finished(comm, timeout)


@pytest.mark.slow
async def test_points_stream_while_the_run_goes_and_none_are_lost():
    comm = await connected()
    code = ("import time\n"
            "from torch.utils.tensorboard import SummaryWriter, progress\n"
            "w = SummaryWriter()\n"
            "for i in progress(range(3000), desc='steps'):\n"
            "    w.add_scalar('loss', 1.0 / (i + 1), i)\n"
            "    if i % 500 == 499:\n"
            "        print('at', i)\n"
            "        time.sleep(0.3)\n")
    run_id, got = await run_to_end(comm, code)
    await comm.disconnect()
    assert got[-1]["status"] == "succeeded", got[-1]
    types = [m["type"] for m in got]
    metrics = [m for m in got if m["type"] == "metrics"]
    # live: points arrive between the prints, not only at the end
    first_metrics, last_stdout = types.index("metrics"), len(types) - 1 - types[::-1].index("stdout")
    assert first_metrics < last_stdout
    steps = [p["step"] for m in metrics for p in m["points"] if p["name"] == "loss"]
    assert steps == list(range(3000))
    bar = [p for m in metrics for p in m["points"] if p["name"] == "__progress__/steps"]
    assert bar[0]["step"] == 0 and bar[-1]["step"] == 3000 and bar[-1]["value"] == 3000
    assert len(metrics) <= 10 * got[-1]["duration_ms"] / 1000 + 3
    assert set(metrics[0]) == {"type", "run_id", "points", "seq"}
    assert set(metrics[0]["points"][0]) == {"name", "step", "value", "wall_time"}


@pytest.mark.slow
async def test_a_run_logging_100000_points_works_end_to_end():
    comm = await connected()
    code = ("from torch.utils.tensorboard import log\n"
            "for i in range(100_000):\n"
            "    log(step=i, loss=(i % 1000) / 1000)\n"
            "print('logged')\n")
    run_id, got = await run_to_end(comm, code)
    assert got[-1]["status"] == "succeeded", got[-1]
    live = [p for m in got if m["type"] == "metrics" for p in m["points"]]
    assert [p["step"] for p in live] == list(range(100_000))
    # at most ~10 batches a second; a batch over the frame limit goes out in pieces that
    # share its seq (runs/frames.py), so batches are counted by seq
    batches = {m["seq"] for m in got if m["type"] == "metrics"}
    assert len(batches) <= 10 * got[-1]["duration_ms"] / 1000 + 3

    # a page opened afterwards replays the series downsampled, extremes kept (every point
    # is in the exports below)
    await comm.send_json_to({"type": "watch", "run_id": run_id})
    replayed = []
    while True:
        msg = await comm.receive_json_from(timeout=30)
        if msg["type"] == "metrics":
            replayed.extend(msg["points"])
            assert msg["downsampled"] == {"loss": 100_000}
        if msg["type"] == "finished":
            break
    assert len(replayed) <= 2000 and replayed[-1]["step"] == 99_999
    assert max(p["value"] for p in replayed) == 0.999
    await comm.disconnect()

    assert await database_sync_to_async(Metric.objects.filter(run_id=run_id).count)() == 100_000
    await database_sync_to_async(check_exports)(run_id)


def check_exports(run_id):
    """CSV, its JSON twin, the REST API and the dashboard's downsampled series."""
    from tests.dashboard.test_export import body

    client = Client()
    rows = list(csv.reader(io.StringIO(body(client.get(f"/api/runs/{run_id}/metrics.csv")))))
    assert rows[0] == ["name", "step", "value", "wall_time"]
    assert len(rows) == 100_001 and rows[-1][:3] == ["loss", "99999", "0.999"]
    assert [int(r[1]) for r in rows[1:]] == list(range(100_000))
    data = json.loads(body(client.get(f"/api/runs/{run_id}/metrics.json")))
    assert len(data["rows"]) == 100_000 and data["rows"][1000][:3] == ["loss", 1000, 0.0]
    series = client.get(f"/api/runs/{run_id}/metrics/").json()["series"]
    assert len(series["loss"]) == 100_000
    chart = client.get(f"/dashboard/api/runs/{run_id}/series/").json()["series"]["loss"]
    assert chart["count"] == 100_000 and len(chart["step"]) <= 2000
    assert max(chart["value"]) == 0.999 and min(chart["value"]) == 0.0   # extremes kept
