"""Channel-wise dropout in 3-d and alpha dropout (SELU networks' dropout), as compositions of
engine ops the way PyTorch's ATen composes them (so their nodes are MulBackward0 and
AddBackward0, as in PyTorch)."""
import math
import warnings

import numpy as np

from .._backend import xp_of
from ..ops._base import const
from ..random import default_generator
from ._misc import _check_p, dropout

_SELU_ALPHA = 1.7580993408473766  # SELU's scale * alpha: the value dropped units take


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    rank = input.dim()
    if rank not in (4, 5):
        warnings.warn(f"dropout3d: Received a {rank}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      "dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D "
                      "or 5D inputs).", stacklevel=3)
    if rank == 5:
        return dropout(input, p, training, inplace, _feature_shape(input.shape))
    if inplace:  # one draw per entry of dim 0, as on the input with a batch of one
        return dropout(input, p, training, True, _feature_shape((1,) + tuple(input.shape))[1:])
    return dropout(input.unsqueeze(0), p, training, False,
                   _feature_shape((1,) + tuple(input.shape))).squeeze(0)


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
