"""Peak memory of issue 3's nn workloads, engine beside torch, each in a fresh process.

    python3 bench/nn_memory.py            # every workload in bench/workloads/nn.py
    python3 bench/nn_memory.py conv2d     # only those whose name contains a word

For each library and workload a child process builds the step, runs it a few times and
reports its peak resident memory (ru_maxrss) and how much the steps added on top of what the
process held before the first step (the workload's own working memory). Times are in
bench/run.py; this only answers "how much memory".
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
import importlib
lib = importlib.import_module({lib!r})
from workloads import nn as W
step = getattr(W, {name!r})(lib)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for _ in range(3):
    step()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"peak_mb": peak / 1024, "steps_mb": (peak - before) / 1024}}))
"""


def measure(lib, name):
    code = CHILD.format(root=str(ROOT), bench=str(ROOT / "bench"), lib=lib, name=name)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv):
    sys.path.insert(0, str(ROOT / "bench"))
    from workloads import nn as W
    names = [n for n in ("seed_net_b64", "seed_net_b1", "mlp_adam_b128", "conv2d_large")
             if hasattr(W, n) and (not argv or any(a in n for a in argv))]
    print(f"{'workload':<16}{'engine peak':>13}{'(steps)':>10}{'torch peak':>13}{'(steps)':>10}")
    for name in names:
        row = f"{name:<16}"
        for lib in ("engine", "torch"):
            m = measure(lib, name)
            row += "{:>10.0f} MB{:>7.0f} MB".format(m["peak_mb"], m["steps_mb"]) if m else \
                f"{'-':>13}{'-':>10}"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
