"""The rest of torch.nn: embedding bags, spatial transformers, adaptive softmax, the linear
cross-entropy loss, packed sequences through RNNs, and the dropout variants (random, so
checked by their structure: which elements fall together, what survives, the messages)."""

from . import case


@case
def embedding_bag(lib):
    nn, F, torch = lib.nn, lib.F, lib.torch
    res = {}
    flat = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9, 0])
    offsets = torch.tensor([0, 3, 3, 7])  # the second bag is empty
    for mode in ("sum", "mean", "max"):
        for pad in (None, 2):
            bag = lib.init(nn.EmbeddingBag(10, 3, mode=mode, padding_idx=pad))
            key = f"{mode}.{pad}."
            res[key + "repr"] = repr(bag)
            res.update(lib.run(lambda w: F.embedding_bag(flat, w, offsets, mode=mode,
                                                         padding_idx=pad), bag.weight,
                               prefix=key + "1d."))
            bag.weight.grad = None
            res.update(lib.run(lambda w: F.embedding_bag(torch.tensor([[1, 2, 4], [4, 3, 2]]),
                                                         w, mode=mode, padding_idx=pad),
                               bag.weight, prefix=key + "2d."))
    w = lib.rand(10, 3)
    psw = lib.rand(9)
    res.update(lib.run(lambda w, p: F.embedding_bag(flat, w, offsets, mode="sum",
                                                    per_sample_weights=p), w, psw,
                       prefix="psw."))
    w.grad = None
    res.update(lib.run(lambda w: F.embedding_bag(flat, w, torch.tensor([0, 3, 3, 7, 9]),
                                                 mode="mean", include_last_offset=True), w,
                       prefix="last."))
    # scale_grad_by_freq: PyTorch 2.13 divides by counts taken at the wrong positions (index 4,
    # seen twice, is not divided; indices seen once are halved), so it is not compared here;
    # the engine divides each row's gradient by how often its index occurs, as F.embedding does
    res["repr_opts"] = repr(nn.EmbeddingBag(5, 2, max_norm=1.0, norm_type=1.0,
                                            scale_grad_by_freq=True, mode="sum", padding_idx=-1))
    pre = nn.EmbeddingBag.from_pretrained(torch.tensor(lib.array(4, 2)), mode="max")
    res["pretrained"] = (repr(pre), pre.weight.requires_grad,
                         pre(torch.tensor([[0, 1], [2, 3]])))
    x2 = torch.tensor([[1, 2], [3, 4]])
    res["offsets_2d"] = lib.error(F.embedding_bag, x2, w, [0])
    res["no_offsets"] = lib.error(F.embedding_bag, flat, w)
    res["rank"] = lib.error(F.embedding_bag, torch.zeros(1, 1, 1, dtype=torch.int64), w)
    res["mode"] = lib.error(F.embedding_bag, x2, w, mode="median")
    res["max_freq"] = lib.error(F.embedding_bag, x2, w, mode="max", scale_grad_by_freq=True)
    res["psw_mode"] = lib.error(F.embedding_bag, x2, w, mode="mean",
                                per_sample_weights=lib.rand(2, 2))
    res["psw_shape"] = lib.error(F.embedding_bag, x2, w, mode="sum",
                                 per_sample_weights=lib.rand(3))
    res["first_offset"] = lib.error(F.embedding_bag, flat, w, torch.tensor([1, 3]))
    res["weight_rank"] = lib.error(F.embedding_bag, x2, lib.rand(3))
    return res


@case
def spatial_transformer(lib):
    F, torch = lib.F, lib.torch
    res = {}
    theta2 = lib.rand(2, 2, 3, low=-0.8, high=0.8)
    theta3 = lib.rand(2, 3, 4, low=-0.8, high=0.8)
    for align in (False, True):
        res.update(lib.run(lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners=align), theta2,
                           prefix=f"ag2.{align}."))
        res.update(lib.run(lambda t: F.affine_grid(t, (2, 1, 3, 2, 4), align_corners=align),
                           theta3, prefix=f"ag3.{align}."))
        for mode in ("bilinear", "nearest"):
            for pad in ("zeros", "border", "reflection"):
                key = f"gs2.{align}.{mode}.{pad}."
                grid = lib.rand(2, 3, 4, 2, low=-1.3, high=1.3)
                res.update(lib.run(lambda x, g: F.grid_sample(x, g, mode, pad, align),
                                   lib.rand(2, 2, 4, 5), grid, prefix=key))
                grid3 = lib.rand(1, 2, 3, 2, 3, low=-1.3, high=1.3)
                res.update(lib.run(lambda x, g: F.grid_sample(x, g, mode, pad, align),
                                   lib.rand(1, 2, 3, 4, 3), grid3, prefix=key + "3d."))
    _, res["warn"] = lib.warnings(F.affine_grid, theta2.detach(), (2, 3, 4, 5))
    _, res["warn_gs"] = lib.warnings(F.grid_sample, lib.rand(1, 1, 2, 2),
                                     lib.rand(1, 2, 2, 2))
    res["theta_int"] = lib.error(F.affine_grid, torch.zeros(1, 2, 3, dtype=torch.int64),
                                 (1, 1, 2, 2), align_corners=False)
    res["theta_shape"] = lib.error(F.affine_grid, lib.rand(1, 3, 3), (1, 1, 2, 2),
                                   align_corners=False)
    res["size_len"] = lib.error(F.affine_grid, theta2, (2, 3, 4), align_corners=False)
    res["mode"] = lib.error(F.grid_sample, lib.rand(1, 1, 2, 2), lib.rand(1, 2, 2, 2),
                            mode="area")
    res["padding"] = lib.error(F.grid_sample, lib.rand(1, 1, 2, 2), lib.rand(1, 2, 2, 2),
                               padding_mode="wrap")
    return res


@case
def gumbel_and_probes(lib):
    F, torch = lib.F, lib.torch
    logits = lib.rand(6, 5)
    soft = F.gumbel_softmax(logits, tau=0.5)
    hard = F.gumbel_softmax(logits, hard=True)
    hard.sum().backward()
    _, warned = lib.warnings(F.gumbel_softmax, logits.detach(), eps=1e-5)
    return {
        "soft.rows": bool(torch.allclose(soft.sum(-1), torch.ones(6, dtype=torch.float64))),
        "soft.positive": bool((soft > 0).all()),
        "hard.onehot": bool(((hard == 0) | (hard == 1)).all() and (hard.sum(-1) == 1).all()),
        "hard.grad_fn": hard.grad_fn.name(),
        "hard.grad_shape": tuple(logits.grad.shape),
        "eps_warning": warned,
        "probes": (F.has_torch_function((logits,)), F.has_torch_function_unary(logits),
                   F.has_torch_function_variadic(logits, logits)),
    }


@case
def linear_cross_entropy(lib):
    nn, F, torch = lib.nn, lib.F, lib.torch
    res = {}
    for i, kwargs in enumerate(({}, {"bias": True, "reduction": "sum", "label_smoothing": 0.1},
                                {"ignore_index": 1, "reduction": "none",
                                 "weight": torch.tensor([0.5, 1.0, 2.0],
                                                        dtype=torch.float64)})):
        loss = lib.init(nn.LinearCrossEntropyLoss(4, 3, **kwargs))
        res[f"{i}.repr"] = repr(loss)
        res.update(lib.run(loss, lib.rand(5, 4), torch.tensor([0, 1, 2, 1, 0]), module=loss,
                           prefix=f"{i}."))
    k = lib.init(nn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True))
    res.update(lib.run(k, lib.rand(5, 4), lib.ints(0, 3, 5, 2), module=k, prefix="kdim."))
    opts = nn.LinearCrossEntropyOptions(batch_chunk_size=2)
    res["opts.repr"] = repr(opts)
    # chunked (PyTorch records its own chunking function's node): values and gradients
    plain = lib.init(nn.LinearCrossEntropyLoss(4, 3, options=opts))
    x = lib.rand(5, 4)
    loss = plain(x, torch.tensor([0, 1, 2, 1, 0]))
    loss.backward()
    res["chunked"] = (loss, x.grad, plain.linear.weight.grad)
    res.update(lib.run(lambda x, w: F.linear_cross_entropy(x, w, torch.tensor(2)),
                       lib.rand(4), lib.rand(3, 4), prefix="unbatched."))
    _, res["ignored_warning"] = lib.warnings(
        F.linear_cross_entropy, lib.rand(5, 4), lib.rand(3, 4), torch.tensor([0, 1, 2, 1, 0]),
        label_smoothing=0.1, options=opts)
    res["bad_policy"] = lib.error(nn.LinearCrossEntropyOptions, acc_policy="fast")
    res["bad_method"] = lib.error(nn.LinearCrossEntropyOptions, chunking_method="rows")
    res["bad_chunk"] = lib.error(nn.LinearCrossEntropyOptions, batch_chunk_size=0)
    res["rank"] = lib.error(F.linear_cross_entropy, lib.rand(2, 2, 4), lib.rand(3, 4),
                            torch.tensor([0]))
    res["features"] = lib.error(F.linear_cross_entropy, lib.rand(2, 5), lib.rand(3, 4),
                                torch.tensor([0, 1]))
    res["weight_shape"] = lib.error(nn.LinearCrossEntropyLoss, 4, 3, weight=torch.ones(2))
    return res


@case
def adaptive_log_softmax(lib):
    nn, torch = lib.nn, lib.torch
    res = {}
    m = lib.init(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=True))
    res["repr"] = repr(m)
    x = lib.rand(6, 8)
    out = lib.run(lambda t: m(t, torch.tensor([0, 2, 4, 7, 9, 5])), x, module=m)
    res.update(out)
    res["log_prob"] = m.log_prob(x.detach())
    res["predict"] = m.predict(x.detach())
    res.update(lib.run(lambda t: m(t, torch.tensor(7)), lib.rand(8), prefix="unbatched."))
    res["cutoffs"] = lib.error(nn.AdaptiveLogSoftmaxWithLoss, 8, 10, [6, 3])
    res["range"] = lib.error(m, lib.rand(2, 8), torch.tensor([1, 12]))
    res["batch"] = lib.error(m, lib.rand(3, 8), torch.tensor([1, 2]))
    return res


@case
def packed_sequences(lib):
    nn, torch = lib.nn, lib.torch
    R = nn.utils.rnn
    res = {}
    x = lib.rand(5, 3, 2)
    packed = R.pack_padded_sequence(x, [5, 3, 2])
    res["packed"] = (packed.data, packed.batch_sizes, packed.sorted_indices)
    res["packed.grad_fn"] = packed.data.grad_fn.name()
    res["type"] = str(type(packed))
    unsorted = R.pack_padded_sequence(x, torch.tensor([2, 5, 3]), enforce_sorted=False)
    res["unsorted"] = (unsorted.sorted_indices, unsorted.unsorted_indices,
                       unsorted.batch_sizes)
    pad, lengths = R.pad_packed_sequence(unsorted, batch_first=True, total_length=6)
    res["padded"] = (pad, lengths)
    seqs = [lib.rand(3, 2), lib.rand(1, 2), lib.rand(2, 2)]
    res["pad_sequence"] = R.pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    res["pad_left"] = R.pad_sequence(seqs, padding_side="left")
    res["pack_sequence"] = R.pack_sequence(seqs, enforce_sorted=False).batch_sizes
    res["unpack"] = R.unpack_sequence(R.pack_sequence(seqs, enforce_sorted=False))
    res["unpad"] = R.unpad_sequence(R.pad_sequence(seqs), torch.tensor([3, 1, 2]))
    res["sorted_error"] = lib.error(R.pack_padded_sequence, x, [2, 5, 3])
    res["count_error"] = lib.error(R.pack_padded_sequence, x, [5, 3])
    res["total_error"] = lib.error(R.pad_packed_sequence, packed, total_length=3)
    for mode in ("LSTM", "GRU", "RNN"):
        for bidirectional in (False, True):
            rnn = lib.init(getattr(nn, mode)(2, 3, num_layers=2, bidirectional=bidirectional))
            key = f"{mode}.{bidirectional}."

            def run(inp, h0=None):
                packed = R.pack_padded_sequence(inp, [2, 5, 3], enforce_sorted=False)
                out, hidden = rnn(packed, h0)
                padded, _ = R.pad_packed_sequence(out)
                return (padded,) + (hidden if mode == "LSTM" else (hidden,))
            res.update(lib.run(run, lib.rand(5, 3, 2), module=rnn, prefix=key))
            dirs = 2 if bidirectional else 1
            h0 = lib.rand(2 * dirs, 3, 3)
            state = (h0, lib.rand(2 * dirs, 3, 3)) if mode == "LSTM" else h0
            rnn.zero_grad()
            res.update(lib.run(lambda inp: run(inp, state), lib.rand(5, 3, 2),
                               prefix=key + "h0."))
    return res


@case
def rnn_cell_base(lib):
    nn = lib.nn
    cells = (nn.RNNCell(2, 3), nn.LSTMCell(2, 3), nn.GRUCell(2, 3))
    return {"isinstance": [isinstance(c, nn.RNNCellBase) for c in cells],
            "lstm_is_not": isinstance(nn.LSTM(2, 3), nn.RNNCellBase),
            "name": nn.RNNCellBase.__name__}


def _channels_fall_together(out, x):
    """Every (sample, channel) slice is all dropped or all kept (and scaled alike)."""
    flat_out = out.reshape(out.shape[0], out.shape[1], -1)
    ratio = flat_out / x.reshape(flat_out.shape)
    return bool((ratio == ratio[:, :, :1]).all())


@case
def dropout_variants(lib):
    nn, F, torch = lib.nn, lib.F, lib.torch
    res = {"repr": (repr(nn.Dropout3d()), repr(nn.AlphaDropout(0.2)),
                    repr(nn.FeatureAlphaDropout(0.3, True)))}
    x5 = torch.ones(4, 6, 2, 3, 2, dtype=torch.float64, requires_grad=True)
    out = F.dropout3d(x5, 0.5)
    res["3d.channels"] = _channels_fall_together(out, x5)
    res["3d.values"] = sorted(set(out.detach().reshape(-1).tolist()))
    res["3d.grad_fn"] = out.grad_fn.name()
    res["3d.eval"] = nn.Dropout3d().eval()(x5) is x5
    x4 = torch.ones(6, 2, 3, 2, dtype=torch.float64)
    out4 = F.dropout3d(x4, 0.5)
    res["3d.unbatched.shape"] = tuple(out4.shape)
    res["3d.unbatched.channels"] = _channels_fall_together(out4.unsqueeze(0), x4.unsqueeze(0))
    out3, res["3d.warn"] = lib.warnings(F.dropout3d, torch.ones(3, 4, 5), 0.5)
    res["3d.rank3.shape"] = tuple(out3.shape)
    res["3d.p"] = lib.error(F.dropout3d, x5, 1.5)
    big = torch.tensor(lib.rng.standard_normal(200000))
    alpha = F.alpha_dropout(big, 0.3, True)
    res["alpha.moments"] = (abs(float(alpha.mean())) < 0.02, abs(float(alpha.std()) - 1) < 0.02)
    res["alpha.dropped_value"] = round(float(alpha[alpha != alpha].numel()), 3)
    res["alpha.grad_fn"] = F.alpha_dropout(lib.rand(3), 0.5, True).grad_fn.name()
    res["alpha.all"] = F.alpha_dropout(lib.rand(3), 1.0, True)
    res["alpha.eval"] = F.alpha_dropout(big, 0.5) is big
    feat = F.feature_alpha_dropout(torch.ones(50, 40, 3, dtype=torch.float64), 0.5, True)
    res["feature.channels"] = bool((feat == feat[:, :, :1]).all())
    res["feature.values"] = len(set(feat.reshape(-1).tolist()))
    res["feature.rank"] = lib.error(F.feature_alpha_dropout, torch.ones(3), 0.5, True)
    res["alpha.p"] = lib.error(F.alpha_dropout, big, -0.1)
    return res


def _set_buffers(lib, module):
    with lib.torch.no_grad():
        for _, b in module.named_buffers():
            if b.is_floating_point():
                b.copy_(lib.torch.tensor(lib.array(*b.shape)))


@case
def weight_and_spectral_norm(lib):
    nn = lib.nn
    U = nn.utils
    res = {}
    for dim in (0, 1, None):
        m, warned = lib.warnings(U.weight_norm, nn.Linear(3, 4), dim=dim)
        lib.init(m)
        res[f"wn{dim}.warn"] = warned
        res[f"wn{dim}.state"] = list(m.state_dict())
        res.update(lib.run(m, lib.rand(2, 3), module=m, prefix=f"wn{dim}."))
    conv = lib.init(lib.warnings(U.weight_norm, nn.Conv2d(2, 3, 2), "weight", 2)[0])
    res.update(lib.run(conv, lib.rand(1, 2, 3, 3), module=conv, prefix="wn.conv."))
    removed = U.remove_weight_norm(conv)
    res["wn.removed"] = (list(removed.state_dict()), removed.weight)
    res["wn.twice"] = lib.error(U.weight_norm, lib.warnings(U.weight_norm, nn.Linear(2, 2))[0])
    for key, module in (("sn.lin", nn.Linear(3, 4)), ("sn.convt", nn.ConvTranspose2d(2, 3, 2))):
        m = lib.init(U.spectral_norm(module))
        _set_buffers(lib, m)
        res[key + ".state"] = list(m.state_dict())
        x = lib.rand(2, 3) if key == "sn.lin" else lib.rand(1, 2, 3, 3)
        res.update(lib.run(m, x, module=m, prefix=key + "."))
        res[key + ".buffers"] = (m.weight_u, m.weight_v)
        m.eval()
        res[key + ".eval"] = m(x.detach())
    res["sn.removed"] = list(U.remove_spectral_norm(m).state_dict())
    pwn = lib.init(U.parametrizations.weight_norm(nn.Linear(3, 4)))
    res["pwn.repr"] = repr(pwn)
    res["pwn.type"] = str(type(pwn))
    res["pwn.state"] = list(pwn.state_dict())
    res.update(lib.run(pwn, lib.rand(2, 3), module=pwn, prefix="pwn."))
    old = lib.warnings(U.weight_norm, lib.init(nn.Linear(3, 4)))[0]
    fresh = U.parametrizations.weight_norm(nn.Linear(3, 4))
    fresh.load_state_dict(old.state_dict())
    res["pwn.compat"] = fresh.weight
    psn = lib.init(U.parametrizations.spectral_norm(nn.Linear(3, 4)))
    _set_buffers(lib, psn)
    res["psn.state"] = list(psn.state_dict())
    res.update(lib.run(psn, lib.rand(2, 3), module=psn, prefix="psn."))
    P = U.parametrize
    res["is_parametrized"] = (P.is_parametrized(pwn), P.is_parametrized(pwn, "bias"),
                              P.type_before_parametrizations(pwn).__name__)
    P.remove_parametrizations(pwn, "weight")
    res["pwn.removed"] = (repr(pwn), str(type(pwn)), list(pwn.state_dict()))

    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(0, 1)

    sym = lib.init(nn.Linear(3, 3))
    P.register_parametrization(sym, "weight", Symmetric())
    res["sym.weight"] = sym.weight
    res["sym.repr"] = repr(sym)
    res["sym.shape_error"] = lib.error(P.register_parametrization, sym, "weight",
                                       nn.Flatten(0))
    return res
