"""PyTorch's pickle conventions for the engine's objects (the data.pkl of a checkpoint).

Saving: a tensor pickles as PyTorch's does, ``torch._utils._rebuild_tensor_v2(storage,
offset, size, stride, requires_grad, OrderedDict())``, its storage a persistent id
``("storage", torch.FloatStorage, key, location, numel)`` whose bytes go to ``data/<key>``;
a Parameter as ``torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())``;
dtypes, devices, sizes and the engine's classes under their ``torch`` names. PyTorch's
``weights_only`` loading accepts exactly these.

Loading: the functions those names stand for (``rebuild_tensor_v2``...), building the
engine's tensors over the storages read from the checkpoint; engine/_torch_unpickle.py
decides which names a checkpoint may use.
"""
import collections
import pickle
import types

import numpy as np

from . import _backend
from ._device import device as Device
from ._dtype import ALL as DTYPES, dtype as DType
from ._size import Size
from ._torch_names import torch_name_of
from .nn.modules.module import Module
from .nn.parameter import Parameter
from .tensor import Tensor, _make

OrderedDict = collections.OrderedDict


class TorchGlobal:
    """``module.name`` written as a pickle GLOBAL (one instance per name, so the pickle's
    memo writes each name once)."""
    _instances = {}

    def __new__(cls, module, name):
        key = (module, name)
        if key not in cls._instances:
            obj = cls._instances[key] = object.__new__(cls)
            obj.module, obj.name = module, name
        return cls._instances[key]

    def __call__(self, *args):  # pickle insists that a reduce function be callable
        raise TypeError(f"{self.module}.{self.name} is a name in a checkpoint, not a function")


def _rebuild(name):
    return TorchGlobal("torch._utils", name)


# ---- storages --------------------------------------------------------------------------------

class StorageType:
    """What ``torch.FloatStorage`` (a persistent id's storage type) means: a dtype."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"StorageType(dtype={self.dtype})"


STORAGE_TYPES = {f"{d.legacy}Storage": StorageType(f"{d.legacy}Storage", d) for d in DTYPES}
UNTYPED_STORAGE = StorageType("UntypedStorage", next(d for d in DTYPES if d.name == "uint8"))


def storage_type(name):
    """StorageType for a name such as "FloatStorage" (any module), None if not one of ours."""
    return UNTYPED_STORAGE if name == "UntypedStorage" else STORAGE_TYPES.get(name)


class _StorageRef:
    """One storage being saved: pickled as its persistent id; ``array`` holds its bytes."""

    def __init__(self, key, array, location):
        self.array = array
        dtype = next(d for d in DTYPES if d.np == array.dtype)
        self.persistent_id = ("storage", TorchGlobal("torch", f"{dtype.legacy}Storage"), key,
                              location, int(array.size))


def _address(array):
    return array.__array_interface__["data"][0]


def _root_array(array):
    """The array that owns the memory ``array`` views (through views, and the helper objects
    such as broadcast_to's that sit between a view and its base)."""
    root, node = array, array.base
    for _ in range(64):
        if node is None:
            break
        if isinstance(node, np.ndarray):
            root = node
        node = getattr(node, "base", None)
    return root


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class StorageWriter:
    """Finds the storage under each saved tensor, so views of one array share one storage
    (with their offsets and strides) exactly as PyTorch saves views of one tensor."""

    def __init__(self):
        self.refs = []         # _StorageRef in key order
        self._by_root = {}     # id(root array) -> _StorageRef
        self._keep = []        # arrays whose ids are keys above, kept alive while saving

    def _new(self, array, location):
        ref = _StorageRef(str(len(self.refs)), array, location)
        self.refs.append(ref)
        return ref

    def storage_of(self, t):
        """(storage ref, offset, stride) of tensor t, in elements."""
        if t.device.type != "cpu":  # a host copy: a storage of its own, in the same layout
            data = t._data
            array = np.array(_backend.to_numpy(data), order="C")  # a 0-d array stays 0-d
            if data.flags.f_contiguous and not data.flags.c_contiguous:  # e.g. a transpose
                array = np.asfortranarray(array)
            return (self._new(array.reshape(-1, order="A"), f"cuda:{t.device.index or 0}"),
                    0, tuple(s // array.itemsize for s in array.strides))
        array = t._data
        root = _root_array(array)
        shared = self._view_of_root(array, root)
        if shared is None:  # not expressible as a view of its root: save a copy
            copy = np.ascontiguousarray(array)
            return self._new(copy.reshape(-1), "cpu"), 0, _contiguous_strides(copy.shape)
        ref = self._by_root.get(id(root))
        if ref is None:
            flat = root.reshape(-1, order="A")
            if flat.dtype != array.dtype:
                flat = flat.view(np.uint8).view(array.dtype)
            ref = self._by_root[id(root)] = self._new(flat, "cpu")
            self._keep.append(root)
        elif ref.array.dtype != array.dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                               "data as different types")
        return (ref,) + shared

    @staticmethod
    def _view_of_root(array, root):
        """(offset, strides) of ``array`` in elements of the root's memory, or None."""
        item = array.itemsize
        if array.size == 0 or not (root.flags.c_contiguous or root.flags.f_contiguous) \
                or root.nbytes % item:
            return None
        start = _address(array) - _address(root)
        if start < 0 or start % item or any(s < 0 or s % item for s in array.strides):
            return None
        return start // item, tuple(s // item for s in array.strides)

    def reduce(self, t, requires_grad):
        """PyTorch's reduce of a plain tensor."""
        ref, offset, stride = self.storage_of(t)
        return _rebuild("_rebuild_tensor_v2"), (ref, offset, tuple(t._data.shape), stride,
                                                bool(requires_grad), OrderedDict())


class _AsPlainTensor:
    """A Parameter's data, pickled as a plain tensor inside its _rebuild_parameter call."""

    def __init__(self, param):
        self.param = param


class TorchPickler(pickle._Pickler):
    """The pure-Python pickler (its save_global can be overridden), writing PyTorch's names."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = StorageWriter()

    def persistent_id(self, obj):
        return obj.persistent_id if type(obj) is _StorageRef else None

    def reducer_override(self, obj):
        if type(obj) is _AsPlainTensor:
            return self.storages.reduce(obj.param, False)
        if isinstance(obj, Parameter):
            return _rebuild("_rebuild_parameter"), (_AsPlainTensor(obj), obj.requires_grad,
                                                    OrderedDict())
        if isinstance(obj, Tensor):
            rebuild = self.storages.reduce(obj, obj.requires_grad)
            if type(obj) is Tensor:
                return rebuild
            return TorchGlobal("torch._tensor", "_rebuild_from_type_v2"), \
                (rebuild[0], type(obj), rebuild[1], {})
        if isinstance(obj, DType):
            return obj.name  # pickle then calls save_global(obj, "float32")
        if type(obj) is Size:
            return TorchGlobal("torch", "Size"), (tuple(obj),)
        if type(obj) is Device:
            return TorchGlobal("torch", "device"), \
                (obj.type,) if obj.index is None else (obj.type, obj.index)
        if isinstance(obj, Module):  # by its class, under PyTorch's name, as torch.save does
            return object.__reduce_ex__(obj, self.proto)
        return NotImplemented

    def save_global(self, obj, name=None):
        if isinstance(obj, DType):
            return self.save(TorchGlobal("torch", name))
        torch_name = torch_name_of(obj, name)
        if torch_name is None:
            return super().save_global(obj, name)
        return self.save(TorchGlobal(*torch_name))

    def _save_torch_global(self, g):
        if self.proto >= 4:
            self.save(g.module)
            self.save(g.name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{g.module}\n{g.name}\n".encode("utf-8"))
        self.memoize(g)

    dispatch[TorchGlobal] = _save_torch_global
    # functions too (the base dispatch holds the base save_global): a whole model's
    # activation=F.relu is torch.nn.functional.relu, not engine.nn.functional.relu
    dispatch[types.FunctionType] = save_global


# ---- rebuilding tensors (the functions a checkpoint's globals name) --------------------------

class LoadedStorage:
    """A storage read from a checkpoint: a flat array on its device."""

    def __init__(self, array, device):
        self.array, self.device = array, device


def _ints(what, values):
    values = tuple(values)
    if not all(type(v) is int for v in values):
        raise RuntimeError(f"a checkpoint's tensor {what} must be integers, got {values!r}")
    return values


def _tensor_on(storage, offset, size, stride, dtype=None):
    """A tensor viewing ``storage`` (PyTorch's set_(storage, offset, size, stride)), bounds
    checked before any view is made."""
    if not isinstance(storage, LoadedStorage):
        raise RuntimeError(f"a checkpoint's tensor must view a storage, got {type(storage)}")
    array = storage.array
    if dtype is not None and dtype.np != array.dtype:
        if array.nbytes % dtype.itemsize:
            raise RuntimeError(f"a storage of {array.nbytes} bytes cannot hold {dtype}")
        array = array.view(dtype.np)
    size, stride = _ints("sizes", size), _ints("strides", stride)
    (offset,) = _ints("storage offset", (offset,))
    if len(size) != len(stride) or min(size + stride + (offset,), default=0) < 0:
        raise RuntimeError(f"a checkpoint's tensor has invalid sizes {list(size)}, strides "
                           f"{list(stride)} or storage offset {offset}")
    xp = _backend.xp_of(array)
    if 0 in size:
        data = xp.empty(size, array.dtype)
    else:
        needed = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
        if needed > array.size:
            item = array.itemsize
            raise RuntimeError(
                f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                f"{offset}, and itemsize {item} requiring a storage size of {needed * item} "
                f"are out of bounds for storage of size {array.size * item}")
        data = xp.lib.stride_tricks.as_strided(array[offset:], size,
                                               tuple(s * array.itemsize for s in stride))
    return _make(data, device=storage.device)


def _set_state(obj, state):
    """Python attributes saved with a tensor (PyTorch's _set_obj_state); never replaces one
    the object already has."""
    if isinstance(state, tuple) and len(state) == 2:
        state = {**(state[0] or {}), **(state[1] or {})}
    for key, value in (state or {}).items():
        if not isinstance(key, str) or key in vars(obj) or hasattr(type(obj), key):
            raise RuntimeError(f"a checkpoint sets attribute {key!r} of a tensor, which would "
                               "replace one it already has")
        setattr(obj, key, value)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      metadata=None):
    t = _tensor_on(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad = True
    return t


def rebuild_tensor(storage, storage_offset, size, stride):
    return rebuild_tensor_v2(storage, storage_offset, size, stride, False, None)


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                      dtype, metadata=None):
    t = _tensor_on(storage, storage_offset, size, stride, dtype)
    if requires_grad:
        t.requires_grad = True
    return t


def rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    param = rebuild_parameter(data, requires_grad, backward_hooks)
    _set_state(param, state)
    return param


def rebuild_from_type_v2(func, new_type, args, state):
    """A tensor of a subclass, or with Python attributes."""
    t = func(*args)
    if type(t) is not new_type:
        if new_type is Parameter:
            t = Parameter(t, t.requires_grad)
        elif isinstance(new_type, type) and issubclass(new_type, Tensor):
            t.__class__ = new_type
        else:
            raise RuntimeError(f"a checkpoint rebuilds a tensor as {new_type!r}, which is not "
                               "a tensor type")
    _set_state(t, state)
    return t


def rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    t = data.to(dtype=dtype, device=device)
    t.requires_grad = bool(requires_grad)
    return t


def rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    from .creation import tensor
    return tensor(data, dtype=dtype, device=device, requires_grad=bool(requires_grad))


def _ascii(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


def check_persistent_id(pid):
    """(dtype, key, location, numel) of a storage's persistent id."""
    if type(pid) is not tuple:
        raise RuntimeError(f"saved_id must be a tuple, got {type(pid).__name__}")
    if len(pid) != 5 or _ascii(pid[0]) != "storage":
        raise RuntimeError(f"a checkpoint's persistent id is not a storage: {pid!r}")
    kind, key, location, numel = pid[1], _ascii(pid[2]), _ascii(pid[3]), pid[4]
    if not isinstance(kind, StorageType) or not isinstance(key, str) or \
            not isinstance(location, str) or type(numel) is not int or numel < 0:
        raise RuntimeError(f"a checkpoint's storage id is malformed: {pid!r}")
    return kind.dtype, key, location, numel

