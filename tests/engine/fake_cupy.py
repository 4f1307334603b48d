"""A test double for CuPy: a "device" array library that wraps NumPy, for CI machines with no GPU.

It is a double for the engine's DEVICE LOGIC (which array lives where, what moves, what is
refused), never a claim that the GPU works: the arithmetic is NumPy's, so values prove
nothing about CUDA kernels. Real CuPy runs the same tests with ``ENGINE_TEST_DEVICE=cuda``
(``bench/gpu_check.py`` on a GPU machine).

What it keeps of CuPy's behaviour, because the engine's cuda path depends on it:

- its own array type, ``ndarray``: a NumPy array cannot pass for it, and it is not a NumPy
  array (``isinstance(x, numpy.ndarray)`` is False);
- no implicit mixing: a NumPy array given to one of its functions, operators or ufuncs raises
  ``TypeError`` as CuPy does, and turning it into a NumPy array implicitly (``numpy.asarray``,
  ``__array__``) raises CuPy's TypeError; ``asnumpy``/``.get()``/``asarray`` are the explicit
  ways across;
- NumPy functions called on its arrays dispatch to it (``__array_function__``,
  ``__array_ufunc__``), as they do on CuPy's;
- device ids: ``cuda.Device(i)`` (a context, ``use()``), ``ndarray.device``, arrays made
  under a device carry its id; two devices exist; operands on different devices are refused;
- reductions return 0-d arrays, not NumPy scalars;
- a memory pool with ``used_bytes``/``total_bytes``/``free_all_blocks``/``set_limit`` that
  follows live arrays, and ``OutOfMemoryError`` past the limit;
- ``cuda.runtime`` (device count and properties, ``memGetInfo``), ``random``, ``cupyx``
  (``scatter_add``/``_max``/``_min``, ``scipy.special``);
- CuPy's ufunc methods only: ``outer``, and ``at`` for add, maximum and minimum (no
  ``reduce``, ``accumulate``, ``reduceat``).

It does NOT model: streams and asynchrony, dtypes CuPy lacks beyond object/str, the NumPy
functions CuPy does not have (the double offers every NumPy function).
"""
import functools
import types
import weakref

import numpy

DEVICE_COUNT = 2
TOTAL_MEMORY = 16 * 2 ** 30  # what each fake device reports as its memory

_MIX_ERROR = "Unsupported type <class 'numpy.ndarray'>"
_IMPLICIT_ERROR = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` "
                   "to construct a NumPy array explicitly.")


class OutOfMemoryError(MemoryError):
    pass


# ---- devices ---------------------------------------------------------------------------------

_current = [0]


class Device:
    def __init__(self, device=None):
        if device is None:
            device = _current[0]
        device = int(getattr(device, "id", device))
        if not 0 <= device < DEVICE_COUNT:
            raise RuntimeError("cudaErrorInvalidDevice: invalid device ordinal")
        self.id = device
        self._stack = []

    def use(self):
        _current[0] = self.id

    def synchronize(self):
        pass

    @property
    def compute_capability(self):
        return "90"

    @property
    def mem_info(self):
        return _runtime.memGetInfo()

    def __enter__(self):
        self._stack.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._stack.pop()
        return False

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class _Runtime:
    @staticmethod
    def getDeviceCount():
        return DEVICE_COUNT

    @staticmethod
    def getDevice():
        return _current[0]

    @staticmethod
    def getDeviceProperties(index):
        Device(index)
        return {"name": b"Fake CUDA device (test double)", "major": 9, "minor": 0,
                "totalGlobalMem": TOTAL_MEMORY, "multiProcessorCount": 132}

    @staticmethod
    def memGetInfo():
        return TOTAL_MEMORY - _pools[_current[0]].total_bytes(), TOTAL_MEMORY

    @staticmethod
    def runtimeGetVersion():
        return 12040

    @staticmethod
    def driverGetVersion():
        return 12040

    @staticmethod
    def deviceSynchronize():
        pass


_runtime = _Runtime()


# ---- the memory pool: bytes of live arrays, per device -----------------------------------------

class MemoryPool:
    def __init__(self):
        self._used = 0
        self._reserved = 0
        self._limit = 0

    def _allocate(self, nbytes):
        if self._limit and self._used + nbytes > self._limit:
            raise OutOfMemoryError(f"Out of memory allocating {nbytes:,} bytes (allocated so "
                                   f"far: {self._used:,} bytes, limit set to: {self._limit:,} "
                                   "bytes).")
        self._used += nbytes
        self._reserved = max(self._reserved, self._used)

    def _release(self, nbytes):
        self._used -= nbytes

    def used_bytes(self):
        return self._used

    def total_bytes(self):
        return self._reserved

    def free_bytes(self):
        return self._reserved - self._used

    def free_all_blocks(self):
        self._reserved = self._used

    def set_limit(self, size=None, fraction=None):
        self._limit = int(size if size is not None else (fraction or 0) * TOTAL_MEMORY)

    def get_limit(self):
        return self._limit


class PinnedMemoryPool:
    def free_all_blocks(self):
        pass

    def n_free_blocks(self):
        return 0


_pools = [MemoryPool() for _ in range(DEVICE_COUNT)]
_pinned_pool = PinnedMemoryPool()
_counted = set()  # ids of the NumPy buffers a pool counts


def get_default_memory_pool():
    return _pools[_current[0]]


def get_default_pinned_memory_pool():
    return _pinned_pool


def _count(array, device):
    """Charge a buffer the double did not see before to its device's pool, until it dies."""
    root = array
    while isinstance(root.base, numpy.ndarray):
        root = root.base
    if root.base is not None or id(root) in _counted:
        return  # a view of memory someone else owns, or already counted
    pool = _pools[device]
    pool._allocate(root.nbytes)
    _counted.add(id(root))
    weakref.finalize(root, _uncount, id(root), pool, root.nbytes)


def _uncount(key, pool, nbytes):
    _counted.discard(key)
    pool._release(nbytes)


# ---- the array type -------------------------------------------------------------------------

class _Memory:
    def __init__(self, ptr):
        self.ptr = ptr


class _Pointer:
    def __init__(self, array):
        root = array
        while isinstance(root.base, numpy.ndarray):
            root = root.base
        self.ptr = array.__array_interface__["data"][0]
        self.mem = _Memory(root.__array_interface__["data"][0])


class ndarray:
    """A "device" array: a NumPy array plus the id of the device it lives on."""
    __slots__ = ("_array", "_device", "__weakref__")
    __array_priority__ = 100

    def __init__(self, shape, dtype=float):
        self._array = numpy.empty(shape, dtype)
        self._device = _current[0]
        _count(self._array, self._device)

    @classmethod
    def _wrap(cls, array, device):
        out = object.__new__(cls)
        out._array = array
        out._device = device
        _count(array, device)
        return out

    # explicit ways to the host, and the implicit one CuPy refuses
    def get(self, stream=None, order="C", out=None):
        return numpy.array(self._array, order=order)

    def __array__(self, *args, **kwargs):
        raise TypeError(_IMPLICIT_ERROR)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        return _call(func, args, kwargs)

    @property
    def device(self):
        return Device(self._device)

    @property
    def __cuda_array_interface__(self):
        info = self._array.__array_interface__
        return {"shape": info["shape"], "typestr": info["typestr"], "data": info["data"],
                "strides": info["strides"], "version": 3}

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return diagonal(self, offset, axis1, axis2)

    @property
    def data(self):
        return _Pointer(self._array)

    @property
    def base(self):
        return None if self._array.base is None else self  # a view says it has a base

    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    nbytes = property(lambda self: self._array.nbytes)
    itemsize = property(lambda self: self._array.itemsize)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: self._array.flags)
    T = property(lambda self: ndarray._wrap(self._array.T, self._device))
    mT = property(lambda self: ndarray._wrap(numpy.swapaxes(self._array, -1, -2), self._device))
    real = property(lambda self: ndarray._wrap(self._array.real, self._device))
    imag = property(lambda self: ndarray._wrap(self._array.imag, self._device))

    def __getattr__(self, name):  # methods: reshape, sum, astype, view, copy, ...
        attr = getattr(self._array, name)
        if not callable(attr):
            raise AttributeError(f"'cupy.ndarray' has no attribute {name!r} in the test double")
        return functools.partial(_call_method, self, name)

    def __getitem__(self, key):
        return _wrap_result(self._array[_index_key(key, self._device)], self._device)

    def __setitem__(self, key, value):
        value = _unwrap(value, self._device, allow_numpy=True)
        self._array[_index_key(key, self._device)] = value

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._array)

    def __float__(self):
        return float(self._array)

    def __int__(self):
        return int(self._array)

    def __complex__(self):
        return complex(self._array)

    def __index__(self):
        return self._array.__index__()

    def __repr__(self):
        return repr(self._array).replace("array(", "array(", 1)

    def __str__(self):
        return str(self._array)

    def __reduce__(self):
        return (_rebuild, (self.get(), self._device))

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def __dlpack__(self, *args, **kwargs):
        return self._array.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return (2, self._device)  # kDLCUDA

    __hash__ = None


def _rebuild(host, device):
    with Device(device):
        return asarray(host)


def _binary(ufunc, reflected=False):
    def op(self, other):
        args = (other, self) if reflected else (self, other)
        return _call(ufunc, args, {})
    return op


def _inplace(ufunc):
    def op(self, other):
        _call(ufunc, (self, other), {"out": self})
        return self
    return op


for _name, _ufunc in [("add", numpy.add), ("sub", numpy.subtract), ("mul", numpy.multiply),
                      ("truediv", numpy.true_divide), ("floordiv", numpy.floor_divide),
                      ("mod", numpy.remainder), ("pow", numpy.power), ("matmul", numpy.matmul),
                      ("and", numpy.bitwise_and), ("or", numpy.bitwise_or),
                      ("xor", numpy.bitwise_xor), ("lshift", numpy.left_shift),
                      ("rshift", numpy.right_shift), ("divmod", numpy.divmod)]:
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))
    setattr(ndarray, f"__r{_name}__", _binary(_ufunc, reflected=True))
    if _name != "divmod":
        setattr(ndarray, f"__i{_name}__", _inplace(_ufunc))
for _name, _ufunc in [("eq", numpy.equal), ("ne", numpy.not_equal), ("lt", numpy.less),
                      ("le", numpy.less_equal), ("gt", numpy.greater),
                      ("ge", numpy.greater_equal)]:
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))
for _name, _ufunc in [("neg", numpy.negative), ("pos", numpy.positive), ("abs", numpy.absolute),
                      ("invert", numpy.invert)]:
    setattr(ndarray, f"__{_name}__", lambda self, _u=_ufunc: _call(_u, (self,), {}))


# ---- crossing between NumPy and the double --------------------------------------------------

def _unwrap(value, device, allow_numpy=False):
    """The NumPy array behind ``value`` (recursing into lists and tuples); refuses NumPy arrays
    and arrays of another device, as CuPy does."""
    if isinstance(value, ndarray):
        if device is not None and value._device != device:
            raise ValueError(f"Array device must be same as the current device: array device "
                             f"= {value._device} while current = {device}")
        return value._array
    if isinstance(value, numpy.ndarray):
        if not allow_numpy:
            raise TypeError(_MIX_ERROR)
        return value
    if isinstance(value, (list, tuple)):
        items = [_unwrap(v, device, allow_numpy) for v in value]
        if hasattr(type(value), "_fields"):  # a namedtuple
            return type(value)(*items)
        return items if isinstance(value, list) else tuple(items)
    return value


def _index_key(key, device):
    """CuPy takes its own arrays, and lists or NumPy arrays (copied over), as indices."""
    return _unwrap(key, device, allow_numpy=True)


def _device_of(values, default):
    for value in values:
        if isinstance(value, ndarray):
            return value._device
        if isinstance(value, (list, tuple)):
            found = _device_of(value, None)
            if found is not None:
                return found
    for value in values:
        if isinstance(value, dict):
            found = _device_of(list(value.values()), None)
            if found is not None:
                return found
    return default


def _wrap_result(result, device, reduce_scalars=False):
    if isinstance(result, numpy.ndarray):
        return ndarray._wrap(result, device)
    if reduce_scalars and isinstance(result, numpy.generic):
        return ndarray._wrap(numpy.asarray(result), device)
    if isinstance(result, tuple):
        items = [_wrap_result(r, device, reduce_scalars) for r in result]
        return tuple(items) if type(result) is tuple else type(result)(*items)
    if isinstance(result, list):
        return [_wrap_result(r, device, reduce_scalars) for r in result]
    return result


def _call(func, args, kwargs, allow_numpy=False):
    device = _device_of(list(args) + [kwargs], _current[0])
    args = _unwrap(list(args), device, allow_numpy)
    kwargs = {k: _unwrap(v, device, allow_numpy) for k, v in kwargs.items()}
    return _wrap_result(func(*args, **kwargs), device, reduce_scalars=True)


def _call_method(array, name, *args, **kwargs):
    device = array._device
    args = _unwrap(list(args), device)
    kwargs = {k: _unwrap(v, device) for k, v in kwargs.items()}
    result = getattr(array._array, name)(*args, **kwargs)
    if name in ("item", "tolist", "__array_namespace__"):
        return result
    return _wrap_result(result, device, reduce_scalars=True)


def asarray(a, dtype=None, order=None, *, blocking=False):
    if isinstance(a, ndarray):
        if dtype is None or numpy.dtype(dtype) == a.dtype:
            return a
        return _call(numpy.asarray, (a,), {"dtype": dtype})
    host = numpy.asarray(a, dtype=dtype, order=order)
    if host.dtype.kind in "OUSV":
        raise ValueError(f"Unsupported dtype {host.dtype}")
    return ndarray._wrap(numpy.array(host, copy=True), _current[0])  # a copy, on the device


def array(obj, dtype=None, copy=True, order="K", ndmin=0, **kwargs):
    if isinstance(obj, ndarray):
        return _call(numpy.array, (obj,), {"dtype": dtype, "copy": copy, "order": order,
                                           "ndmin": ndmin})
    out = asarray(numpy.array(obj, dtype=dtype, order=order, ndmin=ndmin))
    return out


asanyarray = asarray


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if isinstance(a, ndarray):
        return a.get(order=order)
    return numpy.asarray(a, order=order)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """A writable view, as CuPy's (NumPy's own diagonal view is read-only)."""
    host, ndim = a._array, a.ndim
    axis1, axis2 = axis1 % ndim, axis2 % ndim
    starts = [slice(None)] * ndim
    starts[axis1] = slice(max(-offset, 0), None)
    starts[axis2] = slice(max(offset, 0), None)
    first = host[tuple(starts)]  # a view that begins at the diagonal's first element
    rest = [st for i, st in enumerate(host.strides) if i not in (axis1, axis2)]
    view = numpy.lib.stride_tricks.as_strided(
        first, numpy.diagonal(host, offset, axis1, axis2).shape,
        tuple(rest) + (host.strides[axis1] + host.strides[axis2],))
    return ndarray._wrap(view, a._device)


def get_array_module(*args):
    return _module if any(isinstance(a, ndarray) for a in args) else numpy


def from_dlpack(obj):
    return asarray(numpy.from_dlpack(obj))


# ---- the module: every NumPy function, through the double -----------------------------------

class _Ufunc:
    """A NumPy ufunc seen through the double (with reduce, accumulate, outer, at)."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self.nin, self.nout, self.types = ufunc.nin, ufunc.nout, ufunc.types

    def __call__(self, *args, **kwargs):
        return _call(self._ufunc, args, kwargs)

    def __getattr__(self, name):
        # CuPy's ufuncs have outer, and at for add/maximum/minimum only; no reduce,
        # accumulate or reduceat (engine/_backend.py: ufunc_at, ufunc_method)
        if name in ("reduce", "accumulate", "reduceat") or (
                name == "at" and self.__name__ not in ("add", "maximum", "minimum")):
            raise NotImplementedError(f"cupy.{self.__name__}.{name} is not implemented in CuPy")
        method = getattr(self._ufunc, name)
        return lambda *args, **kwargs: _call(method, args, kwargs)


_PASS_THROUGH = (type, numpy.dtype)  # classes (float32, dtype, ...) and dtypes stay NumPy's


class _Namespace(types.ModuleType):
    """A module whose functions are ``source``'s, called through the double; what is defined
    on it (asarray, cuda, ...) wins."""

    def __init__(self, name, source):
        super().__init__(name)
        self._source = source

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._source, name)
        if isinstance(attr, numpy.ufunc):
            wrapped = _Ufunc(attr)
        elif isinstance(attr, types.ModuleType):
            wrapped = _Namespace(f"{self.__name__}.{name}", attr)
        elif isinstance(attr, _PASS_THROUGH) or not callable(attr):
            wrapped = attr
        else:
            wrapped = functools.wraps(attr)(
                lambda *args, _f=attr, **kwargs: _call(_f, args, kwargs))
        setattr(self, name, wrapped)
        return wrapped


_module = _Namespace("cupy", numpy)
_module.ndarray = ndarray
_module.asarray = asarray
_module.array = array
_module.asanyarray = asanyarray
_module.asnumpy = asnumpy
_module.get_array_module = get_array_module
_module.diagonal = diagonal
_module.from_dlpack = from_dlpack
_module.get_default_memory_pool = get_default_memory_pool
_module.get_default_pinned_memory_pool = get_default_pinned_memory_pool
_module.cuda = types.SimpleNamespace(
    Device=Device, runtime=_runtime, memory=types.SimpleNamespace(
        OutOfMemoryError=OutOfMemoryError, MemoryPool=MemoryPool),
    OutOfMemoryError=OutOfMemoryError, get_device_id=lambda: _current[0],
    Stream=types.SimpleNamespace(null=None), is_available=lambda: True)
_module.__version__ = "13.0.0-test-double"
_module.__test_double__ = True


def _random_module():
    """cupy.random: its own generator (seeded by ``seed``), drawing on the current device."""
    state = {"rng": numpy.random.default_rng()}

    def seed(value=None):
        state["rng"] = numpy.random.default_rng(value)

    def draw(method):
        def fn(*args, **kwargs):
            return asarray(getattr(state["rng"], method)(*args, **kwargs))
        return fn
    rand = lambda *shape: asarray(state["rng"].random(shape))  # noqa: E731
    randn = lambda *shape: asarray(state["rng"].standard_normal(shape))  # noqa: E731
    return types.SimpleNamespace(seed=seed, rand=rand, randn=randn, random=draw("random"),
                                 standard_normal=draw("standard_normal"),
                                 uniform=draw("uniform"), normal=draw("normal"),
                                 integers=draw("integers"), default_rng=numpy.random.default_rng)


_module.random = _random_module()


# ---- cupyx ----------------------------------------------------------------------------------

def scatter_add(a, slices, value):
    """cupyx.scatter_add: a[slices] += value with repeated indices adding up, in place."""
    if not isinstance(a, ndarray):
        raise TypeError(_MIX_ERROR)
    numpy.add.at(a._array, _index_key(slices, a._device), _unwrap(value, a._device))


def _scatter(ufunc):
    def scatter(a, slices, value):
        if not isinstance(a, ndarray):
            raise TypeError(_MIX_ERROR)
        ufunc.at(a._array, _index_key(slices, a._device), _unwrap(value, a._device))
    return scatter


scatter_max, scatter_min = _scatter(numpy.maximum), _scatter(numpy.minimum)


def _scipy_special():
    import scipy.special
    return _Namespace("cupyx.scipy.special", scipy.special)


cupyx = types.SimpleNamespace(scatter_add=scatter_add, scatter_max=scatter_max,
                              scatter_min=scatter_min,
                              scipy=types.SimpleNamespace(special=_scipy_special()))

cupy = _module


def reset():
    """Back to device 0, empty pools (between tests)."""
    _current[0] = 0
    for pool in _pools:
        pool.set_limit(size=0)
        pool.free_all_blocks()
