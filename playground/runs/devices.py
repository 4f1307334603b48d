"""Which devices this server can run code on, and why not when it cannot."""
import functools
import importlib.util
import subprocess
import sys


def gpu_unavailable_reason():
    """None when CUDA runs can be served, else a sentence a user can read."""
    from django.conf import settings
    if getattr(settings, "PLAYGROUND_EXECUTOR", "local") == "celery":  # GPUs are on worker hosts
        from playground.executors.fleet import gpu_unavailable_reason as no_gpu_worker_reason
        return no_gpu_worker_reason()
    return _local_gpu_unavailable_reason()


@functools.lru_cache(maxsize=1)
def _local_gpu_unavailable_reason():
    if importlib.util.find_spec("cupy") is None:
        return "this server has no CuPy installed, so there is no GPU to run on"
    # Ask in a child: importing CuPy and touching the driver has no place in the web process.
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
