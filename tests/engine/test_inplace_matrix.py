"""In-place ops after a layer's forward: the engine allows exactly what PyTorch 2.13 allows
(backward succeeds with the same gradients) and refuses exactly what it refuses (the same
version-counter message), because each op saves for its backward what PyTorch's saves.
Recorded by tests/fixtures/make_inplace_matrix.py (cases in inplace_matrix_cases.py)."""
import json
import math
import pathlib

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
