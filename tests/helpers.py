"""Small helpers the engine op tests share (no Django here: engine tests must not need it)."""
import numpy as np
import pytest

import engine


def float64_normal(seed):
    """arr(*shape): float64 standard normals from a generator of its own, so each test module
    keeps its own reproducible stream (float64 for accurate finite differences)."""
    rng = np.random.default_rng(seed)

    def arr(*shape):
        return rng.standard_normal(shape)
    return arr


def T(a, **kw):
    """engine.tensor, short: lists take PyTorch's default dtypes, NumPy arrays keep theirs."""
    return engine.tensor(a, **kw)


def grad_fn_name(t):
    """The class name of t's grad_fn, as PyTorch prints it (MulBackward0, ...)."""
    return type(t.grad_fn).__name__


def raises(exc, msg, fn):
    """fn() raises exc with exactly the message msg (PyTorch's, written in as a literal)."""
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == msg
