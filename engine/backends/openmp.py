"""torch.backends.openmp: the engine does not use OpenMP (NumPy's BLAS runs its own pool)."""


def is_available():
    return False
