"""Reading the engine's first checkpoint format (engine.save before it wrote PyTorch's).

A zip archive (members stored, not compressed) of ``engine_checkpoint/manifest.json`` (the
object tree as tagged JSON) and one ``.npy`` file per tensor. Nothing in it is unpickled or
imported, and each tensor's header is checked against the manifest and the file's real size
before any memory is allocated.
"""
import collections
import json
import math
import zipfile

import numpy as np

from ._device import device as Device
from ._dtype import _BY_NAME, _BY_NP
from ._size import Size
from .tensor import _make

DIR = "engine_checkpoint/"
MANIFEST = DIR + "manifest.json"
_FORMAT = "engine.save"
_VERSION = 1


def stored_member(archive, name, archive_size, fail, what):
    """The archive entry ``name``, refused unless stored uncompressed within the file: so its
    size is real, and nothing is allocated for data that is not there."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise fail(f"{what} has no data file") from None
    if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size \
            or info.file_size > archive_size:
        raise fail(f"{what} is compressed or larger than the file (engine.save "
                   "stores data uncompressed)")
    return info


class _Reader:
    def __init__(self, archive, source, place, archive_size):
        self.archive = archive
        self.archive_size = archive_size
        self.source = source
        self.place = place  # (tensor, saved location) -> tensor where map_location wants it
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

    def read_npy(self, index, dtype, shape):
        """A tensor's .npy data, its header checked against the manifest before reading."""
        what = f"tensor {index}"
        info = stored_member(self.archive, f"{DIR}tensors/{index}.npy", self.archive_size,
                             self.fail, what)
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
                read_into(fh, array)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise self.fail(f"{what} has unreadable data ({exc})") from None
        return array.T if fortran else array


def read_into(fh, array):
    """Fill a contiguous array from a file object, refusing data that ends early."""
    view = memoryview(array.reshape(-1).view(np.uint8))
    done = 0
    while done < len(view):
        n = fh.readinto(view[done:])
        if not n:
            raise EOFError("the data ends early")
        done += n


def load(archive, source, place, archive_size):
    """The object an engine_checkpoint/ archive holds."""
    info = archive.getinfo(MANIFEST)
    if info.compress_type != zipfile.ZIP_STORED or info.file_size > archive_size:
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
    reader = _Reader(archive, source, place, archive_size)
    try:
        return reader.decode(manifest.get("root"))
    except RecursionError:
        raise reader.fail("it is nested too deeply") from None
