"""Tensors built out of others: block_diag, cartesian_prod, combinations, diagflat;
set membership (isin) and reversed subtraction (rsub) as torch.* functions."""
import itertools

import numpy as np

from .._backend import xp_of
from .._dtype import promote_types
from ._base import Node, Tensor, const, record, wrap
from .shape import diag, meshgrid, stack


class BlockDiagBackward0(Node):
    def backward(self, g):
        grads = []
        for (r0, r1, c0, c1), shape, need in zip(self.blocks, self.shapes,
                                                 self.needs_input_grad):
            grads.append(g[r0:r1, c0:c1].reshape(shape) if need else None)
        return tuple(grads)


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-d) placed along the diagonal of one matrix."""
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
        mats.append(t._data.reshape((1,) * (2 - t.ndim) + t._data.shape))
    if not tensors:
        from ..creation import empty
        return empty(1, 0)
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    xp = xp_of(mats[0])
    rows, cols = sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)
    out = xp.zeros((rows, cols), dtype=dtype.np)
    blocks, r, c = [], 0, 0
    for m in mats:
        out[r:r + m.shape[0], c:c + m.shape[1]] = m
        blocks.append((r, r + m.shape[0], c, c + m.shape[1]))
        r, c = r + m.shape[0], c + m.shape[1]
    result = wrap(out, tensors[0])
    node = record(BlockDiagBackward0, result, tensors)
    if node is not None:
        node.blocks, node.shapes = blocks, [t._data.shape for t in tensors]
    return result


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as rows."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """Rows of ``r`` elements of a 1-D tensor, in order (itertools' combinations)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty(0)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return input[const(xp_of(input._data).asarray(index), input)]


def diagflat(input, offset=0):
    return diag(input.reshape(-1), offset)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` occurs in ``test_elements`` (either may be a number)."""
    from ..creation import tensor
    like = elements if isinstance(elements, Tensor) else test_elements
    e = elements._data if isinstance(elements, Tensor) else \
        xp_of(like._data).asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else \
        xp_of(like._data).asarray([test_elements])
    found = xp_of(e).isin(e, t, invert=invert)
    return wrap(xp_of(e).asarray(found), like) if isinstance(elements, Tensor) else \
        tensor(bool(found), device=like.device)


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    from .arith import sub
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    return (input * alpha if alpha != 1 else input).rsub(other)


__all__ = ["block_diag", "cartesian_prod", "combinations", "diagflat", "isin",
           "rsub"]
NOT_METHODS = {"block_diag", "cartesian_prod", "combinations", "isin", "rsub"}
