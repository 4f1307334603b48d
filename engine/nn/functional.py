"""engine.nn.functional: PyTorch's functional API (``import torch.nn.functional as F``).

Argument parsing and checks live here; the ops themselves are in the private modules beside
this one (_conv, _pool, _activation, _loss, _norm, _misc).
"""
import warnings

import numpy as _np

from ..ops import unary as _unary
from ..ops._base import Tensor
from . import (_attention, _conv, _convnd, _ctc, _distance, _dropout_variants,  # noqa
               _embedding_bag, _grid, _loss as _loss_mod, _margin, _pool, _poolnd,
               _rearrange)
from ..ops.reduce import log_softmax as _log_softmax, softmax as _softmax
from . import _activation as _act
from ._activation import (elu as _elu, gelu, hardtanh as _hardtanh,  # noqa: F401
                          leaky_relu as _leaky_relu, silu as _silu, softplus)
from ..ops.matmul import addmm as _addmm, mm as _mm
from ._loss import (binary_cross_entropy as _bce, binary_cross_entropy_with_logits as _bcel,
                    check_reduction, cross_entropy as _cross_entropy, huber_loss as _huber,
                    l1_loss as _l1, legacy_reduction, mse_loss as _mse, nll_loss as _nll,
                    smooth_l1_loss as _smooth_l1)
from ._misc import dropout as _dropout, embedding as _embedding, one_hot, pad
from ._norm import batch_norm as _batch_norm, layer_norm  # noqa: F401
from . import _norm as _norm_mod


def _ntuple(value, n, name="value"):
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return tuple(int(value[0]) for _ in range(n))
        if len(value) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                               f"values to match the convolution dimensions, but got "
                               f"{name}={list(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


# ---- linear --------------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """input @ weight.T + bias: AddmmBackward0 for 2-D input with bias, as PyTorch records."""
    if input.dim() == 2:
        if bias is None:
            return _mm(input, weight.t())
        return _addmm(bias, input, weight.t())
    if input.dim() == 0 or weight.dim() != 2:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.dim()}D and {weight.dim()}D")
    lead = tuple(input.shape[:-1])
    flat = input.reshape(-1, input.shape[-1])
    out = _mm(flat, weight.t()) if bias is None else _addmm(bias, flat, weight.t())
    return out.view(lead + (weight.shape[0],))


def bilinear(input1, input2, weight, bias=None):
    out = (input1.unsqueeze(-2).unsqueeze(-2) @ weight @ input2.unsqueeze(-2).unsqueeze(-1))
    out = out.squeeze(-1).squeeze(-1)
    return out if bias is None else out + bias


# ---- convolution ---------------------------------------------------------------------------

def _conv_geometry(input, weight, stride, padding, dilation, groups, dims, name):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{name}(): argument 'input' and 'weight' must be Tensors")
    if input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input "
                           f"to {name}, but got input of size: {list(input.shape)}")
    stride = _ntuple(stride, dims, "stride")
    dilation = _ntuple(dilation, dims, "dilation")
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * dims
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            pads = tuple((d * (kk - 1) // 2, d * (kk - 1) - d * (kk - 1) // 2)
                         for d, kk in zip(dilation, k))
        else:
            raise ValueError(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in _ntuple(padding, dims, "padding"))
    if dims == 1:
        return _conv.Geometry((1,) + stride, ((0, 0),) + pads, (1,) + dilation, groups, True)
    if dims == 3:
        return _convnd.GeometryNd(stride, pads, dilation, groups)
    return _conv.Geometry(stride, pads, dilation, groups)


def _check_conv(input, weight, geo, dims, transposed=False, bias=None):
    if bias is not None:
        out_channels = weight.shape[1] * geo.groups if transposed else weight.shape[0]
        if bias.dim() != 1 or bias.shape[0] != out_channels:
            raise RuntimeError(f"Given {'transposed=1, ' if transposed else ''}weight of size "
                               f"{list(weight.shape)}, expected bias to be "
                               f"1-dimensional with {out_channels} elements, but got bias of "
                               f"size {list(bias.shape)} instead")
    x_shape = tuple(input.shape) if input.dim() == dims + 2 else (1,) + tuple(input.shape)
    w_shape = tuple(weight.shape)
    groups = geo.groups
    channels = w_shape[0] if transposed else w_shape[1] * groups
    if x_shape[1] != channels:
        if transposed:
            raise RuntimeError(f"Given transposed=1, weight of size {list(w_shape)}, expected "
                               f"input{list(x_shape)} to have {channels} channels, but got "
                               f"{x_shape[1]} channels instead")
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w_shape)}, expected "
                           f"input{list(x_shape)} to have {channels} channels, but got "
                           f"{x_shape[1]} channels instead")
    if not transposed:
        pads = geo.pad[-dims:]
        padded = tuple(n + p0 + p1 for n, (p0, p1) in zip(x_shape[2:], pads))
        eff = tuple(d * (k - 1) + 1 for d, k in zip(geo.dilation[-dims:], w_shape[2:]))
        if any(p < e for p, e in zip(padded, eff)):
            raise RuntimeError(f"Calculated padded input size per channel: "
                               f"({' x '.join(map(str, padded))}). Kernel size: "
                               f"({' x '.join(map(str, eff))}). Kernel size can't be greater "
                               "than actual input size")
    if not transposed and bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({_cpp_name(input)}) and bias type ({_cpp_name(bias)}) "
                           "should be the same")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.legacy} but found "
                           f"{weight.dtype.legacy}")
    return input.dim() == dims + 2


def _cpp_name(t):
    return {"Float": "float", "Double": "double", "Half": "c10::Half"}.get(t.dtype.legacy,
                                                                         t.dtype.legacy)


def _batched(fn, input, batched):
    """Run fn on a batch of one when the input came without a batch dimension."""
    if batched:
        return fn(input)
    return fn(input.unsqueeze(0)).squeeze(0)


# Checked geometries by call signature: a training loop calls each layer with the same shapes,
# so the argument checks and the Geometry run once per layer, not once per step.
_GEOMETRY_CACHE = {}


def _key(value):
    return tuple(value) if isinstance(value, list) else value


def _cached(key, build):
    hit = _GEOMETRY_CACHE.get(key)
    if hit is None:
        hit = build()
        if len(_GEOMETRY_CACHE) > 1024:
            _GEOMETRY_CACHE.clear()
        _GEOMETRY_CACHE[key] = hit
    return hit


def _conv_nd(input, weight, bias, stride, padding, dilation, groups, dims, name):
    key = (name, input._data.shape, weight._data.shape, _key(stride), _key(padding),
           _key(dilation), groups, None if bias is None else bias._data.shape,
           input._data.dtype, weight._data.dtype)
    geo, batched = _cached(key, lambda: _conv_setup(input, weight, bias, stride, padding,
                                                     dilation, groups, dims, name))
    if batched:
        return _conv.convolution(input, weight, bias, geo)
    return _conv.convolution(input.unsqueeze(0), weight, bias, geo).squeeze(0)


def _conv_setup(input, weight, bias, stride, padding, dilation, groups, dims, name):
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"[{', '.join(map(str, weight.shape))}] instead")
    geo = _conv_geometry(input, weight, stride, padding, dilation, groups, dims, name)
    return geo, _check_conv(input, weight, geo, dims, bias=bias)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                       dilation, dims, name):
    if isinstance(padding, str):
        raise RuntimeError(f"{name}() received an invalid combination of arguments: padding "
                           "must be an int or a tuple of ints")
    geo = _conv_geometry(input, weight, stride, padding, dilation, groups, dims, name)
    batched = _check_conv(input, weight, geo, dims, transposed=True, bias=bias)
    out_pad = _ntuple(output_padding, dims, "output_padding")
    s, d = geo.stride[-dims:], geo.dilation[-dims:]
    for op, st, dl in zip(out_pad, s, d):
        if op >= st and op >= dl:
            raise RuntimeError("output padding must be smaller than either stride or dilation,"
                               f" but got output_padding: {out_pad}, stride: {s}, "
                               f"dilation: {d}")
    k = tuple(weight.shape[2:])
    p = tuple(p0 for p0, _ in geo.pad[-dims:])

    def run(x):
        spatial = tuple((n - 1) * st - 2 * pp + dl * (kk - 1) + o + 1 for n, st, pp, dl, kk, o
                        in zip(x.shape[2:], s, p, d, k, out_pad))
        out_shape = (x.shape[0], weight.shape[1] * groups) + spatial
        return _conv.conv_input_grad(x, weight, out_shape, geo, b=bias,
                                     node_cls=_conv.TransposedConvolutionBackward0)
    return _batched(run, input, batched)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 2, "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 3, "conv_transpose3d")


def conv_tbc(input, weight, bias, pad=0):
    """Time-batch-channel convolution: input (T, N, C), weight (k, C, O), bias (O)."""
    x = input.permute(1, 2, 0)
    y = conv1d(x, weight.permute(2, 1, 0), bias, padding=pad)
    return _distance.renamed(y.permute(2, 0, 1), "ConvTbcBackward0")


# ---- pooling -------------------------------------------------------------------------------

def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, dims, name):
    if input.dim() not in (dims + 1, dims + 2):
        raise _pool_rank_error(name, input)
    k = _ntuple(kernel_size, dims, "kernel_size")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _ntuple(stride, dims, "stride")
    p = _ntuple(padding, dims, "padding")
    d = _ntuple(dilation, dims, "dilation")
    in_hw = tuple(input.shape[-dims:])
    if dims == 1:
        k, s, p, d, in_hw = (1,) + k, (1,) + s, (0,) + p, (1,) + d, (1,) + in_hw
    return _pool.PoolGeometry(in_hw, k, s, p, d, ceil_mode, input.shape[-dims - 1])


def _pool_rank_error(name, input):
    """PyTorch's error for a pooling input of the wrong rank: each op words it its own way."""
    shape, rank = list(input.shape), input.dim()
    if name in ("avg_pool1d", "adaptive_avg_pool1d"):
        return RuntimeError(f"Expected 2 to 3 dimensions, but got {rank}-dimensional tensor for "
                            f"argument #1 'self' (while checking arguments for {name})")
    if name == "max_pool1d":
        return RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                            f"dim batch size for input, but got:{shape}")
    if name == "max_pool2d":
        return RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if rank < 3:  # avg_pool2d reads the size of dim -3 before it checks the rank
        return IndexError(f"Dimension out of range (expected to be in range of [{-rank}, "
                          f"{rank - 1}], but got -3)")
    return RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                        f"for input, but got:{shape}")


def _pool_nd(fn, input, dims):
    """Pooling ops take (N, C, *) arrays: give unbatched input a batch of one."""
    if input.dim() == dims + 2:
        return fn(input)
    return fn(input.unsqueeze(0)).squeeze(0)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    key = ("max_pool2d", input._data.shape, _key(kernel_size), _key(stride), _key(padding),
           _key(dilation), ceil_mode)
    geo = _cached(key, lambda: _pool_geometry(input, kernel_size, stride, padding, dilation,
                                              ceil_mode, 2, "max_pool2d"))
    if return_indices:
        return _max_pool_with_indices(input, geo, 2)
    return _pool_nd(lambda x: _pool.max_pool(x, geo)[0], input, 2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    geo = _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, 1,
                         "max_pool1d")
    if return_indices:
        out, idx = _max_pool_with_indices(input.unsqueeze(-2), geo, 2)
        return out.squeeze(-2), idx.squeeze(-2)
    return _pool1d(lambda x: _pool.max_pool(x, geo)[0], input)


def _pool1d(op, input):
    """PyTorch pools 1-d input as 2-d input one row high and squeezes the row away (so its
    result is a SqueezeBackward1)."""
    return _pool_nd(op, input.unsqueeze(-2), 2).squeeze(-2)


def _max_pool_with_indices(input, geo, dims):
    batched = input.dim() == dims + 2
    x = input if batched else input.unsqueeze(0)
    out, arg = _pool.max_pool(x, geo)
    from ..ops._base import wrap
    idx = wrap(_pool.flat_indices(arg, geo).reshape(out._data.shape), out)
    if not batched:
        return out.squeeze(0), idx.squeeze(0)
    return out, idx


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    geo = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, 2, "avg_pool2d")
    return _pool_nd(lambda x: _pool.avg_pool(x, geo, count_include_pad, divisor_override),
                    input, 2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    geo = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, 1, "avg_pool1d")
    return _pool1d(lambda x: _pool.avg_pool(x, geo, count_include_pad, None), input)


def adaptive_avg_pool2d(input, output_size):
    if input.dim() not in (3, 4):
        raise RuntimeError("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    h, w = input.shape[-2:]
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    out = (h if oh is None else int(oh), w if ow is None else int(ow))
    if out == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    return _pool.adaptive_avg_pool(input, out)


def adaptive_avg_pool1d(input, output_size):
    if input.dim() not in (2, 3):
        raise _pool_rank_error("adaptive_avg_pool1d", input)
    o = _ntuple(output_size, 1, "output_size")[0]
    return _pool.adaptive_avg_pool(input.unsqueeze(-2), (1, o)).squeeze(-2)


_UPSAMPLE_NODES = {}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the last dims: 'nearest' (3-D to 5-D), 'linear' (3-D), 'bilinear' (4-D) or
    'trilinear' (5-D) input."""
    dims = input.dim() - 2
    modes = {"nearest": (1, 2, 3), "linear": (1,), "bilinear": (2,), "trilinear": (3,)}
    if dims not in (1, 2, 3):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.dim()}D) for the modes: nearest | linear | "
                                  "bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    if mode not in modes:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported by this "
                                  "engine (nearest, linear, bilinear, trilinear are)")
    if dims not in modes[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{modes[mode][-1] + 2}D input")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    in_sizes = tuple(input.shape[2:])
    if size is not None:
        out = _ntuple(size, dims, "size")
        scales = [n / o for n, o in zip(in_sizes, out)]
    else:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else \
            (scale_factor,) * dims
        out = tuple(int(n * f) for n, f in zip(in_sizes, factors))
        scales = [n / o if recompute_scale_factor else 1.0 / f
                  for n, o, f in zip(in_sizes, out, factors)]
    kind = "nearest" if mode == "nearest" else "linear"
    mats = [_pool.interpolation_matrix(n, o, kind, bool(align_corners), sc)
            for n, o, sc in zip(in_sizes, out, scales)]
    name = ("UpsampleNearest" if kind == "nearest" else {1: "UpsampleLinear", 2:
            "UpsampleBilinear", 3: "UpsampleTrilinear"}[dims]) + f"{dims}DBackward0"
    if name not in _UPSAMPLE_NODES:
        from ..ops._base import linear_node
        _UPSAMPLE_NODES[name] = linear_node(name)[0]
    if dims == 3:
        return _pool.separable_map_3d(input, mats, _UPSAMPLE_NODES[name])
    if dims == 1:  # (N, C, L): channels pass through an identity
        import numpy as np
        return _pool.separable_map(input, np.eye(input.shape[1]), mats[0],
                                   _UPSAMPLE_NODES[name])
    return _pool.separable_map(input, mats[0], mats[1], _UPSAMPLE_NODES[name])


# ---- activations ---------------------------------------------------------------------------

def relu(input, inplace=False):
    return input.relu_() if inplace else _unary.relu(input)


def relu_(input):
    return input.relu_()


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


# In-place activations save what PyTorch's save: leaky_relu_, elu_, selu_, celu_, rrelu_
# (and relu_) their result, the others the input from before the write (_maybe_inplace).

def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _leaky_relu(input, negative_slope, inplace)


def elu(input, alpha=1.0, inplace=False):
    return _elu(input, alpha, inplace)


def silu(input, inplace=False):
    return _maybe_inplace(_silu, input, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _maybe_inplace(_hardtanh, input, inplace, min_val, max_val)


def sigmoid(input):
    return _unary.sigmoid(input)


def tanh(input):
    return _unary.tanh(input)


def logsigmoid(input):
    return _act.logsigmoid(input)


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.dim())
    return _softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    return _softmax(-input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim())
    return _log_softmax(input, dim, dtype)


# ---- more activations --------------------------------------------------------------------
# New in-place forms run on a snapshot of the input (engine/ops/inplace.py): the backward
# keeps the value from before the write, so later in-place use of the input is safe.

def _maybe_inplace(op, input, inplace, *args):
    if not inplace:
        return op(input, *args)
    from ..ops.inplace import make_inplace
    return make_inplace(op)(input, *args)


def celu(input, alpha=1.0, inplace=False):
    return _act.celu(input, alpha, inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def selu(input, inplace=False):
    return _act.selu(input, inplace)


def selu_(input):
    return selu(input, True)


def glu(input, dim=-1):
    return _act.glu(input, dim)


def hardshrink(input, lambd=0.5):
    return _act.hardshrink(input, lambd)


def softshrink(input, lambd=0.5):
    return _act.softshrink(input, lambd)


def hardsigmoid(input, inplace=False):
    return _maybe_inplace(_act.hardsigmoid, input, inplace)


def hardswish(input, inplace=False):
    return _maybe_inplace(_act.hardswish, input, inplace)


def mish(input, inplace=False):
    return _maybe_inplace(_act.mish, input, inplace)


def prelu(input, weight):
    return _act.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    return _act.rrelu(input, lower, upper, training, inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def threshold(input, threshold, value, inplace=False):
    if inplace:
        return threshold_(input, threshold, value)
    return _act.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    return _maybe_inplace(_act.threshold, input, True, threshold, value,
                          _act.ThresholdBackward1)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


# ---- dropout, normalisation, embedding -----------------------------------------------------

def dropout(input, p=0.5, training=True, inplace=False):
    return _dropout(input, p, training, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _dropout_variants.dropout1d(input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    return _dropout_variants.dropout2d(input, p, training, inplace)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    return _embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq,
                      sparse)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    norm = (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p)
    floor = (norm < eps) * (eps - norm)
    return input / (norm + floor)


# ---- losses --------------------------------------------------------------------------------

def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = legacy_reduction(size_average, reduce, reduction)
    if weight is not None:
        check_reduction(reduction)
        loss = (input - target) ** 2 * weight
        return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" \
            else loss
    return _mse(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _l1(input, target, legacy_reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",
                   beta=1.0):
    return _smooth_l1(input, target, legacy_reduction(size_average, reduce, reduction), beta)


def huber_loss(input, target, reduction="mean", delta=1.0):
    return _huber(input, target, reduction, delta)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    return _nll(input, target, weight, ignore_index,
                legacy_reduction(size_average, reduce, reduction))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    return _cross_entropy(input, target, weight, ignore_index,
                          legacy_reduction(size_average, reduce, reduction), label_smoothing)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    return _bce(input, target, weight, legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    return _bcel(input, target, weight, legacy_reduction(size_average, reduce, reduction),
                 pos_weight)


# ---- more losses ---------------------------------------------------------------------------

def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    return _loss_mod.kl_div(input, target, reduction, log_target)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    return _loss_mod.poisson_nll_loss(input, target, log_input, full, eps,
                                      legacy_reduction(size_average, reduce, reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    return _loss_mod.gaussian_nll_loss(input, target, var, full, eps, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    return _margin.margin_ranking_loss(input1, input2, target, margin,
                                       legacy_reduction(size_average, reduce, reduction))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    return _margin.hinge_embedding_loss(input, target, margin,
                                        legacy_reduction(size_average, reduce, reduction))


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    return _margin.cosine_embedding_loss(input1, input2, target, margin,
                                         legacy_reduction(size_average, reduce, reduction))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _margin.soft_margin_loss(input, target,
                                    legacy_reduction(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    return _margin.multilabel_soft_margin_loss(
        input, target, weight, legacy_reduction(size_average, reduce, reduction))


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _margin.multilabel_margin_loss(input, target,
                                          legacy_reduction(size_average, reduce, reduction))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    return _margin.multi_margin_loss(input, target, p, margin, weight,
                                     legacy_reduction(size_average, reduce, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    return _margin.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                       legacy_reduction(size_average, reduce, reduction))


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    return _margin.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                     distance_function, margin, swap,
                                                     reduction)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    return _ctc.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                         zero_infinity)


# ---- distances -----------------------------------------------------------------------------

def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return _distance.pairwise_distance(x1, x2, p, eps, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    return _distance.cosine_similarity(x1, x2, dim, eps)


def pdist(input, p=2):
    return _distance.pdist(input, p)


# ---- rearrangements ------------------------------------------------------------------------

def pixel_shuffle(input, upscale_factor):
    return _rearrange.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    return _rearrange.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    return _rearrange.channel_shuffle(input, groups)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    return _rearrange.unfold(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return _rearrange.fold(input, output_size, kernel_size, dilation, padding, stride)


# ---- more pooling: 3-d, adaptive max, LP, unpooling, fractional ------------------------------

def _pool3d(input, kernel_size, stride, padding, dilation, ceil_mode):
    if input.dim() not in (4, 5) or input.numel() == 0:
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    k = _ntuple(kernel_size, 3, "kernel_size")
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _ntuple(stride, 3, "stride")
    geo = _poolnd.PoolGeometryNd(tuple(input.shape[-3:]), k, s, _ntuple(padding, 3, "padding"),
                                 _ntuple(dilation, 3, "dilation"), ceil_mode,
                                 input.shape[-4])
    return geo


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    geo = _pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _poolnd.max_pool3d(input, geo)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    out, idx = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation,
                                       ceil_mode)
    return (out, idx) if return_indices else out


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    geo = _pool3d(input, kernel_size, stride, padding, 1, ceil_mode)
    return _poolnd.avg_pool3d(input, geo, count_include_pad, divisor_override)


def _output_size(output_size, dims, input):
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * dims
    if len(sizes) == 1 and dims > 1:
        sizes = tuple(sizes) * dims
    return tuple(n if o is None else int(o) for n, o in zip(input.shape[-dims:], sizes))


def adaptive_avg_pool3d(input, output_size):
    if input.dim() not in (4, 5):
        raise RuntimeError("adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got "
                           f"{list(input.shape)}")
    out = _output_size(output_size, 3, input)
    if out == (1, 1, 1):
        return input.mean((-3, -2, -1), keepdim=True)
    return _poolnd.adaptive_avg_pool3d(input, out)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "adaptive_max_pool1d)")
    out, idx = adaptive_max_pool2d_with_indices(input.unsqueeze(-2),
                                                (1,) + _ntuple(output_size, 1, "output_size"))
    return out.squeeze(-2), idx.squeeze(-2)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, 2)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, 3)


def _adaptive_max(input, output_size, dims):
    if input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"adaptive_max_pool{dims}d(): Expected {dims + 1}D or {dims + 2}D "
                           f"tensor, but got: {list(input.shape)}")
    return _poolnd.adaptive_max_pool(input, _output_size(output_size, dims, input), dims)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    out = adaptive_max_pool1d_with_indices(input, output_size)
    return out if return_indices else out[0]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    out = adaptive_max_pool2d_with_indices(input, output_size)
    return out if return_indices else out[0]


def adaptive_max_pool3d(input, output_size, return_indices=False):
    out = adaptive_max_pool3d_with_indices(input, output_size)
    return out if return_indices else out[0]


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, dims):
    """PyTorch's composition: (sum of |x|^p over each window) ^ (1/p), via average pooling."""
    max_pool = (max_pool1d, max_pool2d, max_pool3d)[dims - 1]
    avg_pool = (avg_pool1d, avg_pool2d, avg_pool3d)[dims - 1]
    if norm_type == float("inf"):
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    k = _ntuple(kernel_size, dims, "kernel_size")
    out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    count = 1
    for n in k:
        count *= n
    return (out.sign() * relu(out.abs())).mul(count).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)


def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    n = len(kernel_size)
    default = [(input.shape[-n + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(n)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == n + 2:
        output_size = output_size[2:]
    if len(output_size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for d in range(n):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be '
                             f"between {low} and {high})")
    return output_size


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, dims):
    k = _ntuple(kernel_size, dims, "kernel_size")
    s = k if stride is None else _ntuple(stride, dims, "stride")
    p = _ntuple(padding, dims, "padding")
    out = _unpool_output_size(input, k, s, p, output_size)
    if dims == 1:
        return _max_unpool_nd(input.unsqueeze(-1), indices.unsqueeze(-1), out + [1],
                              2).squeeze(-1)
    return _max_unpool_nd(input, indices, out, dims)


def _max_unpool_nd(input, indices, out, dims):
    if input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"Input to max_unpooling{dims}d should be a {dims + 1}d or "
                           f"{dims + 2}d Tensor, but got a tensor with {input.dim()} "
                           "dimensions.")
    if indices.dtype.name != "int64":
        raise RuntimeError("elements in indices should be type int64 but got: "
                           f"{indices.dtype.legacy}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    plane = 1
    for n in out:
        plane *= n
    idx = indices._data
    if idx.size and (idx.min() < 0 or idx.max() >= plane):
        bad = idx[(idx < 0) | (idx >= plane)].reshape(-1)[0]
        raise RuntimeError(f"Found an invalid max index: {int(bad)} (output volumes are of size "
                           f"{'x'.join(map(str, out))})")
    return _poolnd.scatter_op(input, idx, out, _poolnd.node(f"MaxUnpool{dims}DBackward0"))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


def _fractional(input, kernel_size, output_size, output_ratio, _random_samples, dims):
    name = f"fractional_max_pool{dims}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an "
                         "output_ratio")
    if input.dim() < dims + 1:
        d = input.dim()
        raise IndexError(f"Dimension out of range (expected to be in range of [{-d}, {d - 1}], "
                         f"but got {-dims - 1})")
    if dims == 2 and input.dim() > 4:
        raise RuntimeError(f"{name}(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    if output_size is None:
        if dims == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single "
                             "Int or tuple of Ints.")
        ratio = _ntuple_float(output_ratio, dims)
        output_size = [int(input.shape[-dims + d] * ratio[d]) for d in range(dims)]
    k = _ntuple(kernel_size, dims, "kernel_size")
    out = _ntuple(output_size, dims, "output_size")
    for d, what in zip(range(dims), ("height", "width") if dims == 2 else
                       ("time", "height", "width")):
        size = input.shape[-dims + d]
        if out[d] + k[d] - 1 > size:
            raise RuntimeError(f"{name}(): pool {what} {k[d]} too large relative to input "
                               f"{what} {size}")
    batched = input.dim() == dims + 2
    n_batch = input.shape[0] if batched else 1
    if _random_samples is None:
        from ..random import default_generator
        samples = default_generator.numpy.random((n_batch, input.shape[-dims - 1], dims))
    else:
        if _random_samples.dtype != input.dtype:
            raise RuntimeError("Expect _random_samples to have the same dtype as input")
        if _random_samples.shape[0] < n_batch:
            raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
        samples = _random_samples._data[:n_batch]
    return _poolnd.fractional_max_pool(input, k, out, samples, dims)


def _ntuple_float(value, n):
    return tuple(float(v) for v in value) if isinstance(value, (tuple, list)) else \
        (float(value),) * n


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    out = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return out if return_indices else out[0]


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    out = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return out if return_indices else out[0]


# ---- more normalisation --------------------------------------------------------------------

def _verify_spatial_size(size):
    count = 1
    for n in size[2:]:
        count *= n
    if count == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{size}")


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    if use_input_stats:
        _verify_spatial_size(input.shape)
    return _norm_mod.instance_norm(input, running_mean, running_var, weight, bias,
                                   use_input_stats, momentum, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    size = [input.shape[0] * input.shape[1] // num_groups, num_groups] + list(input.shape[2:])
    count = size[0]
    for n in size[2:]:
        count *= n
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{size}")
    return _norm_mod.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    if tuple(input.shape[input.dim() - len(shape):]) != shape or len(shape) > input.dim():
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)}")
    if eps is None:
        from .._dtype import finfo
        eps = finfo(input.dtype).eps
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    out = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.dim()
    if dim < 3:
        raise ValueError("Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


# ---- attention -----------------------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    return _attention.scaled_dot_product_attention(query, key, value, attn_mask, dropout_p,
                                                   is_causal, scale, enable_gqa)


multi_head_attention_forward = _attention.multi_head_attention_forward
_canonical_mask = _attention.canonical_mask
_none_or_dtype = _attention.none_or_dtype
_mha_shape_check = _attention.mha_shape_check


# ---- more dropout ------------------------------------------------------------------------------

def dropout3d(input, p=0.5, training=True, inplace=False):
    return _dropout_variants.dropout3d(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _dropout_variants.alpha_dropout(input, p, training, inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _dropout_variants.alpha_dropout(input, p, training, inplace, feature=True)


# ---- embedding bags ----------------------------------------------------------------------------

def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    if weight.dtype.name == "int64" and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    idx = input._data
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        starts = list(range(0, idx.size, idx.shape[1])) if idx.shape[1] else [0] * idx.shape[0]
        idx = idx.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = [int(o) for o in offsets.tolist()]
        if include_last_offset:
            starts = starts[:-1]
        if starts and starts[0] != 0:
            raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the "
                               "mini-batch has to start from position 0. However, got "
                               f"{starts[0]}\n[ torch.LongTensor{{}} ]")
        if starts and starts[-1] > idx.size:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size}, "
                               f"but got offsets[-1] of {starts[-1]}")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    modes = {"sum": 0, "mean": 1, "max": 2}
    if mode not in modes:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        from ._misc import _renorm_rows
        _renorm_rows(weight, idx, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. "
                                  "per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    import numpy as np
    from .._backend import to_numpy
    return _embedding_bag.embedding_bag(weight, to_numpy(idx).reshape(-1),
                                        np.asarray(starts, np.int64), modes[mode],
                                        per_sample_weights, padding_idx, scale_grad_by_freq)


# ---- spatial transformers, Gumbel softmax ------------------------------------------------------

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def affine_grid(theta, size, align_corners=None):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return _grid.affine_grid(theta, list(size), align_corners)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {list(grid.shape)}")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample(mode='bicubic') is not implemented by this "
                                  "playground's engine; 'bilinear' and 'nearest' are")
    return _grid.grid_sample(input, grid, mode, padding_mode, align_corners)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from ..random import default_generator
    from ..ops._base import const
    noise = default_generator.numpy.exponential(size=logits.shape)
    gumbels = -const(_np.log(noise).astype(logits._data.dtype), logits)
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = logits.new_zeros(logits.shape).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# ---- __torch_function__ probes: engine tensors have no overrides -----------------------------

def has_torch_function(relevant_args):
    return False


def has_torch_function_unary(input):
    return False


def has_torch_function_variadic(*args):
    return False


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target); PyTorch may chunk the
    batch (``options``) to save memory, with the same result: here it is computed at once."""
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError("expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.dim()}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions "
                           f"(in_features), got {input.shape[-1]} and "
                           f"{linear_weight.shape[-1]}, respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, (N, "
                           f"{in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batches, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains "
                           "probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if options is not None and (out_features or reduction not in {"mean", "sum", "none"}
                                or label_smoothing != 0.0 or target.dtype.name != "int64"):
        warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction "
                      "in {'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, "
                      f"out_features == (). Got reduction={reduction!r}, label_smoothing="
                      f"{label_smoothing}, target.dtype={target.dtype}, out_features="
                      f"{out_features}, tracing=False, linear_bias.shape="
                      f"{tuple(linear_bias.shape) if linear_bias is not None else None}.",
                      stacklevel=2)
    size = num_classes
    for n in out_features:
        size *= n
    if out_features:
        linear_weight = linear_weight.reshape(size, in_features)
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(size)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=ignore_index, label_smoothing=label_smoothing)


# ---- the deprecated upsample spellings ---------------------------------------------------------

def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
