"""The floor every op module stands on, and the only module they share helpers through.

Wrapping result arrays, recording graph nodes (engine.autograd.graph.record), operand
promotion, ``out=``, the bookkeeping of reductions (which dims, kept shapes), constants in
backward formulas, and linear maps with a known adjoint. An op module imports from here and
from the ops it calls, never another op module's private helpers.
"""
import numpy as np

from .. import _backend
from .._device import CPU
from .._dtype import _BY_NP, get_default_dtype, result_type, scalar_result_type
from ..autograd import grad_mode
from ..autograd.graph import Node, record, set_history  # noqa: F401  (re-exported for ops)
from ..tensor import Tensor, _make, _view, _wrap_dim  # noqa: F401  (re-exported for ops)

_ndarray = np.ndarray
_grad_state = grad_mode._state

# C++ scalar type names, as some of PyTorch's messages print them.
CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
             "int16": "short int", "int32": "int", "int64": "long int", "float16": "c10::Half",
             "float32": "float", "float64": "double"}


# ---- results ------------------------------------------------------------------------------

def wrap(data, like=None):
    """A new tensor for an op's result array (NumPy 0-d results come back as scalars)."""
    if type(data) is not _ndarray:
        data = _backend.xp_of(like._data if like is not None else data).asarray(data)
    t = _make(data)
    if like is not None and like._device is not CPU:
        t._device = like._device
    return t


def const(array, like):
    """A constant tensor (no graph) on like's device: masks inside backward formulas."""
    return wrap(_backend.xp_of(like._data).asarray(array), like)


def zeros(shape, like):
    """A constant zero tensor shaped ``shape`` in like's dtype and device (missing grads)."""
    return wrap(_backend.xp_of(like._data).zeros(shape, dtype=like._data.dtype), like)


def recomputed(x, saved_out, forward):
    """An op's output for its backward formula: the saved (detached) one, or, when the
    backward itself is being recorded (create_graph), ``forward(x)`` run again so that
    second derivatives flow through it."""
    return forward(x) if _grad_state[0] else saved_out


def write_out(out, result, name=None):
    """PyTorch's ``out=``: write ``result`` (a tensor, or a tuple such as (values, indices))
    into the given tensor(s), resizing them if needed, and return them. ``name`` is the op's,
    for PyTorch's message about a wrong ``out``."""
    if out is None:
        return result
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not "
                            f"{type(out).__name__}")
        written = tuple(_write_into(o, r) for o, r in zip(out, result))
        return type(result)(written) if hasattr(type(result), "_fields") else written
    if name is not None and not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    return _write_into(out, result)


def _write_into(out, result):
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be a Tensor, not {type(out).__name__}")
    if result._rg and out._rg and out.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if out._data.shape != result._data.shape:
        out._data = result._data.astype(out._data.dtype, copy=True)
    else:
        out._data[...] = result._data
    out._bump_version()
    if result.grad_fn is not None:
        set_history(out, result.grad_fn, result._output_nr)
    return out


# ---- in-place writes ----------------------------------------------------------------------
# Under autograd an in-place op runs out of place on a snapshot of the old value (so what its
# backward saves is the value before the write, as PyTorch keeps it); write_result copies the
# result into the storage, moves the version counter on and moves the tensor onto the node.

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."


def check_inplace(t):
    if t._rg and t.grad_fn is None and _grad_state[0]:
        raise RuntimeError(LEAF_MSG)


def snapshot(t):
    """A copy of t's current value that stands where t stands in the graph."""
    s = _make(t._data.copy(), t._rg, t._device)
    if t.grad_fn is not None:
        set_history(s, t.grad_fn, t._output_nr)
    elif t._rg:
        s._acc = t._grad_edge()[0]  # gradients reaching the copy accumulate into t
    return s


def write_result(t, result):
    """Store ``result`` into t's storage and make t the output of result's node."""
    data = result._data
    src, dst = _BY_NP[data.dtype], _BY_NP[t._data.dtype]
    if src._category > dst._category:  # PyTorch's canCast: no float -> int, no int -> bool
        raise RuntimeError(f"result type {src.legacy} can't be cast to the desired "
                           f"output type {dst.legacy}")
    if data.shape != t._data.shape:
        shape = broadcast_shape(data.shape, t._data.shape)
        if shape != t._data.shape:
            raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the "
                               f"broadcast shape {list(shape)}")
    t._data[...] = data
    t._bump_version()
    if result.grad_fn is not None:
        if t._base is not None and t._base._rg:
            raise RuntimeError(
                "in-place operation on a view of a tensor that requires grad is not supported "
                "by this engine: use the out-of-place op, or assign through indexing on the "
                "base tensor (base[idx] = value)")
        set_history(t, result.grad_fn)
    return t


# ---- operands -----------------------------------------------------------------------------

def check_tensor(fn, name, pos, x):
    """PyTorch's TypeError for an argument that must be a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def same_device(a, b):
    if a._device is not b._device and a._device != b._device:
        # PyTorch's TensorIterator names the first non-CPU device it met as the common one
        first, second = b._device, a._device
        if first.type == "cpu":
            first, second = second, first
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {first} and {second}!")


SCALARS = (int, float, bool, np.number, np.bool_)


def operands(a, b):
    """Two arrays (or array and Python scalar) cast to PyTorch's result dtype, with the
    operand tensors: ``(a, b, a_data, b_data)``. Python scalars stay scalars."""
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            ad, bd = a._data, b._data
            if ad.dtype is not bd.dtype and ad.dtype != bd.dtype:
                rt = result_type(_BY_NP[ad.dtype], ad.ndim == 0, _BY_NP[bd.dtype], bd.ndim == 0)
                ad = ad.astype(rt.np, copy=False)
                bd = bd.astype(rt.np, copy=False)
            if a._device is not b._device:
                same_device(a, b)
            return a, b, ad, bd
        b2, a2, bd, ad = operands(b, a)
        return a2, b2, ad, bd
    if not isinstance(a, Tensor):
        raise TypeError(f"expected a Tensor operand, got {type(a).__name__}")
    if isinstance(b, SCALARS):
        b = b.item() if isinstance(b, (np.number, np.bool_)) else b
        ad = a._data
        rt = scalar_result_type(_BY_NP[ad.dtype], b)
        if rt.np != ad.dtype:
            ad = ad.astype(rt.np)
        elif b.__class__ is int and not -128 <= b <= 127 and ad.dtype.kind in "iu":
            b = _wrap_int(b, ad.dtype)
        return a, b, ad, b
    if isinstance(b, (np.ndarray, list, tuple)):
        from ..creation import tensor as make_tensor
        return operands(a, make_tensor(b, device=a._device))
    raise TypeError(f"unsupported operand type: Tensor and {type(b).__name__}")


def _wrap_int(value, dtype):
    """A Python int cast to a small integer dtype wraps around, as PyTorch casts scalars."""
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return value
    return np.array(value & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64).astype(dtype)[()]


def to_float(t_data):
    """Integer/bool arrays become the default float dtype (for sqrt, exp, true division...)."""
    if t_data.dtype.kind in "biu":
        return t_data.astype(get_default_dtype().np)
    return t_data


def broadcast_error(a_shape, b_shape):
    """PyTorch's message for shapes that do not broadcast."""
    n = max(len(a_shape), len(b_shape))
    pa = (1,) * (n - len(a_shape)) + tuple(a_shape)
    pb = (1,) * (n - len(b_shape)) + tuple(b_shape)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor "
                                f"b ({pb[i]}) at non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} do not broadcast")


def broadcast_shape(a_shape, b_shape):
    """The shape two shapes broadcast to, or PyTorch's error."""
    try:
        return np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        raise broadcast_error(a_shape, b_shape) from None


# ---- dims and reductions ------------------------------------------------------------------

def normalize_dims(dim, ndim):
    """dim (None, int or tuple of ints) -> tuple of non-negative axes, PyTorch's range check."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return dims
    return (_wrap_dim(dim, ndim),)


def reduce_dims(dim, ndim):
    """normalize_dims for a reduction: an empty dim list means every dim (as in PyTorch's
    sum, mean, std...); a 0-d tensor accepts dim 0/-1 but has no axis to reduce."""
    dims = normalize_dims(None if dim == () or dim == [] else dim, ndim)
    return dims if ndim else ()


def kept_shape(shape, dims):
    """``shape`` with the reduced ``dims`` kept as size 1 (keepdim=True's shape)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def note_reduction(node, input, dims, keepdim):
    """What a reduction's backward needs to broadcast its gradient back over ``input``."""
    node.in_shape = input._data.shape
    node.dims = dims
    node.keepdim = keepdim
    node.kept_shape = kept_shape(input._data.shape, dims)


def kept(t, node):
    """A reduced tensor (or gradient) reshaped so it broadcasts against the input."""
    return t if node.keepdim or not node.dims else t.reshape(node.kept_shape)


def kept_data(g, node):
    """kept() on the gradient's array, for backward fast paths."""
    d = g._data
    return d if node.keepdim or not node.dims else d.reshape(node.kept_shape)


# ---- linear maps --------------------------------------------------------------------------
# An op that is linear in its input, y = A(x), has the gradient A^T(g), which is linear again
# with gradient A(h). So each such op (pooling, padding, gathers, nll_loss, ...) is written
# once as a pair of array functions (forward, adjoint); the backward applies the adjoint as
# an op of its own, and double backward works with no extra code.

class LinearMapBackward(Node):
    """Base of every linear op's node; ``adjoint_cls`` names the node of its backward."""
    adjoint_cls = None

    def backward(self, g):
        self.saved_tensors  # noqa: B018 - version check of an input PyTorch keeps (avg_pool)
        return (apply_linear(g, self.adjoint, self.forward_map, self.adjoint_cls),)


def linear_node(name):
    """(node class named ``name``, node class of its backward) for a new linear op."""
    cls = type(name, (LinearMapBackward,), {})
    adj = type(name.replace("Backward0", "BackwardBackward0"), (LinearMapBackward,), {})
    cls.adjoint_cls = adj
    adj.adjoint_cls = cls
    return cls, adj


def apply_linear(x, forward_map, adjoint, node_cls, out_data=None, keep_input=False):
    """Run ``forward_map`` on x's array (or take its result ``out_data`` when the caller has
    it already) and record ``node_cls``, whose backward applies ``adjoint``. The map needs
    no saved value; ``keep_input`` saves x anyway, only to refuse a later in-place write to
    it where PyTorch's node keeps it (average pooling)."""
    out = wrap(forward_map(x._data) if out_data is None else out_data, x)
    node = record(node_cls, out, (x,), (x,) if keep_input else None)
    if node is not None:
        node.forward_map = forward_map
        node.adjoint = adjoint
    return out


# ---- elementwise functions of floating values --------------------------------------------

def float_work(data):
    """The array an elementwise float function works on, and the dtype of its result:
    integers and bools compute in the default float dtype (int -> float32, as in PyTorch),
    float16 computes in float32 and is rounded back."""
    data = to_float(data)
    if data.dtype.itemsize < 4:
        return data.astype(np.float32), data.dtype
    return data, data.dtype


def float_unary(node_cls, fn, *, keep="input", name=None):
    """The op ``op(input, *, out=None)`` computing ``fn(xp, array)`` on floating values.
    ``node_cls`` is its backward (None: PyTorch defines no derivative, the result does not
    require grad); ``keep="output"`` saves the result too (a detached alias) beside the input,
    for a backward cheapest from it (see ``recomputed``)."""
    def op(input, *, out=None):
        check_tensor(op.__name__, "input", 1, input)
        work, dtype = float_work(input._data)
        result = wrap(_backend.xp_of(work).asarray(fn(_backend.xp_of(work), work))
                      .astype(dtype, copy=False), input)
        if node_cls is not None and _grad_state[0] and input._rg:
            if keep == "output":  # PyTorch saves only the result: input is unchecked
                alias = result.detach()
                alias._output_of = node_cls.__name__  # names it in version errors
                record(node_cls, result, (input,)).save(input, alias, unchecked=(input,))
            else:
                record(node_cls, result, (input,), (input,))
        return write_out(out, result)
    op.__name__ = name or fn.__name__
    return op


# ---- linear algebra inputs ----------------------------------------------------------------

def check_matrix(fn, A, name="A", square=False):
    """A's array after PyTorch's checks of a linalg input (``fn`` as its messages name the
    op): at least 2 dims, square matrices when asked, float32 or float64."""
    data = A._data
    if data.ndim < 2:
        raise RuntimeError(f"{fn}: The input tensor {name} must have at least 2 dimensions.")
    if square and data.shape[-1] != data.shape[-2]:
        raise RuntimeError(f"{fn}: {name} must be batches of square matrices, but they are "
                           f"{data.shape[-2]} by {data.shape[-1]} matrices")
    if data.dtype.kind not in "fc":
        raise RuntimeError(f"{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype.legacy}")
    if data.dtype.itemsize < 4:
        raise RuntimeError(f"{fn}: Low precision dtypes not supported. Got {A.dtype.legacy}")
    return data


_warned = set()


def warn_once(message):
    """A UserWarning shown once per process, as PyTorch's TORCH_WARN_ONCE (deprecations)."""
    if message not in _warned:
        _warned.add(message)
        import warnings
        warnings.warn(message, UserWarning, stacklevel=3)


# ---- linear algebra helpers (factorizations and solvers share them) ----------------------

def lapack(name, array):
    """The LAPACK (or BLAS) routine ``name`` for the array's dtype (d... or s...)."""
    import scipy.linalg
    getter = scipy.linalg.get_blas_funcs if name in ("trsm",) else scipy.linalg.get_lapack_funcs
    return getter((name,), (array,))[0]


def each_matrix(fn, batch, *arrays):
    """fn on each matrix (or vector) of host arrays whose leading dims are ``batch``;
    its results (an array or a tuple of them) stacked back over the batch."""
    results = None
    for idx in np.ndindex(*batch):
        out = fn(*[a[idx] for a in arrays])
        out = out if isinstance(out, tuple) else (out,)
        if results is None:
            results = tuple(np.empty(batch + np.shape(o), dtype=np.asarray(o).dtype)
                            for o in out)
        for r, o in zip(results, out):
            r[idx] = o
    if results is None:  # an empty batch: shapes from one call on zeros
        probe = fn(*[np.zeros(a.shape[len(batch):], a.dtype) for a in arrays])
        probe = probe if isinstance(probe, tuple) else (probe,)
        results = tuple(np.empty(batch + np.shape(p), np.asarray(p).dtype) for p in probe)
    return results if len(results) > 1 else results[0]


def trsm(a, b, upper, left, unitriangular):
    """X with op(A) X = B (left) or X A = B: BLAS trsm, which (as PyTorch's) gives inf/nan
    for a zero on the diagonal instead of raising."""
    def one(a, b):
        routine = lapack("trsm", a)
        return routine(1.0, a, b, side=0 if left else 1, lower=0 if upper else 1,
                    diag=1 if unitriangular else 0)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    return each_matrix(one, batch, a, b).astype(a.dtype, copy=False)


def getrf(a):
    """One matrix: (LU, 1-based pivots, info) from LAPACK's getrf."""
    lu, piv, info = lapack("getrf", a)(a)
    return lu.astype(a.dtype, copy=False), (piv + 1).astype(np.int32), np.int32(max(info, 0))


def lu_permutation(xp, pivots, m, dtype):
    """The matrix P of A = P L U from LAPACK's 1-based row interchanges."""
    batch = pivots.shape[:-1]
    perm = xp.broadcast_to(xp.arange(m), batch + (m,)).copy()
    for i in range(pivots.shape[-1]):
        j = (pivots[..., i] - 1).astype(np.int64)[..., None]
        pi = perm[..., i:i + 1].copy()
        pj = xp.take_along_axis(perm, j, -1)
        perm[..., i:i + 1] = pj
        xp.put_along_axis(perm, j, pi, -1)
    P = xp.zeros(batch + (m, m), dtype)
    xp.put_along_axis(P, perm[..., None, :], 1, -2)  # P[perm[i], i] = 1
    return P


def unpack_lu(LU):
    """(L, U) tensors from a packed LU (engine ops: they carry the gradient)."""
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = LU[..., :, :k].tril(-1) + eye_like(LU, m, k)
    U = LU[..., :k, :].triu()
    return L, U


def eye_like(t, n, m=None):
    """A constant n x m identity in t's dtype and device."""
    return const(_backend.xp_of(t._data).eye(n, m, dtype=t._data.dtype), t)
