"""clip_grad_norm_ and clip_grad_value_: rescale or clamp gradients in place."""
import math

from ... import _backend
from ...creation import tensor
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale all gradients together so their joint norm is at most max_norm; returns the
    norm before clipping (a 0-d tensor), as PyTorch does."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return tensor(0.0)
    xp = _backend.xp_of(grads[0]._data)
    if norm_type == math.inf:
        total = max(float(xp.abs(g._data).max()) for g in grads)
    else:
        total = sum(float((xp.abs(g._data.astype("float64")) ** norm_type).sum())
                    for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._bump_version()
    return tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        xp = _backend.xp_of(g._data)
        xp.clip(g._data, -clip_value, clip_value, out=g._data)
        g._bump_version()
