"""Every module of torch.nn, fed inputs of rank 1 to 5, gives what PyTorch 2.13 gives: the
output's shape and dtype, or the same error type and message, and the same warnings. The
outcomes were recorded by tests/fixtures/make_nn_ranks.py (cases in nn_rank_cases.py)."""
import json
import pathlib

import pytest

import engine
from tests.engine.nn_rank_cases import MODULES, RANKS, run_case

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "nn_ranks.json"
RECORDED = json.loads(FIXTURE.read_text())

# (module, rank): why the engine knowingly differs from PyTorch there.
KNOWN = {}


def test_the_fixture_covers_every_case():
    assert sorted(RECORDED) == sorted(MODULES)
    assert all(sorted(RECORDED[n]) == [str(r) for r in RANKS] for n in RECORDED)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_handles_each_rank_as_pytorch_does(name):
    wrong = {}
    for rank in RANKS:
        if (name, rank) in KNOWN:
            continue
        got, expected = run_case(engine, name, rank), RECORDED[name][str(rank)]
        if got != expected:
            wrong[rank] = {"engine": got, "pytorch": expected}
    assert not wrong, json.dumps(wrong, indent=1)
