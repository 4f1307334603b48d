"""Reference cases for torch.nn: each case is written once against a ``Lib`` (a library that
is either real PyTorch or the engine) and returns what PyTorch's behaviour pins down:
outputs, gradients, grad_fn names, reprs, error and warning messages.

``tests/fixtures/make_nn_reference.py`` runs every case under PyTorch 2.13 and stores the
results in tests/fixtures/nn_reference.npz (arrays) and nn_reference.json (everything
else); ``tests/engine/test_nn_reference.py`` runs the same cases under the engine and
compares, so the tests pass without PyTorch installed.

Inputs come from a NumPy generator seeded by the case's name, so both libraries see the same
numbers; parameters are overwritten with such numbers too (``lib.init``).
"""
import warnings
import zlib

import numpy as np

CASES = {}


def case(fn):
    """Register a case: ``fn(lib)`` returns {key: tensor, str, number, tuple, None}."""
    if fn.__name__ in CASES:
        raise ValueError(f"two cases named {fn.__name__}")
    CASES[fn.__name__] = fn
    return fn


class Lib:
    """What a case sees of a library, with the helpers every case shares."""

    def __init__(self, torch, case_name):
        self.torch = torch
        self.nn = torch.nn
        self.F = torch.nn.functional
        self.rng = np.random.default_rng(zlib.crc32(case_name.encode()))

    # ---- inputs ---------------------------------------------------------------------------
    def array(self, *shape, low=-1.0, high=1.0):
        return self.rng.uniform(low, high, shape)

    def rand(self, *shape, low=-1.0, high=1.0, grad=True, dtype=None):
        """A float64 (or ``dtype``) tensor of uniform numbers, a leaf requiring grad."""
        t = self.torch.tensor(self.array(*shape, low=low, high=high),
                              dtype=dtype or self.torch.float64)
        return t.requires_grad_(grad and t.is_floating_point())

    def ints(self, low, high, *shape):
        return self.torch.tensor(self.rng.integers(low, high, shape), dtype=self.torch.int64)

    def init(self, module, low=-0.5, high=0.5):
        """float64 parameters (and float buffers) set from the case's generator."""
        module.double()
        with self.torch.no_grad():
            for _, p in module.named_parameters():
                p.copy_(self.torch.tensor(self.array(*p.shape, low=low, high=high)))
        return module

    # ---- running --------------------------------------------------------------------------
    def run(self, fn, *inputs, module=None, prefix=""):
        """Outputs of fn(*inputs), their grad_fn names and, after backward of a weighted sum
        of the floating outputs, the gradients of the inputs and of module's parameters."""
        out = fn(*inputs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        res = {}
        loss = None
        for i, o in enumerate(outs):
            if not isinstance(o, self.torch.Tensor):
                continue
            res[f"{prefix}out{i}"] = o
            res[f"{prefix}grad_fn{i}"] = o.grad_fn.name() if o.grad_fn is not None else None
            if o.requires_grad and o.is_floating_point():
                w = self.torch.tensor(self.array(*o.shape), dtype=o.dtype)
                term = (o * w).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()
        for j, x in enumerate(inputs):
            if isinstance(x, self.torch.Tensor) and x.requires_grad:
                res[f"{prefix}dx{j}"] = x.grad
        if module is not None:
            for name, p in module.named_parameters():
                res[f"{prefix}d.{name}"] = p.grad
        return res

    def error(self, fn, *args, **kwargs):
        """'ExceptionType: message' of what fn raises (None when it does not raise)."""
        try:
            fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001  (the type is part of what is compared)
            return f"{type(e).__name__}: {e}"
        return None

    def warnings(self, fn, *args, **kwargs):
        """(fn's result, the messages of the warnings it gave)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn(*args, **kwargs)
        return result, tuple(str(w.message) for w in caught)


def flatten(result, torch):
    """{key: numpy array or JSON-able value}: tensors become arrays, tuples get /i keys."""
    flat = {}

    def put(key, value):
        if isinstance(value, torch.Tensor):
            flat[key] = value.detach().numpy().copy()
        elif isinstance(value, (tuple, list)):
            flat[key + "#len"] = len(value)
            for i, v in enumerate(value):
                put(f"{key}/{i}", v)
        elif isinstance(value, (np.floating, np.integer, np.bool_)):
            flat[key] = value.item()
        else:
            flat[key] = value
    for key, value in result.items():
        put(key, value)
    return flat


def load_all():
    """Import every module of cases (each registers its cases on import)."""
    from . import (cases_activation, cases_attention, cases_conv_pool_norm,  # noqa: F401
                   cases_lazy, cases_loss, cases_misc, cases_repr, cases_shape,
                   cases_torch_functions)
