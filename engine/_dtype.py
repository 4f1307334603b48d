"""dtypes with PyTorch's names, and PyTorch's type-promotion rules."""
import numpy as np


class dtype:
    __module__ = "torch"
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category",
                 "legacy")

    def __init__(self, name, np_dtype, category, legacy):
        self.name = name
        self.legacy = legacy                # "Float": as in torch.FloatTensor and messages
        self.np = np.dtype(np_dtype)
        self._category = category           # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or np.issubdtype(self.np, np.signedinteger)
        self.itemsize = self.np.itemsize

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):  # pickles as a reference to the module-level singleton
        return (from_name, (self.name,))


float32 = dtype("float32", np.float32, 2, "Float")
float64 = dtype("float64", np.float64, 2, "Double")
float16 = dtype("float16", np.float16, 2, "Half")
int64 = dtype("int64", np.int64, 1, "Long")
int32 = dtype("int32", np.int32, 1, "Int")
int16 = dtype("int16", np.int16, 1, "Short")
int8 = dtype("int8", np.int8, 1, "Char")
uint8 = dtype("uint8", np.uint8, 1, "Byte")
bool_ = dtype("bool", np.bool_, 0, "Bool")

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}

_default_float = [float32]


def from_name(name):
    return _BY_NAME[name]


def get_default_dtype():
    return _default_float[0]


def set_default_dtype(d):
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float[0] = d


def from_numpy_dtype(np_dtype):
    """The engine dtype of a NumPy dtype; TypeError for ones PyTorch has no twin of."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _BY_NP:
        return _BY_NP[np_dtype]
    raise TypeError(f"can't convert np.ndarray of type numpy.{np_dtype}. The only supported "
                    "types are: float64, float32, float16, int64, int32, int16, int8, uint8, "
                    "and bool.")


def to_dtype(d):
    """Accept an engine dtype, a NumPy dtype/type or a Python type, as PyTorch does."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64  # PyTorch maps Python float to float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        raise
    except Exception:
        raise TypeError(f"{d!r} is not a dtype") from None


# ---- type promotion --------------------------------------------------------------------

def _promote_same_category(a, b):
    """Promotion between two dtypes of any category as PyTorch's table does it."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == 2:  # floats: the wider wins
        return a if a.itemsize >= b.itemsize else b
    # integers: uint8 with a signed type needs the next signed size up
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize >= b.itemsize else b


_cache = {}


def result_type(a, a_dim0, b, b_dim0):
    """Promotion of two tensor operands; 0-d tensors only count for their category.

    PyTorch: a 0-d operand decides the result only when its category (bool < int < float)
    is higher than every dimensioned operand's; otherwise the dimensioned ones decide.
    """
    key = (a, a_dim0, b, b_dim0)
    r = _cache.get(key)
    if r is None:
        if a_dim0 == b_dim0 or a._category == b._category:
            r = _promote_same_category(a, b) if a_dim0 == b_dim0 else (b if a_dim0 else a)
        elif a_dim0:
            r = a if a._category > b._category else b
        else:
            r = b if b._category > a._category else a
        _cache[key] = r
    return r


def scalar_result_type(t, value):
    """dtype of ``tensor op python_scalar`` (the scalar counts only for its category)."""
    if isinstance(value, bool):
        return t
    if isinstance(value, int):
        return int64 if t is bool_ else t
    if isinstance(value, float):
        return t if t._category == 2 else get_default_dtype()
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def scalar_dtype(value):
    """dtype PyTorch infers for a Python scalar in torch.tensor(value)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return get_default_dtype()


def promote_types(type1, type2):
    """The dtype both operands promote to (torch.promote_types)."""
    return _promote_same_category(to_dtype(type1), to_dtype(type2))


def can_cast(from_, to):
    """PyTorch's rule: no float -> integer, no non-bool -> bool."""
    return to_dtype(from_)._category <= to_dtype(to)._category


class finfo:
    __module__ = "torch"
    """Machine limits of a floating dtype, with PyTorch's field names."""

    def __init__(self, type=None):
        d = to_dtype(type) if type is not None else get_default_dtype()
        if not d.is_floating_point:
            raise TypeError(f"finfo() requires a floating point input type. Use iinfo to "
                            f"handle '{d}'")
        info = np.finfo(d.np)
        self.dtype = d.name
        self.bits, self.eps = info.bits, float(info.eps)
        self.max, self.min = float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = float(info.resolution)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    __module__ = "torch"
    def __init__(self, type):
        d = to_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"iinfo() requires an integer input type. Use finfo to handle '{d}'")
        info = np.iinfo(d.np) if d is not bool_ else None
        self.dtype = d.name
        self.bits = info.bits if info else 8
        self.min, self.max = (int(info.min), int(info.max)) if info else (0, 1)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
