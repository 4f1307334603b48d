"""torch.backends.mkldnn: oneDNN is not used by the engine (NumPy's BLAS is)."""

_FLAG_DEFAULTS = {"enabled": False, "deterministic": False, "allow_tf32": True,
                  "fp32_precision": "none"}

enabled = True
deterministic = False
allow_tf32 = True
fp32_precision = "none"


def is_available():
    return False


def is_acl_available():
    return False
