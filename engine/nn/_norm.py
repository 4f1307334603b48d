"""Batch and layer normalisation (NativeBatchNormBackward0, NativeLayerNormBackward0).

The forward normalises on arrays; the backward recomputes the normalised input from the
saved input with engine ops, so it is differentiable again.
"""
from .._backend import xp_of
from ..autograd.graph import Node
from ..ops._base import record, wrap


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


class NativeBatchNormBackward0(Node):
    def backward(self, g):
        x, weight, stats = self.saved_tensors
        axes, shape = self.axes, self.shape
        need = self.needs_input_grad
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
    if training:
        count = x.size // c
        if count <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        if running_mean is not None:
            _update_running(running_mean, mean, momentum)
        if running_var is not None:
            _update_running(running_var, var * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean and running_var must be defined in evaluation "
                               "mode")
        mean, var = running_mean._data, running_var._data
    invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
    out = (x - mean.reshape(shape)) * invstd.reshape(shape)
    if weight is not None:
        out *= weight._data.reshape(shape)
    if bias is not None:
        out += bias._data.reshape(shape)
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
        xhat, invstd = _normalised(x, axes, self.eps)
        lead = tuple(range(x.dim() - len(axes)))
        gx = gw = gb = None
        if need[0]:
            dxhat = g if weight is None else g * weight
            gx = _norm_input_grad(dxhat, xhat, invstd, axes)
        if len(need) > 1 and need[1]:
            gw = (g * xhat).sum(lead) if lead else g * xhat
        if len(need) > 2 and need[2]:
            gb = g.sum(lead) if lead else g
        return gx, gw, gb


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
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    invstd = 1.0 / xp.sqrt((centred * centred).mean(axis=axes, keepdims=True) + eps)
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
    return result
