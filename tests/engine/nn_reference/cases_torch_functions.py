"""The torch.* spellings of nn ops, called with PyTorch's native signatures (enum reductions,
weight-first embedding, positional dropout, tuple-returning pooling)."""
from . import case


@case
def torch_level_nn_ops(lib):
    torch = lib.torch
    res = {}
    x4 = lib.rand(2, 3, 5, 5)
    w4 = lib.rand(4, 3, 3, 3)
    res.update(lib.run(lambda x, w: torch.conv2d(x, w, None, 1, 1), x4, w4, prefix="conv2d."))
    res.update(lib.run(lambda x, w: torch.convolution(x, w, None, [1, 1], [1, 1], [1, 1], False,
                                                      [0, 0], 1), lib.rand(2, 3, 5, 5), w4,
                       prefix="convolution."))
    res.update(lib.run(lambda x, w: torch.convolution(x, w, None, [2], [1], [1], True, [1], 1),
                       lib.rand(2, 3, 4), lib.rand(3, 2, 3), prefix="convolution_t."))
    res.update(lib.run(lambda x: torch.conv1d(x, lib.rand(4, 3, 2, grad=False)),
                       lib.rand(2, 3, 6), prefix="conv1d."))
    res.update(lib.run(lambda x: torch.conv3d(x, lib.rand(2, 3, 2, 2, 2, grad=False)),
                       lib.rand(1, 3, 3, 3, 3), prefix="conv3d."))
    res.update(lib.run(lambda x: torch.conv_transpose2d(x, lib.rand(3, 2, 2, 2, grad=False), None,
                                                        2), lib.rand(1, 3, 3, 3),
                       prefix="convt2d."))
    res.update(lib.run(lambda x: torch.max_pool2d(x, 2), lib.rand(2, 3, 4, 4), prefix="mp2."))
    res.update(lib.run(lambda x: torch.max_pool1d_with_indices(x, 2), lib.rand(2, 3, 6),
                       prefix="mp1i."))
    res.update(lib.run(lambda x: torch.adaptive_max_pool1d(x, 3), lib.rand(2, 3, 7),
                       prefix="amp1."))
    res.update(lib.run(lambda x: torch.avg_pool1d(x, 2), lib.rand(2, 3, 6), prefix="ap1."))
    res.update(lib.run(lambda x, w, b: torch.batch_norm(x, w, b, None, None, True, 0.1, 1e-5,
                                                        True), lib.rand(4, 3), lib.rand(3),
                       lib.rand(3), prefix="bn."))
    res.update(lib.run(lambda x: torch.instance_norm(x, None, None, None, None, True, 0.1, 1e-5,
                                                     True), lib.rand(2, 3, 5), prefix="in."))
    res.update(lib.run(lambda x: torch.layer_norm(x, (4,)), lib.rand(3, 4), prefix="ln."))
    res.update(lib.run(lambda x: torch.group_norm(x, 2), lib.rand(2, 4, 3), prefix="gn."))
    res.update(lib.run(lambda w: torch.embedding(w, torch.tensor([[0, 2], [3, 3]]), 3),
                       lib.rand(5, 2), prefix="emb."))
    res.update(lib.run(lambda w: torch.embedding_bag(w, torch.tensor([1, 2, 4, 4, 3]),
                                                     torch.tensor([0, 2, 2]), False, 2),
                       lib.rand(6, 2), prefix="embbag."))
    res.update(lib.run(lambda x: torch.celu(x, 2.0), lib.rand(5), prefix="celu."))
    res.update(lib.run(lambda x: torch.hardshrink(x, 0.3), lib.rand(5), prefix="hardshrink."))
    res.update(lib.run(lambda x: x.hardshrink(), lib.rand(5), prefix="hardshrink_m."))
    res.update(lib.run(lambda x, w: x.prelu(w), lib.rand(2, 3), lib.rand(3), prefix="prelu_m."))
    res.update(lib.run(lambda x: torch.threshold(x, 0.1, -1.0), lib.rand(5), prefix="thr."))
    res.update(lib.run(lambda x: torch.constant_pad_nd(x, [1, 2], 0.5), lib.rand(2, 3),
                       prefix="cpad."))
    res.update(lib.run(lambda a, b: torch.binary_cross_entropy_with_logits(a, b, None, None, 0),
                       lib.rand(4), lib.rand(4, low=0, high=1), prefix="bcel."))
    res.update(lib.run(lambda a, b: torch.kl_div(a, b, 2), lib.rand(4),
                       lib.rand(4, low=0.1, high=1), prefix="kl."))
    res.update(lib.run(lambda a, b: torch.margin_ranking_loss(a, b, torch.tensor([1.0, -1, 1]),
                                                              0.1, 0), lib.rand(3), lib.rand(3),
                       prefix="mrl."))
    res.update(lib.run(lambda a, b: torch.poisson_nll_loss(a, b, True, False, 1e-8, 1),
                       lib.rand(4), lib.rand(4, low=0, high=2), prefix="pnll."))
    res.update(lib.run(lambda a: torch.triplet_margin_loss(a, a * 2, a * 3, 1.0, 2, 1e-6, False, 2),
                       lib.rand(3, 4), prefix="trip."))
    res.update(lib.run(lambda a, b: torch.cosine_similarity(a, b), lib.rand(3, 4), lib.rand(3, 4),
                       prefix="cos."))
    res.update(lib.run(lambda x: torch.pixel_shuffle(x, 2), lib.rand(1, 4, 2, 2), prefix="ps."))
    res.update(lib.run(lambda t: torch.affine_grid_generator(t, [1, 1, 2, 3], False),
                       lib.rand(1, 2, 3), prefix="agg."))
    res.update(lib.run(lambda x, g: torch.grid_sampler(x, g, 0, 1, True), lib.rand(1, 2, 3, 3),
                       lib.rand(1, 2, 2, 2), prefix="gs."))
    res.update(lib.run(lambda x, h, a, b: torch.lstm_cell(x, (h, h), a, b), lib.rand(2, 3),
                       lib.rand(2, 4), lib.rand(16, 3), lib.rand(16, 4), prefix="lstm_cell."))
    res.update(lib.run(lambda x, h, a, b: torch.gru_cell(x, h, a, b), lib.rand(2, 3),
                       lib.rand(2, 4), lib.rand(12, 3), lib.rand(12, 4), prefix="gru_cell."))
    res.update(lib.run(lambda x, h, a, b: torch.rnn_tanh_cell(x, h, a, b), lib.rand(2, 3),
                       lib.rand(2, 4), lib.rand(4, 3), lib.rand(4, 4), prefix="rnn_cell."))
    res["dropout_eval"] = torch.dropout(x4, 0.5, False) is x4
    res["feature_dropout_all"] = torch.feature_dropout(torch.ones(2, 3, 2), 1.0, True)
    res["relu_"] = torch.relu_(torch.tensor([-1.0, 2.0]))
    res["embedding_bag_aux"] = tuple(
        t for t in torch.embedding_bag(lib.rand(6, 2, grad=False), torch.tensor([1, 2, 4, 4, 3]),
                                       torch.tensor([0, 2, 2]), False, 1)[1:])
    return res
