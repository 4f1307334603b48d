"""Outcomes of expressions written as PyTorch code, in a form recorded from PyTorch 2.13 into
the tests as literals and compared with what the engine gives: for a tensor its dtype, shape,
values, requires_grad and grad_fn name; for an error its type and message."""
import math

import numpy as np
import pytest


def outcome(expr, env):
    """What evaluating ``expr`` gives: ("ok", value description) or ("error", type, message)."""
    try:
        result = eval(expr, dict(env))
    except Exception as exc:  # noqa: BLE001 - any error is an outcome to compare
        return ("error", type(exc).__name__, str(exc).split("\n")[0])
    return ("ok", describe(result, env["torch"]))


def describe(r, torch):
    if isinstance(r, torch.Tensor):
        return ("tensor", str(r.dtype), tuple(r.shape), r.detach().cpu().numpy().tolist(),
                r.requires_grad, type(r.grad_fn).__name__ if r.grad_fn is not None else None)
    if isinstance(r, (tuple, list)):
        kind = type(r).__name__ if type(r) in (tuple, list) else "tuple"
        return (kind, [describe(x, torch) for x in r])
    if isinstance(r, torch.dtype):
        return ("dtype", str(r))
    return ("value", r)


def same(got, expected, rtol=1e-5, atol=1e-6):
    """Equal outcomes, floats within tolerance (NaN equal to NaN)."""
    if isinstance(expected, float) and isinstance(got, float):
        if math.isnan(expected) or math.isnan(got):
            return math.isnan(expected) and math.isnan(got)
        return got == expected or abs(got - expected) <= atol + rtol * abs(expected)
    if isinstance(expected, (list, tuple)):
        return isinstance(got, (list, tuple)) and len(got) == len(expected) and \
            all(same(g, e, rtol, atol) for g, e in zip(got, expected))
    return got == expected or (isinstance(got, float) and np.isclose(got, expected))


def recorded_test(recorded, torch):
    """The test that each (expression, outcome) of ``recorded`` comes out the same on the
    engine (``torch`` is the engine module the expressions run against)."""
    @pytest.mark.parametrize("expr, expected", recorded, ids=[e for e, _ in recorded])
    def test_outcome_like_pytorch(expr, expected):
        got = outcome(expr, {"torch": torch, "np": np, "math": math})
        assert same(got, expected), (got, expected)
    return test_outcome_like_pytorch
