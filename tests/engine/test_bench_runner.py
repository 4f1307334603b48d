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


def test_rows_run_in_worker_processes_at_each_thread_count():
    """Each row is timed in a worker process per library and thread count; the row says
    which thread count it ran at and the worker's peak memory (no timing is checked)."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "small_ops",
                           "--no-torch", "--threads", "1", "default", "--rounds", "1",
                           "--round", "0.01"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines() if line.startswith("small_ops")]
    assert [row[1] for row in rows] == ["1", "def"]
    for row in rows:
        peak_mb = next(float(t.split("/")[0]) for t in row if t.endswith("/-"))
        assert 10 < peak_mb < 4096
