"""PyTorch's pickle conventions for the engine's objects (the data.pkl of a checkpoint).

Saving: a tensor pickles as PyTorch's does, ``torch._utils._rebuild_tensor_v2(storage,
offset, size, stride, requires_grad, OrderedDict())``, its storage a persistent id
``("storage", torch.FloatStorage, key, location, numel)`` whose bytes go to ``data/<key>``;
a Parameter as ``torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())``;
dtypes, devices, sizes and the engine's classes under their ``torch`` names. PyTorch's
``weights_only`` loading accepts exactly these.

Loading: ``WeightsOnlyUnpickler`` runs only the opcodes and globals that PyTorch's
``weights_only=True`` allow-list runs (torch/_weights_only_unpickler.py), mapped to the
engine's objects, and refuses the rest with PyTorch's messages. ``full_unpickler`` is
``weights_only=False``: any pickle, ``torch.*`` names resolved to the engine.
"""
import _codecs
import collections
import functools
import pickle
import warnings
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING

import numpy as np

from . import _backend
from ._device import device as Device
from ._dtype import ALL as DTYPES, dtype as DType
from ._size import Size
from ._torch_names import engine_object, torch_name_of
from .nn.parameter import Parameter
from .tensor import Tensor, _make

OrderedDict, Counter = collections.OrderedDict, collections.Counter


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
        if t.device.type != "cpu":  # a host copy: a storage of its own
            array = np.ascontiguousarray(_backend.to_numpy(t._data))
            return (self._new(array.reshape(-1), f"cuda:{t.device.index or 0}"), 0,
                    _contiguous_strides(array.shape))
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


# ---- names a checkpoint may use --------------------------------------------------------------

# PyTorch 2.13's weights_only allow-list (torch/_weights_only_unpickler.py), by category; the
# engine gives each an equivalent where it has one (_weights_only_globals below).
_TORCH_DTYPE_NAMES = (
    "bfloat16 bits16 bits1x8 bits2x4 bits4x2 bits8 bool complex128 complex32 complex64 float16 "
    "float32 float4_e2m1fn_x2 float64 float8_e4m3fn float8_e4m3fnuz float8_e5m2 float8_e5m2fnuz "
    "float8_e8m0fnu int16 int32 int64 int8 qint32 qint8 quint2x4 quint4x2 quint8 uint16 uint32 "
    "uint64 uint8").split() + [f"{k}{n}" for k in ("int", "uint") for n in range(1, 8)]
_TORCH_LEGACY = "BFloat16 Bool Byte Char Double Float Half Int Long Short".split()
_TORCH_STORAGE_ONLY = "ComplexDouble ComplexFloat".split()
_TORCH_QUANTIZED_STORAGES = "QInt32 QInt8 QUInt2x4 QUInt4x2 QUInt8".split()
_TORCH_QSCHEMES = ("per_channel_affine", "per_channel_affine_float_qparams",
                   "per_channel_symmetric", "per_tensor_affine", "per_tensor_symmetric")
_TORCH_REBUILDS = ("_rebuild_parameter", "_rebuild_parameter_with_state", "_rebuild_qtensor",
                   "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3",
                   "_rebuild_sparse_tensor", "_rebuild_meta_tensor_no_storage",
                   "_rebuild_nested_tensor", "_rebuild_wrapper_subclass",
                   "_rebuild_device_tensor_from_numpy",
                   "_rebuild_device_tensor_from_cpu_tensor")


def _torch_allow_list():
    names = ["collections.OrderedDict", "collections.Counter", "torch.nn.parameter.Parameter",
             "torch.serialization._get_layout", "torch.Size", "torch.Tensor", "torch.device",
             "_codecs.encode", "builtins.bytearray", "builtins.set", "builtins.complex",
             "torch._tensor._rebuild_from_type_v2", "torch.storage.TypedStorage",
             "torch.storage.UntypedStorage"]
    names += [f"torch.{n}" for n in _TORCH_DTYPE_NAMES + list(_TORCH_QSCHEMES)]
    names += [f"torch._utils.{n}" for n in _TORCH_REBUILDS]
    for prefix in ("torch.", "torch.cuda."):
        names += [f"{prefix}{k}Storage" for k in
                  _TORCH_LEGACY + _TORCH_STORAGE_ONLY + _TORCH_QUANTIZED_STORAGES * (
                      prefix == "torch.")]
        names += [f"{prefix}{k}Tensor" for k in _TORCH_LEGACY]
        names += [f"{prefix}sparse.{k}Tensor" for k in _TORCH_LEGACY if k != "Bool"]
    return frozenset(names)


TORCH_ALLOW_LIST = _torch_allow_list()


@functools.lru_cache(maxsize=1)
def _weights_only_globals():
    """PyTorch's allow-list, as the engine's objects (only the names the engine has)."""
    import engine
    allowed = {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
               "torch.nn.parameter.Parameter": Parameter, "torch.Size": Size,
               "torch.Tensor": Tensor, "torch.device": Device, "_codecs.encode": _codecs.encode,
               "builtins.bytearray": bytearray, "builtins.set": set,
               "builtins.complex": complex,
               "torch._tensor._rebuild_from_type_v2": rebuild_from_type_v2,
               "torch.storage.UntypedStorage": UNTYPED_STORAGE}
    for d in DTYPES:
        allowed[f"torch.{d.name}"] = d
    for name, kind in STORAGE_TYPES.items():
        allowed[f"torch.{name}"] = allowed[f"torch.cuda.{name}"] = kind
    for name, fn in [("_rebuild_tensor", rebuild_tensor), ("_rebuild_tensor_v2",
                                                            rebuild_tensor_v2),
                     ("_rebuild_tensor_v3", rebuild_tensor_v3),
                     ("_rebuild_parameter", rebuild_parameter),
                     ("_rebuild_parameter_with_state", rebuild_parameter_with_state),
                     ("_rebuild_device_tensor_from_cpu_tensor",
                      rebuild_device_tensor_from_cpu_tensor),
                     ("_rebuild_device_tensor_from_numpy", rebuild_device_tensor_from_numpy)]:
        allowed[f"torch._utils.{name}"] = fn
    for legacy in _TORCH_LEGACY:  # torch.FloatTensor..., where the engine has them
        cls = vars(engine).get(f"{legacy}Tensor")
        if cls is not None:
            allowed[f"torch.{legacy}Tensor"] = cls
    assert set(allowed) <= TORCH_ALLOW_LIST
    return allowed


def _not_in_engine(full_name):
    return RuntimeError(
        f"{full_name} is allowed by PyTorch's weights_only loading, but this playground's "
        "engine has no equivalent (it has no bfloat16, complex, float8, unsigned 16/32/64-bit, "
        "quantized, sparse or nested tensors, and no storage or layout objects)")


def torch_global(module, name):
    """``module.name`` from a checkpoint loaded with weights_only=False: PyTorch's names as
    the engine's objects."""
    if "Storage" in name and storage_type(name) is not None:
        return storage_type(name)
    module = {"torch.tensor": "torch._tensor"}.get(module, module)  # as PyTorch maps it
    full_name = f"{module}.{name}"
    known = _weights_only_globals().get(full_name)
    if known is not None:
        return known
    if full_name in TORCH_ALLOW_LIST:
        raise _not_in_engine(full_name)
    return engine_object(module, name)


# ---- unpicklers ------------------------------------------------------------------------------

BLOCKED_MODULES = ("sys", "os", "posix", "nt")  # never loadable, even when allowlisted
_SAFE_OPCODES = (
    pickle.APPEND, pickle.APPENDS, pickle.BINFLOAT, pickle.BINGET, pickle.BININT,
    pickle.BININT1, pickle.BININT2, pickle.BINPERSID, pickle.BINPUT, pickle.BINUNICODE,
    pickle.BUILD, pickle.EMPTY_DICT, pickle.EMPTY_LIST, pickle.EMPTY_SET, pickle.EMPTY_TUPLE,
    pickle.GLOBAL, pickle.LONG1, pickle.LONG_BINGET, pickle.LONG_BINPUT, pickle.MARK,
    pickle.NEWFALSE, pickle.NEWOBJ, pickle.NEWTRUE, pickle.NONE, pickle.PROTO, pickle.REDUCE,
    pickle.SETITEM, pickle.SETITEMS, pickle.SHORT_BINSTRING, pickle.STOP, pickle.TUPLE,
    pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)


class _Opcodes(dict):
    def __missing__(self, code):
        raise pickle.UnpicklingError(f"Unsupported operand {code}")


def _unsupported_global_message(full_name):
    if full_name.startswith("builtins"):  # PyTorch names builtins bare: "eval", not
        full_name = full_name[len("builtins"):]  # "builtins.eval"
        full_name = full_name[1:] if full_name.startswith(".") else "builtins" + full_name
    return (f"Unsupported global: GLOBAL {full_name} was not an allowed global by default. "
            f"Please use `torch.serialization.add_safe_globals([{full_name}])` or the "
            f"`torch.serialization.safe_globals([{full_name}])` context manager to allowlist "
            "this global if you trust this class/function.")


class WeightsOnlyUnpickler(pickle._Unpickler):
    """PyTorch's weights_only unpickling on the engine: the pure-Python unpickler with only
    the opcodes PyTorch's allows, and each that builds or calls something checked as
    PyTorch checks it. Nothing outside the allow-list (plus ``user_globals``, from
    ``add_safe_globals``) is ever imported or called."""

    def __init__(self, file, persistent_load, user_globals, encoding="utf-8"):
        super().__init__(file, encoding=encoding)
        self.persistent_load = persistent_load
        self.globals = dict(_weights_only_globals())
        self.globals.update(user_globals)

    def _allowed(self, obj):
        return any(obj is v for v in self.globals.values())

    def load_global(self):
        module = self.readline()[:-1].decode("utf-8")
        name = self.readline()[:-1].decode("utf-8")
        if (module, name) in NAME_MAPPING:  # Python 2 names, as protocol 2 writes them
            module, name = NAME_MAPPING[(module, name)]
        elif module in IMPORT_MAPPING:
            module = IMPORT_MAPPING[module]
        full_name = f"{module}.{name}"
        if module in BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full_name} whose "
                                         f"module {module} is blocked.")
        if full_name in self.globals:
            return self.append(self.globals[full_name])
        if full_name in TORCH_ALLOW_LIST:
            raise _not_in_engine(full_name)
        raise pickle.UnpicklingError(_unsupported_global_message(full_name))

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if cls is Parameter:
            self.append(Parameter(*args))
        elif self._allowed(cls) and isinstance(cls, type):
            self.append(cls.__new__(cls, *args))
        else:
            raise pickle.UnpicklingError(
                "Can only create new object for nn.Parameter or classes allowlisted via "
                f"`add_safe_globals` but got {cls}")

    def load_reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        if not self._allowed(func):
            message = f"Trying to call reduce for unrecognized function {func}"
            if hasattr(func, "__self__"):
                message += f" which belongs to {func.__self__}"
            raise pickle.UnpicklingError(message)
        self.stack[-1] = func(*args)

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        kind = type(inst)
        if kind is Tensor and isinstance(state, tuple) and len(state) == 4:
            t = _tensor_on(*state)  # PyTorch's legacy tensor pickle: set_(*state)
            inst._data, inst._version_box, inst._device = t._data, [0], t._device
        elif kind is Tensor or kind is Parameter:
            raise RuntimeError("this checkpoint uses a legacy pickling of tensors that this "
                               "playground's engine does not read")
        elif kind is OrderedDict:
            inst.__dict__.update(state)
        elif self._allowed(kind):
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
            else:
                slots = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slots = state
                if state:
                    inst.__dict__.update(state)
                for key, value in (slots or {}).items():
                    setattr(inst, key, value)
        else:
            raise pickle.UnpicklingError(
                "Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                f"`add_safe_globals`, but got {kind}")

    def load_append(self):
        item = self.stack.pop()
        if type(self.stack[-1]) is not list:
            raise pickle.UnpicklingError(
                f"Can only append to lists, but got {type(self.stack[-1])}")
        self.stack[-1].append(item)

    def load_appends(self):
        items = self.pop_mark()
        if type(self.stack[-1]) is not list:
            raise pickle.UnpicklingError(
                f"Can only extend lists, but got {type(self.stack[-1])}")
        self.stack[-1].extend(items)

    def _check_mapping(self, opcode):
        if type(self.stack[-1]) not in (dict, OrderedDict, Counter):
            raise pickle.UnpicklingError(
                f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, "
                f"but got {type(self.stack[-1])}")

    def load_setitem(self):
        value, key = self.stack.pop(), self.stack.pop()
        self._check_mapping("SETITEM")
        self.stack[-1][key] = value

    def load_setitems(self):
        items = self.pop_mark()
        self._check_mapping("SETITEMS")
        for i in range(0, len(items), 2):
            self.stack[-1][items[i]] = items[i + 1]

    def load_binpersid(self):
        pid = self.stack.pop()
        if type(pid) is not tuple and type(pid) is not int:
            raise pickle.UnpicklingError(
                f"persistent_load id must be tuple or int, but got {type(pid)}")
        if type(pid) is tuple and pid and _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(
                f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
        self.append(self.persistent_load(pid))

    def load_proto(self):
        self.proto = self.read(1)[0]
        if self.proto != 2:
            warnings.warn(
                f"Detected pickle protocol {self.proto} in the checkpoint, which was not the "
                "default pickle protocol used by `torch.load` (2). The weights_only Unpickler "
                "might not support all instructions implemented by this protocol, please file "
                "an issue for adding support if you encounter this.", stacklevel=2)

    dispatch = _Opcodes({op[0]: pickle._Unpickler.dispatch[op[0]] for op in _SAFE_OPCODES})
    dispatch.update({
        pickle.GLOBAL[0]: load_global, pickle.NEWOBJ[0]: load_newobj,
        pickle.REDUCE[0]: load_reduce, pickle.BUILD[0]: load_build,
        pickle.APPEND[0]: load_append, pickle.APPENDS[0]: load_appends,
        pickle.SETITEM[0]: load_setitem, pickle.SETITEMS[0]: load_setitems,
        pickle.BINPERSID[0]: load_binpersid, pickle.PROTO[0]: load_proto})


def full_unpickler(pickle_module, file, persistent_load, **load_args):
    """weights_only=False: an ordinary unpickler of ``pickle_module`` (it can run anything the
    file names), with ``torch.*`` names resolved to the engine's objects."""

    class Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            if module == "torch" or module.startswith("torch."):
                return torch_global(module, name)
            return super().find_class(module, name)

    unpickler = Unpickler(file, **load_args)
    unpickler.persistent_load = persistent_load
    return unpickler


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

