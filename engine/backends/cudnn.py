"""torch.backends.cudnn: the engine does not use cuDNN (CuPy's kernels run cuda ops), so
is_available() is False; the flags are kept so scripts can set and read them."""

_FLAG_DEFAULTS = {"enabled": False, "benchmark": False, "benchmark_limit": 10,
                  "deterministic": False, "allow_tf32": True, "fp32_precision": "none"}

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True
fp32_precision = "none"

def is_available():
    return False

def version():
    return None

def is_acceptable(tensor):
    return False
