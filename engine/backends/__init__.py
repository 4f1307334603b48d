"""torch.backends: what each backend PyTorch probes for answers here.

The engine computes with NumPy on the CPU and CuPy on cuda; cuDNN, MPS, MKL-DNN and the
others are never used, so their ``is_available()`` is False and their flags (cudnn.benchmark,
cudnn.deterministic, cuda.matmul.allow_tf32, ...) can be set and read back, as scripts do,
without changing the arithmetic.
"""
import contextlib
import sys

from . import cpu, cuda, cudnn, mha, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401  (torch.backends.X)


def _flags_context(module, names):
    """A ``flags(**values)`` context manager and ``set_flags`` for a backend module's
    settable attributes ``names`` (PyTorch's cudnn.flags, mkldnn.flags, ...)."""
    def set_flags(*values):
        old = tuple(getattr(module, n) for n in names)
        for n, v in zip(names, values):
            if v is not None:
                setattr(module, n, v)
        return old

    @contextlib.contextmanager
    def flags(*args, **kwargs):
        values = dict(module._FLAG_DEFAULTS)
        values.update(zip(names, args))
        values.update(kwargs)
        old = set_flags(*(values[n] for n in names))
        try:
            yield
        finally:
            set_flags(*old)

    module.set_flags, module.flags = set_flags, flags


for _module in (cudnn, mkldnn, opt_einsum):
    _flags_context(_module, tuple(_module._FLAG_DEFAULTS))


def _missing_names():
    from .. import _missing
    for name in ("", ".cpu", ".cuda", ".cudnn", ".mha", ".mkl", ".mkldnn", ".mps", ".openmp",
                 ".opt_einsum"):
        _missing.install(sys.modules[__name__ + name], "torch.backends" + name)


_missing_names()
