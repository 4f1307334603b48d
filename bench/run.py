"""Time the same workload code under ``engine`` and, when it is installed, ``torch``.

    python3 bench/run.py              # every workload in bench/workloads/
    python3 bench/run.py matmul small # only those whose name contains one of the words
    python3 bench/run.py --quick      # shorter rounds (noisier)
    python3 bench/run.py --check      # run each step once, no timing (a smoke test)
    python3 bench/run.py --no-torch   # engine alone
    python3 bench/run.py --threads 1          # both libraries on one thread
    python3 bench/run.py --threads 1 default  # each row at one thread, then at the default

Each library runs each workload in its own worker process (in one process OpenBLAS's and
PyTorch's OpenMP thread pools spin against each other, which no user of either library
sees), started with the thread count of the row. The parent alternates rounds between the
two workers, so background load hits both alike; a round repeats the step until it lasts
about ``--round`` seconds, and the row reports the median round. Each worker also reports
its peak resident memory (ru_maxrss of the whole process: interpreter, library, workload).
"default" leaves the thread variables as they are (NumPy's BLAS and PyTorch's intra-op
pool then use every core, as a user gets them).
"""
import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _load(name):
    from workloads import load_all
    return {w.name: w for w in load_all()}[name] if name else load_all()


def _calls_per_round(step, round_s):
    """How many calls make one round of about ``round_s`` seconds."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            step()
        took = time.perf_counter() - start
        if took >= round_s / 4 or n >= 1 << 20:
            return max(1, int(n * round_s / max(took, 1e-9)))
        n *= 4


def worker(lib_name, work_name, round_s):
    """One library, one workload: answer "round" lines on stdin with seconds per step."""
    import importlib
    lib = importlib.import_module(lib_name)
    threads = os.environ.get("OMP_NUM_THREADS")
    if lib_name == "torch" and threads:
        lib.set_num_threads(int(threads))
    work = _load(work_name)
    lib.manual_seed(0)
    step = work.make(lib)
    step()  # warm up (first-call imports, caches, BLAS thread start)
    n = _calls_per_round(step, round_s)
    out = sys.stdout
    out.write(json.dumps({"ready": True, "version": lib.__version__}) + "\n")
    out.flush()
    for line in sys.stdin:
        if line.strip() != "round":
            break
        gc.collect()
        start = time.perf_counter()
        for _ in range(n):
            step()
        took = (time.perf_counter() - start) / n
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out.write(json.dumps({"seconds": took, "peak_mb": peak}) + "\n")
        out.flush()
    return 0


class Worker:
    def __init__(self, lib, work, threads, round_s):
        env = dict(os.environ)
        if threads != "default":
            env.update({var: str(threads) for var in THREAD_VARS})
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", lib, work.name, "--round", str(round_s)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.info = self._read()

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker failed (exit {self.proc.wait()})")
        return json.loads(line)

    def round(self):
        self.proc.stdin.write("round\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def measure(work, libs, threads, rounds, round_s):
    """Median seconds per step and peak MB for each library, alternating rounds."""
    workers = {}
    try:
        for lib in libs:
            workers[lib] = Worker(lib, work, threads, round_s)
        times = {lib: [] for lib in libs}
        peak = {}
        for _ in range(rounds):
            for lib, w in workers.items():
                got = w.round()
                times[lib].append(got["seconds"])
                peak[lib] = got["peak_mb"]
    finally:
        for w in workers.values():
            w.close()
    return {lib: (statistics.median(t), peak[lib]) for lib, t in times.items()}


def fmt(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:8.2f} {unit}"
    return f"{seconds / 1e-9:8.1f} ns"


def torch_installed():
    return subprocess.run([sys.executable, "-c", "import torch"],
                          capture_output=True).returncode == 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="*", help="run workloads whose name contains a word")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 0.1 s")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--round", type=float, default=0.3, help="seconds per round")
    parser.add_argument("--check", action="store_true",
                        help="run every step once under engine (and torch), no timing")
    parser.add_argument("--no-torch", action="store_true", help="time engine alone")
    parser.add_argument("--threads", nargs="+", default=["default"],
                        help="thread counts to run each row at: numbers or 'default'")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(*args.worker, args.round)
    rounds, round_s = (3, 0.1) if args.quick else (args.rounds, args.round)
    threads = [t if t == "default" else int(t) for t in args.threads]

    works = [w for w in _load(None) if not args.only or any(o in w.name for o in args.only)]
    if not works:
        parser.error(f"no workload matches {args.only}")
    libs = ["engine"] + ([] if args.no_torch or not torch_installed() else ["torch"])
    if args.check:
        import importlib
        for w in works:
            for lib in libs:
                w.make(importlib.import_module(lib))()
            print(f"ok  {w.name}")
        return 0

    print(f"{' vs '.join(libs)}, each in its own process, median of {rounds} alternating "
          f"rounds; {os.cpu_count()} cores; peak = whole process RSS")
    header = (f"{'workload':<22}{'thr':>4}{'engine':>12}{'torch':>12}{'ratio':>8}"
              f"{'peak MB':>14}   what")
    print(header)
    print("-" * len(header))
    for w in works:
        for t in threads:
            got = measure(w, libs, t, rounds, round_s)
            (e, e_mb), (p, p_mb) = got["engine"], got.get("torch", (None, None))
            unit = f" /{w.unit}" if w.per != 1 else ""
            line = f"{w.name:<22}{str(t)[:3]:>4}{fmt(e / w.per):>12}"
            if p is not None:
                line += f"{fmt(p / w.per):>12}{e / p:>7.2f}x{e_mb:>7.0f}/{p_mb:<6.0f}"
            else:
                line += f"{'-':>12}{'-':>8}{e_mb:>7.0f}/-     "
            print(f"{line}   {w.title}{unit}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
