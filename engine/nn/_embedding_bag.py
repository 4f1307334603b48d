"""embedding_bag: per bag (a run of indices), the sum, mean or max of the looked-up rows.

Bags are consecutive runs of the flat index list, so the forward is np.add.reduceat /
np.maximum.reduceat over the gathered rows (empty bags give zeros). The node,
EmbeddingBagBackward0, adds each bag's gradient back into the rows it read with index_add
(engine ops), and gives per_sample_weights their gradient in 'sum' mode.
"""
import numpy as np

from .._backend import ufunc_method, xp_of
from ..autograd.graph import Node
from ..ops._base import record, wrap

SUM, MEAN, MAX = 0, 1, 2


class EmbeddingBagBackward0(Node):
    def backward(self, g):
        weight, psw = self.saved_tensors
        need = self.needs_input_grad
        rows, bags, scale = self.rows, self.bags, self.scale
        gw = gp = None
        if need[0]:
            if self.mode == MAX:
                num, dim = weight.shape
                flat = g.reshape(-1) * self.max_keep  # empty bags read no row
                gw = (weight.reshape(-1) * 0).index_add(0, self.max_flat, flat).reshape(num, dim)
            else:
                per_row = g.index_select(0, bags)
                if scale is not None:
                    per_row = per_row * scale.unsqueeze(1)
                if psw is not None:
                    per_row = per_row * psw.reshape(-1).unsqueeze(1)
                gw = (weight * 0).index_add(0, rows, per_row)
        if len(need) > 1 and need[1]:
            picked = weight.index_select(0, rows) * g.index_select(0, bags)
            gp = picked.sum(1).reshape(psw.shape)
        return gw, gp


def embedding_bag(weight, flat_index, starts, mode, per_sample_weights, padding_idx,
                  scale_grad_by_freq, aux=False):
    """flat_index (L,) and bag starts (B,) as arrays; returns the (B, D) tensor, or with
    ``aux`` also (bag of each index, bag sizes, the row each max came from) as arrays."""
    w = weight._data
    xp = xp_of(w)
    num, dim = w.shape
    n_bags = len(starts)
    idx = np.asarray(flat_index, np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = idx[(idx < 0) | (idx >= num)][0]
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {num}")
    ends = np.append(starts[1:], len(idx)).astype(np.int64)
    starts = np.asarray(starts, np.int64)
    lengths = ends - starts
    bag_of = np.repeat(np.arange(n_bags), np.maximum(lengths, 0))
    live = np.ones(len(idx), bool) if padding_idx is None else idx != padding_idx
    count = np.bincount(bag_of[live], minlength=n_bags)
    rows = w[xp.asarray(idx)]
    psw = None if per_sample_weights is None else per_sample_weights._data.reshape(-1)
    scale = None
    if mode == MEAN:
        scale = live / np.maximum(count[bag_of], 1)
    elif padding_idx is not None or mode == SUM:
        scale = live.astype(np.float64)
    if scale_grad_by_freq and mode != MAX:
        freq = np.bincount(idx, minlength=num)[idx]
        grad_scale = scale / freq
    else:
        grad_scale = scale
    out = xp.zeros((n_bags, dim), w.dtype)
    nonempty = lengths > 0
    if mode == MAX:
        masked = xp.where(xp.asarray(live)[:, None], rows, -xp.inf)
        if len(idx):
            peak = ufunc_method("maximum", "reduceat", masked,
                                np.minimum(starts, len(idx) - 1), 0)
            has = nonempty & (count > 0)
            out[xp.asarray(has)] = peak[xp.asarray(has)]
        # the row each output element came from: the first maximum of its bag
        hit = masked == out[xp.asarray(bag_of)]
        first = xp.where(hit, xp.arange(len(idx))[:, None], len(idx))
        arg = ufunc_method("minimum", "reduceat", first, np.minimum(starts, max(len(idx) - 1, 0)),
                           0) if len(idx) else xp.zeros((n_bags, dim), np.int64)
        arg = xp.where(xp.asarray(nonempty & (count > 0))[:, None], arg, -1)
        src_rows = xp.where(arg >= 0, xp.asarray(idx)[xp.clip(arg, 0, None)], -1)
    else:
        values = rows * xp.asarray(scale, w.dtype)[:, None]
        if psw is not None:
            values = values * psw[:, None]
        if len(idx):
            sums = ufunc_method("add", "reduceat", values, np.minimum(starts, len(idx) - 1), 0)
            out[xp.asarray(nonempty)] = sums[xp.asarray(nonempty)]
    res = wrap(out, weight)
    if aux:
        return res, bag_of, lengths, (src_rows if mode == MAX else None)
    inputs = (weight, per_sample_weights) if per_sample_weights is not None else (weight,)
    node = record(EmbeddingBagBackward0, res, inputs)
    if node is not None:
        node.save(weight, per_sample_weights)
        node.mode = mode
        node.rows = wrap(xp.asarray(idx), weight)
        node.bags = wrap(xp.asarray(bag_of), weight)
        node.scale = None if grad_scale is None else wrap(xp.asarray(grad_scale, w.dtype),
                                                           weight)
        if mode == MAX:
            cols = xp.arange(dim)[None, :]
            flat = xp.where(src_rows >= 0, src_rows * dim + cols, -1)
            keep = flat.reshape(-1) >= 0
            node.max_flat = wrap(xp.where(keep, flat.reshape(-1), 0), weight)
            node.max_keep = wrap(keep, weight)
    return res
