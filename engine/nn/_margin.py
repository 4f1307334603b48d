"""Margin and embedding losses.

Where PyTorch composes a loss from tensor ops (margin_ranking, hinge_embedding,
cosine_embedding, multilabel_soft_margin, triplet_margin), so does this module, and the
nodes come out as PyTorch's. soft_margin, multi_margin and multilabel_margin are single
ops in PyTorch (SoftMarginLossBackward0, ...): their forwards run on arrays and their
backwards are engine ops on the saved input, so they are differentiable again.
"""
from .._backend import xp_of
from ..autograd.graph import Node
from ..ops._base import const, record, wrap
from ._activation import logsigmoid
from ._distance import pairwise_distance
from ._loss import check_reduction

EPSILON = 1e-12


def reduce(loss, reduction):
    check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_long(target):
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.legacy}")


def _dims(t):
    return "[" + ", ".join(map(str, t.shape)) + "]"


# ---- compositions --------------------------------------------------------------------------

def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    zeros = const(xp_of(input._data).zeros_like(input._data), input)
    margin_clamp = (margin - input).clamp_min(0)
    output_margin = margin_clamp.where(target != 1, zeros)
    output_self = input.where(target != -1, zeros)
    return reduce(output_margin + output_self, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    tdim = target.dim()
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if tdim == 1 and input1.dim() != 2:
        raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {_dims(input1)} and {_dims(input2)}.")
    if tdim == 0 and input1.dim() != 1:
        raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {_dims(input1)} and {_dims(input2)}.")
    prod_sum = (input1 * input2).sum(tdim)
    mag_square1 = (input1 * input1).sum(tdim) + EPSILON
    mag_square2 = (input2 * input2).sum(tdim) + EPSILON
    cos = prod_sum / (mag_square1 * mag_square2).sqrt()
    zeros = const(xp_of(cos._data).zeros_like(cos._data), cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min(0)
    output = pos.where(target == 1, zeros) + neg.where(target == -1, zeros)
    return reduce(output, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return reduce(loss, reduction)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{p}D, and negative {n}D inputs")


def triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = distance_function if distance_function is not None else pairwise_distance
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = dist_neg.minimum(distance(positive, negative))
    return reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction="mean"):
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return triplet_margin_with_distance_loss(
        anchor, positive, negative, lambda a, b: pairwise_distance(a, b, p, eps), margin,
        swap, reduction)


# ---- single ops ----------------------------------------------------------------------------

def _finish(node_cls, out, input, target, reduction, n, saved=None, **attrs):
    """Reduce the per-sample loss array and record the op's node."""
    check_reduction(reduction)
    if reduction == "mean":
        out = out.mean()
    elif reduction == "sum":
        out = out.sum()
    res = wrap(out, input)
    node = record(node_cls, res, (input, target), saved or (input, target))
    if node is not None:
        node.reduction, node.n = reduction, n
        node.__dict__.update(attrs)
    return res


def _per_sample_grad(g, node):
    """The upstream gradient per element of the unreduced loss."""
    return g / node.n if node.reduction == "mean" else g


class SoftMarginLossBackward0(Node):
    def backward(self, g):
        x, y = self.saved_tensors
        g = _per_sample_grad(g, self)
        return (-y * (-y * x).sigmoid() * g if self.needs_input_grad[0] else None, None)


def soft_margin_loss(input, target, reduction="mean"):
    x = input._data
    y = target._data.astype(x.dtype, copy=False)
    loss = xp_of(x).logaddexp(0, -y * x).astype(x.dtype, copy=False)
    return _finish(SoftMarginLossBackward0, loss, input, target, reduction, loss.size)


def _check_2d(input):
    if input.dim() > 2 or input.numel() == 0 and input.dim() != 2:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {_dims(input)}")


class MultiMarginLossBackward0(Node):
    def backward(self, g):
        x, y = self.saved_tensors
        x2 = x.reshape(self.shape2d)
        onehot = self.onehot
        z = (self.margin - (x2 * onehot).sum(1, keepdim=True)) + x2
        live = (z > 0) * (1 - onehot)
        coef = live if self.p == 1 else z * live * 2
        coef = coef * self.scale
        if self.reduction == "none":
            coef = coef * g.reshape(-1, 1)
        else:
            coef = coef * (g / self.n if self.reduction == "mean" else g)
        gx = coef - onehot * coef.sum(1, keepdim=True)
        return gx.reshape(x.shape), None


def _samples_by_class(input, target):
    """Checks shared by the class-margin losses; (x, xp, x as (N, C), N, C)."""
    _check_2d(input)
    _check_long(target)
    x = input._data
    x2 = x.reshape(1, -1) if x.ndim < 2 else x
    return x, xp_of(x), x2, x2.shape[0], x2.shape[1]


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x, xp, x2, n, c = _samples_by_class(input, target)
    t = target._data.reshape(-1)
    if t.shape[0] != n or (x.ndim == 2 and target.dim() != 1):
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           "the number of input samples (batch size). Expected target size "
                           f"[{n}], but got {_dims(target)}. Input has shape {_dims(input)}.")
    if t.size and (t.min() < 0 or t.max() >= c):
        raise RuntimeError("target out of range")
    onehot = (t[:, None] == xp.arange(c)).astype(x.dtype)
    z = margin - (x2 * onehot).sum(1, keepdims=True) + x2
    h = xp.maximum(z, 0) * (1 - onehot)
    if p == 2:
        h = h * h
    scale = (1.0 / c) * (weight._data.astype(x.dtype)[t][:, None] if weight is not None
                         else xp.ones((n, 1), x.dtype))
    loss = (h * scale).sum(1).astype(x.dtype, copy=False)
    if x.ndim < 2:
        loss = loss.reshape(())
    return _finish(MultiMarginLossBackward0, loss, input, target, reduction, n, p=p,
                   margin=margin, onehot=const(onehot, input), scale=const(scale, input),
                   shape2d=(n, c))


class MultilabelMarginLossBackward0(Node):
    def backward(self, g):
        x, _ = self.saved_tensors
        x2 = x.reshape(self.shape2d)
        idx, valid, is_target = self.idx, self.valid, self.is_target
        picked = x2.gather(1, idx)                                   # x[y_j]  (N, J)
        margins = (1 - picked).unsqueeze(2) + x2.unsqueeze(1)        # (N, J, C)
        live = (margins > 0) * valid.unsqueeze(2) * (1 - is_target).unsqueeze(1)
        scale = 1.0 / self.shape2d[1]
        if self.reduction == "none":
            live = live * (g.reshape(-1, 1, 1) * scale)
        else:
            live = live * ((g / self.n if self.reduction == "mean" else g) * scale)
        gx = live.sum(1) - (x2 * 0).scatter_add(1, idx, live.sum(2))
        return gx.reshape(x.shape), None


def multilabel_margin_loss(input, target, reduction="mean"):
    x, xp, x2, n, c = _samples_by_class(input, target)
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {_dims(target)} for input of size: "
                           f"{_dims(input)}")
    t = target._data.reshape(n, c)
    valid = xp.cumprod(t != -1, axis=1).astype(bool)    # the labels before the first -1
    if ((t < -1) | (t >= c))[valid].any() or (t < -1).any():
        raise RuntimeError("argument #2 'target' is out of range")
    idx = xp.where(valid, t, 0)
    is_target = xp.zeros((n, c), bool)
    rows = xp.broadcast_to(xp.arange(n)[:, None], (n, c))
    is_target[rows[valid], idx[valid]] = True
    picked = xp.take_along_axis(x2, idx, 1)
    margins = 1 - picked[:, :, None] + x2[:, None, :]
    live = valid[:, :, None] & ~is_target[:, None, :]
    loss = (xp.maximum(margins, 0) * live).sum((1, 2)) / c
    loss = loss.astype(x.dtype, copy=False)
    if x.ndim < 2:
        loss = loss.reshape(())
    return _finish(MultilabelMarginLossBackward0, loss, input, target, reduction, n,
                   idx=const(idx, target), valid=const(valid.astype(x.dtype), input),
                   is_target=const(is_target.astype(x.dtype), input), shape2d=(n, c))
