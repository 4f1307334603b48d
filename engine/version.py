"""torch.version: what scripts print when they report their setup."""
import sys

from . import _missing

__version__ = "2.13.0"
git_version = "engine"
debug = False
hip = None
xpu = None
cudnn = None


def _cuda_runtime():
    """The CUDA runtime CuPy runs on ('12.4'), None without CuPy (as a CPU build says)."""
    from . import _backend
    try:
        v = _backend.cupy.cuda.runtime.runtimeGetVersion()
    except Exception:  # no CuPy, or no usable runtime
        return None
    return f"{v // 1000}.{v % 1000 // 10}"


cuda = _cuda_runtime()


_missing.install(sys.modules[__name__], "torch.version")  # PyTorch names it lacks say so
