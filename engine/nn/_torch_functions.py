"""The torch.* spellings of nn ops (torch.conv2d, torch.batch_norm, torch.embedding, ...).

PyTorch exposes its native nn ops at the top level with the native signatures, which differ
from nn.functional's in places: reductions as enum ints (0 none, 1 mean, 2 sum),
``torch.embedding(weight, indices)`` with the weight first, ``torch.dropout(input, p, train)``
without defaults, pooling and embedding_bag returning every output of the native op.
engine/__init__.py exports ``__all__`` as ``engine.<name>``; TENSOR_METHODS are Tensor
methods too.
"""
from ..autograd import grad_mode
from . import functional as F

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(value):
    return _REDUCTIONS[value] if isinstance(value, int) else value


# ---- convolution ----------------------------------------------------------------------------

conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d = F.conv_transpose1d, F.conv_transpose2d
conv_transpose3d, conv_tbc = F.conv_transpose3d, F.conv_tbc


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    dims = weight.dim() - 2
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[dims - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


# ---- pooling --------------------------------------------------------------------------------

avg_pool1d, adaptive_avg_pool1d = F.avg_pool1d, F.adaptive_avg_pool1d


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d(input, output_size):
    return F.adaptive_max_pool1d_with_indices(input, output_size)


# ---- normalisation --------------------------------------------------------------------------

def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled=True):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled=True):
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                           momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return F.group_norm(input, num_groups, weight, bias, eps)


rms_norm = F.rms_norm


# ---- dropout ----------------------------------------------------------------------------------

def dropout(input, p, train):
    return F.dropout(input, p, train)


def dropout_(input, p, train):
    return F.dropout(input, p, train, True)


def feature_dropout(input, p, train):
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    from ._misc import dropout as _dropout
    return _dropout(input, p, train, False, shape)


def feature_dropout_(input, p, train):
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    from ._misc import dropout as _dropout
    return _dropout(input, p, train, True, shape)


def alpha_dropout(input, p, train):
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    return F.alpha_dropout(input, p, train, True)


def feature_alpha_dropout(input, p, train):
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    return F.feature_alpha_dropout(input, p, train, True)


# ---- activations ------------------------------------------------------------------------------

celu, celu_, selu, selu_, prelu = F.celu, F.celu_, F.selu, F.selu_, F.prelu
hardshrink, threshold, threshold_ = F.hardshrink, F.threshold, F.threshold_
rrelu, rrelu_ = F.rrelu, F.rrelu_


# ---- embeddings -----------------------------------------------------------------------------

def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx, None, 2.0,
                       scale_grad_by_freq, sparse)


def embedding_renorm_(input, indices, max_norm, norm_type):
    from ._misc import _renorm_rows
    _renorm_rows(input, indices._data, max_norm, norm_type)
    return input


def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """PyTorch's native op: (output, offset2bag, bag_size, max_indices), the last three as
    its CPU kernel fills them (empty / zeros where a mode does not use them)."""
    import numpy as np
    from .. import _backend, creation
    from ._embedding_bag import embedding_bag as bags
    starts = offsets.tolist()
    starts = np.asarray(starts[:-1] if include_last_offset else starts, np.int64)
    out = F.embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq,
                          ("sum", "mean", "max")[mode], sparse, per_sample_weights,
                          include_last_offset, padding_idx)
    with grad_mode.no_grad():
        _, bag_of, sizes, rows = bags(weight, np.asarray(indices.tolist(), np.int64), starts,
                                      mode, per_sample_weights, padding_idx, False, aux=True)
    as_long = (lambda a: creation.tensor(np.asarray(_backend.to_numpy(a)), dtype=indices.dtype,
                                         device=weight.device))
    zeros = as_long(np.zeros(len(starts), np.int64))
    if mode == 0:
        return out, as_long(np.zeros(0, np.int64)), zeros, zeros
    offset2bag, bag_size = as_long(bag_of), as_long(sizes)
    if mode == 1:
        return out, offset2bag, bag_size, bag_size
    return out, offset2bag, bag_size, as_long(np.maximum(_backend.to_numpy(rows), 0))


# ---- distances and losses ---------------------------------------------------------------------

cosine_similarity, pairwise_distance, pdist = F.cosine_similarity, F.pairwise_distance, F.pdist
bilinear = F.bilinear
pixel_shuffle, pixel_unshuffle, channel_shuffle = F.pixel_shuffle, F.pixel_unshuffle, \
    F.channel_shuffle


def constant_pad_nd(input, pad, value=0):
    return F.pad(input, pad, "constant", value)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return F.binary_cross_entropy_with_logits(input, target, weight,
                                              reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


def kl_div(input, target, reduction=1, *, log_target=False):
    from ._loss import kl_div as _kl_div
    return _kl_div(input, target, _reduction(reduction), log_target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        reduction=1):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
             zero_infinity=False):
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                      _reduction(reduction), zero_infinity)


# ---- spatial transformers -------------------------------------------------------------------

def affine_grid_generator(theta, size, align_corners):
    return F.affine_grid(theta, size, align_corners)


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    return F.grid_sample(input, grid, ("bilinear", "nearest", "bicubic")[interpolation_mode],
                         ("zeros", "border", "reflection")[padding_mode], align_corners)


grid_sampler_2d = grid_sampler_3d = grid_sampler


# ---- recurrent cells ----------------------------------------------------------------------

def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return (F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    return F.relu(F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh))


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    from .modules.rnn import _rnn_cell
    return _rnn_cell("LSTM")(F.linear(input, w_ih, b_ih), tuple(hx), w_hh, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    from .modules.rnn import _rnn_cell
    return _rnn_cell("GRU")(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh)


__all__ = [name for name in dir() if not name.startswith("_") and callable(globals()[name])
           and name not in ("F", "grad_mode")]
NOT_METHODS = set(__all__) - {"hardshrink", "prelu"}  # those two are Tensor methods too
