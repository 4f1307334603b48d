"""bench/gpu_check.py: it refuses clearly without a GPU, and its workloads run on the engine's
cuda path (on fake_cupy, the CuPy test double: the device logic, not GPU speed or values)."""
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine import _backend
from tests.engine import fake_cupy

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import gpu_check  # noqa: E402


@pytest.mark.skipif(gpu_check.missing() is None, reason="this machine can run the GPU check")
def test_without_a_gpu_it_says_what_is_missing_and_fails():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_check.py")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("gpu_check: cannot run here: ")
    assert "It needs an NVIDIA GPU, CuPy and a CUDA build of PyTorch." in proc.stderr
    assert proc.stdout == ""


def test_docs_have_the_section_the_table_goes_into():
    doc = (ROOT / "docs" / "engine.md").read_text()
    assert doc.count(gpu_check.BEGIN) == 1 and doc.count(gpu_check.END) == 1


@pytest.mark.parametrize("row", [r for r in gpu_check.ROWS
                                 if r[3] not in ("matmul", "conv", "lenet1024")],
                         ids=lambda r: r[0][:30])
def test_the_small_workloads_run_on_the_device(row):
    title, make, per, key = row
    previous = _backend.use_cuda_backend(fake_cupy.cupy, fake_cupy.cupyx)
    try:
        engine.set_default_device("cuda")
        step = make(engine)
        engine.set_default_device(None)
        step()
        engine.cuda.synchronize()
    finally:
        engine.set_default_device(None)
        _backend.use_cuda_backend(*previous)
        fake_cupy.reset()
