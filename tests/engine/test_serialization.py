"""engine.save / engine.load: exact round trips, map_location, and files that must be refused
without running anything (pickles, PyTorch-style archives, tampered manifests)."""
import collections
import io
import json
import math
import os
import pickle
import zipfile

import numpy as np
import pytest

import engine
from engine import nn, optim
from engine.optim import lr_scheduler


def _round_trip(obj):
    buf = io.BytesIO()
    engine.save(obj, buf)
    buf.seek(0)
    return engine.load(buf)


def _same_tensor(a, b):
    assert type(a) is type(b)
    assert a.dtype is b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    assert np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


@pytest.mark.parametrize("make", [
    lambda: engine.randn(3, 4),
    lambda: engine.randn(2, 3, dtype=engine.float64),
    lambda: engine.tensor([1.5, -2.25, 65504.0], dtype=engine.float16),
    lambda: engine.tensor([[1, -2], [3, 4]]),
    lambda: engine.tensor([1, 2], dtype=engine.int32),
    lambda: engine.tensor([1, 2], dtype=engine.int16),
    lambda: engine.tensor([-1, 2], dtype=engine.int8),
    lambda: engine.tensor([0, 255], dtype=engine.uint8),
    lambda: engine.tensor([True, False]),
    lambda: engine.tensor(3.5),
    lambda: engine.zeros(0, 3),
    lambda: engine.tensor([math.inf, -math.inf, math.nan]),
    lambda: engine.randn(4, 3).t(),                      # not contiguous
    lambda: engine.randn(5, requires_grad=True),
], ids=["f32", "f64", "f16", "i64", "i32", "i16", "i8", "u8", "bool", "0d", "empty",
        "nonfinite", "transposed", "requires_grad"])
def test_tensors_load_back_identical(make):
    t = make()
    back = _round_trip(t)
    _same_tensor(t, back)
    assert back.is_leaf and back.grad_fn is None
    assert back.detach().numpy().flags.writeable  # optimizers update loaded state in place


def test_parameters_stay_parameters_with_requires_grad():
    p = nn.Parameter(engine.randn(2, 2))
    frozen = nn.Parameter(engine.randn(3), requires_grad=False)
    back = _round_trip({"p": p, "frozen": frozen})
    assert isinstance(back["p"], nn.Parameter) and back["p"].requires_grad
    assert isinstance(back["frozen"], nn.Parameter) and not back["frozen"].requires_grad
    _same_tensor(p, back["p"])


def test_a_tensor_saved_twice_loads_as_one_object():
    t = engine.randn(3)
    back = _round_trip([t, {"again": t}, engine.randn(3)])
    assert back[0] is back[1]["again"] and back[0] is not back[2]


def test_containers_numbers_and_strings():
    obj = {
        "ints": [0, -7, 2 ** 70], "floats": (1.5, math.inf, -math.inf), "nan": math.nan,
        "flags": [True, False, None], "text": "héllo \"quoted\"", "raw": b"\x00\xff",
        3: "int key", (1, "a"): "tuple key", "nested": [[{"deep": (1, [2, (3,)])}]],
        "dtype": engine.float64, "device": engine.device("cpu"), "size": engine.Size([2, 3]),
        "numpy scalars": [np.float32(0.5), np.int64(4), np.bool_(True)],
    }
    back = _round_trip(obj)
    assert math.isnan(back.pop("nan")) and math.isnan(obj.pop("nan"))
    obj["numpy scalars"] = [0.5, 4, True]
    assert back == obj
    assert type(back["floats"]) is tuple and type(back["size"]) is engine.Size
    assert back["dtype"] is engine.float64


def test_mapping_types_and_state_dict_metadata_survive():
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    od._metadata = collections.OrderedDict([("", {"version": 1})])
    back = _round_trip({"od": od, "counter": collections.Counter([5, 5, 9]),
                        "dd": collections.defaultdict(list, x=[1])})
    assert type(back["od"]) is collections.OrderedDict and list(back["od"]) == ["b", "a"]
    assert back["od"]._metadata == {"": {"version": 1}}
    assert type(back["counter"]) is collections.Counter and back["counter"][5] == 2
    assert back["dd"] == {"x": [1]}


def test_module_state_dict_round_trip_restores_the_model():
    engine.manual_seed(0)
    net = nn.Linear(4, 3)
    sd = _round_trip(net.state_dict())
    assert isinstance(sd, collections.OrderedDict) and list(sd) == ["weight", "bias"]
    fresh = nn.Linear(4, 3)
    fresh.load_state_dict(sd)
    x = engine.randn(2, 4)
    assert np.array_equal(fresh(x).detach().numpy(), net(x).detach().numpy())


@pytest.mark.parametrize("cls, options", [
    (optim.SGD, dict(lr=0.1, momentum=0.9)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (optim.Adagrad, dict(lr=0.1)),
])
def test_optimizer_checkpoint_resumes_the_exact_trajectory(cls, options, tmp_path):
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((4, 3)).astype(np.float32)
    grads = [rng.standard_normal((4, 3)).astype(np.float32) for _ in range(6)]

    def run(param, opt, gs):
        for g in gs:
            param.grad = engine.tensor(g)
            opt.step()

    straight = engine.tensor(p0.copy(), requires_grad=True)
    run(straight, cls([straight], **options), grads)

    p = engine.tensor(p0.copy(), requires_grad=True)
    opt = cls([p], **options)
    run(p, opt, grads[:3])
    path = tmp_path / "checkpoint.pt"
    engine.save({"param": p, "optimizer": opt.state_dict(), "epoch": 3}, path)

    ckpt = engine.load(path)
    assert ckpt["epoch"] == 3
    resumed = ckpt["param"]
    opt2 = cls([resumed], lr=1.0)
    opt2.load_state_dict(ckpt["optimizer"])
    run(resumed, opt2, grads[3:])
    assert np.array_equal(resumed.detach().numpy(), straight.detach().numpy())


def test_scheduler_state_dict_round_trips():
    opt = optim.SGD([engine.randn(2, requires_grad=True)], lr=0.1)
    sched = lr_scheduler.MultiStepLR(opt, [2, 5])
    plateau = lr_scheduler.ReduceLROnPlateau(opt)
    back = _round_trip({"multistep": sched.state_dict(), "plateau": plateau.state_dict()})
    assert back["multistep"]["milestones"] == collections.Counter([2, 5])
    assert back["plateau"]["best"] == math.inf


def test_paths_and_file_objects(tmp_path):
    t = engine.arange(6).reshape(2, 3)
    engine.save(t, str(tmp_path / "a.pt"))
    _same_tensor(t, engine.load(str(tmp_path / "a.pt")))
    with open(tmp_path / "b.pt", "wb") as fh:
        engine.save(t, fh)
    with open(tmp_path / "b.pt", "rb") as fh:
        _same_tensor(t, engine.load(fh))


def test_map_location_forms():
    t = engine.randn(3)
    buf = io.BytesIO()
    engine.save({"t": t}, buf)
    for where in ("cpu", engine.device("cpu"), {"cpu": "cpu"}):
        buf.seek(0)
        _same_tensor(t, engine.load(buf, map_location=where)["t"])
    seen = []
    buf.seek(0)
    back = engine.load(buf, map_location=lambda tensor, location: seen.append(location))
    assert seen == ["cpu"] and np.array_equal(back["t"].numpy(), t.numpy())
    buf.seek(0)
    assert engine.load(buf, weights_only=True)["t"].shape == (3,)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        engine.load(buf, map_location="tpu")


@pytest.mark.skipif(engine.cuda.is_available(), reason="needs a machine without a GPU")
def test_cuda_map_location_without_a_gpu_says_what_to_do():
    buf = io.BytesIO()
    engine.save(engine.ones(1), buf)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        engine.load(buf, map_location="cuda")


@pytest.mark.parametrize("obj, name", [(lambda: 1, "function"), ({1, 2}, "set"),
                                       (object(), "object")])
def test_unsupported_objects_are_refused_at_save(obj, name):
    with pytest.raises(TypeError, match=f"engine.save cannot store an object of type "
                                        f"builtins.{name}"):
        engine.save({"x": obj}, io.BytesIO())


# ---- hostile and broken files ----------------------------------------------------------------

class _Evil:
    """Unpickling this runs os.system: what a malicious checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _load_bytes(data):
    return engine.load(io.BytesIO(data))


def test_a_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps(_Evil(marker))
    with pytest.raises(RuntimeError, match="not a zip archive .* never unpickles"):
        _load_bytes(data)
    path = tmp_path / "evil.pt"
    path.write_bytes(data)
    with pytest.raises(RuntimeError, match="evil.pt' is not a checkpoint written by engine"):
        engine.load(path)
    assert not marker.exists()


def test_a_pytorch_style_archive_with_a_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(_Evil(marker)))
        archive.writestr("archive/version", "3\n")
    with pytest.raises(RuntimeError, match="looks like a PyTorch checkpoint"):
        _load_bytes(buf.getvalue())
    assert not marker.exists()


def _tampered(manifest=None, files=None):
    """A checkpoint of one tensor, with its manifest or files replaced."""
    buf = io.BytesIO()
    engine.save({"w": engine.ones(2)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src:
        contents = {n: src.read(n) for n in src.namelist()}
    if manifest is not None:
        contents["engine_checkpoint/manifest.json"] = manifest if isinstance(manifest, bytes) \
            else json.dumps(manifest).encode()
    contents.update(files or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in contents.items():
            if data is not None:
                archive.writestr(name, data)
    return out.getvalue()


def _object_npy(marker):
    buf = io.BytesIO()
    np.save(buf, np.array([_Evil(marker)], dtype=object), allow_pickle=True)
    return buf.getvalue()


def test_a_pickled_object_array_in_place_of_tensor_data_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    data = _tampered(files={"engine_checkpoint/tensors/0.npy": _object_npy(marker)})
    with pytest.raises(RuntimeError, match="corrupt engine checkpoint: tensor 0 data does "
                                           "not match its description"):
        _load_bytes(data)
    assert not marker.exists()


def _root(root):
    return {"format": "engine.save", "version": 1, "root": root}


TENSOR = {"$": "tensor", "index": 0, "kind": "Tensor", "dtype": "float32", "shape": [2],
          "requires_grad": False, "device": "cpu"}


@pytest.mark.parametrize("manifest, message", [
    (b"{not json", "its manifest is not valid JSON"),
    (b"[" * 100000 + b"]" * 100000, "corrupt engine checkpoint"),
    ({"format": "pickle", "root": None}, "its manifest names another format"),
    ({"format": "engine.save", "version": 99, "root": None}, "format version 99"),
    (_root({"$": "os.system", "args": ["touch x"]}), "unknown entry type 'os.system'"),
    (_root({"$": "dict", "kind": "Evil", "items": []}), "unknown mapping kind 'Evil'"),
    (_root({"$": "dict", "kind": "dict", "items": [[[1], 2]]}), "unhashable mapping key"),
    (_root({**TENSOR, "dtype": "object"}), "unknown tensor dtype 'object'"),
    (_root({**TENSOR, "dtype": "float64"}), "tensor 0 data does not match its description"),
    (_root({**TENSOR, "shape": [3]}), "tensor 0 data does not match its description"),
    (_root({**TENSOR, "index": 7}), "tensor 7 has no data file"),
    (_root({"$": "float", "value": "__import__('os')"}), "unknown special float"),
    (_root({"$": "device", "name": "tpu"}), "Expected one of cpu, cuda device type"),
], ids=["json", "deep", "format", "version", "tag", "kind", "key", "dtype", "dtype-mismatch",
        "shape", "missing", "float", "device"])
def test_tampered_manifests_are_refused_clearly(manifest, message):
    with pytest.raises(RuntimeError, match=message.replace("(", "\\(").replace(")", "\\)")):
        _load_bytes(_tampered(manifest=manifest))


def test_truncated_and_foreign_archives():
    buf = io.BytesIO()
    engine.save(engine.ones(3), buf)
    with pytest.raises(RuntimeError, match="not a zip archive"):
        _load_bytes(buf.getvalue()[:40])
    with pytest.raises(RuntimeError, match="not a zip archive"):
        _load_bytes(b"")
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(RuntimeError, match="the zip archive has no "
                                           "engine_checkpoint/manifest.json"):
        _load_bytes(other.getvalue())


def test_tensors_refuse_pickling_so_nothing_saves_them_unsafely():
    with pytest.raises(TypeError, match="engine.save"):
        pickle.dumps(engine.ones(2))


def test_self_containing_objects_are_refused_at_save():
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="nested too deeply, or contains itself"):
        engine.save(loop, io.BytesIO())


def _npy_header(shape, dtype="<f4"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def test_a_header_promising_more_data_than_the_file_holds_is_refused_before_allocating():
    huge = [10 ** 6, 10 ** 6]  # 4 TB of float32 if it were believed
    manifest = _root({**TENSOR, "shape": huge})
    data = _tampered(manifest=manifest,
                     files={"engine_checkpoint/tensors/0.npy": _npy_header(tuple(huge))})
    with pytest.raises(RuntimeError, match="tensor 0 data has the wrong length"):
        _load_bytes(data)


def test_compressed_members_are_refused():
    # A deflated member could decompress to far more than the file's size (a zip bomb);
    # engine.save never compresses, so engine.load accepts stored members only.
    buf = io.BytesIO()
    engine.save({"w": engine.zeros(1000)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src:
        contents = {n: src.read(n) for n in src.namelist()}
    for squeezed in ("engine_checkpoint/tensors/0.npy", "engine_checkpoint/manifest.json"):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in contents.items():
                archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED
                                 if name == squeezed else zipfile.ZIP_STORED)
        with pytest.raises(RuntimeError, match="compressed or larger than the file"):
            _load_bytes(out.getvalue())


def test_fortran_ordered_data_loads_in_the_right_order():
    t = engine.from_numpy(np.asfortranarray(np.arange(12.0).reshape(3, 4)))
    back = _round_trip(t)
    assert back.is_contiguous() and back.tolist() == t.tolist()


def test_a_file_object_not_at_its_start_is_read_from_where_it_is():
    buf = io.BytesIO()
    buf.write(b"prefix")
    engine.save(engine.arange(3), buf)
    buf.seek(6)
    assert engine.load(buf).tolist() == [0, 1, 2]


@pytest.mark.skipif(engine.cuda.is_available(), reason="needs a machine without a GPU")
def test_a_checkpoint_saved_from_a_gpu_loads_on_the_cpu_with_map_location():
    data = _tampered(manifest=_root({**TENSOR, "device": "cuda:0"}))
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        _load_bytes(data)
    for where in ("cpu", {"cuda:0": "cpu"}, engine.device("cpu")):
        t = engine.load(io.BytesIO(data), map_location=where)
        assert t.device == engine.device("cpu") and t.tolist() == [1.0, 1.0]
