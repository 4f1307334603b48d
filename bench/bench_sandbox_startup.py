"""Submit-to-first-output latency of the local executor (issue 4: median under 50 ms).

    python3 bench/bench_sandbox_startup.py [runs]

Measures, on a warm pool, the time from ``submit()`` to the first stdout event of
``print('hi')`` and to the "finished" event, and compares with a cold interpreter that
imports NumPy (what a run would cost without the warm pool).
"""
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground import policy  # noqa: E402
from playground.executors.base import CallbackSink  # noqa: E402
from playground.executors.local import LocalExecutor  # noqa: E402


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def measure(ex, code, seen=None):
    first, done = [], threading.Event()
    start = time.perf_counter()

    def on_event(event):
        now = time.perf_counter()
        if seen is not None:
            seen.append(event)
        if event["type"] == "stdout" and not first:
            first.append(now - start)
        if event["type"] == "finished":
            first.append(now - start)
            done.set()

    spec = policy.run_spec(code, limits={"wall_s": 10})
    ex.sink.watch(spec.run_id, on_event)
    ex.submit(spec)
    done.wait(30)
    return first[0] * 1000, first[-1] * 1000


def report(name, samples):
    print(f"{name:38s} p50 {statistics.median(samples):7.1f} ms   "
          f"p95 {percentile(samples, 95):7.1f} ms   (n={len(samples)})")


def main(runs=100):
    t = time.perf_counter()
    ex = LocalExecutor(CallbackSink(), pool_size=2)
    seen = []
    measure(ex, "print('warm')", seen)
    print(f"first run on a new pool finished after {1000 * (time.perf_counter() - t):.0f} ms")
    print("sandbox layers:", seen[0].get("sandbox"))
    time.sleep(1)  # both slots warm
    firsts, totals = [], []
    for _ in range(runs):
        first, total = measure(ex, "print('hi')")
        firsts.append(first)
        totals.append(total)
    report("submit -> first output (print)", firsts)
    report("submit -> finished (print)", totals)
    torch_first = [measure(ex, "import torch\nprint(torch.ones(2) + 1)")[0]
                   for _ in range(max(10, runs // 5))]
    report("submit -> first output (import torch)", torch_first)
    ex.shutdown()
    cold = []
    for _ in range(10):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy; print('hi')"], check=True,
                       capture_output=True)
        cold.append((time.perf_counter() - t) * 1000)
    report("cold python -c 'import numpy'", cold)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
