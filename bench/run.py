"""Time the same workload code under ``engine`` and, when it is installed, ``torch``.

    python3 bench/run.py              # every workload in bench/workloads/
    python3 bench/run.py matmul small # only those whose name contains one of the words
    python3 bench/run.py --quick      # shorter rounds (noisier)
    python3 bench/run.py --check      # run each step once, no timing (a smoke test)
    python3 bench/run.py --no-torch   # engine alone
    python3 bench/run.py --threads 1  # both libraries on one thread (fair on a busy machine)

Each workload runs in rounds that alternate between the two libraries, so background load
hits both alike; a round repeats the step until it lasts ``--round`` seconds, and the best
round counts. Both libraries use their default thread counts (NumPy's BLAS and PyTorch's
intra-op pool), as a user would get them, unless --threads says otherwise: on a machine
shared with other work, multi-threaded BLAS timings swing widely, one thread each does not.
"""
import argparse
import gc
import os
import sys
import time
from pathlib import Path


def _threads_from_argv(argv):
    """--threads must act before NumPy loads its BLAS, so it is read ahead of argparse."""
    if "--threads" in argv[:-1]:
        n = argv[argv.index("--threads") + 1]
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n


_threads_from_argv(sys.argv)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import engine  # noqa: E402
from workloads import load_all  # noqa: E402



def import_torch():
    try:
        import torch
    except ImportError:  # the comparison column is left out
        return None
    return torch


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



def measure(work, modules, rounds, round_s):
    """Best seconds per step for each module, alternating modules round by round."""
    steps = {}
    for name, mod in modules.items():
        mod.manual_seed(0)
        step = work.make(mod)
        step()  # warm up (first-call imports, caches, BLAS thread start)
        steps[name] = (step, _calls_per_round(step, round_s))
    best = {name: float("inf") for name in modules}
    for _ in range(rounds):
        for name, (step, n) in steps.items():
            gc.collect()
            start = time.perf_counter()
            for _ in range(n):
                step()
            best[name] = min(best[name], (time.perf_counter() - start) / n)
    return best


def fmt(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:8.2f} {unit}"
    return f"{seconds / 1e-9:8.1f} ns"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="*", help="run workloads whose name contains a word")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 0.1 s")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--round", type=float, default=0.3, help="seconds per round")
    parser.add_argument("--check", action="store_true",
                        help="run every step once under engine (and torch), no timing")
    parser.add_argument("--no-torch", action="store_true", help="time engine alone")
    parser.add_argument("--threads", type=int, help="BLAS/intra-op threads for both libraries "
                        "(read at start-up; pass it on the command line)")
    args = parser.parse_args(argv)
    torch = None if args.no_torch else import_torch()
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    rounds, round_s = (3, 0.1) if args.quick else (args.rounds, args.round)

    works = [w for w in load_all() if not args.only or any(o in w.name for o in args.only)]
    if not works:
        parser.error(f"no workload matches {args.only}")
    modules = {"engine": engine}
    if torch is not None:
        modules["torch"] = torch
    if args.check:
        for w in works:
            for mod in modules.values():
                w.make(mod)()
            print(f"ok  {w.name}")
        return 0

    print(f"engine {engine.__version__} vs "
          + (f"torch {torch.__version__} (CPU, {torch.get_num_threads()} threads)"
             if torch is not None else "torch: not installed"))
    header = f"{'workload':<24}{'engine':>14}{'torch':>14}{'engine/torch':>14}   what"
    print(header)
    print("-" * len(header))
    for w in works:
        best = measure(w, modules, rounds, round_s)
        per = {name: s / w.per for name, s in best.items()}
        unit = f" /{w.unit}" if w.per != 1 else ""
        line = f"{w.name:<24}{fmt(per['engine']):>14}"
        if torch is not None:
            line += f"{fmt(per['torch']):>14}{per['engine'] / per['torch']:>13.2f}x"
        else:
            line += f"{'-':>14}{'-':>14}"
        print(f"{line}   {w.title}{unit}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
