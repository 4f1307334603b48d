"""torch.backends.cpu: the vector instructions the CPU kernels use (NumPy's, here)."""


def get_cpu_capability():
    """'AVX512', 'AVX2' or 'DEFAULT', from the SIMD features NumPy detected and dispatches to."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:
        from numpy.core._multiarray_umath import __cpu_features__ as features
    if features.get("AVX512F") and features.get("AVX512BW"):
        return "AVX512"
    if features.get("AVX2"):
        return "AVX2"
    return "DEFAULT"
