"""What many watchers of a large run cost another user: CLIENTS websockets replay a stored run
of POINTS metric points over and over (each once per INTERVAL seconds, or as fast as the
server answers), while another user runs print(1) once a second; prints p50/p95 of that user's
time to first output, the watch replays served, and the server's RSS.

    python3 bench/bench_watch_load.py --clients 40 --points 200000 --seconds 30 --interval 1
    python3 bench/bench_watch_load.py --root /tmp/main-copy ...   # another checkout (before)

It starts its own daphne on a fresh SQLite file (tests/live_server.py) from ``--root``.
"""
import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests import live_server  # noqa: E402

BIG_RUN = """
from playground.runs.models import Metric, Run
run = Run.objects.create(owner="session:bench", code="x", status="succeeded", last_seq=3)
Metric.objects.bulk_create([Metric(run=run, name="loss", step=i, value=float(i % 1000),
                                   wall_time=1.0 + i) for i in range({points})],
                           batch_size=5000)
print(run.id)
"""


async def watcher(ws_url, origin, run_id, stop, served, interval):
    async with websockets.connect(ws_url, origin=origin, max_size=None) as ws:
        while not stop.is_set():
            started = time.monotonic()
            await ws.send(json.dumps({"type": "watch", "run_id": run_id}))
            while True:
                msg = json.loads(await ws.recv())
                if msg["type"] in ("finished", "invalid"):
                    break
            if msg["type"] == "finished":
                served.append(1)
            else:   # refused (a rate or budget): wait as a page would
                await asyncio.sleep(1)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))


async def first_output(ws_url, origin, samples, count, closed):
    """``count`` runs of print(1), one a second: their times to first output. A socket the
    server closes (4009: it judged the page behind) counts, and the page reconnects."""
    ws = None
    for _ in range(count):
        try:
            ws = ws or await websockets.connect(ws_url, origin=origin, max_size=None)
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "run", "code": "print(1)"}))
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if msg["type"] == "stdout":
                    samples.append(time.perf_counter() - start)
                if msg["type"] in ("finished", "invalid"):
                    break
        except websockets.ConnectionClosed as exc:
            closed.append(exc.rcvd.code if exc.rcvd else None)
            ws = None
        except (websockets.InvalidHandshake, OSError, asyncio.TimeoutError) as exc:
            closed.append(type(exc).__name__)   # a reconnect refused, or no answer in 60 s
            ws = None
        await asyncio.sleep(1)
    if ws is not None:
        await ws.close()


async def main(args, url, run_id, pid):
    ws_url, origin = url.replace("http", "ws") + "/ws/runs/", url
    stop, served, samples, closed = asyncio.Event(), [], [], []
    rss_before = live_server.rss_bytes(pid)
    watchers = [asyncio.create_task(watcher(ws_url, origin, run_id, stop, served, args.interval))
                for _ in range(args.clients)]
    await asyncio.sleep(3)
    await first_output(ws_url, origin, samples, args.seconds, closed)
    stop.set()
    rss_after = live_server.rss_bytes(pid)
    for task in watchers:
        task.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)
    samples.sort()
    samples = samples or [float("nan")]
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(f"clients {args.clients}, points {args.points}: first output p50 "
          f"{statistics.median(samples) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
          f"({len(samples)} runs, sockets closed on it: {closed or 'none'}); replays served "
          f"{len(served)}; server RSS "
          f"{rss_before >> 20} -> {rss_after >> 20} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=30, help="print(1) runs, one a second")
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds between one client's watches (0: as fast as served)")
    parser.add_argument("--root", type=Path, default=live_server.ROOT)
    args = parser.parse_args()
    live_server.ROOT = args.root
    with tempfile.TemporaryDirectory() as tmp:
        # The runs of print(1) come from one address: lift the per-minute quota for them.
        with live_server.daphne(Path(tmp), PLAYGROUND_RUNS_PER_MINUTE=1000,
                                PLAYGROUND_MAX_STORED_METRIC_POINTS=args.points) as (url, env, p):
            out = live_server.manage(env, "shell", stdin=BIG_RUN.format(points=args.points))
            asyncio.run(main(args, url, out.stdout.strip().splitlines()[-1], p.pid))
