"""Notebook kernels (issue 17): cell round trip, kernel start, memory per idle kernel.

    python3 bench/bench_notebook_kernel.py [cells] [--both | --celery]

1. ``print(1)`` on a warm kernel, from "execute" to its first output: through the local
   executor (control() to the stdout event), and end to end through a live daphne and the
   /ws/notebooks/ websocket, as a page sees it (target: p50 under 20 ms).
2. Kernel start, from start_kernel() to "idle": in a new sandbox (cold) and in the warm
   spare sandbox the pool keeps (warm).
   --both / --celery: also / only the websocket round trip with the kernel on a Celery
   worker host (Redis at 127.0.0.1), and how long after that worker is killed the page
   hears "dead".
3. Memory per idle kernel (its sandbox: bwrap, zygote and kernel process): RSS, and PSS,
   which shares the pages all sandboxes map from the same files fairly among them.
"""
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playground import policy  # noqa: E402
from playground.executors.base import CallbackSink  # noqa: E402
from playground.executors.local import LocalExecutor  # noqa: E402


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def report(name, samples, unit="ms"):
    print(f"{name:52s} p50 {statistics.median(samples):7.1f} {unit}   "
          f"p95 {percentile(samples, 95):7.1f} {unit}   (n={len(samples)})")


class Events:
    def __init__(self):
        self.events, self.changed = [], threading.Condition()

    def emit(self, event):
        with self.changed:
            event["at"] = time.perf_counter()
            self.events.append(event)
            self.changed.notify_all()

    def wait(self, predicate, timeout=60):
        with self.changed:
            return self.changed.wait_for(
                lambda: next((e for e in self.events if predicate(e)), None), timeout)


def start(ex, sink):
    kernel_id = uuid.uuid4().hex
    t0 = time.perf_counter()
    ex.start_kernel(policy.run_spec("", run_id=kernel_id, kind="notebook", client=kernel_id,
                                    notebook_session=kernel_id))
    idle = sink.wait(lambda e: e["kernel_id"] == kernel_id and e.get("state") == "idle")
    return kernel_id, (idle["at"] - t0) * 1000


def executor_level(cells):
    sink = Events()
    ex = LocalExecutor(CallbackSink(), kernel_sink=sink, pool_size=1)
    try:
        cold, warm = [], []
        for n in range(4):
            kernel_id, ms = start(ex, sink)
            (cold if n == 0 else warm).append(ms)
            time.sleep(5)  # the spare sandbox warms up meanwhile
            ex.control(kernel_id, {"op": "shutdown"})
        report("kernel start, new sandbox (cold)", cold)
        report("kernel start, warm spare sandbox", warm)
        kernel_id, _ = start(ex, sink)
        latencies = []
        for n in range(cells):
            cell_id = f"c{n}"
            t0 = time.perf_counter()
            ex.control(kernel_id, {"op": "execute", "cell_id": cell_id, "code": "print(1)"})
            out = sink.wait(lambda e: e.get("cell_id") == cell_id and e["type"] == "stdout")
            latencies.append((out["at"] - t0) * 1000)
            sink.wait(lambda e: e.get("cell_id") == cell_id and e["type"] == "execute_result")
        report("print(1): execute -> first output (executor)", latencies)
        idle_memory(ex)
    finally:
        ex.shutdown()


def idle_memory(ex):
    def tree(pid):
        found = {pid}
        for task in os.listdir(f"/proc/{pid}/task"):
            for child in open(f"/proc/{pid}/task/{task}/children").read().split():
                found |= tree(int(child))
        return found

    def rollup(pid):
        fields = {}
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.split(":")[0] in ("Rss", "Pss"):
                fields[line.split(":")[0]] = int(line.split()[1])
        return fields.get("Rss", 0), fields.get("Pss", 0)

    for kernel in list(ex._kernels._kernels.values()):
        rss = pss = 0
        for pid in tree(kernel.slot.process.pid):
            r, p = rollup(pid)
            rss, pss = rss + r, pss + p
        print(f"{'memory of one idle kernel (its whole sandbox)':52s} RSS {rss / 1024:6.1f} MiB"
              f"   PSS {pss / 1024:6.1f} MiB")


REDIS_BENCH_URL = "redis://127.0.0.1:6379/10"


def websocket_level(cells, scaled_out=False):
    """Through a live daphne; ``scaled_out``: with PLAYGROUND_EXECUTOR=celery, the kernel on a
    Celery worker process (Redis at 127.0.0.1, db 10, flushed), killed at the end to time
    how long the page waits to hear "dead" (default lease, 10 s)."""
    import websockets

    tmp = tempfile.mkdtemp()
    env = {**os.environ, "SQLITE_PATH": f"{tmp}/db.sqlite3", "PLAYGROUND_SECRET_FILE": f"{tmp}/s"}
    worker = None
    if scaled_out:
        import redis
        redis.Redis.from_url(REDIS_BENCH_URL).flushdb()
        env.update(REDIS_URL=REDIS_BENCH_URL, PLAYGROUND_EXECUTOR="celery",
                   DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    if scaled_out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "playground", "worker", "-Q", "cpu", "-n",
             "bench@%h", "-c", "1", "--without-mingle", "--without-gossip", "-l", "warning"],
            cwd=ROOT, env=env, start_new_session=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p",
                               str(port), "playground.asgi:application"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/notebooks/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        made = json.load(urllib.request.urlopen(urllib.request.Request(
            base + "/api/notebooks/", data=b'{"name": "bench"}', method="POST",
            headers={"Content-Type": "application/json"})))
        asyncio.run(_over_the_socket(websockets, port, made["id"], cells, worker))
    finally:
        server.terminate()
        server.wait(10)
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, 9)


async def _over_the_socket(websockets, port, notebook_id, cells, worker=None):
    where = "Celery worker" if worker else "embedded"
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/notebooks/",
                                  origin=f"http://127.0.0.1:{port}") as ws:
        for _ in range(120):  # scaled out: until the worker's heartbeat offers kernels
            await ws.send(json.dumps({"type": "kernel_start", "notebook_id": notebook_id}))
            msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if msg.get("state") != "dead":
                break
            await asyncio.sleep(1)
        while msg.get("state") != "idle":
            msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if msg.get("state") == "dead" or msg["type"] == "invalid":
                raise RuntimeError(f"no kernel: {msg}")
        latencies = []
        for n in range(cells):
            t0 = time.perf_counter()
            await ws.send(json.dumps({"type": "execute", "cell_id": f"c{n}", "code": "print(1)"}))
            first = None
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if msg["type"] == "stdout" and first is None:
                    first = (time.perf_counter() - t0) * 1000
                if msg["type"] == "execute_result":
                    break
            latencies.append(first)
        report(f"print(1): execute -> first output (websocket, {where})", latencies)
        if worker is None:
            await ws.send(json.dumps({"type": "shutdown"}))
            return
        os.killpg(worker.pid, 9)
        t0 = time.perf_counter()
        while json.loads(await asyncio.wait_for(ws.recv(), 120)).get("state") != "dead":
            pass
        print(f"{'worker killed -> the page hears dead':52s} {time.perf_counter() - t0:7.2f} s")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 200
    if "--celery" not in sys.argv:
        executor_level(n)
    websocket_level(n)
    if "--celery" in sys.argv or "--both" in sys.argv:
        websocket_level(n, scaled_out=True)
