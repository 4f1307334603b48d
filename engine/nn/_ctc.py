"""Connectionist temporal classification loss (CtcLossBackward0).

The forward (alpha) and backward (beta) recursions run in log space over time, one step at a
time as in PyTorch, each step vectorised over the batch and the extended target positions
(blank, l1, blank, l2, ..., blank). The gradient is PyTorch's: with respect to the log
probabilities, exp(lp) - exp(log(sum of alpha*beta over the positions of a label) + nll -
lp), which is the gradient of the loss through the log_softmax that produced lp.
"""
import numpy as np

from .._backend import xp_of
from ..autograd.graph import Node
from ..ops._base import Tensor, record, wrap

_NEG_INF = -np.inf


def _logsumexp(xp, *arrays):
    stacked = xp.stack(arrays)
    top = stacked.max(0)
    safe = xp.where(xp.isfinite(top), top, 0)
    with np.errstate(divide="ignore"):
        return xp.log(xp.exp(stacked - safe).sum(0)) + safe


def _lengths(value, name, batch):
    if isinstance(value, Tensor):
        value = value._data
    arr = np.asarray(value.get() if hasattr(value, "get") else value).reshape(-1)
    if arr.dtype.kind not in "iu":
        arr = arr.astype(np.int64)
    if arr.shape[0] != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    return arr.astype(np.int64)


class CtcLossBackward0(Node):
    def backward(self, g):
        grad = self.grad_lp
        if grad is None:
            grad = self.grad_lp = _gradient(self)
        scale = g.reshape(1, -1, 1) if g.dim() else g
        return wrap(grad, g) * scale, None


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """PyTorch's F.ctc_loss: log_probs (T, N, C) or (T, C); targets padded (N, S) or
    concatenated (sum of target_lengths)."""
    unbatched = log_probs.dim() != 3
    lp_t = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp_t.dim() != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {lp_t.dim()}-"
                           "dimensional tensor for argument #1 'log_probs' (while checking "
                           "arguments for ctc_loss_allocate_outputs)")
    lp = lp_t._data
    xp = xp_of(lp)
    T, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    il = _lengths(input_lengths, "input_lengths", N)
    tl = _lengths(target_lengths, "target_lengths", N)
    tg = np.asarray(targets._data.get() if hasattr(targets._data, "get") else targets._data)
    if unbatched:
        tg = tg.reshape(1, -1)
    if il.size and il.max() > T:
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{il.max()} (while checking arguments for "
                           "ctc_loss_allocate_outputs)")
    L = int(tl.max()) if tl.size else 0
    labels = np.zeros((N, L), np.int64)
    if tg.ndim == 1:  # concatenated targets
        offsets = np.concatenate([[0], np.cumsum(tl)[:-1]])
        for b in range(N):  # one slice per sequence (N is small; the work is per time step)
            labels[b, :tl[b]] = tg[offsets[b]:offsets[b] + tl[b]]
    else:
        if tg.shape[1] < L:
            raise RuntimeError(f"Expected tensor to have size at least {L} at dimension 1, but "
                               f"got size {tg.shape[1]} for argument #2 'targets' (while "
                               "checking arguments for ctc_loss_allocate_outputs)")
        labels[:] = tg[:, :L]
    in_seq = np.arange(L)[None, :] < tl[:, None]
    if ((labels < 0) | (labels >= C))[in_seq].any():
        raise RuntimeError(f"ctc_loss: target labels must lie in [0, {C}) (the classes of "
                           "log_probs)")
    S = 2 * L + 1
    ext = np.full((N, S), blank, np.int64)
    ext[:, 1::2] = labels
    # a step from s-2 to s is allowed onto a label that differs from the label two back
    skip = np.zeros((N, S), bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    valid_s = np.arange(S)[None, :] < (2 * tl + 1)[:, None]
    ext_x, skip_x, valid_x = xp.asarray(ext), xp.asarray(skip), xp.asarray(valid_s)
    emit = xp.take_along_axis(lp, xp.broadcast_to(ext_x[None], (T, N, S)), 2)  # (T, N, S)

    alpha = xp.full((T, N, S), _NEG_INF, lp.dtype)
    alpha[0, :, 0] = emit[0, :, 0]
    if S > 1:
        alpha[0, :, 1] = xp.where(xp.asarray(tl) > 0, emit[0, :, 1], _NEG_INF)
    for t in range(1, T):
        prev = alpha[t - 1]
        one = xp.full_like(prev, _NEG_INF)
        one[:, 1:] = prev[:, :-1]
        two = xp.full_like(prev, _NEG_INF)
        two[:, 2:] = prev[:, :-2]
        two = xp.where(skip_x, two, _NEG_INF)
        alpha[t] = xp.where(valid_x, _logsumexp(xp, prev, one, two) + emit[t], _NEG_INF)
    rows = np.arange(N)
    last_t = np.maximum(il - 1, 0)
    end = 2 * tl
    a_end = alpha[xp.asarray(last_t), xp.asarray(rows), xp.asarray(end)]
    a_pre = xp.where(xp.asarray(tl) > 0,
                     alpha[xp.asarray(last_t), xp.asarray(rows), xp.asarray(np.maximum(end - 1,
                                                                                         0))],
                     _NEG_INF)
    nll = -_logsumexp(xp, a_end, a_pre)
    nll = xp.where(xp.asarray(il) > 0, nll, xp.where(xp.asarray(tl) > 0, np.inf, 0.0))
    nll = nll.astype(lp.dtype, copy=False)

    per_sample = wrap(nll, log_probs)
    node = record(CtcLossBackward0, per_sample, (lp_t, targets))
    if node is not None:
        node.lp, node.emit, node.alpha, node.nll = lp, emit, alpha, nll
        node.ext, node.skip, node.valid = ext_x, skip_x, valid_x
        node.il, node.tl, node.zero_infinity = il, tl, zero_infinity
        node.grad_lp = None
    res = per_sample
    if zero_infinity:
        inf = per_sample == float("inf")
        res = per_sample.where(~inf, per_sample.new_zeros(()))
    if unbatched:
        res = res.squeeze(0)
    if reduction == "mean":
        denom = wrap(xp.asarray(np.maximum(tl, 1)).astype(lp.dtype), log_probs)
        return (res / (denom.squeeze(0) if unbatched else denom)).mean()
    if reduction == "sum":
        return res.sum()
    return res


def _gradient(node):
    """d nll / d log_probs, (T, N, C), from the saved alpha and a beta recursion."""
    lp, emit, alpha, nll = node.lp, node.emit, node.alpha, node.nll
    ext, skip, valid = node.ext, node.skip, node.valid
    xp = xp_of(lp)
    T, N, C = lp.shape
    S = ext.shape[1]
    il, tl = xp.asarray(node.il), xp.asarray(node.tl)
    s_idx = xp.arange(S)[None, :]
    last = (s_idx == 2 * tl[:, None]) | ((s_idx == 2 * tl[:, None] - 1) & (tl[:, None] > 0))
    beta = xp.full((T, N, S), _NEG_INF, lp.dtype)
    # skipping forward from s onto s+2 is allowed when s+2 is a label unlike s
    skip_next = xp.zeros_like(skip)
    skip_next[:, :-2] = skip[:, 2:]
    for t in range(T - 1, -1, -1):
        start = xp.where(last, emit[t], _NEG_INF)
        if t == T - 1:
            rec = xp.full((N, S), _NEG_INF, lp.dtype)
        else:
            nxt = beta[t + 1]
            one = xp.full_like(nxt, _NEG_INF)
            one[:, :-1] = nxt[:, 1:]
            two = xp.full_like(nxt, _NEG_INF)
            two[:, :-2] = nxt[:, 2:]
            two = xp.where(skip_next, two, _NEG_INF)
            rec = _logsumexp(xp, nxt, one, two) + emit[t]
        here = xp.where((t == il - 1)[:, None], start,
                        xp.where((t < il - 1)[:, None], rec, _NEG_INF))
        beta[t] = xp.where(valid, here, _NEG_INF)
    ab = alpha + beta                                          # (T, N, S)
    top = ab.max(2, keepdims=True)
    top = xp.where(xp.isfinite(top), top, 0)
    onehot = (ext[:, :, None] == xp.arange(C)[None, None, :]).astype(lp.dtype)  # (N, S, C)
    summed = xp.einsum("tns,nsc->tnc", xp.exp(ab - top), onehot)
    with np.errstate(divide="ignore", invalid="ignore"):
        lcab = xp.log(summed) + top
        grad = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
    live = (xp.arange(T)[:, None] < il[None, :])[:, :, None]
    if node.zero_infinity:
        live = live & xp.isfinite(nll)[None, :, None]
    return xp.where(live, grad, 0).astype(lp.dtype, copy=False)
