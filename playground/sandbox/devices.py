"""Which devices the sandbox on this host can run code on, and why not when it cannot."""
from . import gpu


def unavailable_reason(device):
    """None when a run on ``device`` can execute here, else a sentence a user can read."""
    if device == "cpu":
        return None
    if device == "cuda":
        return gpu.unavailable_reason()  # CuPy, a GPU, and its device nodes for the sandbox
    return f"this host has no {device!r} device"
