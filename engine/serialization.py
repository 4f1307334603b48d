"""engine.save / engine.load: checkpoints in a format that cannot run code when loaded.

A checkpoint is a zip archive (members stored, not compressed) holding ``manifest.json``
(the object tree as tagged JSON) and one ``.npy`` file per tensor. Loading only builds
tensors, numbers, strings and containers from that description: nothing in the file is ever
unpickled or imported, and each tensor's header is checked against the manifest and the
file's real size before any memory is allocated, so a hostile file can at worst be refused
(like PyTorch's ``weights_only=True`` loading, without its pickle machinery).

What round-trips: tensors (dtype, shape, values, requires_grad; nn.Parameter stays a
Parameter), dict / OrderedDict (with a state_dict's ``_metadata``) / Counter / defaultdict
(as a dict), list, tuple, named sizes, int, float (inf and nan too), bool, None, str, bytes,
dtypes and devices. The same tensor object saved twice loads as one object; distinct views
of one storage load as independent copies.
"""
import collections
import json
import math
import os
import zipfile

import numpy as np

from . import _backend
from ._device import device as Device, as_device
from ._dtype import _BY_NAME, _BY_NP, dtype as DType
from ._size import Size
from .tensor import Tensor, _make

_DIR = "engine_checkpoint/"
_MANIFEST = _DIR + "manifest.json"
_FORMAT = "engine.save"
_VERSION = 1


class _Writer:
    def __init__(self, archive):
        self.archive = archive
        self.tensor_ids = {}   # id(tensor) -> index, so a tensor saved twice is stored once
        self.keep = []         # the tensors themselves, so ids stay unique while saving

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, (int, np.integer)):
            return int(obj)
        if isinstance(obj, (float, np.floating)):
            obj = float(obj)
            return obj if math.isfinite(obj) else {"$": "float", "value": repr(obj)}
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, Size):
            return {"$": "size", "items": [int(s) for s in obj]}
        if isinstance(obj, tuple):
            return {"$": "tuple", "items": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, dict):
            return self.mapping(obj)
        if isinstance(obj, DType):
            return {"$": "dtype", "name": obj.name}
        if isinstance(obj, Device):
            return {"$": "device", "name": str(obj)}
        if isinstance(obj, (bytes, bytearray)):
            return {"$": "bytes", "hex": bytes(obj).hex()}
        raise TypeError(
            f"engine.save cannot store an object of type {type(obj).__module__}."
            f"{type(obj).__qualname__}: a checkpoint holds only tensors, numbers, strings, "
            "bytes, dtypes, devices and lists, tuples and dicts of them (a format that "
            "cannot run code when loaded). Save the object's state_dict() instead.")

    def mapping(self, obj):
        kind = {collections.OrderedDict: "OrderedDict", collections.Counter: "Counter"}.get(
            type(obj), "dict")
        out = {"$": "dict", "kind": kind,
               "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        metadata = getattr(obj, "_metadata", None)
        if metadata is not None:
            out["metadata"] = self.encode(metadata)
        return out

    def tensor(self, t):
        index = self.tensor_ids.get(id(t))
        if index is None:
            index = self.tensor_ids[id(t)] = len(self.tensor_ids)
            self.keep.append(t)
            array = _backend.to_numpy(t._data)
            # Streamed into the archive: no second copy of a large tensor in memory.
            with self.archive.open(f"{_DIR}tensors/{index}.npy", "w",
                                   force_zip64=array.nbytes > 2 ** 30) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        kind = "Parameter" if _is_parameter(t) else "Tensor"
        return {"$": "tensor", "index": index, "kind": kind, "dtype": t.dtype.name,
                "shape": list(t._data.shape), "requires_grad": bool(t.requires_grad),
                "device": str(t.device)}


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Write ``obj`` to ``f`` (a path or a writable binary file object)."""
    if pickle_module is not None:
        raise TypeError("engine.save writes a safe format and takes no pickle_module")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            return save(obj, fh)
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
        writer = _Writer(archive)
        try:
            root = writer.encode(obj)
        except RecursionError:
            raise ValueError("engine.save: the object is nested too deeply, or contains "
                             "itself (a list or dict that holds itself)") from None
        manifest = {"format": _FORMAT, "version": _VERSION, "root": root}
        archive.writestr(_MANIFEST, json.dumps(manifest, allow_nan=False))


class _Reader:
    def __init__(self, archive, source, map_location, archive_size):
        self.archive = archive
        self.archive_size = archive_size
        self.source = source
        self.map_location = map_location
        self.tensors = {}

    def fail(self, why):
        return RuntimeError(f"{self.source} is a corrupt engine checkpoint: {why}")

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise self.fail(f"unexpected JSON value {node!r}")
        tag = node.get("$")
        if tag == "tensor":
            return self.tensor(node)
        if tag == "dict":
            return self.mapping(node)
        if tag == "tuple":
            return tuple(self.decode(v) for v in self.field(node, "items", list))
        if tag == "size":
            items = self.field(node, "items", list)
            if not all(type(s) is int and s >= 0 for s in items):
                raise self.fail("a size holds something other than non-negative integers")
            return Size(items)
        if tag == "float":
            value = self.field(node, "value", str)
            if value not in ("inf", "-inf", "nan"):
                raise self.fail(f"unknown special float {value!r}")
            return float(value)
        if tag == "dtype":
            name = self.field(node, "name", str)
            if name not in _BY_NAME:
                raise self.fail(f"unknown dtype {name!r}")
            return _BY_NAME[name]
        if tag == "device":
            try:
                return Device(self.field(node, "name", str))
            except RuntimeError as exc:
                raise self.fail(str(exc)) from None
        if tag == "bytes":
            try:
                return bytes.fromhex(self.field(node, "hex", str))
            except ValueError:
                raise self.fail("bytes that are not hexadecimal") from None
        raise self.fail(f"unknown entry type {tag!r}")

    def field(self, node, key, kind):
        value = node.get(key)
        if not isinstance(value, kind):
            raise self.fail(f"entry {node.get('$')!r} lacks a valid {key!r}")
        return value

    def mapping(self, node):
        kind = node.get("kind")
        cls = {"dict": dict, "OrderedDict": collections.OrderedDict,
               "Counter": collections.Counter}.get(kind)
        if cls is None:
            raise self.fail(f"unknown mapping kind {kind!r}")
        out = cls()
        for pair in self.field(node, "items", list):
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.fail("a mapping item is not a [key, value] pair")
            key = self.decode(pair[0])
            try:
                out[key] = self.decode(pair[1])
            except TypeError:
                raise self.fail(f"an unhashable mapping key {key!r}") from None
        if "metadata" in node:
            out._metadata = self.decode(node["metadata"])
        return out

    def tensor(self, node):
        index = self.field(node, "index", int)
        if index in self.tensors:
            return self.tensors[index]
        dtype = _BY_NAME.get(node.get("dtype"))
        if dtype is None:
            raise self.fail(f"unknown tensor dtype {node.get('dtype')!r}")
        array = self.read_npy(index, dtype, self.field(node, "shape", list))
        t = _make(array if array.flags.c_contiguous else array.copy(order="C"))
        t = self.place(t, self.field(node, "device", str))
        if node.get("kind") == "Parameter":
            from .nn.parameter import Parameter
            t = Parameter(t, requires_grad=bool(node.get("requires_grad")))
        elif node.get("requires_grad"):
            t.requires_grad_(True)
        self.tensors[index] = t
        return t

    def member(self, name, what):
        """The archive entry ``name``, refused unless stored uncompressed within the file:
        so its size is real, and nothing is allocated for data that is not there."""
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise self.fail(f"{what} has no data file") from None
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size \
                or info.file_size > self.archive_size:
            raise self.fail(f"{what} is compressed or larger than the file (engine.save "
                            "stores data uncompressed)")
        return info

    def read_npy(self, index, dtype, shape):
        """A tensor's .npy data, its header checked against the manifest before reading."""
        what = f"tensor {index}"
        info = self.member(f"{_DIR}tensors/{index}.npy", what)
        fmt = np.lib.format
        try:
            with self.archive.open(info) as fh:
                version = fmt.read_magic(fh)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"unsupported .npy version {version}")
                read_header = fmt.read_array_header_1_0 if version == (1, 0) else \
                    fmt.read_array_header_2_0
                npy_shape, fortran, npy_dtype = read_header(fh)
                if npy_dtype.hasobject or _BY_NP.get(npy_dtype) is not dtype or \
                        list(npy_shape) != shape:
                    raise self.fail(f"{what} data does not match its description")
                nbytes = math.prod(npy_shape) * npy_dtype.itemsize
                if info.file_size - fh.tell() != nbytes:
                    raise self.fail(f"{what} data has the wrong length")
                array = np.empty(npy_shape[::-1] if fortran else npy_shape, npy_dtype)
                view = memoryview(array.reshape(-1).view(np.uint8))
                done = 0
                while done < nbytes:
                    n = fh.readinto(view[done:])
                    if not n:
                        raise EOFError("the data ends early")
                    done += n
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise self.fail(f"{what} has unreadable data ({exc})") from None
        return array.T if fortran else array

    def place(self, t, location):
        target = location
        ml = self.map_location
        if callable(ml) and not isinstance(ml, (str, Device, dict)):
            moved = ml(t, location)
            return t if moved is None else moved
        if isinstance(ml, dict):
            target = ml.get(location, location)
        elif ml is not None:
            target = ml
        target = as_device(target)
        if target.type == "cuda" and _backend.cuda_unavailable_reason():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but "
                "torch.cuda.is_available() is False. If you are running on a CPU-only "
                "machine, please use torch.load with map_location=torch.device('cpu') to map "
                "your storages to the CPU.")
        return t if target.type == "cpu" else t.to(target)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read what ``save`` wrote. Never runs code from the file (``weights_only`` is always
    in force); ``map_location`` is a device, a string, a {saved: wanted} dict, or a function
    ``(tensor, saved_location) -> tensor``."""
    if pickle_module is not None or pickle_load_args:
        raise TypeError("engine.load reads a safe format and takes no pickle arguments")
    if isinstance(map_location, (str, Device)):
        map_location = as_device(map_location)  # a bad device string fails here, early
    source = repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else "the file"
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load(fh, source, map_location)
    return _load(f, source, map_location)


def _load(fh, source, map_location):
    try:
        start = fh.tell()
        size = fh.seek(0, os.SEEK_END) - start
        fh.seek(start)
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, EOFError, OSError):
        raise RuntimeError(
            f"{source} is not a checkpoint written by engine.save: it is not a zip archive "
            "(the file is corrupt or truncated, or in another format such as a pickle, "
            "which engine.load never unpickles because unpickling can run code)") from None
    with archive:
        names = set(archive.namelist())
        if _MANIFEST not in names:
            if any(n.endswith("/data.pkl") or n == "data.pkl" for n in names):
                raise RuntimeError(
                    f"{source} looks like a PyTorch checkpoint (torch.save): its contents "
                    "are pickled, and engine.load never unpickles because unpickling can "
                    "run code. Load it in PyTorch and save the tensors with engine.save, or "
                    "export them as .npy files.")
            raise RuntimeError(f"{source} is not a checkpoint written by engine.save: the "
                               f"zip archive has no {_MANIFEST}")
        info = archive.getinfo(_MANIFEST)
        if info.compress_type != zipfile.ZIP_STORED or info.file_size > size:
            raise RuntimeError(f"{source} is a corrupt engine checkpoint: its manifest is "
                               "compressed or larger than the file")
        try:
            manifest = json.loads(archive.read(info))
        except (ValueError, RecursionError, zipfile.BadZipFile):
            raise RuntimeError(f"{source} is a corrupt engine checkpoint: its manifest is "
                               "not valid JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
            raise RuntimeError(f"{source} is not a checkpoint written by engine.save: its "
                               "manifest names another format")
        if manifest.get("version") != _VERSION:
            raise RuntimeError(f"{source} was written by a newer engine.save (format version "
                               f"{manifest.get('version')!r}); this engine reads version "
                               f"{_VERSION}")
        reader = _Reader(archive, source, map_location, size)
        try:
            return reader.decode(manifest.get("root"))
        except RecursionError:
            raise reader.fail("it is nested too deeply") from None


def _is_parameter(t):
    from .nn.parameter import Parameter  # imported here: engine.nn imports this package
    return isinstance(t, Parameter)
