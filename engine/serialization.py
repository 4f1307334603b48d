"""engine.save / engine.load in PyTorch's checkpoint format, so files travel both ways.

``save`` takes what ``torch.save`` takes (tensors, state_dicts, optimizer state, whole
modules, NumPy arrays, any picklable object) and writes PyTorch's zip archive:
``archive/data.pkl`` (the pickle, protocol 2, storages as persistent ids),
``archive/data/<key>`` (each storage's raw bytes, 64-byte aligned), ``archive/version``,
``byteorder`` and the rest (engine/_torch_pickle.py says how objects are pickled,
engine/_torch_unpickle.py what loading allows). Views of
one array share one storage, as in PyTorch.

``load`` reads what PyTorch 2.13 writes (and what ``save`` writes). ``weights_only=True``,
the default as in PyTorch, runs only what PyTorch's weights_only allow-list runs and refuses
anything else with PyTorch's messages; ``weights_only=False`` unpickles anything, as PyTorch
does with that flag (only for files you trust: unpickling can run code), with ``torch.*``
classes resolved to the engine's (``torch.nn.modules.linear.Linear`` -> ``engine.nn.Linear``).
Checkpoints of the engine's first format (a JSON manifest and .npy files) stay readable.
"""
import hashlib
import io
import os
import pickle
import re
import struct
import sys
import warnings
import zipfile

import numpy as np

from . import _backend, _checkpoint_v1
from ._device import device as Device, as_device
from ._torch_names import torch_name_of
from ._torch_pickle import LoadedStorage, TorchPickler, check_persistent_id
from ._torch_unpickle import WeightsOnlyUnpickler, full_unpickler
from .tensor import Tensor, _make

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

DEFAULT_PROTOCOL = 2
_ALIGNMENT = 64                        # storages start at multiples of 64 bytes, as PyTorch's
_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # the first pickle of PyTorch's pre-zip format

# PyTorch's words, so a refusal reads as PyTorch's does.
UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
    "you got the file from a trusted source.")
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default "
    "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


# ---- saving ----------------------------------------------------------------------------------

def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Write ``obj`` to ``f`` (a path or a writable binary file object) as ``torch.save``
    does."""
    if pickle_module not in (None, pickle):
        raise TypeError("engine.save pickles with Python's pickle module only")
    if not _use_new_zipfile_serialization:
        raise RuntimeError("engine.save writes PyTorch's zip format only (its default since "
                           "PyTorch 1.6); _use_new_zipfile_serialization=False is not supported")
    if isinstance(f, (str, os.PathLike)):
        parent = os.path.dirname(os.path.abspath(os.fspath(f)))
        if not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
        with open(f, "wb") as fh:
            return save(obj, fh, pickle_module, pickle_protocol,
                        _disable_byteorder_record=_disable_byteorder_record)
    if not hasattr(f, "write"):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                             "'write' attribute")
    buffer = io.BytesIO()
    pickler = TorchPickler(buffer, pickle_protocol)
    pickler.dump(obj)
    data = buffer.getvalue()
    records = [("data.pkl", data), (".format_version", b"1"),
               (".storage_alignment", str(_ALIGNMENT).encode())]
    if not _disable_byteorder_record:
        records.append(("byteorder", sys.byteorder.encode()))
    records += [(f"data/{ref.persistent_id[2]}", ref.array) for ref in pickler.storages.refs]
    records += [("version", b"3\n"), (".data/serialization_id", _serialization_id(data))]
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, payload in records:
            _write_record(archive, "archive/" + name, payload)


def _serialization_id(data):
    """An opaque 40-digit id of the checkpoint (PyTorch logs it; nothing checks it)."""
    return str(int.from_bytes(hashlib.sha1(data).digest()[:16], "big")).zfill(40).encode()


def _write_record(archive, name, payload):
    """One stored member, its data aligned by padding the local header's extra field (as
    PyTorch's writer pads it), streamed so a large storage is never copied."""
    data = payload if isinstance(payload, bytes) else memoryview(payload.view(np.uint8))
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = len(data)
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT  # zipfile adds a 20-byte zip64 extra
    start = getattr(archive, "start_dir", None)  # where this member's header will go
    if start is not None:
        header = 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
        pad = -(start + header) % _ALIGNMENT
        info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with archive.open(info, "w", force_zip64=zip64) as out:
        out.write(data)


# ---- loading ---------------------------------------------------------------------------------

def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Read a checkpoint written by ``torch.save`` or ``engine.save``.

    ``map_location``: None (where each storage was saved), a device or device string, a
    ``{saved location: wanted location}`` dict, or a function ``(storage, location)`` that
    returns the storage moved (or None for the default); the storage it gets is the engine's
    1-D tensor of the storage's elements. ``mmap=True`` maps the file (copy-on-write) instead
    of reading the storages into memory; ``f`` must then be a path.
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
        if pickle_load_args:
            warnings.warn("pickle_load_args only works if `weights_only=False`.")
    elif pickle_module is None:
        pickle_module = pickle
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(map_location, (str, bytes, Device)):
        _target_device(map_location)  # a bad device string fails here, early
    is_path = isinstance(f, (str, os.PathLike))
    if mmap and not is_path:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if is_path:
        with open(f, "rb") as fh:
            return _Loader(fh, repr(os.fspath(f)), map_location, weights_only, pickle_module,
                           pickle_load_args, os.fspath(f) if mmap else None).load()
    return _Loader(f, "the file", map_location, weights_only, pickle_module,
                   pickle_load_args, None).load()


class _Loader:
    def __init__(self, fh, source, map_location, weights_only, pickle_module, load_args,
                 mmap_path):
        self.fh, self.source, self.map_location = fh, source, map_location
        self.weights_only, self.pickle_module, self.load_args = (weights_only, pickle_module,
                                                                 load_args)
        self.mmap_path = mmap_path
        self.storages = {}

    def load(self):
        start = self.fh.tell()
        self.size = self.fh.seek(0, os.SEEK_END) - start
        self.fh.seek(start)
        if self.size == 0:
            raise EOFError("Ran out of input")
        is_zip = self.fh.read(4) == b"PK\x03\x04"
        self.fh.seek(start)
        if is_zip:
            return self.load_zip()
        if self.mmap_path is not None:
            raise RuntimeError(
                "mmap can only be used with files saved with `torch.save(_use_new_zipfile_"
                "serialization=True), please torch.save your checkpoint with this option in "
                "order to use mmap.")
        magic = self.unpickle(self.fh)  # PyTorch's pre-zip format starts with a magic number
        if type(magic) is not int or magic != _MAGIC_NUMBER:
            raise RuntimeError("Invalid magic number; corrupt file?")
        raise RuntimeError(
            f"{self.source} is a PyTorch checkpoint in the format before PyTorch 1.6 (or "
            "torch.save(..., _use_new_zipfile_serialization=False)), which this playground's "
            "engine does not read: save it again with torch.save's default format")

    def unpickle(self, file):
        if not self.weights_only:
            return full_unpickler(self.pickle_module, file, self.persistent_load,
                                  **self.load_args).load()
        unpickler = WeightsOnlyUnpickler(file, self.persistent_load, _user_globals(),
                                         encoding=self.load_args["encoding"])
        try:
            return unpickler.load()
        except pickle.UnpicklingError as exc:
            raise pickle.UnpicklingError(_weights_only_message(str(exc))) from None

    def load_zip(self):
        try:
            archive = zipfile.ZipFile(self.fh)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError):
            raise RuntimeError(
                "PytorchStreamReader failed reading zip archive: failed finding central "
                "directory. This is an internal miniz error. If you are seeing this error, there "
                "is a high likelihood that your checkpoint file is corrupted. This can happen if "
                "the checkpoint was not saved properly, was transferred incorrectly, or the file "
                "was modified after saving.") from None
        with archive:
            self.archive = archive
            names = archive.namelist()
            if _checkpoint_v1.MANIFEST in names:
                return _checkpoint_v1.load(archive, self.source, self.place, self.size)
            if not names or "/" not in names[0]:
                raise RuntimeError(f"{self.source} is not a checkpoint: its zip archive holds "
                                   "no archive/data.pkl")
            self.prefix = names[0].split("/")[0] + "/"
            if self.prefix + "constants.pkl" in names:
                if self.weights_only:
                    raise RuntimeError("Cannot use ``weights_only=True`` with TorchScript "
                                       "archives passed to ``torch.load``. " + UNSAFE_MESSAGE)
                raise RuntimeError(f"{self.source} is a TorchScript archive (torch.jit.save); "
                                   "this playground's engine has no TorchScript")
            self.byteorder = self.record("byteorder", required=False) or b"little"
            if self.byteorder not in (b"little", b"big"):
                raise ValueError("Unknown endianness type: " + self.byteorder.decode("ascii",
                                                                                     "replace"))
            return self.unpickle(io.BytesIO(self.record("data.pkl")))

    def member(self, name):
        """A member of the archive, refused when its stated size is not plausible for the
        file: nothing is allocated for data that is not there."""
        try:
            info = self.archive.getinfo(self.prefix + name)
        except KeyError:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not "
                               "found") from None
        stored = info.compress_type == zipfile.ZIP_STORED
        if info.compress_size > self.size or (stored and info.compress_size != info.file_size) \
                or info.file_size > 1100 * info.compress_size + 1024:
            raise RuntimeError(f"{self.source} is a corrupt checkpoint: {name} claims more "
                               "data than the file holds")
        return info

    def record(self, name, required=True):
        if not required and self.prefix + name not in self.archive.namelist():
            return None
        return self.archive.read(self.member(name))

    def persistent_load(self, pid):
        """A storage named in the pickle: read once, placed as map_location says."""
        dtype, key, location, numel = check_persistent_id(pid)
        if key not in self.storages:
            array = self.read_storage(f"data/{key}", dtype, numel)
            placed = self.place(_make(array), location)
            self.storages[key] = LoadedStorage(placed._data.reshape(-1), placed.device)
        return self.storages[key]

    def read_storage(self, name, dtype, numel):
        info = self.member(name)
        if info.file_size != numel * dtype.itemsize:
            raise RuntimeError(f"{self.source} is a corrupt checkpoint: {name} holds "
                               f"{info.file_size} bytes, its tensors need "
                               f"{numel * dtype.itemsize}")
        if self.mmap_path is not None and info.compress_type == zipfile.ZIP_STORED and numel:
            array = np.memmap(self.mmap_path, dtype.np, mode="c", shape=(numel,),
                              offset=self.data_offset(info))
        else:
            array = np.empty(numel, dtype.np)
            with self.archive.open(info) as fh:
                _checkpoint_v1.read_into(fh, array)
        if self.byteorder.decode() != sys.byteorder:
            array.byteswap(inplace=True)
        return array

    def data_offset(self, info):
        """Where a stored member's bytes start in the file (after its local header)."""
        self.fh.seek(info.header_offset + 26)
        name_length, extra_length = struct.unpack("<HH", self.fh.read(4))
        return info.header_offset + 30 + name_length + extra_length

    def place(self, tensor, location):
        return _restore(tensor, location, self.map_location)


def _target_device(where):
    target = as_device(where.decode() if isinstance(where, bytes) else where)
    if target.type == "cuda" and _backend.cuda_unavailable_reason():
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
            "is False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU.")
    return target


def _restore(tensor, location, map_location):
    """Where a loaded storage goes (PyTorch's map_location rules)."""
    if callable(map_location) and not isinstance(map_location, (str, bytes, Device, dict)):
        moved = map_location(tensor, location)
        if moved is not None:
            if not isinstance(moved, Tensor):
                raise TypeError(f"map_location returned {type(moved).__name__}; it must "
                                "return the storage it was given (a tensor), moved, or None")
            return moved
        target = location
    elif isinstance(map_location, dict):
        target = map_location.get(location, location)
    else:
        target = location if map_location is None else map_location
    target = _target_device(target)
    return tensor if target == tensor.device else tensor.to(target)


def _weights_only_message(message):
    """PyTorch's wording around an error of its weights_only unpickler."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return ("Weights only load failed. This file can still be loaded, to do so you have two "
                "options, \033[1mdo those steps only if you trust the source of the checkpoint"
                f"\033[0m. \n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with "
                "`weights_only=True` please check the recommended steps in the following error "
                f"message.\n\tWeightsUnpickler error: {message}" + _DOCS_MESSAGE)
    text = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
    if not re.search(r"whose module (\S+) is blocked", message):
        text += ("Please file an issue with the following so that we can make "
                 "`weights_only=True` compatible with your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + _DOCS_MESSAGE


# ---- globals the user trusts (torch.serialization.add_safe_globals) ---------------------------

_safe_globals = set()


def add_safe_globals(safe_globals):
    """Let ``weights_only`` loading use these classes and functions (or ``(object, "full
    name")`` pairs), as PyTorch's function of the same name."""
    _safe_globals.update(safe_globals)


def get_safe_globals():
    return list(_safe_globals)


def clear_safe_globals():
    _safe_globals.clear()


class safe_globals:
    """``with safe_globals([...]):`` add_safe_globals for the block only."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _safe_globals.difference_update(self.safe_globals)


def _user_globals():
    """{"module.name": object} of the safe globals, under the names a checkpoint uses."""
    named = {}
    for item in _safe_globals:
        if isinstance(item, tuple):
            if len(item) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(item)}")
            if type(item[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full path,"
                                f" but got: {type(item[1])}")
            named[item[1]] = item[0]
        else:
            module, name = torch_name_of(item) or (item.__module__, item.__qualname__)
            named[f"{module}.{name}"] = item
    return named
