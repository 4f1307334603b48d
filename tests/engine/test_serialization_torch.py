"""Checkpoints that travel between the engine and real PyTorch 2.13.

The torch_*.pt fixtures were written by real PyTorch (tests/fixtures/make_torch_fixtures.py),
and torch_fixtures.json holds what PyTorch reads back from them; the engine must read the
same. The round trip engine -> PyTorch -> engine runs real PyTorch in a subprocess (in this
process ``torch`` may be the engine, as in the playground) and is skipped without it."""
import collections
import importlib.metadata
import io
import json
import math
import pathlib
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import engine
from engine import nn, optim

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "torch_fixtures.json").read_text())

try:
    TORCH_VERSION = importlib.metadata.version("torch")
except importlib.metadata.PackageNotFoundError:
    TORCH_VERSION = None


def _value(v):
    """A recorded value (non-finite floats were written as their repr)."""
    if isinstance(v, list):
        return [_value(x) for x in v]
    return float(v) if isinstance(v, str) else v


def _matches(t, recorded):
    assert type(t).__name__ == recorded["type"]
    assert repr(t.dtype) == recorded["dtype"]
    assert list(t.shape) == recorded["shape"]
    if t.numel():  # NumPy gives an empty array zero strides (PyTorch: contiguous ones)
        assert list(t.stride()) == recorded["stride"]
    assert t.requires_grad == recorded["requires_grad"]
    assert np.array_equal(np.array(t.tolist(), dtype=float),
                          np.array(_value(recorded["values"]), dtype=float), equal_nan=True)


def _load(name, **kwargs):
    return engine.load(FIXTURES / name, **kwargs)


def test_a_pytorch_state_dict_loads_with_its_values_and_metadata():
    sd = _load("torch_state_dict.pt")
    assert type(sd) is collections.OrderedDict
    assert list(sd) == list(EXPECTED["torch_state_dict.pt"])
    for name, recorded in EXPECTED["torch_state_dict.pt"].items():
        _matches(sd[name], recorded)
    assert sd["1.num_batches_tracked"].dtype is engine.int64
    assert sd._metadata == EXPECTED["metadata"]
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model.load_state_dict(sd)
    assert model[1].running_mean.tolist() == sd["1.running_mean"].tolist()


def test_pytorch_optimizer_state_resumes_in_the_engine():
    ckpt = _load("torch_optimizer.pt")
    assert ckpt["epoch"] == 3 and ckpt["loss"] == 0.25
    for name in ("adam", "sgd"):
        recorded = EXPECTED["torch_optimizer.pt"][name]
        state = ckpt[name]["state"]
        assert sorted(state) == sorted(int(k) for k in recorded["state"])
        for index, values in recorded["state"].items():
            for key, t in values.items():
                _matches(state[int(index)][key], t)
        assert ckpt[name]["param_groups"][0]["params"] == recorded["param_groups"][0]["params"]
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    model.load_state_dict(ckpt["model"])
    adam = optim.Adam(model.parameters(), lr=0.01)
    adam.load_state_dict(ckpt["adam"])
    model(engine.randn(5, 3)).pow(2).mean().backward()
    adam.step()  # the loaded moments are used, and updated in place
    assert adam.state[model[0].weight]["step"].item() == 3


def test_every_dtype_pytorch_wrote_loads():
    tensors = _load("torch_dtypes.pt")
    for name, recorded in EXPECTED["torch_dtypes.pt"].items():
        _matches(tensors[name], recorded)
    assert tensors["leaf"].is_leaf and tensors["leaf"].requires_grad


def test_views_pytorch_saved_share_storage_after_loading():
    views = _load("torch_views.pt")
    for name, recorded in EXPECTED["torch_views.pt"].items():
        _matches(views[name], recorded)
    views["base"][2, 0] = -5.0
    assert views["row"][0].item() == -5.0 and views["transposed"][0, 2].item() == -5.0
    assert views["strided"][1, 0].item() == -5.0
    views["base"][0, 1] = 7.0
    assert views["expanded"].tolist() == [[0.0, 7.0, 2.0], [0.0, 7.0, 2.0]]
    views["other"][0] = 9  # its own storage
    assert views["base"][0, 0].item() == 0.0


def test_nested_containers_and_python_values():
    obj = _load("torch_nested.pt")
    assert obj["list"] == [1, 2.5, "text", None, True, -(2 ** 70)]
    ones, (three, [zero]) = obj["tuple"]
    assert ones.tolist() == [1.0, 1.0] and three == 3 and zero.dtype is engine.int64
    assert obj["bytes"] == b"\x00\xffab" and obj["bytearray"] == bytearray(b"xy")
    assert type(obj["size"]) is engine.Size and obj["size"] == (2, 3)
    assert obj["dtype"] is engine.float64 and obj["device"] == engine.device("cpu")
    assert obj["set"] == {1, 2} and obj["complex"] == 1 + 2j
    assert obj["counter"] == collections.Counter("aab")
    assert list(obj["ordered"].items()) == [("b", 1), ("a", 2)]
    inf, negative_zero, tiny = obj["floats"]
    assert inf == math.inf and math.copysign(1, negative_zero) == -1 and tiny == 1e-300
    assert obj[7] == "int key" and obj[(1, 2)] == "tuple key"


def test_parameters_and_tensors_with_attributes():
    obj = _load("torch_subclass.pt")
    assert type(obj["frozen"]) is nn.Parameter and not obj["frozen"].requires_grad
    assert obj["frozen"].tolist() == [1.0, -1.0]
    assert obj["noted"].note == "an attribute" and obj["noted"].tolist() == [3.0]


def test_a_whole_pytorch_model_loads_as_the_engines_modules():
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.container."
                                                     "Sequential was not an allowed global"):
        _load("torch_whole_model.pt")
    net = _load("torch_whole_model.pt", weights_only=False)
    recorded = EXPECTED["torch_whole_model.pt"]
    assert type(net) is nn.Sequential and type(net[0]) is nn.Linear
    assert repr(net) == recorded["repr"] and not net.training
    out = net(engine.tensor(recorded["input"]))
    np.testing.assert_allclose(out.tolist(), recorded["output"], rtol=1e-5, atol=1e-6)


def test_a_whole_model_names_the_functions_it_holds_as_pytorch_does():
    """A TransformerEncoderLayer holds activation=F.relu: torch.save(model) must name it
    torch.nn.functional.relu (what PyTorch writes and what safe_globals allows), as the
    word_language_model example saves and loads its model."""
    layer = nn.TransformerEncoderLayer(4, 2, 8, 0.0)
    buf = io.BytesIO()
    engine.save(layer, buf)
    import zipfile
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as archive:
        pkl = archive.read(next(n for n in archive.namelist() if n.endswith("data.pkl")))
    assert b"torch.nn.functional" in pkl and b"engine" not in pkl
    buf.seek(0)
    with engine.serialization.safe_globals([
            nn.functional.relu, nn.TransformerEncoderLayer, nn.MultiheadAttention,
            nn.modules.linear.NonDynamicallyQuantizableLinear, nn.Linear, nn.Dropout,
            nn.LayerNorm]):
        loaded = engine.load(buf)
    assert loaded.activation is nn.functional.relu
    x = engine.ones(3, 1, 4)
    np.testing.assert_allclose(loaded.eval()(x).tolist(), layer.eval()(x).tolist())


def test_a_pytorch_numpy_checkpoint_needs_weights_only_false():
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL numpy._core.multiarray._reconstruct"
                                                     " was not an allowed global"):
        _load("torch_numpy.pt")
    array = _load("torch_numpy.pt", weights_only=False)
    assert array.dtype == np.int32 and array.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_a_torch_class_the_engine_lacks_says_so():
    pkl = (b"\x80\x02ctorch.nn.modules.batchnorm\nSyncBatchNorm\nq\x00.")
    buf = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("archive/data.pkl", pkl)
        archive.writestr("archive/version", "3\n")
    buf.seek(0)
    with pytest.raises(AttributeError, match="torch.nn.modules.batchnorm.SyncBatchNorm is not "
                                             "implemented by this playground's engine"):
        engine.load(buf, weights_only=False)


# ---- the round trip through real PyTorch -----------------------------------------------------

def _run_torch(code, tmp_path):
    """Run code under real PyTorch in a fresh interpreter (outside the repository, so nothing
    can put the engine in its place); its stdout."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(TORCH_VERSION is None, reason="real PyTorch is not installed "
                                                  "(pip install torch==2.13.0)")
def test_engine_to_pytorch_to_engine(tmp_path):
    engine.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8, 3))
    adam = optim.Adam(model.parameters(), lr=0.01)
    x = engine.randn(4, 1, 4, 4)
    model(x).pow(2).mean().backward()
    adam.step()
    model.eval()
    base = engine.arange(12.0).reshape(3, 4)
    engine.save({"model": model.state_dict(), "adam": adam.state_dict(), "x": x,
                 "views": [base, base.t(), base[1:, ::2]], "int8": engine.tensor([-3, 4],
                                                                                 dtype=engine.int8),
                 "half": engine.tensor([0.5], dtype=engine.float16), "epoch": 1},
                tmp_path / "from_engine.pt")
    engine.save(model, tmp_path / "whole_from_engine.pt")

    out = _run_torch("""
        import json, torch
        from torch import nn
        ckpt = torch.load("from_engine.pt")  # weights_only=True, PyTorch's default
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                              nn.Linear(8, 3))
        model.load_state_dict(ckpt["model"])
        adam = torch.optim.Adam(model.parameters(), lr=0.01)
        adam.load_state_dict(ckpt["adam"])
        model.eval()
        base, t, strided = ckpt["views"]
        shared = base.untyped_storage().data_ptr() == t.untyped_storage().data_ptr() == \\
            strided.untyped_storage().data_ptr()
        whole = torch.load("whole_from_engine.pt", weights_only=False)
        whole.eval()
        model.train()  # one more step in PyTorch, then back to the engine
        model(ckpt["x"]).pow(2).mean().backward()
        adam.step()
        model.eval()
        torch.save({"model": model.state_dict(), "adam": adam.state_dict(),
                    "out": model(ckpt["x"])}, "from_torch.pt")
        print(json.dumps({
            "out": whole(ckpt["x"]).tolist(), "shared": shared,
            "strided": [strided.tolist(), list(strided.stride()), strided.storage_offset()],
            "int8": ckpt["int8"].tolist(), "half": str(ckpt["half"].dtype),
            "epoch": ckpt["epoch"], "whole": repr(whole)}))
    """, tmp_path)
    seen = json.loads(out)
    np.testing.assert_allclose(seen["out"], model(x).tolist(), rtol=1e-5, atol=1e-6)
    assert seen["shared"] and seen["strided"] == [[[4.0, 6.0], [8.0, 10.0]], [4, 2], 4]
    assert seen["int8"] == [-3, 4] and seen["half"] == "torch.float16" and seen["epoch"] == 1
    assert seen["whole"] == repr(model)

    back = engine.load(tmp_path / "from_torch.pt")
    model.load_state_dict(back["model"])
    adam.load_state_dict(back["adam"])
    np.testing.assert_allclose(model(x).tolist(), back["out"].tolist(), rtol=1e-5, atol=1e-6)
    assert adam.state_dict()["state"][0]["step"].item() == 2


@pytest.mark.skipif(TORCH_VERSION is None, reason="real PyTorch is not installed "
                                                  "(pip install torch==2.13.0)")
def test_the_allow_list_is_pytorchs(tmp_path):
    from engine._torch_unpickle import TORCH_ALLOW_LIST
    out = _run_torch("""
        import json
        from torch._weights_only_unpickler import _get_allowed_globals
        print(json.dumps(sorted(_get_allowed_globals())))
    """, tmp_path)
    assert sorted(TORCH_ALLOW_LIST) == json.loads(out)
