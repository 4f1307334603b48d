"""The sandbox's GPU profile (playground/sandbox/gpu.py): which device nodes a GPU run gets,
its memory limits, CUDA started in the run's process, one GPU run per device at a time.

The parts that need a real GPU (a run on "cuda" end to end) skip with the reason; the rest
checks the profile's decisions on any machine."""
import os
import resource
import threading

import pytest

from engine import _backend
from playground import events
from playground.sandbox import devices, gpu, isolation

GPU_REASON = gpu.unavailable_reason()


def _touch(tmp_path, *names):
    for name in names:
        (tmp_path / name).write_text("")
    return str(tmp_path / "nvidia*")


def test_only_the_nodes_cuda_needs_are_bound(tmp_path):
    pattern = _touch(tmp_path, "nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm",
                     "nvidia-uvm-tools", "nvidia-modeset", "nvidia-caps", "nvidia0x")
    nodes = gpu.device_nodes(pattern)
    assert [n.rsplit("/", 1)[1] for n in nodes] == [
        "nvidia-uvm", "nvidia-uvm-tools", "nvidia0", "nvidia1", "nvidiactl"]
    args = gpu.bwrap_args(nodes)
    assert args[:3] == ["--dev-bind", nodes[0], nodes[0]] and len(args) == 3 * len(nodes)
    assert gpu.missing_nodes(nodes) is None


def test_missing_nodes_say_what_is_missing(tmp_path):
    assert gpu.missing_nodes([]) == "no NVIDIA GPU device node (/dev/nvidia0) on this host"
    assert gpu.missing_nodes(["/dev/nvidia0", "/dev/nvidiactl"]) == \
        "/dev/nvidia-uvm is missing (is the NVIDIA driver loaded?)"


def test_bwrap_binds_the_gpu_nodes_only_when_the_host_serves_cuda(monkeypatch):
    nodes = ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"]
    monkeypatch.setattr(gpu, "served", lambda: True)
    monkeypatch.setattr(gpu, "device_nodes", lambda *a: nodes)
    args = isolation.bwrap_command("/usr/bin/python3")
    at = args.index("--dev")
    assert args[at:at + 2] == ["--dev", "/dev"]  # a fresh /dev first, then only these nodes
    bound = [args[i + 1] for i, a in enumerate(args) if a == "--dev-bind"]
    assert bound == nodes
    monkeypatch.setattr(gpu, "served", lambda: False)
    assert "--dev-bind" not in isolation.bwrap_command("/usr/bin/python3")


def test_a_gpu_run_has_no_address_space_cap_but_a_data_cap():
    limits = {"memory_bytes": 2 * gpu.GiB}
    assert gpu.rlimits(limits, "cpu") == {resource.RLIMIT_AS: 2 * gpu.GiB}
    assert gpu.rlimits(limits, "cuda") == {
        resource.RLIMIT_AS: resource.RLIM_INFINITY,
        resource.RLIMIT_DATA: 2 * gpu.GiB + gpu.HOST_HEADROOM}


def test_cuda_starts_in_the_child_with_the_pool_limit(monkeypatch):
    monkeypatch.delenv("CUPY_CACHE_DIR", raising=False)
    from tests.engine import fake_cupy  # the CuPy double: checks the call, not a GPU
    previous = _backend.use_cuda_backend(fake_cupy.cupy, fake_cupy.cupyx)
    try:
        assert gpu.start_in_child({"gpu_memory_bytes": 1 << 20}) == 1 << 20
        assert os.environ["CUPY_CACHE_DIR"] == os.path.join(os.getcwd(), ".cupy-kernels")
        assert fake_cupy.get_default_memory_pool().get_limit() == 1 << 20
        with pytest.raises(fake_cupy.OutOfMemoryError):
            fake_cupy.cupy.zeros(1 << 20)  # 8 MiB of float64 past a 1 MiB pool
    finally:
        _backend.use_cuda_backend(*previous)
        fake_cupy.reset()


@pytest.mark.skipif(_backend.cuda_unavailable_reason() is None, reason="this machine has a GPU")
def test_a_cuda_run_on_a_host_without_a_gpu_says_why_at_its_first_cuda_tensor(monkeypatch):
    from playground.sandbox.slot import run_in_sandbox
    monkeypatch.delenv("CUPY_CACHE_DIR", raising=False)
    assert gpu.start_in_child({"gpu_memory_bytes": 1 << 20}) is None
    out = list(run_in_sandbox("print('starts')\nimport torch\ntorch.ones(1).cuda()",
                              device="cuda"))
    assert "".join(e.get("text", "") for e in out if e["type"] == "stdout") == "starts\n"
    error = next(e for e in out if e["type"] == "error")
    assert error["ename"] == "RuntimeError"
    assert error["evalue"].startswith("Cannot move a tensor to cuda: ")
    assert out[-1]["status"] == events.FAILED


def test_one_gpu_run_per_device_at_a_time():
    gate = gpu.DeviceGate(per_device=1)
    assert gate.acquire("cuda")
    assert gate.acquire("cuda", timeout=0.01) is False  # the second waits
    assert gate.acquire("cpu") and gate.acquire("cpu")  # the CPU is never gated
    released = threading.Event()

    def second():
        gate.acquire("cuda")
        released.set()
    t = threading.Thread(target=second)
    t.start()
    gate.release("cuda")
    t.join(5)
    assert released.is_set()
    two = gpu.DeviceGate(per_device=2)
    assert two.acquire("cuda") and two.acquire("cuda", timeout=0.01)


def test_runs_per_device_setting(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_GPU_RUNS_PER_DEVICE", "3")
    assert gpu.DeviceGate().per_device == 3
    monkeypatch.setenv("PLAYGROUND_GPU_RUNS_PER_DEVICE", "0")
    with pytest.raises(ValueError, match="PLAYGROUND_GPU_RUNS_PER_DEVICE must be a whole"):
        gpu.runs_per_device()


@pytest.mark.skipif(GPU_REASON is None, reason="this machine can serve GPU runs")
def test_the_sandbox_says_why_it_cannot_serve_cuda():
    assert devices.unavailable_reason("cuda") == GPU_REASON
    assert devices.unavailable_reason("cpu") is None


@pytest.mark.skipif(GPU_REASON is not None, reason=f"needs a GPU sandbox: {GPU_REASON}")
def test_a_run_on_cuda_end_to_end():
    from playground.sandbox.slot import run_in_sandbox
    code = ("import torch\nx = torch.ones(1000, device='cuda')\n"
            "print(x.device, x.sum().item(), torch.cuda.is_available())")
    out = list(run_in_sandbox(code, device="cuda"))
    assert out[-1]["status"] == events.SUCCEEDED, out
    assert "cuda:0 1000.0 True" in "".join(e.get("text", "") for e in out)


IOCTLS = """import errno, fcntl, os
fd = os.open('/dev/null', os.O_RDONLY)
for request in (0xC020462A, 0x5401):  # NVIDIA's NV_ESC_RM_ALLOC-style 'F' ioctl, TCGETS
    try:
        fcntl.ioctl(fd, request, bytes(32))
    except OSError as exc:
        print(hex(request), errno.errorcode[exc.errno])
"""


def test_a_cpu_run_cannot_talk_to_the_gpu_driver():
    from playground.sandbox.slot import run_in_sandbox
    out = list(run_in_sandbox(IOCTLS, device="cpu"))
    running = next(e for e in out if e.get("status") == events.RUNNING)
    if not running.get("sandbox", {}).get("seccomp"):
        pytest.skip("seccomp is not active on this host")
    assert out[-1]["status"] == events.SUCCEEDED, out
    text = "".join(e.get("text", "") for e in out if e["type"] == "stdout")
    # the driver's ioctl type is refused by seccomp; any other ioctl reaches the kernel
    assert text == "0xc020462a EPERM\n0x5401 ENOTTY\n"


ZYGOTE_IMPORTS = """import sys
from tests.engine import fake_cupy
touched = []
runtime = fake_cupy.cupy.cuda.runtime
for name in ("getDeviceCount", "getDeviceProperties", "memGetInfo", "getDevice"):
    real = getattr(runtime, name)
    setattr(runtime, name, lambda *a, _n=name, _r=real: touched.append(_n) or _r(*a))
sys.modules["cupy"] = fake_cupy.cupy   # what `import cupy` finds on a GPU host
from playground.sandbox import zygote
import importlib
for name in zygote.PRELOAD:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        pass
import engine
engine.seed()                           # what the run child does first (child._fresh_randomness)
print("touched", touched)
engine.ones(1, device="cuda")           # the run's own first use does reach the driver
print("touched", touched)
"""


def test_the_warm_zygote_never_touches_cuda(tmp_path):
    """What the zygote loads (and the child does before the user's code) must not initialise
    CUDA: a context does not survive fork. Checked with the CuPy double standing in for cupy,
    counting calls into its runtime."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", ZYGOTE_IMPORTS], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "touched []"
    assert lines[1] == "touched ['getDeviceCount']"


def test_the_local_executor_serves_cuda_exactly_when_the_gpu_profile_can(monkeypatch):
    """One decision: the executor's capabilities (asked by the device selector, the API's
    check and /status/) follow the sandbox's GPU profile."""
    from playground.executors.base import CallbackSink
    from playground.executors.local import LocalExecutor
    ex = LocalExecutor(CallbackSink(), pool_size=1)
    try:
        monkeypatch.setattr(gpu, "unavailable_reason", lambda: "no GPU here (test)")
        caps = ex.capabilities()
        assert caps.devices["cuda"] == "no GPU here (test)" and caps.devices["cpu"] is None
        assert caps.queues[0]["devices"] == ("cpu",)
        monkeypatch.setattr(gpu, "unavailable_reason", lambda: None)
        caps = ex.capabilities()
        assert caps.devices["cuda"] is None and caps.queues[0]["devices"] == ("cpu", "cuda")
        assert ex.unavailable_reason("cuda") is None
    finally:
        ex.shutdown()
