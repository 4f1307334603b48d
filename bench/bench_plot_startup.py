"""Time of a plotting run on a warm pool: submit to the first output and to "finished".

    python3 bench/bench_plot_startup.py [runs]

The zygote imports matplotlib.pyplot before it forks (zygote.PRELOAD): a run that plots
neither imports it nor scans the fonts. Compare with PRELOAD without "matplotlib.pyplot"
and "playground.sandbox.plots" to see what that saves per run.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_sandbox_startup import measure, report  # noqa: E402
from playground.executors.base import CallbackSink  # noqa: E402
from playground.executors.local import LocalExecutor  # noqa: E402

PLOT = ("import matplotlib.pyplot as plt\nprint('imported')\n"
        "plt.plot([1, 3, 2])\nplt.show()\n")


def main(runs=20):
    t = time.perf_counter()
    ex = LocalExecutor(CallbackSink(), pool_size=1)
    measure(ex, "print('warm')")
    print(f"first run on a new pool finished after {1000 * (time.perf_counter() - t):.0f} ms")
    try:
        samples = [measure(ex, PLOT) for _ in range(runs)]
        report("plot run: submit to first output", [s[0] for s in samples])
        report("plot run: submit to finished", [s[1] for s in samples])
        samples = [measure(ex, "print('hi')") for _ in range(runs)]
        report("print run: submit to finished", [s[1] for s in samples])
    finally:
        ex.shutdown()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
