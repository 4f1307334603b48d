"""In-place variants (add_, mul_, clamp_, ...) built from the out-of-place ops.

Without a graph to record they write straight into the storage. When autograd is recording,
the op runs out of place on a snapshot of the old value (so what its backward saves is the
value before the write, as PyTorch keeps it), the result is copied into the storage, the
version counter moves on (catching saved tensors that went stale), and the tensor's history
is rebased onto the new node.
"""
from .._backend import xp_of
from ._base import Tensor, _grad_state, check_inplace, set_history, snapshot, write_result


def _recording(t, args):
    if not _grad_state[0]:
        return False
    if t._rg:
        return True
    return any(isinstance(a, Tensor) and a._rg for a in args)


def make_inplace(fn, fast=None):
    """The ``name_`` method for out-of-place ``fn``; ``fast(data, *args)`` writes in place."""
    def method(self, *args, **kwargs):
        check_inplace(self)
        if _recording(self, args):
            result = fn(snapshot(self), *args, **kwargs)
            write_result(self, result)
            if result.grad_fn is not None:  # relu_, sigmoid_, exp_...: save self, as written
                result.grad_fn.resave_output(result, self)
            return self
        if fast is not None and self._data.flags.writeable:
            if fast(self._data, *args, **kwargs):
                self._bump_version()
                return self
        from ..autograd import grad_mode
        with grad_mode.no_grad():
            result = fn(self, *args, **kwargs)
        return write_result(self, result)
    method.__name__ = fn.__name__ + "_"
    return method


def _fast_binary(ufunc_name):
    """In-place ufunc on the storage when the operand needs no casting; else decline."""
    def fast(data, other, alpha=1):
        if isinstance(other, Tensor):
            other = other._data
            if other.dtype != data.dtype and not (data.dtype.kind == "f" and
                                                  other.dtype.kind in "biuf"):
                return False
        elif isinstance(other, float) and data.dtype.kind != "f":
            return False
        elif not isinstance(other, (int, float)):
            return False
        if alpha != 1:
            other = other * alpha
        getattr(xp_of(data), ufunc_name)(data, other, out=data)
        return True
    return fast


def _fast_div(data, other, rounding_mode=None):
    if rounding_mode is not None or data.dtype.kind != "f":
        return False
    return _fast_binary("true_divide")(data, other)


def _fast_mul(data, other):
    return _fast_binary("multiply")(data, other)


def make_inplace_view(fn):
    """The ``name_`` method of a view op (t_, transpose_, squeeze_, ...): the tensor itself
    becomes the view, over the same storage, its history moved onto the view's node."""
    def method(self, *args, **kwargs):
        check_inplace(self)
        result = fn(self, *args, **kwargs)
        self._data = result._data
        if result.grad_fn is not None:
            set_history(self, result.grad_fn, result._output_nr)
        return self
    method.__name__ = fn.__name__ + "_"
    return method


# The rest of PyTorch's in-place variants (engine/__init__.py makes the first ones): each made
# from its out-of-place op, unless an op module wrote it already.
MORE_INPLACE = (
    "absolute", "addbmm", "addmm", "addmv", "addr", "baddbmm", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "cumprod",
    "cumsum", "divide", "multiply", "subtract", "true_divide", "negative", "eq", "ne", "lt",
    "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "exp2", "fix", "gcd", "lcm",
    "heaviside", "hypot", "copysign", "ldexp", "log10", "log2", "nextafter", "renorm", "sgn",
    "tan", "deg2rad", "rad2deg", "scatter_reduce", "arctan2", "index_reduce", "put")
REMADE = ("index_put",)  # engine/__init__.py made these from an older op: made again
VIEW_INPLACE = ("t", "transpose", "squeeze", "unsqueeze", "swapaxes", "swapdims", "as_strided")
# torch.<name> functions that are the in-place methods (torch.abs_(x) is x.abs_()).
TOP_LEVEL = (
    "abs_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "erf_", "exp_",
    "expm1_", "fix_", "floor_", "frac_", "log10_", "log1p_", "log2_", "log_", "nan_to_num_",
    "neg_", "negative_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_",
    "sqrt_", "square_", "tan_", "tanh_", "trunc_", "zero_", "fill_", "deg2rad_", "rad2deg_",
    "exp2_", "gcd_", "lcm_", "ldexp_", "conj_physical_", "detach_", "index_put_",
    "as_strided_", "addmv_", "resize_as_")


def install_more(tensor_cls, namespace):
    for name in MORE_INPLACE + REMADE:
        fn = getattr(tensor_cls, name, None)
        if fn is not None and (name in REMADE or not hasattr(tensor_cls, name + "_")):
            setattr(tensor_cls, name + "_", make_inplace(fn))
    for name in VIEW_INPLACE:
        fn = getattr(tensor_cls, name, None)
        if fn is not None:
            setattr(tensor_cls, name + "_", make_inplace_view(fn))
    for name in TOP_LEVEL:
        if name not in namespace and hasattr(tensor_cls, name):
            namespace[name] = getattr(tensor_cls, name)
