"""Attention: scaled_dot_product_attention and multi_head_attention_forward.

Where PyTorch's CPU flash kernel runs (see _flash_applies), scaled dot-product attention is
one op, ScaledDotProductFlashAttentionForCpuBackward0: the forward computes
softmax(q k^T * scale + bias) v on arrays and keeps the probabilities; the backward is written
with engine ops, and recomputes the probabilities from q and k when it is itself being
differentiated. A row that every mask entry hides gets zero weights (PyTorch's safe softmax),
not NaN. Elsewhere (dropout, other shapes) it is the composition of ops PyTorch's math kernel
runs.

multi_head_attention_forward follows PyTorch's Python implementation step by step, so its
masks, shape checks, messages and nodes are PyTorch's.
"""
import math
import warnings

import numpy as np

from .._backend import xp_of
from ..autograd import grad_mode
from ..autograd.graph import Node
from ..ops._base import CPP_NAMES, Tensor, broadcast_error, const, record, wrap
from ..ops.shape import cat
from ._misc import dropout, pad


# ---- scaled dot-product attention -----------------------------------------------------------

def _bias_array(attn_mask, is_causal, q_len, k_len, dtype, xp):
    """The additive bias (-inf where masked), or None."""
    bias = None
    if is_causal:
        keep = np.tril(np.ones((q_len, k_len), bool))
        bias = xp.asarray(np.where(keep, 0.0, -np.inf).astype(dtype))
    if attn_mask is not None:
        m = attn_mask._data
        if m.dtype == np.bool_:
            extra = xp.where(m, xp.zeros((), dtype), xp.asarray(-np.inf, dtype))
        else:
            extra = m.astype(dtype, copy=False)
        bias = extra if bias is None else bias + extra
    return bias


def _probabilities(scores, xp):
    """softmax over the last dim; rows that are all -inf give zeros (PyTorch's safe softmax)."""
    top = scores.max(-1, keepdims=True)
    dead = ~xp.isfinite(top)
    e = xp.exp(scores - xp.where(dead, 0, top))
    total = e.sum(-1, keepdims=True)
    return xp.where(dead, 0, e / xp.where(total == 0, 1, total))


def _probabilities_op(q, k, bias, scale):
    """The same probabilities as engine ops (for a backward that is itself differentiated)."""
    scores = (q @ k.transpose(-2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    live = (scores._data.max(-1, keepdims=True) > -np.inf)
    scores = scores.masked_fill(const(~live, scores), 0.0)
    return scores.softmax(-1) * const(live, scores)


class ScaledDotProductFlashAttentionForCpuBackward0(Node):
    def backward(self, g):
        q, k, v, bias, probs = self.saved_tensors
        scale = self.scale
        if grad_mode._state[0]:  # create_graph: probabilities as a function of q and k
            probs = _probabilities_op(q, k, bias, scale)
        need = self.needs_input_grad
        grad_v = probs.transpose(-2, -1) @ g if need[2] else None
        dp = g @ v.transpose(-2, -1)
        ds = probs * (dp - (dp * probs).sum(-1, keepdim=True))
        grad_q = (ds @ k) * scale if need[0] else None
        grad_k = (ds.transpose(-2, -1) @ q) * scale if need[1] else None
        grad_bias = ds if len(need) > 3 and need[3] else None
        return grad_q, grad_k, grad_v, grad_bias


def _sdpa_checks(query, key, value, attn_mask):
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.dim()} key.dim: {key.dim()} and "
                           f"value.dim: {value.dim()} instead.")
    if not query.dtype == key.dtype == value.dtype:
        names = [t.dtype.legacy.lower() for t in (query, key, value)]
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {names[0]} key.dtype: {names[1]} and value.dtype: "
                           f"{names[2]} instead.")
    if attn_mask is not None:
        if attn_mask.dtype.name != "bool" and attn_mask.dtype != query.dtype:
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query "
                               f"dtype, but got attn_mask.dtype: "
                               f"{CPP_NAMES[attn_mask.dtype.name]} and  query.dtype: "
                               f"{CPP_NAMES[query.dtype.name]} instead.")


def _repeat_heads(t, times):
    """repeat_interleave(times, dim=-3) as expand + reshape."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(shape[:-2] + (times,) + shape[-2:])
    return expanded.reshape(shape[:-3] + (shape[-3] * times,) + shape[-2:])


def _flash_applies(query, key, value, attn_mask, dropout_p):
    """Where PyTorch's CPU flash kernel runs (else its math kernel): 4-d inputs of one batch
    and head count, one head size, a 2-d or 4-d mask that needs no gradient, no dropout."""
    return (dropout_p == 0.0 and query.dim() == key.dim() == value.dim() == 4
            and query.shape[:2] == key.shape[:2] == value.shape[:2]
            and query.shape[-1] == value.shape[-1]
            and (attn_mask is None or (attn_mask.dim() in (2, 4)
                                       and not attn_mask.requires_grad)))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    _sdpa_checks(query, key, value, attn_mask)
    if enable_gqa and query.dim() >= 3 and query.shape[-3] != key.shape[-3]:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of "
                               "heads in ")
        key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hv)
    q_len, k_len = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    xp = xp_of(query._data)
    dtype = query._data.dtype
    bias = _bias_array(attn_mask, is_causal, q_len, k_len, dtype, xp)
    float_mask = attn_mask is not None and attn_mask.dtype.name != "bool"
    if float_mask and attn_mask.requires_grad:  # the bias is a function of the mask
        bias_t = attn_mask
    else:
        bias_t = None if bias is None else const(bias, query)
    if not _flash_applies(query, key, value, attn_mask, dropout_p):
        # PyTorch's math kernel, op by op (dropout, broadcast batches, other shapes); only
        # the flash kernel takes a mask and the causal hint together
        if attn_mask is not None and is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
        probs = _probabilities_op(query, key, bias_t, scale)
        return dropout(probs, dropout_p, True) @ value
    q, k, v = query._data, key._data, value._data
    batch = int(np.prod(np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])))
    if k.shape[-1] != q.shape[-1]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {q.shape[-1]}] but got: [{batch}, {k.shape[-1]}].")
    if v.shape[-2] != k.shape[-2]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {k.shape[-2]}] but got: [{batch}, {v.shape[-2]}].")
    scores = (q @ xp.swapaxes(k, -1, -2)) * dtype.type(scale)
    if bias is not None:
        try:
            scores = scores + bias
        except ValueError:
            raise broadcast_error(scores.shape, bias.shape) from None
    probs = _probabilities(scores, xp).astype(dtype, copy=False)
    out = wrap((probs @ v).astype(dtype, copy=False), query)
    inputs = (query, key, value) + ((attn_mask,) if float_mask else ())
    node = record(ScaledDotProductFlashAttentionForCpuBackward0, out, inputs)
    if node is not None:
        node.save(query, key, value, bias_t, wrap(probs, query))
        node.scale = scale
    return out


# ---- multi-head attention -------------------------------------------------------------------

def none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask becomes an additive float mask (-inf where True); float masks pass."""
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype.name != "bool" and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if not is_float:
        xp = xp_of(mask._data)
        data = xp.where(mask._data, xp.asarray(-np.inf, target_type.np),
                        xp.zeros((), target_type.np))
        mask = wrap(data, mask)
    return mask


def mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) query, False for unbatched (2-D); PyTorch's errors otherwise."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                                 f" but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _in_projection_packed(q, k, v, w, b, linear):
    e = q.shape[-1]
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            proj = proj.unflatten(-1, (3, e)).unsqueeze(0).transpose(0, -2).squeeze(-2) \
                .contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        kv = linear(k, w_kv, b_kv).unflatten(-1, (2, e)).unsqueeze(0).transpose(0, -2) \
            .squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q, b_k, b_v, linear):
    eq, ek, ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, w, want in (("query", w_q, (eq, eq)), ("key", w_k, (eq, ek)),
                          ("value", w_v, (eq, ev))):
        if tuple(w.shape) != want:
            raise AssertionError(f"expecting {name} weights shape of {want}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (eq,):
            raise AssertionError(f"expecting {name} bias shape of {(eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    from .functional import linear
    is_batched = mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask",
                                      none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the causal mask is applied by scaled_dot_product_attention
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias, linear)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v, linear)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, "static_k", bsz * num_heads, head_dim)
    v = _heads(v, static_v, "static_v", bsz * num_heads, head_dim)

    if add_zero_attn:
        zeros = (bsz * num_heads, 1, head_dim)
        k = cat([k, k.new_zeros(zeros)], 1)
        v = cat([v, v.new_zeros(zeros)], 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len) \
            .expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        e = q.shape[-1]
        q_scaled = q * math.sqrt(1.0 / float(e))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = attn_mask.baddbmm(q_scaled, k.transpose(-2, -1))
        else:
            weights = q_scaled.bmm(k.transpose(-2, -1))
        weights = weights.softmax(-1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = weights.bmm(v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.shape[1])
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.shape[1])
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _heads(t, static, name, rows, head_dim):
    """(L, N, E) -> (N*H, L, E/H), or the given static key/value after checking its shape."""
    if static is None:
        return t.view(t.shape[0], rows, head_dim).transpose(0, 1)
    if static.shape[0] != rows:
        raise AssertionError(f"expecting {name}.size(0) of {rows}, but got {static.shape[0]}")
    if static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got "
                             f"{static.shape[2]}")
    return static
