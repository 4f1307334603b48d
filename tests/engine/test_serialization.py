"""engine.save / engine.load in PyTorch's checkpoint format: exact round trips, shared
storages, map_location, mmap, the engine's first format, and files that weights_only loading
must refuse without running anything (messages recorded from PyTorch 2.13).

Files written by real PyTorch, and the round trip through it: test_serialization_torch.py."""
import builtins
import collections
import io
import math
import os
import pathlib
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import engine
from engine import nn, optim
from engine.optim import lr_scheduler

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"


def _round_trip(obj, **load_args):
    buf = io.BytesIO()
    engine.save(obj, buf)
    buf.seek(0)
    return engine.load(buf, **load_args)


def _same_tensor(a, b):
    assert type(a) is type(b)
    assert a.dtype is b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
    assert np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


# ---- round trips -----------------------------------------------------------------------------

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
    lambda: engine.from_numpy(np.asfortranarray(np.arange(12.0).reshape(3, 4))),
], ids=["f32", "f64", "f16", "i64", "i32", "i16", "i8", "u8", "bool", "0d", "empty",
        "nonfinite", "transposed", "requires_grad", "fortran"])
def test_tensors_load_back_identical(make):
    t = make()
    back = _round_trip(t)
    _same_tensor(t, back)
    assert back.stride() == t.stride()
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


def test_views_of_one_tensor_keep_sharing_one_storage():
    base = engine.arange(24.0).reshape(4, 6)
    views = {"base": base, "t": base.t(), "strided": base[1:3, ::2], "row": base[2],
             "expanded": base[0, :3].expand(2, 3)}
    buf = io.BytesIO()
    engine.save(views, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as archive:
        storages = [n for n in archive.namelist() if "/data/" in n]
    assert storages == ["archive/data/0"]  # one storage, written once
    back = _round_trip(views)
    for name, view in views.items():
        _same_tensor(view, back[name])
        assert back[name].stride() == view.stride()
    back["base"][2, 0] = -1.0
    assert back["row"][0].item() == -1.0 and back["t"][0, 2].item() == -1.0
    assert back["strided"][1, 0].item() == -1.0


def test_containers_numbers_strings_and_python_objects():
    obj = {
        "ints": [0, -7, 2 ** 70], "floats": (1.5, math.inf, -math.inf), "nan": math.nan,
        "flags": [True, False, None], "text": "héllo \"quoted\"", "raw": b"\x00\xff",
        3: "int key", (1, "a"): "tuple key", "nested": [[{"deep": (1, [2, (3,)])}]],
        "dtype": engine.float64, "device": engine.device("cpu"), "size": engine.Size([2, 3]),
        "set": {1, 2}, "complex": 1 - 2j, "bytearray": bytearray(b"ab"),
    }
    back = _round_trip(obj)
    assert math.isnan(back.pop("nan")) and math.isnan(obj.pop("nan"))
    assert back == obj
    assert type(back["floats"]) is tuple and type(back["size"]) is engine.Size
    assert back["dtype"] is engine.float64 and back["device"] == engine.device("cpu")


def test_mapping_types_and_state_dict_metadata_survive():
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    od._metadata = collections.OrderedDict([("", {"version": 1})])
    back = _round_trip({"od": od, "counter": collections.Counter([5, 5, 9])})
    assert type(back["od"]) is collections.OrderedDict and list(back["od"]) == ["b", "a"]
    assert back["od"]._metadata == {"": {"version": 1}}
    assert type(back["counter"]) is collections.Counter and back["counter"][5] == 2


def test_a_list_that_holds_itself_round_trips():
    loop = [1]
    loop.append(loop)
    back = _round_trip(loop)
    assert back[0] == 1 and back[1] is back


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


def _whole_model():
    engine.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8, 3)).eval()


def test_a_whole_module_round_trips_with_weights_only_false():
    net = _whole_model()
    back = _round_trip(net, weights_only=False)
    assert type(back) is nn.Sequential and repr(back) == repr(net) and not back.training
    x = engine.randn(2, 1, 4, 4)
    assert np.array_equal(back(x).detach().numpy(), net(x).detach().numpy())


def test_a_whole_module_is_pickled_under_pytorchs_class_names():
    buf = io.BytesIO()
    engine.save(_whole_model(), buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as archive:
        data = archive.read("archive/data.pkl")
    for name in (b"torch.nn.modules.container\nSequential", b"torch.nn.modules.conv\nConv2d",
                 b"torch.nn.modules.batchnorm\nBatchNorm2d", b"torch._utils\n_rebuild_parameter",
                 b"torch\nFloatStorage"):
        assert name in data
    assert b"engine" not in data


def test_a_whole_module_needs_weights_only_false_or_its_classes_allowlisted():
    buf = io.BytesIO()
    engine.save(nn.Sequential(nn.Linear(2, 2)), buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.container."
                                                     "Sequential was not an allowed global"):
        engine.load(buf)
    buf.seek(0)
    with engine.serialization.safe_globals([nn.Sequential, nn.Linear]):
        back = engine.load(buf)
    assert type(back[0]) is nn.Linear
    assert engine.serialization.get_safe_globals() == []


class Record:
    """A user class: loads with weights_only=False, or once allowlisted."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return type(other) is Record and other.value == self.value


def test_user_objects_and_numpy_arrays_need_weights_only_false(tmp_path):
    obj = {"record": Record(engine.ones(2)), "array": np.arange(6).reshape(2, 3)}
    path = tmp_path / "objects.pt"
    engine.save(obj, path)
    back = engine.load(path, weights_only=False)
    assert back["record"].value.tolist() == [1.0, 1.0]
    assert np.array_equal(back["array"], obj["array"])
    with pytest.raises(pickle.UnpicklingError, match=f"GLOBAL {__name__}.Record was not an allowed "
                                                     "global by default"):
        engine.load(path)
    engine.serialization.add_safe_globals([Record])
    try:
        with pytest.raises(pickle.UnpicklingError, match="numpy._core.multiarray._reconstruct"):
            engine.load(path)
    finally:
        engine.serialization.clear_safe_globals()


def test_paths_and_file_objects(tmp_path):
    t = engine.arange(6).reshape(2, 3)
    engine.save(t, str(tmp_path / "a.pt"))
    _same_tensor(t, engine.load(str(tmp_path / "a.pt")))
    with open(tmp_path / "b.pt", "wb") as fh:
        engine.save(t, fh)
    with open(tmp_path / "b.pt", "rb") as fh:
        _same_tensor(t, engine.load(fh))


def test_a_file_object_not_at_its_start_is_read_from_where_it_is():
    buf = io.BytesIO()
    buf.write(b"prefix")
    engine.save(engine.arange(3), buf)
    buf.seek(6)
    assert engine.load(buf).tolist() == [0, 1, 2]


def test_storages_are_64_byte_aligned_in_the_file(tmp_path):
    path = tmp_path / "aligned.pt"
    engine.save({"a": engine.ones(3), "b": engine.zeros(5, dtype=engine.int64)}, path)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name_length, extra_length = np.frombuffer(
                data[info.header_offset + 26:info.header_offset + 30], np.uint16)
            assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0, \
                info.filename


def test_map_location_forms():
    t = engine.randn(3)
    buf = io.BytesIO()
    engine.save({"t": t}, buf)
    for where in ("cpu", engine.device("cpu"), {"cpu": "cpu"}, b"cpu"):
        buf.seek(0)
        _same_tensor(t, engine.load(buf, map_location=where)["t"])
    seen = []
    buf.seek(0)
    back = engine.load(buf, map_location=lambda storage, location: seen.append(
        (storage.shape, location)))
    assert seen == [((3,), "cpu")] and np.array_equal(back["t"].numpy(), t.numpy())
    buf.seek(0)
    back = engine.load(buf, map_location=lambda storage, location: storage)
    _same_tensor(t, back["t"])
    buf.seek(0)
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda, ipu, xpu,"):
        engine.load(buf, map_location="tpu")


def _with_records(data, replace):
    """A checkpoint's bytes with some of its zip members replaced (None removes one)."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        contents = {n: src.read(n) for n in src.namelist()}
    contents.update(replace)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, payload in contents.items():
            if payload is not None:
                archive.writestr(name, payload)
    return out.getvalue()


def _saved(obj):
    buf = io.BytesIO()
    engine.save(obj, buf)
    return buf.getvalue()


def _pickle_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("archive/data.pkl")


def _saved_on_cuda():
    """A checkpoint whose storage says it was saved on cuda:0 (as a GPU machine writes)."""
    data = _saved(engine.ones(2))
    pkl = _pickle_of(data).replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    return _with_records(data, {"archive/data.pkl": pkl})


@pytest.mark.skipif(engine.cuda.is_available(), reason="needs a machine without a GPU")
def test_a_checkpoint_saved_on_a_gpu_loads_on_the_cpu_with_map_location():
    data = _saved_on_cuda()
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device "
                                           "but torch.cuda.is_available\\(\\) is False"):
        engine.load(io.BytesIO(data))
    for where in ("cpu", {"cuda:0": "cpu"}, engine.device("cpu"),
                  lambda storage, location: storage):
        t = engine.load(io.BytesIO(data), map_location=where)
        assert t.device == engine.device("cpu") and t.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        engine.load(io.BytesIO(_saved(engine.ones(1))), map_location="cuda")


def test_mmap_maps_the_file_copy_on_write(tmp_path):
    path = tmp_path / "mapped.pt"
    engine.save({"w": engine.arange(6.0).reshape(2, 3), "b": engine.ones(2)}, path)
    before = path.read_bytes()
    back = engine.load(path, mmap=True)
    node = back["w"].numpy()  # a view of a map of the file, not an array of its own
    while node is not None and not isinstance(node, np.memmap):
        node = getattr(node, "base", None)
    assert isinstance(node, np.memmap)
    assert back["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    back["w"].add_(1.0)
    assert back["w"][0, 0].item() == 1.0 and path.read_bytes() == before
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap"):
        engine.load(io.BytesIO(before), mmap=True)


def test_big_endian_checkpoints_are_byteswapped():
    data = _saved(engine.tensor([1.5, -2.0]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        raw = archive.read("archive/data/0")
    swapped = np.frombuffer(raw, np.float32).byteswap().tobytes()
    data = _with_records(data, {"archive/byteorder": b"big", "archive/data/0": swapped})
    assert engine.load(io.BytesIO(data)).tolist() == [1.5, -2.0]


def test_save_refuses_what_it_cannot_write():
    with pytest.raises(AttributeError, match="expected 'f' to be string, path, or a file-like "
                                             "object with a 'write' attribute"):
        engine.save(engine.ones(1), 42)
    with pytest.raises(RuntimeError, match="_use_new_zipfile_serialization=False is not "
                                           "supported"):
        engine.save(engine.ones(1), io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises((pickle.PicklingError, AttributeError), match="local"):
        engine.save({"f": lambda: 1}, io.BytesIO())


# ---- what weights_only refuses (PyTorch 2.13's messages) -------------------------------------

UNSAFE = ("In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
          "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set "
          "to `False` will likely succeed, but it can result in arbitrary code execution. Do it "
          "only if you got the file from a trusted source.")
DOCS = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default"
        " with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


def _blocked(message):
    return f"Weights only load failed. {UNSAFE}\n\n\n{message}{DOCS}"


def _filed(message):
    return (f"Weights only load failed. {UNSAFE}\nPlease file an issue with the following so "
            "that we can make `weights_only=True` compatible with your use case: "
            f"WeightsUnpickler error: \n\n{message}{DOCS}")


def _unsupported_global(name):
    return ("Weights only load failed. This file can still be loaded, to do so you have two "
            "options, \x1b[1mdo those steps only if you trust the source of the checkpoint"
            f"\x1b[0m. \n\t(1) {UNSAFE}\n\t(2) Alternatively, to load with `weights_only=True` "
            "please check the recommended steps in the following error message.\n\t"
            f"WeightsUnpickler error: Unsupported global: GLOBAL {name} was not an allowed "
            f"global by default. Please use `torch.serialization.add_safe_globals([{name}])` or "
            f"the `torch.serialization.safe_globals([{name}])` context manager to allowlist "
            f"this global if you trust this class/function.{DOCS}")


class _RunsCommand:
    """Unpickling this runs os.system: what a malicious checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Evaluates:
    def __reduce__(self):
        return (builtins.eval, ("1 + 1",))


def _as_checkpoint(pkl):
    """A zip laid out as torch.save's, holding this pickle."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("archive/data.pkl", pkl)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")
    return out.getvalue()


def _refusal(data):
    with pytest.raises(pickle.UnpicklingError) as info:
        engine.load(io.BytesIO(data))
    return str(info.value)


def test_a_pickle_that_runs_a_command_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    pkl = pickle.dumps(_RunsCommand(marker), protocol=2)
    expected = _blocked("Trying to load unsupported GLOBAL posix.system whose module posix is "
                        "blocked.")
    assert _refusal(_as_checkpoint(pkl)) == expected
    assert _refusal(pkl) == expected  # a bare pickle, as PyTorch's pre-zip path reads it
    (tmp_path / "evil.pt").write_bytes(_as_checkpoint(pkl))
    with engine.serialization.safe_globals([os.system]):  # blocked even when allowlisted
        with pytest.raises(pickle.UnpicklingError, match="whose module posix is blocked"):
            engine.load(tmp_path / "evil.pt")
    assert not marker.exists()


@pytest.mark.parametrize("obj, name", [(_Evaluates(), "eval"),
                                       (_Evaluates, f"{__name__}._Evaluates"),
                                       (collections.defaultdict(list), "collections.defaultdict"),
                                       (print, "print")])
def test_globals_outside_the_allow_list_are_refused_with_pytorchs_message(obj, name):
    pkl = pickle.dumps(obj, protocol=2)
    assert _refusal(_as_checkpoint(pkl)) == _unsupported_global(name)


@pytest.mark.parametrize("pkl, message", [
    (b"\x80\x02}q\x00}q\x01b.", "Can only build Tensor, Parameter, OrderedDict or types "
                                "allowlisted via `add_safe_globals`, but got <class 'dict'>"),
    (b"\x80\x02}q\x00K\x01a.", "Can only append to lists, but got <class 'dict'>"),
    (b"\x80\x02]q\x00K\x01K\x02s.", "Can only SETITEM for dict, collections.OrderedDict, "
                                    "collections.Counter, but got <class 'list'>"),
    (b"\x80\x02X\x03\x00\x00\x00abcQ.", "persistent_load id must be tuple or int, but got "
                                        "<class 'str'>"),
    (b"\x80\x02(X\x03\x00\x00\x00abcK\x01tQ.", "Only persistent_load of storage is allowed, "
                                              "but got <class 'str'>"),
    (b"\x80\x02cbuiltins\nobject\n)\x81.", None),
], ids=["build", "append", "setitem", "persid", "persid-tuple", "newobj"])
def test_opcodes_outside_what_pytorch_allows_are_refused(pkl, message):
    if message is None:  # NEWOBJ of a class outside the allow-list never gets that far
        assert "GLOBAL object was not an allowed global" in _refusal(_as_checkpoint(pkl))
        return
    assert _refusal(_as_checkpoint(pkl)) == _filed(message)


def test_pickle_protocols_pytorch_does_not_read_are_refused():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        message = _refusal(_as_checkpoint(pickle.dumps({"a": 1}, protocol=4)))
    assert message == _filed("Unsupported operand 149")
    assert "Detected pickle protocol 4 in the checkpoint" in str(caught[0].message)


def test_weights_only_false_with_a_pickle_module_and_its_arguments():
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit "
                                           "pickle_module is specified"):
        engine.load(io.BytesIO(_saved(1)), pickle_module=pickle, weights_only=True)
    assert engine.load(io.BytesIO(_saved([1])), pickle_module=pickle) == [1]
    with pytest.warns(UserWarning, match="pickle_load_args only works if `weights_only=False`"):
        engine.load(io.BytesIO(_saved(2)), errors="strict")


def test_legacy_and_foreign_files():
    with pytest.raises(RuntimeError, match="^Invalid magic number; corrupt file\\?$"):
        engine.load(io.BytesIO(pickle.dumps(123, protocol=2)))
    legacy = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
    with pytest.raises(RuntimeError, match="in the format before PyTorch 1.6"):
        engine.load(io.BytesIO(legacy))
    with pytest.raises(EOFError, match="Ran out of input"):
        engine.load(io.BytesIO(b""))
    with pytest.raises(RuntimeError, match="PytorchStreamReader failed reading zip archive: "
                                           "failed finding central directory"):
        engine.load(io.BytesIO(_saved(engine.ones(3))[:60]))
    scripted = _with_records(_saved(1), {"archive/constants.pkl": b""})
    with pytest.raises(RuntimeError, match="Cannot use ``weights_only=True`` with TorchScript"):
        engine.load(io.BytesIO(scripted))
    with pytest.raises(RuntimeError, match="TorchScript archive"):
        engine.load(io.BytesIO(scripted), weights_only=False)
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(RuntimeError, match="holds no archive/data.pkl"):
        engine.load(io.BytesIO(other.getvalue()))


# ---- tampered storages: refused before any memory is read out of bounds ----------------------

def _tensor_pickle(size=b"K\x04\x85", stride=b"K\x01\x85", offset=b"K\x00"):
    """data.pkl of one 4-element float tensor, with its size, stride or offset replaced."""
    pkl = _pickle_of(_saved(engine.arange(4.0)))
    return pkl.replace(b"QK\x00K\x04\x85", b"Q" + offset + size, 1).replace(
        b"K\x01\x85q", stride + b"q", 1)


@pytest.mark.parametrize("pkl, message", [
    (_tensor_pickle(size=b"K\x09\x85"), "setStorage: sizes [9], strides [1], storage offset 0, "
                                        "and itemsize 4 requiring a storage size of 36 are out "
                                        "of bounds for storage of size 16"),
    (_tensor_pickle(offset=b"K\x03", size=b"K\x02\x85"), "storage offset 3"),
    (_tensor_pickle(stride=b"J\xff\xff\xff\xff\x85"), "invalid sizes [4], strides [-1]"),
    (_tensor_pickle(size=b"G?\xf0\x00\x00\x00\x00\x00\x00\x85"), "sizes must be integers"),
], ids=["size", "offset", "negative-stride", "float-size"])
def test_tensor_metadata_outside_its_storage_is_refused(pkl, message):
    data = _with_records(_saved(engine.arange(4.0)), {"archive/data.pkl": pkl})
    with pytest.raises(RuntimeError) as info:
        engine.load(io.BytesIO(data))
    assert message in str(info.value)


def test_storage_records_that_do_not_match_their_tensors_are_refused():
    data = _saved(engine.arange(4.0))
    with pytest.raises(RuntimeError, match="failed locating file data/0: file not found"):
        engine.load(io.BytesIO(_with_records(data, {"archive/data/0": None})))
    with pytest.raises(RuntimeError, match="data/0 holds 12 bytes, its tensors need 16"):
        engine.load(io.BytesIO(_with_records(data, {"archive/data/0": b"\x00" * 12})))


def test_a_compressed_member_claiming_more_than_it_could_hold_is_refused():
    # A deflated member decompresses to at most ~1030x its size: a bigger claim is a zip bomb.
    data = _saved(engine.zeros(4))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as archive:
        for name in src.namelist():
            if name != "archive/data/0":
                archive.writestr(name, src.read(name))
        archive.writestr("archive/data/0", b"\x00" * 16, compress_type=zipfile.ZIP_DEFLATED)
    raw = bytearray(out.getvalue())
    central = raw.rindex(b"archive/data/0") - 46  # the central directory's entry comes last
    assert raw[central:central + 4] == b"PK\x01\x02"
    raw[central + 24:central + 28] = (16 << 20).to_bytes(4, "little")  # claim 16 MB
    with pytest.raises(RuntimeError, match="data/0 claims more data than the file holds"):
        engine.load(io.BytesIO(bytes(raw)))


# ---- the engine's first format (a JSON manifest and .npy files) stays readable ---------------

def test_first_format_checkpoints_still_load():
    ckpt = engine.load(FIXTURES / "engine_v1_mixed.pt")
    import json
    expected = json.loads((FIXTURES / "engine_v1_mixed.json").read_text())
    assert {k: v.tolist() for k, v in ckpt["model"].items()} == expected["model"]
    assert ckpt["model"]._metadata[""] == {"version": 1}
    state = {str(k): {n: (s.tolist() if isinstance(s, engine.Tensor) else s)
                      for n, s in v.items()} for k, v in ckpt["optimizer"]["state"].items()}
    assert state == expected["optimizer_state"]
    assert ckpt["optimizer"]["param_groups"][0]["lr"] == expected["param_groups"][0]["lr"]
    t, again = ckpt["misc"][0], ckpt["misc"][1]
    assert t is again and t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert ckpt["misc"][2] == (1.5, math.inf)
    assert ckpt["misc"][3] == {"s": "text", "b": b"\x00\xff", "none": None}
    assert ckpt["half"].dtype is engine.float16 and ckpt["flags"].tolist() == [True, False]
    assert isinstance(ckpt["param"], nn.Parameter) and not ckpt["param"].requires_grad
    assert ckpt["size"] == engine.Size([2, 3]) and ckpt["dtype"] is engine.int16
    assert ckpt["epoch"] == 7


V1_ONE_TENSOR = (FIXTURES / "engine_v1_one_tensor.pt").read_bytes()


def _v1_tampered(manifest=None, files=None):
    """The one-tensor first-format fixture with its manifest or files replaced."""
    import json
    replace = dict(files or {})
    if manifest is not None:
        replace["engine_checkpoint/manifest.json"] = manifest if isinstance(manifest, bytes) \
            else json.dumps(manifest).encode()
    return _with_records(V1_ONE_TENSOR, replace)


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
    (_root({"$": "device", "name": "tpu"}), "Expected one of cpu, cuda, ipu, xpu,"),
], ids=["json", "deep", "format", "version", "tag", "kind", "key", "dtype", "dtype-mismatch",
        "shape", "missing", "float", "device"])
def test_tampered_first_format_manifests_are_refused_clearly(manifest, message):
    with pytest.raises(RuntimeError, match=message.replace("(", "\\(").replace(")", "\\)")):
        engine.load(io.BytesIO(_v1_tampered(manifest=manifest)))


def test_a_pickled_object_array_in_place_of_first_format_data_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    buf = io.BytesIO()
    np.save(buf, np.array([_RunsCommand(marker)], dtype=object), allow_pickle=True)
    data = _v1_tampered(files={"engine_checkpoint/tensors/0.npy": buf.getvalue()})
    with pytest.raises(RuntimeError, match="corrupt engine checkpoint: tensor 0 data does "
                                           "not match its description"):
        engine.load(io.BytesIO(data))
    assert not marker.exists()


def test_a_first_format_header_promising_more_data_than_the_file_holds_is_refused():
    huge = [10 ** 6, 10 ** 6]  # 4 TB of float32 if it were believed
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": tuple(huge)})
    data = _v1_tampered(manifest=_root({**TENSOR, "shape": huge}),
                        files={"engine_checkpoint/tensors/0.npy": header.getvalue()})
    with pytest.raises(RuntimeError, match="tensor 0 data has the wrong length"):
        engine.load(io.BytesIO(data))


def test_compressed_first_format_members_are_refused():
    with zipfile.ZipFile(io.BytesIO(V1_ONE_TENSOR)) as src:
        contents = {n: src.read(n) for n in src.namelist()}
    for squeezed in ("engine_checkpoint/tensors/0.npy", "engine_checkpoint/manifest.json"):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in contents.items():
                archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED
                                 if name == squeezed else zipfile.ZIP_STORED)
        with pytest.raises(RuntimeError, match="compressed or larger than the file"):
            engine.load(io.BytesIO(out.getvalue()))


@pytest.mark.skipif(engine.cuda.is_available(), reason="needs a machine without a GPU")
def test_a_first_format_checkpoint_saved_from_a_gpu_loads_with_map_location():
    data = _v1_tampered(manifest=_root({**TENSOR, "device": "cuda:0"}))
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA device"):
        engine.load(io.BytesIO(data))
    for where in ("cpu", {"cuda:0": "cpu"}, engine.device("cpu")):
        t = engine.load(io.BytesIO(data), map_location=where)
        assert t.device == engine.device("cpu") and t.tolist() == [1.0, 1.0]
