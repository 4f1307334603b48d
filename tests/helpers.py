"""Small helpers the engine op tests share (no Django here: engine tests must not need it)."""
import contextlib
import importlib
import io
import sys

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


TORCH_MODULES = ("", ".nn", ".nn.functional", ".optim", ".utils", ".utils.data")


@contextlib.contextmanager
def engine_as_torch():
    """`import torch` (and its usual submodules) gives the engine, as in the playground;
    the real torch, if this machine has it, is put back afterwards."""
    saved = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    for k in saved:
        del sys.modules[k]
    for suffix in TORCH_MODULES:
        sys.modules["torch" + suffix] = importlib.import_module("engine" + suffix)
    try:
        yield
    finally:
        for suffix in TORCH_MODULES:
            del sys.modules["torch" + suffix]
        sys.modules.update(saved)


def run_as_torch(code, env=None):
    """Exec PyTorch code on the engine; the lines it printed."""
    env = {} if env is None else env
    out = io.StringIO()
    with engine_as_torch(), contextlib.redirect_stdout(out):
        exec(compile(code, "<seed>", "exec"), env)
    return out.getvalue().splitlines()
