"""The GPU check (issue 16), for a machine with an NVIDIA GPU, CuPy and PyTorch (CUDA build):

1. the engine's value tests on CuPy (ENGINE_TEST_DEVICE=cuda: the modules listed in
   tests/engine/conftest.py DEVICE_MODULES) and the sandbox's GPU profile tests;
2. the engine-vs-PyTorch-CUDA speed table, both libraries in this one process, written into
   docs/engine.md between the gpu-check markers.

    pip install -r requirements-gpu.txt      # CuPy for the machine's CUDA (see the README)
    python3 bench/gpu_check.py               # tests, then the table
    python3 bench/gpu_check.py --no-tests    # the table only
    python3 bench/gpu_check.py --no-write    # print the table, leave docs/engine.md alone

Without a GPU (or without CuPy, or without a CUDA build of PyTorch) it says which is missing
and exits with status 2: it never reports a CPU number as a GPU one.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BEGIN, END = "<!-- gpu-check:begin -->", "<!-- gpu-check:end -->"
# (workload, target ratio engine/PyTorch or None: reported as measured)
TARGETS = {"matmul": 1.1, "mlp": 2.0, "lenet1024": 2.0, "conv": 3.0}


def missing():
    """Why this machine cannot run the check, or None."""
    try:
        import cupy
    except Exception as exc:
        return f"CuPy does not import ({exc}); pip install -r requirements-gpu.txt"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "CuPy finds no CUDA device"
    except Exception as exc:
        return f"CuPy cannot reach a GPU: {exc}"
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed (the table compares against PyTorch CUDA)"
    if not torch.cuda.is_available():
        return f"this PyTorch ({torch.__version__}) has no CUDA device"
    return None


def run_tests():
    env = dict(os.environ, ENGINE_TEST_DEVICE="cuda")
    from tests.engine.conftest import DEVICE_MODULES
    paths = sorted(f"tests/engine/{m}.py" for m in DEVICE_MODULES)
    paths.append("tests/sandbox/test_gpu_profile.py")
    print("$ ENGINE_TEST_DEVICE=cuda pytest", " ".join(paths), flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            *paths], cwd=ROOT, env=env)


# ---- the workloads: each takes the library (engine or torch) and returns a step --------------

def lenet(batch):
    def make(lib):
        from workloads.nn import _net_step
        return _net_step(lib, batch)
    return make


def mlp_adam(lib):
    from workloads.nn import mlp_adam_b128
    return mlp_adam_b128(lib)


def conv(lib):
    from workloads.nn import conv2d_large
    return conv2d_large(lib)


def matmul(lib):
    a = lib.randn(4096, 4096, requires_grad=True)
    b = lib.randn(4096, 4096, requires_grad=True)

    def step():
        a.grad = b.grad = None
        (a @ b).sum().backward()
    return step


SMALL_OPS = 4  # mul, add, sum, and the backward of the three


def small_ops(lib):
    a = lib.randn(16, requires_grad=True)
    b = lib.randn(16)

    def step():
        a.grad = None
        (a * b + a).sum().backward()
    return step


ROWS = [("small-op latency, `(a*b + a).sum().backward()` on 16 floats, per op", small_ops,
         SMALL_OPS, None),
        ("4096x4096 float32 matmul, forward + backward", matmul, 1, "matmul"),
        ("LeNet (seed Net) train step, batch 64", lenet(64), 1, None),
        ("LeNet (seed Net) train step, batch 1024", lenet(1024), 1, "lenet1024"),
        ("MLP 784-256-256-10 + Adam, batch 128", mlp_adam, 1, "mlp"),
        ("conv2d 64->64 3x3 on 32x64x56x56, forward + backward", conv, 1, "conv")]


def timed(lib, make, per, seconds):
    """Best time of one step (over rounds of ``seconds``), synchronised with the device."""
    lib.set_default_device("cuda")
    try:
        lib.manual_seed(0)
        step = make(lib)
    finally:
        lib.set_default_device(None)
    for _ in range(3):  # warm-up: CuPy compiles its kernels, PyTorch picks cuDNN algorithms
        step()
    lib.cuda.synchronize()
    best = float("inf")
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while True:
            step()
            n += 1
            lib.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        best = min(best, elapsed / n)
    return best / per


def fmt(seconds):
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def table(seconds):
    import torch

    import engine
    import engine.optim  # noqa: F401 (the workloads use lib.optim)
    gpu = torch.cuda.get_device_name()
    lines = [f"Measured by `python3 bench/gpu_check.py` on {gpu} (CuPy "
             f"{__import__('cupy').__version__}, PyTorch {torch.__version__}), both libraries "
             "in one process, best of 5 rounds:", "",
             "| workload | engine (CuPy) | PyTorch CUDA | engine / PyTorch | target |",
             "|---|---|---|---|---|"]
    failed = []
    for title, make, per, key in ROWS:
        ours = timed(engine, make, per, seconds)
        theirs = timed(torch, make, per, seconds)
        ratio = ours / theirs
        target = TARGETS.get(key)
        verdict = "reported" if target is None else (
            f"<= {target:g}x " + ("met" if ratio <= target else "**missed**"))
        if target is not None and ratio > target:
            failed.append(title)
        lines.append(f"| {title} | {fmt(ours)} | {fmt(theirs)} | {ratio:.2f}x | {verdict} |")
        print(lines[-1], flush=True)
    return "\n".join(lines), failed


def write(text):
    path = ROOT / "docs" / "engine.md"
    doc = path.read_text()
    if BEGIN not in doc or END not in doc:
        raise SystemExit(f"docs/engine.md has no {BEGIN} ... {END} section to fill")
    head, rest = doc.split(BEGIN, 1)
    path.write_text(head + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1])
    print("wrote the table into docs/engine.md")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-tests", action="store_true", help="skip the device tests")
    parser.add_argument("--no-write", action="store_true", help="leave docs/engine.md as is")
    parser.add_argument("--round", type=float, default=0.5, help="seconds per timing round")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"gpu_check: cannot run here: {reason}. It needs an NVIDIA GPU, CuPy and a CUDA "
              "build of PyTorch.", file=sys.stderr)
        return 2
    status = 0 if args.no_tests else run_tests()
    text, failed = table(args.round)
    if not args.no_write:
        write(text)
    if failed:
        print("targets missed: " + "; ".join(failed), file=sys.stderr)
    return status or (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
