"""A PyTorch-compatible tensor library on NumPy (and CuPy for cuda tensors).

``import engine as torch`` runs PyTorch tutorial code unchanged.
"""
import builtins as _builtins

import numpy as _np

# PyTorch is silent about inf/nan produced by ops (exp(1000), log(0), 1/0); so is the engine.
_np.seterr(all="ignore")

from . import _allocator, _backend, _config  # noqa: E402

_allocator.keep_freed_memory()
_config.engine_threads()  # NumPy's BLAS on one thread from here on (_config says why)
from ._device import device  # noqa: E402
from ._dtype import (bool_ as bool, float16, float32, float64, int8, int16, int32,  # noqa
                     int64, uint8, dtype, get_default_dtype, set_default_dtype,
                     promote_types, can_cast, finfo, iinfo)
from ._size import Size  # noqa: E402
from .tensor import Tensor, is_tensor  # noqa: E402
from . import autograd  # noqa: E402
from .autograd import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: E402
                       set_grad_enabled)
from .random import (manual_seed, seed, initial_seed, get_rng_state,  # noqa: E402
                     set_rng_state, Generator, default_generator)
from .creation import *  # noqa: E402,F401,F403
from . import creation as _creation  # noqa: E402
from .ops import arith as _arith, convert as _convert, index as _index  # noqa: E402
from .ops import reduce as _reduce, shape as _shape, unary as _unary  # noqa: E402
from .ops import fills as _fills, gather_scatter as _gather_scatter, masked as _masked  # noqa
from .ops import sorting as _sorting  # noqa: E402
from .ops import einsum as _einsum, linalg as _linalg, matmul as _matmul  # noqa: E402
from . import linalg, return_types  # noqa: E402,F401  (torch.linalg, torch.return_types)
from . import fft, special  # noqa: E402,F401  (torch.fft, torch.special)

__version__ = "2.13.0"

half, float, double = float16, float32, float64
long, int, short = int64, int32, int16


def _install(module):
    """Export a module's ops as engine.<name> and bind them as Tensor methods.

    ``__all__`` lists ops that are both; ``NOT_FUNCTIONS`` are methods only, ``NOT_METHODS``
    functions only, ``METHODS`` more methods only.
    """
    not_functions = getattr(module, "NOT_FUNCTIONS", ())
    not_methods = getattr(module, "NOT_METHODS", ())
    for name in getattr(module, "__all__", ()):
        fn = getattr(module, name)
        if name not in not_functions:
            globals()[name] = fn
        if name not in not_methods:
            setattr(Tensor, name, fn)
    for name in getattr(module, "METHODS", ()):
        setattr(Tensor, name, getattr(module, name))
    for name, fn in getattr(module, "EXTRA_METHODS", {}).items():
        setattr(Tensor, name, fn)


for _m in (_arith, _unary, _reduce, _shape, _convert, _gather_scatter, _masked, _sorting,
           _fills, _matmul, _einsum, _linalg):
    _install(_m)
for _name, _fn in _creation.EXTRA_METHODS.items():  # new_zeros, new_ones, ...
    setattr(Tensor, _name, _fn)

# Inverse trig, hyperbolic and special functions: torch.X, Tensor.X, Tensor.X_, torch.X_.
from .ops import special as _special_ops, trig as _trig  # noqa: E402


def _install_with_inplace(module, torch_inplace):
    from .ops.inplace import make_inplace
    _install(module)
    for name in module.INPLACE:
        setattr(Tensor, name + "_", make_inplace(getattr(Tensor, name)))
    for name in torch_inplace:  # torch.acos_(t): the same as t.acos_()
        globals()[name + "_"] = getattr(Tensor, name + "_")


_install_with_inplace(_trig, _trig.INPLACE)
_install_with_inplace(_special_ops, ("erfc", "i0", "logit", "xlogy"))

# Factorizations and solvers under their torch.X / Tensor.X names (torch.linalg's: linalg.py).
from .ops import decomp as _decomp, solvers as _solvers  # noqa: E402
for _m in (_decomp, _solvers):
    globals().update(_m.TORCH_NAMES)
    for _name, _fn in _m.TENSOR_METHODS.items():
        setattr(Tensor, _name, _fn)


def _inplace_methods():
    from .ops.inplace import _fast_binary, _fast_div, _fast_mul, make_inplace
    fast = {"add": _fast_binary("add"), "sub": _fast_binary("subtract"), "mul": _fast_mul,
            "div": _fast_div}
    for name in ("add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs",
                 "sigmoid", "tanh", "relu", "erf", "reciprocal", "floor", "ceil", "round", "trunc",
                 "clamp", "clamp_min", "clamp_max", "remainder", "fmod", "floor_divide",
                 "sin", "cos", "sign", "rsqrt", "log1p", "expm1", "square", "masked_fill",
                 "index_fill", "scatter", "scatter_add", "index_put", "lerp", "addcmul",
                 "addcdiv", "t", "transpose", "squeeze", "unsqueeze", "frac", "index_add",
                 "index_copy", "atan2", "clip", "tril", "triu", "masked_scatter",
                 "nan_to_num"):
        fn = getattr(Tensor, name, None)
        if fn is not None and not hasattr(Tensor, name + "_"):
            setattr(Tensor, name + "_", make_inplace(fn, fast.get(name)))


def _tensor_dunders():
    a, idx = _arith, _index
    T = Tensor
    T.__add__ = T.__radd__ = lambda s, o: a.add(s, o)
    T.__sub__ = lambda s, o: a.sub(s, o)
    T.__rsub__ = lambda s, o: a.rsub(s, o)
    T.__mul__ = T.__rmul__ = lambda s, o: a.mul(s, o)
    T.__truediv__ = lambda s, o: a.div(s, o)
    T.__rtruediv__ = lambda s, o: a.rdiv(s, o)
    T.__floordiv__ = lambda s, o: a.floor_divide(s, o)
    T.__rfloordiv__ = lambda s, o: a.floor_divide(_creation.tensor(o, device=s.device), s)
    T.__mod__ = lambda s, o: a.remainder(s, o)
    T.__rmod__ = lambda s, o: a.remainder(_creation.tensor(o, device=s.device), s)
    T.__pow__ = lambda s, o: a.pow(s, o)
    T.__rpow__ = lambda s, o: a.pow(o, s)
    T.__neg__ = lambda s: a.neg(s)
    T.__pos__ = lambda s: s
    T.__abs__ = lambda s: _unary.abs(s)
    comparable = (Tensor, _builtins.int, _builtins.float, _builtins.bool, _np.number, _np.bool_)
    T.__eq__ = lambda s, o: a.eq(s, o) if isinstance(o, comparable) else NotImplemented
    T.__ne__ = lambda s, o: a.ne(s, o) if isinstance(o, comparable) else NotImplemented
    T.__lt__ = lambda s, o: a.lt(s, o)
    T.__le__ = lambda s, o: a.le(s, o)
    T.__gt__ = lambda s, o: a.gt(s, o)
    T.__ge__ = lambda s, o: a.ge(s, o)
    T.__and__ = T.__rand__ = lambda s, o: a.bitwise_and(s, o)
    T.__or__ = T.__ror__ = lambda s, o: a.bitwise_or(s, o)
    T.__xor__ = T.__rxor__ = lambda s, o: a.bitwise_xor(s, o)
    T.__invert__ = lambda s: a.bitwise_not(s)
    T.__getitem__ = idx.getitem
    T.__setitem__ = idx.setitem
    T.__iadd__ = lambda s, o: s.add_(o)
    T.__isub__ = lambda s, o: s.sub_(o)
    T.__imul__ = lambda s, o: s.mul_(o)
    T.__itruediv__ = lambda s, o: s.div_(o)
    T.T = property(_shape._T)
    T.mT = property(_shape._mT)
    T.index_put = idx.index_put
    T.rsub = a.rsub


_tensor_dunders()
_inplace_methods()

from ._tensor_str import set_printoptions, get_printoptions  # noqa: E402,F401
from . import cuda  # noqa: E402,F401
from . import nn  # noqa: E402,F401
from .nn import _torch_functions as _nn_functions  # noqa: E402  (torch.conv2d, torch.embedding...)
_install(_nn_functions)
from .serialization import save, load  # noqa: E402,F401
from . import optim, utils  # noqa: E402,F401
from .utils import data as _utils_data  # noqa: E402,F401  (torch.utils.data, as in PyTorch)
from . import distributions  # noqa: E402,F401  (torch.distributions)


# ---- device and backend probing, legacy constructors, process-wide switches ------------------
from ._device import get_default_device, set_default_device  # noqa: E402,F401
from ._layout import (layout, memory_format, strided, contiguous_format,  # noqa: E402,F401
                      channels_last, channels_last_3d, preserve_format)
from ._config import (use_deterministic_algorithms,  # noqa: E402,F401
                      are_deterministic_algorithms_enabled,
                      is_deterministic_algorithms_warn_only_enabled,
                      set_deterministic_debug_mode, get_deterministic_debug_mode,
                      get_num_threads, set_num_threads, get_num_interop_threads,
                      set_num_interop_threads, init_num_threads, set_float32_matmul_precision,
                      get_float32_matmul_precision, set_flush_denormal, set_warn_always,
                      is_warn_always_enabled, compile, get_device_module,
                      thread_safe_generator)
from .autograd.grad_mode import is_inference_mode_enabled  # noqa: E402,F401
from .autograd.anomaly_mode import (is_anomaly_enabled,  # noqa: E402,F401
                                    is_anomaly_check_nan_enabled, set_anomaly_enabled)
from ._legacy import tensortype, CPU_TYPES as _LEGACY_TYPES  # noqa: E402,F401
from . import accelerator, backends, cpu, distributed, onnx, version  # noqa: E402,F401

globals().update(_LEGACY_TYPES)  # torch.FloatTensor, torch.LongTensor, ...

# ---- more ops: elementwise, statistics, ..., and the in-place variants PyTorch has ------------
from .ops import pointwise as _pointwise, stats as _stats, strided as _strided  # noqa: E402
from .ops import build as _build, inplace as _inplace  # noqa: E402
from ._windows import (hann_window, hamming_window, blackman_window,  # noqa: E402,F401
                       bartlett_window, kaiser_window)
from ._legacy import typename, is_storage  # noqa: E402,F401
from ._vmap import vmap  # noqa: E402,F401

for _m in (_pointwise, _stats, _strided, _build):
    _install(_m)
_inplace.install_more(Tensor, globals())


def _more_dunders():
    """x << n, x >> n (and reflected), and the augmented assignments PyTorch does in place."""
    T, shift = Tensor, _pointwise
    T.__lshift__ = lambda s, o: shift.bitwise_left_shift(s, o)
    T.__rshift__ = lambda s, o: shift.bitwise_right_shift(s, o)
    T.__rlshift__ = lambda s, o: shift.bitwise_left_shift(o, s)
    T.__rrshift__ = lambda s, o: shift.bitwise_right_shift(o, s)
    for dunder, method in (("__ilshift__", "bitwise_left_shift_"),
                           ("__irshift__", "bitwise_right_shift_"), ("__iand__", "bitwise_and_"),
                           ("__ior__", "bitwise_or_"), ("__ixor__", "bitwise_xor_"),
                           ("__imod__", "remainder_"), ("__ifloordiv__", "floor_divide_"),
                           ("__ipow__", "pow_")):
        setattr(T, dunder, lambda s, o, _m=method: getattr(s, _m)(o))


_more_dunders()


def _install_missing_name_hooks():
    """A PyTorch name the engine lacks says so (engine/_missing.py), in every namespace
    user code reaches as torch.*; Tensor attributes too."""
    import sys
    from . import _missing
    for name in ("", ".nn", ".nn.functional", ".nn.init", ".linalg", ".optim",
                 ".optim.lr_scheduler", ".utils.data", ".autograd", ".cuda", ".special",
                 ".fft", ".distributions"):
        _missing.install(sys.modules["engine" + name], "torch" + name)
    Tensor.__getattr__ = _missing.tensor_getattr


_install_missing_name_hooks()
