"""Channel-wise dropout (1-d, 2-d, 3-d) and alpha dropout (SELU networks' dropout), as
compositions of engine ops the way PyTorch's ATen composes them (so their nodes are
MulBackward0 and AddBackward0, as in PyTorch)."""
import math
import warnings

import numpy as np

from .._backend import xp_of
from ..ops._base import const
from ..random import default_generator
from ._misc import _check_p, dropout

_SELU_ALPHA = 1.7580993408473766  # SELU's scale * alpha: the value dropped units take


def _rank_warning(spatial, rank):
    lo, hi, words = spatial + 1, spatial + 2, {2: "2 spatial dimensions", 3: "3 spatial "
                                               "dimensions"}[spatial]
    warnings.warn(f"dropout{spatial}d: Received a {rank}-D input to dropout{spatial}d, which is "
                  "deprecated and will result in an error in a future release. To retain the "
                  "behavior and silence this warning, please use dropout instead. Note that "
                  f"dropout{spatial}d exists to provide channel-wise dropout on inputs with "
                  f"{words}, a channel dimension, and an optional batch dimension (i.e. {lo}D "
                  f"or {hi}D inputs).", stacklevel=4)


def _unbatched(input, p, training, inplace):
    """Feature dropout of an input without its batch dim, as on the input with a batch of
    one (in place: one draw per entry of dim 0, written into the input)."""
    shape = _feature_shape((1,) + tuple(input.shape))
    if inplace:
        return dropout(input, p, training, True, shape[1:])
    return dropout(input.unsqueeze(0), p, training, False, shape).squeeze(0)


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    rank = input.dim()
    if rank not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {rank}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    if rank == 3:
        return dropout(input, p, training, inplace, _feature_shape(input.shape))
    return _unbatched(input, p, training, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """PyTorch's dropout2d treats every input as batched, (N, C, *): a 2-D input drops single
    entries, a 3-D one drops rows (with a warning that this will change)."""
    _check_p(p)
    rank = input.dim()
    if rank not in (3, 4):
        _rank_warning(2, rank)
    if rank == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=3)
    if not training or p == 0.0:
        return input
    return dropout(input, p, training, inplace, _feature_shape(input.shape))


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    rank = input.dim()
    if rank not in (4, 5):
        _rank_warning(3, rank)
    if rank == 5:
        return dropout(input, p, training, inplace, _feature_shape(input.shape))
    return _unbatched(input, p, training, inplace)


def _feature_shape(shape):
    if len(shape) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return tuple(shape[:2]) + (1,) * (len(shape) - 2)


def alpha_dropout(input, p=0.5, training=False, inplace=False, feature=False):
    """Dropped units take SELU's negative saturation value, and an affine map keeps the
    mean and variance of a unit-normal input (PyTorch's _dropout_impl<alpha_dropout>)."""
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    x = input._data
    if p == 1:
        zero = const(xp_of(x).zeros((), x.dtype), input)
        return input.mul_(zero) if inplace else input * zero
    shape = _feature_shape(x.shape) if feature else x.shape
    keep = (default_generator.numpy.random(shape) >= p).astype(x.dtype)
    a = 1.0 / math.sqrt((_SELU_ALPHA ** 2 * p + 1) * (1 - p))
    b = const(xp_of(x).asarray((keep - 1) * (_SELU_ALPHA * a) + _SELU_ALPHA * a * p), input)
    noise = const(xp_of(x).asarray(keep * np.asarray(a, x.dtype)), input)
    return input.mul_(noise).add_(b) if inplace else input * noise + b
