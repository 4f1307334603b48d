"""Batch and layer normalisation (NativeBatchNormBackward0, NativeLayerNormBackward0).

The forward normalises on arrays; the backward recomputes the normalised input from the
saved input with engine ops, so it is differentiable again.
"""
import math

import numpy as np

from .._backend import xp_of
from .._parallel import split, worth_splitting
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..ops._base import record, wrap
from ..ops.reduce import row_sums

_grad_state = grad_mode._state


def _normalised(x, axes, eps):
    """(x - mean) * rsqrt(var + eps) and rsqrt(var + eps), as engine ops on x."""
    centred = x - x.mean(axes, keepdim=True)
    invstd = ((centred * centred).mean(axes, keepdim=True) + eps).rsqrt()
    return centred * invstd, invstd


def _norm_input_grad(dxhat, xhat, invstd, axes):
    """d loss / d x of xhat = normalise(x), given d loss / d xhat (batch statistics)."""
    return invstd * (dxhat - dxhat.mean(axes, keepdim=True)
                     - xhat * (dxhat * xhat).mean(axes, keepdim=True))


def _param_shape(ndim, channel_axis, c):
    shape = [1] * ndim
    shape[channel_axis] = c
    return tuple(shape)


def _channel_sums(a):
    """Per-channel sums of an (N, C, L) array: summing L first reads memory in order."""
    return a.sum(2).sum(0)


def _by_channel(kernel, x3):
    """kernel(c0, c1) over channel spans of an (N, C, L) array: every channel's statistics
    and values are its own, so large inputs share the channels among the cores."""
    threads = worth_splitting(x3)
    if threads > 1 and x3.shape[1] > 1 and x3.shape[2] >= 64:  # rows long enough to stride
        split(kernel, x3.shape[1], threads)
    else:
        kernel(0, x3.shape[1])


def _batch_norm_grads(g, x, weight, mean, invstd, need):
    """Training-mode gradients on arrays, PyTorch's CPU formulas: with dot = sum(g (x -
    mean)) per channel, gw = dot * invstd, gb = sum(g), and gx = a g - k x + (k mean - a
    sum(g) / M) where a = w invstd and k = a invstd^2 dot / M (three passes over x)."""
    xp = xp_of(x)
    n, c = x.shape[:2]
    count = x.size // c
    g3, x3 = g.reshape(n, c, -1), x.reshape(n, c, -1)
    sum_g = xp.empty(c, g.dtype)
    dot = xp.empty(c, g.dtype)
    gx = xp.empty(g3.shape, g.dtype) if need[0] else None

    def channels(c0, c1):
        gs, span = g3[:, c0:c1], slice(c0, c1)
        sum_g[span] = _channel_sums(gs)
        centred = x3[:, c0:c1] - mean[span, None]
        dot[span] = xp.einsum("ncl,ncl->c", gs, centred)
        if gx is not None:
            inv = invstd[span]
            a = inv if weight is None else weight[span] * inv
            k = a * inv * inv * dot[span] / count
            out = gx[:, c0:c1]
            xp.multiply(gs, a[:, None], out=out)
            centred *= k[:, None]
            out -= centred
            out -= (a * sum_g[span] / count)[:, None]
    _by_channel(channels, x3)
    gw = dot * invstd if len(need) > 1 and need[1] else None
    gb = sum_g if len(need) > 2 and need[2] else None
    return None if gx is None else gx.reshape(x.shape), gw, gb


class NativeBatchNormBackward0(Node):
    def backward(self, g):
        x, weight, stats = self.saved_tensors
        axes, shape = self.axes, self.shape
        need = self.needs_input_grad
        if self.training and not _grad_state[0]:  # no graph of the gradient: on arrays
            grads = _batch_norm_grads(g._data, x._data, None if weight is None else
                                      weight._data, stats[0]._data, stats[1]._data, need)
            return tuple(None if a is None else wrap(a, g) for a in grads)
        if self.training:
            xhat, invstd = _normalised(x, axes, self.eps)
        else:
            mean, invstd = stats
            xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
            invstd = invstd.reshape(shape)
        gx = gw = gb = None
        if need[0]:
            dxhat = g if weight is None else g * weight.reshape(shape)
            gx = _norm_input_grad(dxhat, xhat, invstd, axes) if self.training else \
                dxhat * invstd
        if len(need) > 1 and need[1]:
            gw = (g * xhat).sum(axes)
        if len(need) > 2 and need[2]:
            gb = g.sum(axes)
        return gx, gw, gb


def batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps,
               num_batches_tracked=None):
    x = input._data
    xp = xp_of(x)
    if x.ndim < 2:
        raise ValueError(f"expected 2D or 3D input (got {x.ndim}D input)")
    axes = (0,) + tuple(range(2, x.ndim))
    c = x.shape[1]
    shape = _param_shape(x.ndim, 1, c)
    x3 = x.reshape(x.shape[0], c, math.prod(x.shape[2:]))  # -1 fails on an empty batch
    if training:
        count = x.size // c
        if count <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        mean, var = xp.empty(c, x.dtype), xp.empty(c, x.dtype)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation "
                               "mode")
        mean, var = running_mean._data, running_var._data
    invstd = xp.empty(c, x.dtype)
    out = xp.empty(x3.shape, x.dtype)

    def channels(c0, c1):
        span, xs = slice(c0, c1), x3[:, c0:c1]
        if training:
            mean[span] = _channel_sums(xs) / count
            centred = xs - mean[span, None]
            var[span] = xp.einsum("ncl,ncl->c", centred, centred) / count  # two-pass
            del centred
        invstd[span] = 1.0 / xp.sqrt(var[span] + eps)
        # PyTorch's CPU kernel: out = x * alpha + beta per channel (two passes, not four)
        alpha = invstd[span] if weight is None else invstd[span] * weight._data[span]
        beta = -mean[span] * alpha
        if bias is not None:
            beta = beta + bias._data[span]
        xp.multiply(xs, alpha.astype(x.dtype, copy=False)[:, None], out=out[:, c0:c1])
        out[:, c0:c1] += beta.astype(x.dtype, copy=False)[:, None]
    _by_channel(channels, x3)
    if training:
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, var * (count / (count - 1)), momentum)
    out = out.reshape(x.shape)
    result = wrap(out.astype(x.dtype, copy=False), input)
    inputs = (input, weight, bias)
    node = record(NativeBatchNormBackward0, result, inputs)
    if node is not None:
        stats = (wrap(xp.asarray(mean, x.dtype), input), wrap(invstd, input))
        node.save(input, weight, stats)
        node.axes, node.shape, node.eps, node.training = axes, shape, eps, training
    return result


def _update_running(buf, value, momentum):
    """running = (1 - momentum) * running + momentum * value, in place (no graph)."""
    data = buf._data
    data *= 1 - momentum
    data += momentum * value.astype(data.dtype, copy=False)
    buf._bump_version()


class NativeLayerNormBackward0(Node):
    def backward(self, g):
        x, weight = self.saved_tensors
        axes = self.axes
        need = self.needs_input_grad
        lead = tuple(range(x.dim() - len(axes)))
        if not _grad_state[0]:  # no graph of the gradient: on arrays, with the saved stats
            return self._on_arrays(g, x, weight, lead)
        xhat, invstd = _normalised(x, axes, self.eps)
        gx = gw = gb = None
        if need[0]:
            dxhat = g if weight is None else g * weight
            gx = _norm_input_grad(dxhat, xhat, invstd, axes)
        if len(need) > 1 and need[1]:
            gw = (g * xhat).sum(lead) if lead else g * xhat
        if len(need) > 2 and need[2]:
            gb = g.sum(lead) if lead else g
        return gx, gw, gb

    def _on_arrays(self, g, x, weight, lead):
        need, axes, invstd = self.needs_input_grad, self.axes, self.invstd
        gd = g._data
        xhat = x._data - self.mean
        xhat *= invstd
        gx = gw = gb = None
        if need[0]:
            dxhat = gd if weight is None else gd * weight._data
            gx = dxhat - _trailing_mean(dxhat, axes)
            dot = _trailing_mean(dxhat * xhat, axes)
            xhat_dot = xhat * dot
            gx -= xhat_dot
            gx *= invstd
            gx = wrap(gx, g)
        if len(need) > 1 and need[1]:
            gw = wrap((gd * xhat).sum(lead) if lead else gd * xhat, g)
        if len(need) > 2 and need[2]:
            gb = wrap(gd.sum(lead), g) if lead else g
        return gx, gw, gb


def _trailing_mean(a, axes):
    """a.mean(axes, keepdims=True) over the trailing ``axes``, summed as rows by BLAS."""
    if not a.flags.c_contiguous or not a.size or a.dtype.itemsize < 4:  # half: float32 sums
        return a.mean(axis=axes, keepdims=True)
    lead = a.shape[:a.ndim - len(axes)]
    count = a.size // max(1, math.prod(lead))
    sums = row_sums(a.reshape(lead + (count,)), -1)
    return (sums / count).astype(a.dtype, copy=False).reshape(lead + (1,) * len(axes))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    x = input._data
    k = len(normalized_shape)
    if k == 0 or x.shape[x.ndim - k:] != normalized_shape or k > x.ndim:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(map(str, normalized_shape))}], but got "
                           f"input of size{list(x.shape)}")
    xp = xp_of(x)
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = _trailing_mean(x, axes)
    centred = x - mean
    invstd = 1.0 / xp.sqrt(_trailing_mean(centred * centred, axes) + eps)
    out = centred * invstd
    if weight is not None:
        out *= weight._data
    if bias is not None:
        out += bias._data
    result = wrap(out.astype(x.dtype, copy=False), input)
    node = record(NativeLayerNormBackward0, result, (input, weight, bias))
    if node is not None:
        node.save(input, weight)
        node.axes, node.eps = axes, eps
        node.mean, node.invstd = mean, invstd.astype(x.dtype, copy=False)  # as PyTorch keeps
    return result


# ---- group, instance and cross-map normalisation -------------------------------------------

class NativeGroupNormBackward0(Node):
    def backward(self, g):
        x, weight = self.saved_tensors
        n, c = x.shape[:2]
        groups = self.groups
        grouped = x.reshape(n, groups, -1)
        xhat, invstd = _normalised(grouped, (2,), self.eps)
        need = self.needs_input_grad
        shape = (1, c) + (1,) * (x.dim() - 2)
        gx = gw = gb = None
        if need[0]:
            dxhat = g if weight is None else g * weight.reshape(shape)
            gx = _norm_input_grad(dxhat.reshape(n, groups, -1), xhat, invstd,
                                  (2,)).reshape(x.shape)
        axes = (0,) + tuple(range(2, x.dim()))
        if len(need) > 1 and need[1]:
            gw = (g * xhat.reshape(x.shape)).sum(axes)
        if len(need) > 2 and need[2]:
            gb = g.sum(axes)
        return gx, gw, gb


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    x = input._data
    xp = xp_of(x)
    n, c = x.shape[:2]
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(x.shape)} and "
                           f"num_groups={num_groups}")
    grouped = x.reshape(n, num_groups, -1)
    centred = grouped - grouped.mean(axis=2, keepdims=True)
    invstd = 1.0 / xp.sqrt((centred * centred).mean(axis=2, keepdims=True) + eps)
    out = (centred * invstd).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight._data.reshape(shape)
    if bias is not None:
        out = out + bias._data.reshape(shape)
    result = wrap(out.astype(x.dtype, copy=False), input)
    node = record(NativeGroupNormBackward0, result, (input, weight, bias))
    if node is not None:
        node.save(input, weight)
        node.groups, node.eps = num_groups, eps
    return result


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Batch norm of the (1, N*C, *) view, as PyTorch computes it; the running statistics
    move by the mean over the batch of each instance's statistics."""
    n, c = input.shape[:2]
    shape = (1, n * c) + tuple(input.shape[2:])
    tiled = [None if t is None else t.repeat(n) for t in (weight, bias)]
    running = [None if t is None else wrap(xp_of(t._data).tile(t._data, n), t)
               for t in (running_mean, running_var)]
    out = batch_norm(input.reshape(shape), running[0], running[1], tiled[0], tiled[1],
                     use_input_stats, momentum, eps)
    for buf, tiled_buf in zip((running_mean, running_var), running):
        if buf is not None and use_input_stats:
            buf._data[...] = tiled_buf._data.reshape(n, c).mean(0)
            buf._bump_version()
    return out.view(tuple(input.shape))


class CrossMapLRN2dBackward(Node):
    """The legacy CrossMapLRN2d function's own backward (torch/nn/modules/_functions.py)."""

    def backward(self, g):
        x, out, scale = self.x, self.out, self.scale
        xp = xp_of(x)
        size, alpha, beta = self.size, self.alpha, self.beta
        gd = g._data
        channels = x.shape[1]
        ratio = gd * out / scale
        pre = int(size - (size - 1) / 2)          # PyTorch's inversePrePad
        padded = xp.zeros((x.shape[0], channels + size - 1) + x.shape[2:], x.dtype)
        padded[:, pre:pre + channels] = ratio
        csum = xp.concatenate([xp.zeros_like(padded[:, :1]), xp.cumsum(padded, 1)], 1)
        accum = csum[:, size:size + channels] - csum[:, :channels]
        gx = scale ** -beta * gd - (2 * alpha * beta / size) * x * accum
        return (wrap(gx.astype(x.dtype, copy=False), g),)


def cross_map_lrn2d(input, size, alpha=1e-4, beta=0.75, k=1):
    if input.dim() != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
    x = input._data
    xp = xp_of(x)
    channels = x.shape[1]
    square = x * x
    pre = int((size - 1) / 2 + 1)
    # The legacy running sum: channel c adds squares 0..c+pre-1 and drops 1..c-pre.
    csum = xp.concatenate([xp.zeros_like(square[:, :1]), xp.cumsum(square, 1)], 1)
    c = xp.arange(channels)
    top = xp.minimum(c + pre, channels)
    drop = xp.maximum(c - pre, 0)
    scale = csum[:, top] - (csum[:, drop + 1] - csum[:, 1:2]) * (c > pre)[None, :, None, None]
    scale = scale * (alpha / size) + k
    out = (scale ** -beta * x).astype(x.dtype, copy=False)
    res = wrap(out, input)
    node = record(CrossMapLRN2dBackward, res, (input,))
    if node is not None:
        node.x, node.out, node.scale = x, out, scale
        node.size, node.alpha, node.beta = size, alpha, beta
    return res
