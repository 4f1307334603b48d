"""Which devices the sandbox on this host can run code on, and why not when it cannot."""
import functools
import importlib.util
import subprocess
import sys

CPU_ONLY = "the sandbox runs CPU code only for now"


def unavailable_reason(device):
    """None when a run on ``device`` can execute here, else a sentence a user can read."""
    if device == "cpu":
        return None
    if device == "cuda":
        return _cuda_unavailable_reason() or CPU_ONLY
    return f"this host has no {device!r} device"


@functools.lru_cache(maxsize=1)
def _cuda_unavailable_reason():
    if importlib.util.find_spec("cupy") is None:
        return "this server has no CuPy installed, so there is no GPU to run on"
    # Ask in a child: importing CuPy and touching the driver has no place in this process.
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
