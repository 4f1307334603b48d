"""Which names a checkpoint may use, and the unpicklers that enforce it.

``WeightsOnlyUnpickler`` is PyTorch's ``weights_only=True`` loading on the engine: only the
opcodes and globals of PyTorch 2.13's allow-list (torch/_weights_only_unpickler.py), mapped
to the engine's objects, each call and build checked as PyTorch checks it, and the rest
refused with PyTorch's messages. ``full_unpickler`` is ``weights_only=False``: any pickle,
``torch.*`` names resolved to the engine's objects.
"""
import _codecs
import collections
import functools
import pickle
import warnings
from _compat_pickle import IMPORT_MAPPING, NAME_MAPPING

from ._device import device as Device
from ._dtype import ALL as DTYPES
from ._size import Size
from ._torch_names import engine_object
from ._torch_pickle import (STORAGE_TYPES, UNTYPED_STORAGE, _ascii, _tensor_on,
                            rebuild_device_tensor_from_cpu_tensor,
                            rebuild_device_tensor_from_numpy, rebuild_from_type_v2,
                            rebuild_parameter, rebuild_parameter_with_state, rebuild_tensor,
                            rebuild_tensor_v2, rebuild_tensor_v3, storage_type)
from .nn.parameter import Parameter
from .tensor import Tensor

OrderedDict, Counter = collections.OrderedDict, collections.Counter


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
    rebuilds = {"_rebuild_tensor": rebuild_tensor, "_rebuild_tensor_v2": rebuild_tensor_v2,
                "_rebuild_tensor_v3": rebuild_tensor_v3, "_rebuild_parameter": rebuild_parameter,
                "_rebuild_parameter_with_state": rebuild_parameter_with_state,
                "_rebuild_device_tensor_from_cpu_tensor": rebuild_device_tensor_from_cpu_tensor,
                "_rebuild_device_tensor_from_numpy": rebuild_device_tensor_from_numpy}
    allowed.update({f"torch._utils.{name}": fn for name, fn in rebuilds.items()})
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
