"""Scaled dot-product attention, MultiheadAttention and the Transformer modules: outputs,
attention weights, gradients of inputs and parameters, masks of every kind, reprs, state_dict
names, warnings and errors."""
from . import case


@case
def sdpa_masks_and_shapes(lib):
    F, torch = lib.F, lib.torch
    res = {}
    bool_mask = torch.tensor(lib.rng.random((4, 5)) > 0.3)
    bool_mask[1] = False  # a row that sees nothing: zero weights, not NaN
    float_mask = torch.tensor(lib.array(4, 5))
    for key, kwargs in (("plain", {}), ("bool", {"attn_mask": bool_mask}),
                        ("bool4", {"attn_mask": bool_mask.expand(2, 3, 4, 5)}),
                        ("float", {"attn_mask": float_mask}),
                        ("causal", {"is_causal": True}), ("scale", {"scale": 0.3})):
        for dtype in (torch.float64, torch.float32):
            if key == "float":
                kwargs = {"attn_mask": float_mask.to(dtype)}
            args = [lib.rand(2, 3, 4, 8, dtype=dtype), lib.rand(2, 3, 5, 8, dtype=dtype),
                    lib.rand(2, 3, 5, 8, dtype=dtype)]
            res.update(lib.run(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs),
                               *args, prefix=f"{key}.{dtype}."))
    grad_mask = lib.rand(4, 5)
    res.update(lib.run(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                       lib.rand(2, 3, 4, 8), lib.rand(2, 3, 5, 8), lib.rand(2, 3, 5, 6), grad_mask,
                       prefix="mask_grad."))
    for key, shapes in (("3d", ((3, 4, 8), (3, 5, 8), (3, 5, 6))),
                        ("2d", ((4, 8), (5, 8), (5, 8))),
                        ("bcast", ((2, 3, 4, 8), (1, 3, 5, 8), (1, 1, 5, 8))),
                        ("vdim", ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6))),
                        ("bmask3", ((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 8)))):
        kwargs = {"attn_mask": bool_mask.expand(3, 4, 5)} if key == "bmask3" else {}
        res.update(lib.run(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs),
                           *[lib.rand(*s) for s in shapes], prefix=f"{key}."))
    res.update(lib.run(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                       lib.rand(2, 6, 4, 8), lib.rand(2, 3, 5, 8), lib.rand(2, 3, 5, 8),
                       prefix="gqa."))
    res.update(lib.run(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                       lib.rand(2, 3, 5, 8), lib.rand(2, 3, 4, 8), lib.rand(2, 3, 4, 8),
                       prefix="causal_rect."))
    return res


@case
def sdpa_dropout_and_errors(lib):
    F, torch = lib.F, lib.torch
    q, k, v = lib.rand(2, 3, 4, 8), lib.rand(2, 3, 5, 8), lib.rand(2, 3, 5, 8)
    res = {}
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    res["drop_all"] = out
    res["drop_all.grad_fn"] = out.grad_fn.name()
    half = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    res["drop_half.shape"] = tuple(half.shape)
    res["drop_half.grad_fn"] = half.grad_fn.name()
    mask = torch.ones(4, 5, dtype=torch.bool)
    both = torch.tensor(lib.rng.random((4, 5)) > 0.3)
    res["causal_and_mask"] = F.scaled_dot_product_attention(q, k, v, attn_mask=both,
                                                            is_causal=True)
    res["causal_mask"] = lib.error(F.scaled_dot_product_attention, q, k, v[..., :6],
                                   attn_mask=mask, is_causal=True)
    res["dim"] = lib.error(F.scaled_dot_product_attention, q, k[..., :7], v)
    res["kv"] = lib.error(F.scaled_dot_product_attention, q, k, v[..., :4, :6])
    res["gqa_bad"] = lib.error(F.scaled_dot_product_attention, lib.rand(2, 4, 4, 8), k, v,
                               enable_gqa=True)
    res["gqa_off"] = lib.error(F.scaled_dot_product_attention, lib.rand(2, 6, 4, 8), k, v)
    res["mask_shape"] = lib.error(F.scaled_dot_product_attention, q, k, v,
                                  attn_mask=torch.ones(3, 5, dtype=torch.bool))
    res["int_mask"] = lib.error(F.scaled_dot_product_attention, q, k, v,
                                attn_mask=torch.ones(4, 5, dtype=torch.int64))
    res["1d"] = lib.error(F.scaled_dot_product_attention, q[0, 0, 0], k[0, 0, 0], v[0, 0, 0])
    res["dtype"] = lib.error(F.scaled_dot_product_attention, q.float(), k, v)
    res["mask_dtype"] = lib.error(F.scaled_dot_product_attention, q.float(), k.float(),
                                  v.float(), attn_mask=torch.zeros(4, 5, dtype=torch.float64))
    return res


MHA_CONFIGS = {
    "default": ({}, False),
    "batch_first": ({"batch_first": True}, False),
    "kvdim": ({"kdim": 3, "vdim": 5}, False),
    "bias_kv": ({"add_bias_kv": True, "add_zero_attn": True}, False),
    "no_bias": ({"bias": False}, False),
    "zero_attn": ({"add_zero_attn": True, "batch_first": True}, True),
}


def _mha_inputs(lib, module, batched=True):
    e = module.embed_dim
    lead = ((2, 4) if module.batch_first else (4, 2)) if batched else (4,)
    src = ((2, 5) if module.batch_first else (5, 2)) if batched else (5,)
    return lib.rand(*lead, e), lib.rand(*src, module.kdim), lib.rand(*src, module.vdim)


@case
def mha_configs(lib):
    nn = lib.nn
    res = {}
    for name, (kwargs, _) in MHA_CONFIGS.items():
        m = lib.init(nn.MultiheadAttention(6, 2, **kwargs))
        res[f"{name}.repr"] = repr(m)
        res[f"{name}.params"] = [n for n, _ in m.named_parameters()]
        res[f"{name}.state"] = list(m.state_dict())
        q, k, v = _mha_inputs(lib, m)
        res.update(lib.run(m, q, k, v, module=m, prefix=f"{name}."))
        m.zero_grad()
        res.update(lib.run(lambda a, b, c: m(a, b, c, need_weights=False), *_mha_inputs(lib, m),
                           module=m, prefix=f"{name}.nw."))
        m.zero_grad()
        res.update(lib.run(lambda a, b, c: m(a, b, c, average_attn_weights=False),
                           *_mha_inputs(lib, m), module=m, prefix=f"{name}.heads."))
        res.update(lib.run(m, *_mha_inputs(lib, m, batched=False), prefix=f"{name}.unbatched."))
    # self-attention (query is key is value), as a Transformer calls it
    m = lib.init(nn.MultiheadAttention(6, 3, batch_first=True))
    x = lib.rand(2, 4, 6)
    res.update(lib.run(lambda t: m(t, t, t), x, module=m, prefix="self."))
    return res


@case
def mha_masks(lib):
    nn, torch = lib.nn, lib.torch
    res = {}
    m = lib.init(nn.MultiheadAttention(6, 2))
    pad = torch.tensor([[False, False, False, True, True], [False, False, False, False, True]])
    causal = nn.Transformer.generate_square_subsequent_mask(4).double()
    square = torch.tensor(lib.rng.random((4, 5)) > 0.7)
    masks = {"kpm_bool": {"key_padding_mask": pad},
             "kpm_float": {"key_padding_mask": pad.double() * -1e9},
             "attn_bool": {"attn_mask": square},
             "attn_float": {"attn_mask": torch.tensor(lib.array(4, 5))},
             "attn_3d": {"attn_mask": torch.tensor(lib.rng.random((4, 4, 5)) > 0.7)},
             "both": {"attn_mask": square, "key_padding_mask": pad}}
    for name, kwargs in masks.items():
        for need_weights in (True, False):
            m.zero_grad()
            res.update(lib.run(lambda q, k, v: m(q, k, v, need_weights=need_weights, **kwargs),
                               lib.rand(4, 2, 6), lib.rand(5, 2, 6), lib.rand(5, 2, 6),
                               module=m, prefix=f"{name}.{need_weights}."))
    for need_weights in (True, False):
        x = lib.rand(4, 2, 6)
        res.update(lib.run(lambda t: m(t, t, t, attn_mask=causal, is_causal=True,
                                       need_weights=need_weights), x,
                           prefix=f"causal.{need_weights}."))
    mixed, res["mixed.warn"] = lib.warnings(m, lib.rand(4, 2, 6), lib.rand(5, 2, 6),
                                            lib.rand(5, 2, 6), key_padding_mask=pad,
                                            attn_mask=torch.tensor(lib.array(4, 5)))
    res["mixed"] = mixed[0]
    return res


@case
def mha_errors(lib):
    nn, torch = lib.nn, lib.torch
    m = nn.MultiheadAttention(6, 2).double()
    q = lib.rand(4, 2, 6)
    return {
        "heads": lib.error(nn.MultiheadAttention, 6, 4),
        "zero": lib.error(nn.MultiheadAttention, 0, 2),
        "kv_rank": lib.error(m, q, lib.rand(5, 6), lib.rand(5, 6)),
        "q_rank": lib.error(m, lib.rand(2, 2, 4, 6), q, q),
        "embed": lib.error(m, lib.rand(4, 2, 5), lib.rand(4, 2, 5), lib.rand(4, 2, 5)),
        "kv_shape": lib.error(m, q, lib.rand(5, 2, 6), lib.rand(4, 2, 6)),
        "mask2d": lib.error(m, q, q, q, attn_mask=torch.zeros(3, 4, dtype=torch.float64)),
        "mask3d": lib.error(m, q, q, q, attn_mask=torch.zeros(3, 4, 4, dtype=torch.float64)),
        "mask4d": lib.error(m, q, q, q, attn_mask=torch.zeros(1, 2, 4, 4, dtype=torch.float64)),
        "kpm_rank": lib.error(m, q, q, q, key_padding_mask=torch.zeros(2, dtype=torch.bool)),
        "kpm_shape": lib.error(m, q, q, q, key_padding_mask=torch.zeros(3, 4, dtype=torch.bool)),
        "mask_int": lib.error(m, q, q, q, attn_mask=torch.zeros(4, 4, dtype=torch.int64)),
        "causal_no_mask": lib.error(m, q, q, q, is_causal=True),
    }


def _stack_inputs(lib, batch_first, batched=True, length=4):
    if not batched:
        return lib.rand(length, 8)
    return lib.rand(2, length, 8) if batch_first else lib.rand(length, 2, 8)


@case
def transformer_layers(lib):
    nn, F = lib.nn, lib.F
    res = {}
    for name, kwargs in (("post", {}), ("pre", {"norm_first": True}),
                         ("gelu", {"activation": "gelu", "batch_first": True}),
                         ("callable", {"activation": F.silu, "norm_first": True}),
                         ("module_act", {"activation": nn.GELU(), "bias": False})):
        enc = lib.init(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kwargs))
        bf = kwargs.get("batch_first", False)
        res[f"{name}.enc.repr"] = repr(enc)
        res[f"{name}.enc.state"] = list(enc.state_dict())
        res[f"{name}.enc.relu_or_gelu"] = enc.activation_relu_or_gelu
        res.update(lib.run(enc, _stack_inputs(lib, bf), module=enc, prefix=f"{name}.enc."))
        res.update(lib.run(enc, _stack_inputs(lib, bf, False), prefix=f"{name}.enc.unb."))
        dec = lib.init(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **kwargs))
        res[f"{name}.dec.state"] = list(dec.state_dict())
        res.update(lib.run(dec, _stack_inputs(lib, bf), _stack_inputs(lib, bf, length=5),
                           module=dec, prefix=f"{name}.dec."))
        res.update(lib.run(dec, _stack_inputs(lib, bf, False),
                           _stack_inputs(lib, bf, False, 5), prefix=f"{name}.dec.unb."))
    res["bad_activation"] = lib.error(nn.TransformerEncoderLayer, 8, 2, activation="tanh")
    return res


@case
def transformer_stacks(lib):
    nn, torch = lib.nn, lib.torch
    res = {}
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    enc, res["enc.warn"] = lib.warnings(nn.TransformerEncoder, layer, 2, nn.LayerNorm(8))
    lib.init(enc)
    res["enc.repr"] = repr(enc)
    causal = nn.Transformer.generate_square_subsequent_mask(4).double()
    res["causal_mask"] = causal
    pad = torch.tensor([[False, False, False, True], [False, False, False, False]])
    res.update(lib.run(lambda x: enc(x, mask=causal), lib.rand(4, 2, 8), module=enc,
                       prefix="enc.causal."))
    res.update(lib.run(lambda x: enc(x, src_key_padding_mask=pad), lib.rand(4, 2, 8),
                       prefix="enc.pad."))
    for first, why in ((nn.TransformerEncoderLayer(8, 2, batch_first=True, norm_first=True),
                        "norm_first"),
                       (nn.TransformerEncoderLayer(9, 3, batch_first=True), "odd"),
                       (nn.TransformerEncoderLayer(8, 2, batch_first=True, activation="gelu"),
                        "none")):
        _, res[f"warn.{why}"] = lib.warnings(nn.TransformerEncoder, first, 1)
    _, res["warn.disabled"] = lib.warnings(nn.TransformerEncoder, layer, 1,
                                           enable_nested_tensor=False)
    # batch_first in eval mode with padding and no gradients: padded positions come out as 0
    fast = lib.init(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0,
                                                                     batch_first=True), 2,
                                          nn.LayerNorm(8))).eval()
    pad_bf = torch.tensor([[False, False, True, True], [False, False, False, False]])
    with torch.no_grad():
        res["fast.out"] = fast(lib.rand(2, 4, 8, grad=False), src_key_padding_mask=pad_bf)
        not_left = torch.tensor([[True, False, False, False], [False, False, False, False]])
        res["fast.notleft"] = fast(lib.rand(2, 4, 8, grad=False), src_key_padding_mask=not_left)
    res["fast.grad"] = fast(lib.rand(2, 4, 8), src_key_padding_mask=pad_bf)
    dec = lib.init(nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0), 2,
                                         nn.LayerNorm(8)))
    res["dec.repr"] = repr(dec)
    res.update(lib.run(lambda t, m: dec(t, m, tgt_mask=causal, memory_key_padding_mask=pad[:, :3]
                                        .expand(2, 3).contiguous()),
                       lib.rand(4, 2, 8), lib.rand(3, 2, 8), module=dec, prefix="dec."))
    return res


@case
def transformer_full(lib):
    nn = lib.nn
    res = {}
    model, res["warn"] = lib.warnings(nn.Transformer, 8, 2, 2, 1, 16, 0.0)
    lib.init(model)
    res["repr"] = repr(model)
    res["state"] = list(model.state_dict())
    res["count"] = sum(p.numel() for p in model.parameters())
    tgt_mask = model.generate_square_subsequent_mask(3).double()
    res.update(lib.run(lambda s, t: model(s, t, tgt_mask=tgt_mask), lib.rand(4, 2, 8),
                       lib.rand(3, 2, 8), module=model, prefix="fwd."))
    res.update(lib.run(lambda s, t: model(s, t, tgt_is_causal=True, tgt_mask=tgt_mask),
                       lib.rand(4, 8), lib.rand(3, 8), prefix="unbatched."))
    bf = lib.init(nn.Transformer(8, 2, 1, 1, 16, 0.0, batch_first=True, norm_first=True,
                                 activation="gelu"))
    res.update(lib.run(bf, lib.rand(2, 4, 8), lib.rand(2, 3, 8), module=bf, prefix="bf."))
    res["mask5"] = nn.Transformer.generate_square_subsequent_mask(5)
    res["batch"] = lib.error(model, lib.rand(4, 2, 8), lib.rand(3, 3, 8))
    res["features"] = lib.error(model, lib.rand(4, 2, 6), lib.rand(3, 2, 6))
    return res
