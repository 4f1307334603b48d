"""In-place ops after a layer's forward: the engine allows exactly what PyTorch 2.13 allows
(backward succeeds with the same gradients) and refuses exactly what it refuses (the same
version-counter message), because each op saves for its backward what PyTorch's saves.
Recorded by tests/fixtures/make_inplace_matrix.py (cases in inplace_matrix_cases.py)."""
import json
import math
import pathlib

import numpy as np
import pytest

import engine
from tests.engine.inplace_matrix_cases import LAYERS, OPS, POSITIONS, all_cases, run_case

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "inplace_matrix.json"
RECORDED = json.loads(FIXTURE.read_text())
MESSAGES, CASES = RECORDED["messages"], RECORDED["cases"]


def _expected(case):
    result = CASES["|".join(case)]
    if "error" in result:
        kind, index = result["error"]
        return {"error": [kind, MESSAGES[index]]}
    return result


def _same(got, expected):
    if "error" in expected or "error" in got:
        return got == expected
    if sorted(got["ok"]) != sorted(expected["ok"]):
        return False
    for name, want in expected["ok"].items():
        have = got["ok"][name]
        if (want is None) != (have is None):
            return False
        if want is not None and not all(math.isclose(h, w, rel_tol=2e-4, abs_tol=2e-4)
                                        for h, w in zip(have, want)):
            return False
    return True


def test_the_fixture_covers_the_whole_matrix():
    assert sorted(CASES) == sorted("|".join(c) for c in all_cases())
    assert len(CASES) == len(LAYERS) * len(OPS) * len(POSITIONS)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_inplace_ops_after_the_layer_behave_as_in_pytorch(layer):
    wrong = {}
    for op in OPS:
        for position in POSITIONS:
            case = (layer, op, position)
            got, expected = run_case(engine, *case), _expected(case)
            if not _same(got, expected):
                wrong["|".join(case)] = {"engine": got, "pytorch": expected}
    assert not wrong, json.dumps(wrong, indent=1)


def test_writing_to_the_input_of_tanh_is_allowed_and_create_graph_refuses_it_clearly():
    """tanh saves only its result (as PyTorch): a later in-place write to its input is no
    error, and first derivatives stay right. The engine keeps the input, unchecked, to
    recompute the output when the backward is recorded; there it refuses the changed input
    rather than differentiate a wrong value."""
    x = engine.tensor([0.5, -1.0], requires_grad=True)
    a = x * 1.0
    y = a.tanh()
    a.add_(1.0)
    y.sum().backward()
    expected = 1 - np.tanh([0.5, -1.0]) ** 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    a = x * 1.0
    y = a.tanh()
    a.mul_(2.0)
    with pytest.raises(RuntimeError, match="create_graph=True: this engine recomputes"):
        engine.autograd.grad(y.sum(), x, create_graph=True)
    a = x * 1.0
    (g,) = engine.autograd.grad(a.tanh().sum(), x, create_graph=True)
    g.sum().backward()  # second derivative: -2 tanh (1 - tanh^2)
    t = np.tanh([0.5, -1.0])
    np.testing.assert_allclose(x.grad.numpy(), expected - 2 * t * (1 - t ** 2), rtol=1e-5)


def test_inplace_leaky_relu_with_a_negative_slope_fails_in_backward_as_in_pytorch():
    x = engine.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = engine.nn.functional.leaky_relu(x * 1, -0.1, inplace=True)
    np.testing.assert_allclose(y.detach().numpy(), [1.0, 0.2, 3.0], rtol=1e-6)
    with pytest.raises(RuntimeError, match="^In-place leakyReLu backward calculation is "
                                           "triggered with a negative slope which is not "
                                           "supported"):
        y.sum().backward()
