"""Public nn classes say PyTorch's module path, and that path leads back to them: code that
imports from torch.nn.modules.<file> (as layers copied from PyTorch's source do) finds the
engine's class there, and checkpoints name classes as PyTorch does."""
import importlib

import pytest

import engine
import engine.nn as nn
from engine._missing import torch_api


def _public_classes():
    for name, entry in torch_api()["torch.nn"].items():
        kind, _, module = entry.partition(" ")
        if kind == "class" and isinstance(getattr(nn, name, None), type):
            yield name, module


@pytest.mark.parametrize("name,module", sorted(_public_classes()))
def test_public_class_lives_where_pytorch_keeps_it(name, module):
    cls = getattr(nn, name)
    assert cls.__module__ == module
    home = importlib.import_module("engine" + module[len("torch"):])
    assert getattr(home, name) is cls


def test_the_argument_helpers_custom_layers_import():
    from engine.nn.modules.utils import _pair, _quadruple, _single, _triple
    assert _pair(3) == (3, 3) and _triple((1, 2, 3)) == (1, 2, 3)
    assert _single(2) == (2,) and _quadruple(0) == (0, 0, 0, 0)


def test_a_checkpoint_of_a_new_module_names_pytorchs_class(tmp_path):
    path = tmp_path / "model.pt"
    engine.save(nn.Sequential(nn.GroupNorm(2, 4), nn.Mish()), path)
    loaded = engine.load(path, weights_only=False)
    assert [type(m) for m in loaded] == [nn.GroupNorm, nn.Mish]
    assert b"torch.nn.modules.normalization" in path.read_bytes()
