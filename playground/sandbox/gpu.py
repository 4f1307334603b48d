"""The sandbox's GPU profile: what a run on device "cuda" gets that a CPU run does not.

- The NVIDIA device nodes, and only those, bound into bubblewrap (``bwrap_args``): the control
  node, the unified-memory nodes and one node per GPU. ``--dev /dev`` gives every sandbox a
  fresh /dev without them; the CPU profile stays that way.
- CUDA is initialised in the run's own process, after the fork (``start_in_child``), never in
  the warm zygote: a CUDA context does not survive ``fork``, and one zygote serves many runs.
- Memory limits that work with CUDA: a CUDA context reserves tens of GiB of address space, so
  the address-space rlimit (RLIMIT_AS) is lifted for GPU runs; the run's host memory is capped
  by RLIMIT_DATA instead (its heap and private mappings, with ``HOST_HEADROOM`` more for the
  driver), and its GPU memory by CuPy's memory-pool limit (``gpu_memory_bytes``).
- One GPU run per device at a time by default (``PLAYGROUND_GPU_RUNS_PER_DEVICE``): a GPU has
  no preemption worth the name, two runs share its memory and its clock.
- seccomp: the filter denies by name and lets ioctl through (the driver's ioctls on its nodes
  are all it needs); nothing changes for the GPU profile.

Without a GPU every check here answers why not; tests/sandbox/test_gpu_profile.py skips the
parts that need one, with the reason.
"""
import functools
import glob
import importlib.util
import os
import re
import resource
import subprocess
import sys
import threading

GiB = 1 << 30
# The nodes CUDA opens: nvidiactl (the control node), nvidia-uvm and nvidia-uvm-tools (unified
# memory), nvidia<N> (the GPUs). Not nvidia-modeset (display), not nvidia-caps (MIG admin).
NODE_PATTERN = re.compile(r"^nvidia(ctl|-uvm|-uvm-tools|[0-9]+)$")
HOST_HEADROOM = 4 * GiB  # host memory the driver and CUDA runtime take on top of the run's
GPU_MEMORY_BYTES = 4 * GiB  # CuPy's pool limit for one run unless the run's limits say more


def device_nodes(dev_glob="/dev/nvidia*"):
    """The NVIDIA device nodes present on this host that a CUDA run needs (sorted)."""
    return sorted(p for p in glob.glob(dev_glob) if NODE_PATTERN.match(os.path.basename(p)))


def bwrap_args(nodes=None):
    """bubblewrap arguments binding the NVIDIA nodes into the sandbox's /dev (after --dev)."""
    nodes = device_nodes() if nodes is None else nodes
    args = []
    for node in nodes:
        args += ["--dev-bind", node, node]
    return args


def missing_nodes(nodes):
    """Why these nodes cannot serve a CUDA run, or None."""
    names = {os.path.basename(n) for n in nodes}
    if not any(re.fullmatch(r"nvidia[0-9]+", n) for n in names):
        return "no NVIDIA GPU device node (/dev/nvidia0) on this host"
    for needed in ("nvidiactl", "nvidia-uvm"):
        if needed not in names:
            return f"/dev/{needed} is missing (is the NVIDIA driver loaded?)"
    return None


def unavailable_reason():
    """None when this host's sandbox can run code on "cuda", else a sentence for the user."""
    return _cupy_reason() or missing_nodes(device_nodes())


@functools.lru_cache(maxsize=1)
def _cupy_reason():
    if importlib.util.find_spec("cupy") is None:
        return "this server has no CuPy installed, so there is no GPU to run on"
    # Asked in a child: touching the driver has no place in the web process or a zygote.
    probe = "import cupy; print(cupy.cuda.runtime.getDeviceCount())"
    try:
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             timeout=60)
    except subprocess.TimeoutExpired:
        return "the GPU did not answer in time"
    if out.returncode != 0 or not out.stdout.strip().isdigit():
        return "CuPy is installed but found no working CUDA device"
    if int(out.stdout.strip()) == 0:
        return "no CUDA device is visible to this server"
    return None


def served():
    """Whether this host's sandboxes get the GPU profile's nodes at all."""
    return unavailable_reason() is None


# ---- in the run child, after the fork ----------------------------------------------------------

def rlimits(limits, device):
    """{rlimit: bytes} for the run's memory: the CPU profile's address-space cap, or for a GPU
    run no address-space cap and a data cap with room for the driver."""
    if device != "cuda":
        return {resource.RLIMIT_AS: limits["memory_bytes"]}
    return {resource.RLIMIT_AS: resource.RLIM_INFINITY,
            resource.RLIMIT_DATA: limits["memory_bytes"] + HOST_HEADROOM}


def pool_limit(limits):
    return int(limits.get("gpu_memory_bytes") or GPU_MEMORY_BYTES)


def start_in_child(limits, backend=None):
    """Initialise CUDA in the run's process (first touch of the driver) and cap CuPy's memory
    pool; returns the limit set, or None when this host has no GPU after all (a misplaced
    worker): the run goes on, and its first cuda tensor raises the engine's error saying why.
    ``backend`` is the engine's ``_backend`` (tests pass theirs)."""
    # CuPy compiles its kernels on first use and caches them on disk: in the run's own
    # directory, never a cache shared between runs (one run could plant code for the next)
    os.environ["CUPY_CACHE_DIR"] = os.path.join(os.getcwd(), ".cupy-kernels")
    if backend is None:
        from engine import _backend as backend
    if backend.cuda_unavailable_reason():
        return None
    limit = pool_limit(limits)
    backend.cupy.get_default_memory_pool().set_limit(size=limit)
    return limit


# ---- one GPU run per device at a time -----------------------------------------------------------

def runs_per_device():
    value = os.environ.get("PLAYGROUND_GPU_RUNS_PER_DEVICE", "1")
    if not value.isdigit() or int(value) < 1:
        raise ValueError("PLAYGROUND_GPU_RUNS_PER_DEVICE must be a whole number >= 1, "
                         f"not {value!r}")
    return int(value)


class DeviceGate:
    """At most ``per_device`` runs at a time on each GPU device (the CPU is not gated)."""

    def __init__(self, per_device=None):
        self.per_device = runs_per_device() if per_device is None else per_device
        self._gates = {}
        self._lock = threading.Lock()

    def _gate(self, device):
        with self._lock:
            if device not in self._gates:
                self._gates[device] = threading.BoundedSemaphore(self.per_device)
            return self._gates[device]

    def acquire(self, device, timeout=None):
        """True when the run may start (always for the CPU)."""
        if device == "cpu":
            return True
        return self._gate(device).acquire(timeout=-1 if timeout is None else timeout)

    def release(self, device):
        if device != "cpu":
            self._gate(device).release()


_gate = None


def gate():
    """The process's DeviceGate (its slots share it)."""
    global _gate
    if _gate is None:
        _gate = DeviceGate()
    return _gate


# ---- what the status page shows ----------------------------------------------------------------

def host_gpus():
    """[{index, name, memory_total, memory_used, utilization}] of this host's GPUs (bytes, %),
    through NVML (nvidia-ml-py) or nvidia-smi: neither opens a CUDA context in the caller, as
    CuPy would. [] without a GPU or without either tool."""
    try:
        return _nvml_gpus()
    except Exception:  # nvidia-ml-py missing, or no driver: try nvidia-smi
        pass
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=index,name,memory.total,memory.used,utilization.gpu",
             "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if out.returncode != 0:
        return []
    gpus = []
    for line in out.stdout.strip().splitlines():
        index, name, total, used, util = [f.strip() for f in line.split(",")]
        gpus.append({"index": int(index), "name": name, "memory_total": int(total) << 20,
                     "memory_used": int(used) << 20,
                     "utilization": int(util) if util.isdigit() else None})
    return gpus


def _nvml_gpus():
    import pynvml
    pynvml.nvmlInit()
    try:
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append({"index": index, "name": name.decode() if isinstance(name, bytes)
                         else name, "memory_total": memory.total, "memory_used": memory.used,
                         "utilization": pynvml.nvmlDeviceGetUtilizationRates(handle).gpu})
        return gpus
    finally:
        pynvml.nvmlShutdown()
