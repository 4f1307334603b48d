"""torch.nn against PyTorch 2.13: every case in tests/engine/nn_reference/ run under the
engine and compared with what PyTorch returned for it (recorded in tests/fixtures/
nn_reference.npz / .json by tests/fixtures/make_nn_reference.py): outputs, gradients,
grad_fn names, reprs, error and warning messages."""
import json
import pathlib

import numpy as np
import pytest

import engine
from tests.engine.nn_reference import CASES, Lib, flatten, load_all

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
load_all()


def _recorded():
    flat = np.load(FIXTURES / "nn_reference.npz")
    index = json.loads(flat["index"].tobytes())
    values = json.loads((FIXTURES / "nn_reference.json").read_text())
    by_case = {}
    for key, (dtype, shape, stored, offset) in index.items():
        name, _, field = key.partition(":")
        size = int(np.prod(shape))
        array = flat[stored][offset:offset + size].reshape(shape)
        by_case.setdefault(name, {})[field] = (np.dtype(dtype), array)
    for key, value in values.items():
        name, _, field = key.partition(":")
        by_case.setdefault(name, {})[field] = value
    return by_case


RECORDED = _recorded()


def test_every_case_was_recorded():
    assert sorted(CASES) == sorted(RECORDED), \
        "rerun tests/fixtures/make_nn_reference.py after adding or renaming a case"


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_pytorch(name):
    engine.manual_seed(0)
    got = flatten(CASES[name](Lib(engine, name)), engine)
    want = RECORDED[name]
    assert sorted(got) == sorted(want), f"{name}: different keys"
    for key, expected in want.items():
        value = got[key]
        if isinstance(expected, tuple):  # (dtype PyTorch returned, values)
            dtype, expected = expected
            assert isinstance(value, np.ndarray), f"{name}:{key} is {value!r}"
            assert value.dtype == dtype, f"{name}:{key} dtype {value.dtype}, not {dtype}"
            assert value.shape == expected.shape, f"{name}:{key} shape {value.shape}"
            # float64 results were stored as float32: compare to float32's precision
            tol = 1e-5 if dtype == np.float32 else 1e-6
            np.testing.assert_allclose(value, expected, rtol=tol, atol=tol,
                                       err_msg=f"{name}:{key}")
        elif isinstance(expected, float):
            assert value == pytest.approx(expected, rel=1e-6, abs=1e-9), f"{name}:{key}"
        else:
            assert not isinstance(value, np.ndarray) and value == expected, \
                f"{name}:{key}: {value!r} where PyTorch gives {expected!r}"
