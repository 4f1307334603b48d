"""bench/run.py: workloads are discovered and each runs under the engine (no timing here)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # every workload's step once, some of them large (seconds in all)
def test_every_workload_runs_under_engine():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--check",
                           "--no-torch"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    done = {line.split()[1] for line in proc.stdout.splitlines() if line.startswith("ok ")}
    assert {"small_ops", "matmul_1024", "batched_linear"} <= done


def test_unknown_workload_is_an_error():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--check",
                           "--no-torch", "no_such_workload"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "no workload matches ['no_such_workload']" in proc.stderr
