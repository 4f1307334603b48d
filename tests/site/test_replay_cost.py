"""What a watch costs: a stored run's metrics are replayed downsampled (extremes kept, the
full series over REST), a finished run's replay points are read once for many watches, and
each socket has a replay budget."""
import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from playground.runs import replay
from playground.runs.models import Metric, Run
from tests import ws_client

CLIENT_PORT = 50033
N = 20_000


def stored_run(n=N, **fields):
    run = Run.objects.create(owner="session:x", code="x", status="succeeded", last_seq=5,
                             **fields)
    values = [float(i % 100) for i in range(n)]
    values[n * 5 // 8] = 1e6   # one spike a downsampled chart must still show
    Metric.objects.bulk_create([Metric(run=run, name="loss", step=i, value=v, wall_time=1.0 + i)
                                for i, v in enumerate(values)], batch_size=5000)
    Metric.objects.create(run=run, name="acc", step=0, value=0.5, wall_time=1.0)
    return run


async def replayed(comm):
    got = []
    while True:
        msg = await comm.receive_json_from(timeout=10)
        got.append(msg)
        if msg["type"] in ("finished", "invalid"):
            return got


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_watch_replays_long_series_downsampled_keeping_their_extremes(settings):
    settings.PLAYGROUND_REPLAY_POINTS_PER_SERIES = 500
    run = await database_sync_to_async(stored_run)()
    comm = await ws_client.connected(CLIENT_PORT)
    await comm.send_json_to({"type": "watch", "run_id": str(run.id)})
    got = await replayed(comm)
    metrics = [m for m in got if m["type"] == "metrics"]
    loss = [p for m in metrics for p in m["points"] if p["name"] == "loss"]
    assert 100 < len(loss) <= 500
    assert max(p["value"] for p in loss) == 1e6 and min(p["value"] for p in loss) == 0.0
    assert [p["step"] for p in loss] == sorted(p["step"] for p in loss)
    assert loss[0]["step"] == 0 and loss[-1]["step"] == N - 1
    assert [p for m in metrics for p in m["points"] if p["name"] == "acc"] == [
        {"name": "acc", "step": 0, "value": 0.5, "wall_time": 1.0}]
    assert all(m["downsampled"] == {"loss": N} for m in metrics)
    await comm.disconnect()
    # The full series stays available over REST.
    series = (await database_sync_to_async(Client().get)(f"/api/runs/{run.id}/metrics/")).json()
    assert len(series["series"]["loss"]) == N


@pytest.mark.django_db
def test_many_watches_of_a_finished_run_read_its_points_once():
    run = stored_run(2000)
    replay._finished_points.cache_clear()
    first, _ = replay.stored_events(str(run.id))
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            again, _ = replay.stored_events(str(run.id))
    assert again == first
    assert not [q for q in queries.captured_queries if "runs_metric" in q["sql"]]
    assert len(queries.captured_queries) == 20   # each reads only the run's row


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_replays_past_the_sockets_budget_are_refused_and_the_socket_stays_open(settings):
    settings.PLAYGROUND_WS_REPLAY_BYTES_PER_MINUTE = 300_000
    run = await database_sync_to_async(Run.objects.create)(
        owner="session:x", code="x", status="succeeded", last_seq=2, stdout="y" * 100_000)
    comm = await ws_client.connected(CLIENT_PORT)
    for _ in range(2):
        await comm.send_json_to({"type": "watch", "run_id": str(run.id)})
        assert (await replayed(comm))[-1]["type"] == "finished"
    await comm.send_json_to({"type": "watch", "run_id": str(run.id)})
    [refused] = await replayed(comm)
    assert refused["type"] == "invalid"
    assert refused["message"].startswith("replay refused: this connection was sent 195 KiB of "
                                         "replays in the last minute")
    assert "(the limit is 292 KiB a minute); watch again in a minute" in refused["message"]
    await comm.send_json_to({"type": "watch", "run_id": "x"})   # still open
    assert (await comm.receive_json_from(timeout=5))["type"] == "invalid"
    await comm.disconnect()
