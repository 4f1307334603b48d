"""Loss ops with PyTorch's nodes (MseLossBackward0, NllLossBackward0, ...), reduction
'none' / 'mean' / 'sum', PyTorch's argument checks and messages.

Forwards compute on arrays; backwards are engine ops (differentiable again). nll_loss is
linear in its input, so it is a linear map with an adjoint (see engine/ops/_base.py).
"""
import warnings

import numpy as np

from .._backend import xp_of
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..ops._base import Tensor, apply_linear, broadcast_error, linear_node, record, wrap
from ._activation import softplus

_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_reduction(size_average, reduce, reduction):
    """The deprecated size_average/reduce arguments, mapped as PyTorch maps them."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    mapped = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{mapped}' instead.")
    return mapped


def _reduce_array(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _scale(g, reduction, n):
    """What the upstream gradient becomes per element: g, or g / n for a mean."""
    return g / n if reduction == "mean" else g


def _pair(input, target, name):
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{name}(): argument 'input' and 'target' must be Tensors, not "
                        f"{type(input).__name__} and {type(target).__name__}")
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)
    xd, td = input._data, target._data
    try:
        shape = np.broadcast_shapes(xd.shape, td.shape)
    except ValueError:
        raise broadcast_error(xd.shape, td.shape) from None
    if td.dtype != xd.dtype:
        td = td.astype(xd.dtype)
    return xd, td, int(np.prod(shape))


def _pointwise_loss(node_cls, input, target, loss_array, n, reduction, **attrs):
    check_reduction(reduction)
    out = wrap(_reduce_array(loss_array, reduction), input)
    node = record(node_cls, out, (input, target), (input, target))
    if node is not None:
        node.reduction, node.n = reduction, n
        node.__dict__.update(attrs)
    return out


def _both(node, grad_input):
    """Gradients for (input, target) of a loss of (input - target)."""
    need = node.needs_input_grad
    return (grad_input if need[0] else None,
            -grad_input if need[1] else None)


class MseLossBackward0(Node):
    def backward(self, g):
        x, t = self.saved_tensors
        if grad_mode._state[0]:  # create_graph: keep the gradient differentiable
            return _both(self, (x - t) * (_scale(g, self.reduction, self.n) * 2))
        scale = 2.0 / self.n if self.reduction == "mean" else 2.0
        diff = x._data - t._data.astype(x._data.dtype, copy=False)
        return _both(self, wrap((diff * (g._data * scale)).astype(x._data.dtype, copy=False),
                                x))


def mse_loss(input, target, reduction="mean"):
    xd, td, n = _pair(input, target, "mse_loss")
    d = xd - td
    return _pointwise_loss(MseLossBackward0, input, target, d * d, n, reduction)


class SmoothL1LossBackward0(Node):
    def backward(self, g):
        x, t = self.saved_tensors
        d = x - t
        beta = self.beta
        g = _scale(g, self.reduction, self.n)
        if beta == 0:
            return _both(self, d.sign() * g)
        inside = d.abs() < beta
        return _both(self, (d * inside / beta + d.sign() * (~inside)) * g)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    xd, td, n = _pair(input, target, "smooth_l1_loss")
    ad = abs(xd - td)
    loss = ad if beta == 0 else xp_of(ad).where(ad < beta, 0.5 * ad * ad / beta,
                                                 ad - 0.5 * beta)
    return _pointwise_loss(SmoothL1LossBackward0, input, target, loss.astype(xd.dtype), n,
                           reduction, beta=beta)


class HuberLossBackward0(Node):
    def backward(self, g):
        x, t = self.saved_tensors
        d = x - t
        delta = self.delta
        inside = d.abs() < delta
        return _both(self, (d * inside + d.sign() * (~inside) * delta) *
                     _scale(g, self.reduction, self.n))


def huber_loss(input, target, reduction="mean", delta=1.0):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    xd, td, n = _pair(input, target, "huber_loss")
    ad = abs(xd - td)
    loss = xp_of(ad).where(ad < delta, 0.5 * ad * ad, delta * (ad - 0.5 * delta))
    return _pointwise_loss(HuberLossBackward0, input, target, loss.astype(xd.dtype), n,
                           reduction, delta=delta)


def l1_loss(input, target, reduction="mean"):
    _pair(input, target, "l1_loss")
    check_reduction(reduction)
    loss = (input - target).abs()
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


# ---- binary cross entropy ------------------------------------------------------------------

def _weight_array(weight, dtype):
    return None if weight is None else weight._data.astype(dtype, copy=False)


class BinaryCrossEntropyBackward0(Node):
    def backward(self, g):
        x, t = self.saved_tensors
        g = _scale(g, self.reduction, self.n)
        if self.weight is not None:
            g = g * self.weight
        need = self.needs_input_grad
        gx = gt = None
        if need[0]:
            den = (1 - x) * x
            low = den < 1e-12
            den = den + low * (1e-12 - den)  # clamp_min(1e-12), gradient 0 where clamped
            gx = g * (x - t) / den
        if need[1]:
            gt = g * ((1 - x).log() - x.log())
        return gx, gt


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    check_reduction(reduction)
    if input.shape != target.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the "
                         "same size.")
    x, t = input._data, target._data.astype(input._data.dtype, copy=False)
    xp = xp_of(x)
    for name, a in (("input", x), ("target", t)):  # NaN fails too, as in PyTorch's kernel
        if a.size and not ((a >= 0) & (a <= 1)).all():
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    log_x = xp.maximum(xp.log(x), -100)
    log_1mx = xp.maximum(xp.log1p(-x), -100)
    loss = -(t * log_x + (1 - t) * log_1mx)
    w = _weight_array(weight, x.dtype)
    if w is not None:
        loss = loss * w
    out = wrap(_reduce_array(loss.astype(x.dtype, copy=False), reduction), input)
    node = record(BinaryCrossEntropyBackward0, out, (input, target), (input, target))
    if node is not None:
        node.reduction, node.n = reduction, x.size
        node.weight = weight.detach() if weight is not None else None
    return out


class BinaryCrossEntropyWithLogitsBackward0(Node):
    def backward(self, g):
        x, t = self.saved_tensors
        g = _scale(g, self.reduction, self.n)
        if self.weight is not None:
            g = g * self.weight
        pw = self.pos_weight
        need = self.needs_input_grad
        gx = gt = None
        if need[0]:
            s = x.sigmoid()
            gx = g * (s - t) if pw is None else g * (s * (t * (pw - 1) + 1) - t * pw)
        if need[1]:
            gt = g * -x if pw is None else g * ((pw - 1) * softplus(-x) - x)
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    check_reduction(reduction)
    if input.shape != target.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    x, t = input._data, target._data.astype(input._data.dtype, copy=False)
    xp = xp_of(x)
    softplus_neg = xp.logaddexp(0, -x)  # log(1 + exp(-x)), stable
    if pos_weight is None:
        loss = (1 - t) * x + softplus_neg
    else:
        pw = pos_weight._data.astype(x.dtype, copy=False)
        loss = (1 - t) * x + (1 + (pw - 1) * t) * softplus_neg
    w = _weight_array(weight, x.dtype)
    if w is not None:
        loss = loss * w
    out = wrap(_reduce_array(loss.astype(x.dtype, copy=False), reduction), input)
    node = record(BinaryCrossEntropyWithLogitsBackward0, out, (input, target),
                  (input, target))
    if node is not None:
        node.reduction, node.n = reduction, x.size
        node.weight = weight.detach() if weight is not None else None
        node.pos_weight = pos_weight.detach() if pos_weight is not None else None
    return out


# ---- negative log likelihood ---------------------------------------------------------------

NllLossBackward0, _NllLossAdjoint = linear_node("NllLossBackward0")
NllLoss2DBackward0, _ = linear_node("NllLoss2DBackward0")  # inputs with spatial dims


def _check_nll(input, target):
    x, t = input._data, target._data
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.legacy}")
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim == 1:
        if t.ndim != 0 and not (t.ndim == 1 and t.shape[0] == 1):
            raise ValueError(f"Expected input batch_size (1) to match target batch_size "
                             f"({t.shape[0]}).")
        return
    if t.ndim == 0 or x.shape[0] != t.shape[0]:
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target "
                         f"batch_size ({t.shape[0] if t.ndim else 0}).")
    if x.shape[2:] != t.shape[1:]:
        raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: "
                           f"{list(t.shape)})")


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    check_reduction(reduction)
    _check_nll(input, target)
    x = input._data
    xp = xp_of(x)
    one_sample = x.ndim == 1
    t = target._data.reshape(()) if one_sample else target._data
    n_classes = x.shape[0] if one_sample else x.shape[1]
    keep = t != ignore_index
    bad = keep & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    safe_t = xp.where(keep, t, 0)
    w = (weight._data.astype(x.dtype)[safe_t] if weight is not None
         else xp.ones(safe_t.shape, x.dtype)) * keep
    w = w.astype(x.dtype, copy=False)
    total = w.sum()
    axis = 0 if one_sample else 1
    index = xp.expand_dims(safe_t, axis)

    def forward_map(a):
        picked = -xp.take_along_axis(a, index, axis).squeeze(axis) * w
        if reduction == "none":
            return picked
        s = picked.sum()
        return s / total if reduction == "mean" else s

    classes = xp.arange(n_classes).reshape((-1,) + (1,) * (x.ndim - axis - 1))

    def adjoint(g):
        # -w * g at each sample's target class, zero elsewhere (a one-hot product works the
        # same on NumPy and CuPy, which lacks put_along_axis)
        coef = -w * (g / total if reduction == "mean" else g)
        return (index == classes) * xp.expand_dims(coef.astype(g.dtype), axis)

    with np.errstate(invalid="ignore", divide="ignore"):
        out_data = xp.asarray(forward_map(x), x.dtype)
    node_cls = NllLoss2DBackward0 if x.ndim > 2 else NllLossBackward0
    out = apply_linear(input, forward_map, adjoint, node_cls, out_data=out_data)
    if reduction == "none" and x.ndim in (3,) + tuple(range(5, 32)):
        out = out.view(out.shape)  # PyTorch's nll_loss2d runs on a 4-d view and views back
    return out


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    from ..ops.reduce import log_softmax
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    w_b = None
    if weight is not None:
        shape = [1] * input.dim()
        shape[class_dim] = n_classes
        w_b = weight.reshape(shape)
    if target.is_floating_point():
        if target.shape != input.shape:
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                               f"{target.dtype.legacy}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target if w_b is None else logp * target * w_b
        if reduction == "mean":
            return -prod.sum() / (input.numel() // n_classes)
        if reduction == "sum":
            return -prod.sum()
        return -prod.sum(class_dim)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    keep = wrap(target._data != ignore_index, target)
    smooth = -(logp if w_b is None else logp * w_b).sum(class_dim) * keep
    if reduction == "mean":
        if weight is not None:
            t = target._data[target._data != ignore_index]
            denom = float(weight._data[t].sum())
        else:
            denom = float(keep._data.sum())
        ret = smooth.sum() / denom
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / n_classes)


# ---- probabilistic losses: kl_div, poisson_nll_loss, gaussian_nll_loss (compositions of
# engine ops, as in PyTorch) ------------------------------------------------------------------

def _reduced(loss, reduction):
    check_reduction(reduction)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _xlogx(t):
    """t * log(t), 0 where t == 0 (xlogy(t, t))."""
    safe = t.where(t != 0, wrap(xp_of(t._data).ones((), t._data.dtype), t))
    return t * safe.log()


def kl_div(input, target, reduction="mean", log_target=False):
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _xlogx(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() else total
    return _reduced(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        import math
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduced(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    import math
    from ..autograd import grad_mode
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * input.new_ones(input.shape)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(
                b for a, b in zip(input.shape, var.shape) if a != b) == 1:
            pass  # heteroscedastic: one dimension of var is 1
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with grad_mode.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduced(loss, reduction)
