"""Selecting and placing by a boolean mask: masked_fill, masked_select, masked_scatter,
where, nonzero and argwhere."""
import numpy as np

from .._backend import xp_of
from ._base import (CPP_NAMES, Node, Tensor, _grad_state, broadcast_shape, operands, record,
                    wrap, write_out, zeros)
from .index import index_put


# ---- masks ---------------------------------------------------------------------------------

def _bool_mask(mask, message):
    if not isinstance(mask, Tensor):
        raise TypeError(f"mask must be a Tensor, not {type(mask).__name__}")
    if mask._data.dtype.kind != "b":
        raise RuntimeError(message.format(c=CPP_NAMES[mask.dtype.name], legacy=mask.dtype.legacy))
    return mask._data


class MaskedFillBackward0(Node):
    def backward(self, g):
        if not _grad_state[0]:
            gd = g._data
            return (wrap(xp_of(gd).where(self.mask._data, gd.dtype.type(0), gd), g),)
        return (masked_fill(g, self.mask, 0),)


class MaskedFillBackward1(Node):
    def backward(self, g):
        gv = None
        if self.needs_input_grad[1]:
            gv = where(self.mask, g, 0).sum()
        return masked_fill(g, self.mask, 0), gv


def masked_fill(input, mask, value):
    m = _bool_mask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype {c}")
    data = input._data
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        fill = value._data.astype(data.dtype)
    else:
        fill = data.dtype.type(value)  # a NumPy scalar: both NumPy and CuPy accept it
    broadcast_shape(data.shape, m.shape)  # PyTorch's message when they do not broadcast
    out = wrap(xp_of(data).where(m, fill, data), input)
    if isinstance(value, Tensor):
        node = record(MaskedFillBackward1, out, (input, value))
    else:
        node = record(MaskedFillBackward0, out, (input,))
    if node is not None:
        node.mask = mask
    return out


class MaskedSelectBackward0(Node):
    def backward(self, g):
        mask = self.mask
        if mask._data.shape != self.shape:
            mask = mask.expand(self.shape)
        return (index_put(zeros(self.shape, g), (mask,), g),)


def masked_select(input, mask, *, out=None):
    m = _bool_mask(mask, "masked_select: expected BoolTensor for mask")
    data = input._data
    shape = broadcast_shape(data.shape, m.shape)
    xp = xp_of(data)
    if data.shape != shape:
        data = xp.broadcast_to(data, shape)
    if m.shape != shape:
        m = xp.broadcast_to(m, shape)
    result = wrap(data[m], input)
    node = record(MaskedSelectBackward0, result, (input,))
    if node is not None:
        node.mask, node.shape = mask, shape
    return write_out(out, result)


class MaskedScatterBackward0(Node):
    def backward(self, g):
        gx = gs = None
        mask = self.mask
        if self.needs_input_grad[0]:
            gx = masked_fill(g, mask, 0)
        if self.needs_input_grad[1]:
            # source's first k entries went to the k masked places, in order; the rest unused
            taken = masked_select(g, mask)
            flat = zeros((self.src_numel,), g)
            flat = index_put(flat, (slice(0, taken._data.shape[0]),), taken)
            gs = flat.reshape(self.src_shape)
        return gx, gs


def masked_scatter(input, mask, source):
    """Copy source's leading elements, in order, into the places where mask is True."""
    m = _bool_mask(mask, "masked_scatter_ only supports boolean masks, but got mask with dtype "
                         "{legacy}")
    if source.dtype is not input.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but "
                           f"got{input.dtype.legacy} and {source.dtype.legacy}")
    data = input._data
    xp = xp_of(data)
    shape = broadcast_shape(data.shape, m.shape)
    out = xp.broadcast_to(data, shape).copy()
    if m.shape != shape:
        m = xp.broadcast_to(m, shape)
    k = int(m.sum())
    if k > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out[m] = source._data.reshape(-1)[:k]
    result = wrap(out, input)
    node = record(MaskedScatterBackward0, result, (input, source))
    if node is not None:
        node.mask, node.src_shape, node.src_numel = mask, source._data.shape, source._data.size
    return result


# ---- where / nonzero -----------------------------------------------------------------------

class WhereBackward0(Node):
    def backward(self, g):
        cond = self.condition
        if not _grad_state[0]:  # no graph of the gradient: plain arrays are enough
            c, gd, xp = cond._data, g._data, xp_of(g._data)
            zero = gd.dtype.type(0)
            ga = wrap(xp.where(c, gd, zero), g) if self.needs_input_grad[0] \
                else None
            gb = wrap(xp.where(c, zero, gd), g) if self.needs_input_grad[1] \
                else None
            return ga, gb
        ga = where(cond, g, 0) if self.needs_input_grad[0] else None
        gb = where(cond, 0, g) if self.needs_input_grad[1] else None
        return ga, gb


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes 1 or 3 arguments: (condition) or "
                        "(condition, input, other)")
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not "
                        f"{type(condition).__name__}")
    c = condition._data
    if c.dtype.kind != "b":
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype.legacy}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from ..creation import tensor
        input = tensor(input, device=condition.device)
    a, b, ad, bd = operands(input, other)
    try:
        data = xp_of(c).where(c, ad, bd)
    except ValueError:  # PyTorch's message names the shapes that do not broadcast
        broadcast_shape(c.shape, broadcast_shape(np.shape(ad), np.shape(bd)))
        raise
    result = wrap(data, a if isinstance(a, Tensor) else b)
    node = record(WhereBackward0, result, (a if isinstance(a, Tensor) else None,
                                           b if isinstance(b, Tensor) else None))
    if node is not None:
        node.condition = condition
    return write_out(out, result)


def _where_method(self, condition, other):
    """Tensor.where(condition, y) is torch.where(condition, self, y)."""
    return where(condition, self, other)


def nonzero(input, *, as_tuple=False, out=None):
    if not isinstance(as_tuple, bool):
        raise TypeError(f"nonzero(): argument 'as_tuple' must be bool, not "
                        f"{type(as_tuple).__name__}")
    data = input._data
    xp = xp_of(data)
    if data.ndim == 0:
        hit = bool(data)
        if as_tuple:
            return (wrap(xp.zeros(int(hit), dtype=np.int64), input),)
        return wrap(xp.zeros((int(hit), 0), dtype=np.int64), input)
    coords = xp.nonzero(data)
    if as_tuple:
        return tuple(wrap(c.astype(np.int64, copy=False), input) for c in coords)
    return write_out(out, wrap(xp.stack(coords, axis=1).astype(np.int64, copy=False), input))


def argwhere(input):
    return nonzero(input)


__all__ = ["masked_fill", "masked_select", "masked_scatter", "where", "nonzero", "argwhere"]
NOT_METHODS = {"where"}
EXTRA_METHODS = {"where": _where_method}
