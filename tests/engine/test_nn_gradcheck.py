"""The nn ops added for issue 12 against finite differences (tests/gradcheck.py), and their
second derivatives where the backward is written with engine ops (create_graph).

CrossMapLRN2d is not here: PyTorch's legacy backward for it is not the derivative of its
forward, and the engine reproduces PyTorch's (tests/engine/nn_reference/cases_conv_pool_norm)."""
import numpy as np
import pytest

import engine
import engine.nn.functional as F
from tests.gradcheck import gradcheck, gradgradcheck

rng = np.random.default_rng(12)


def away_from(x, points, gap=0.05):
    """x with every element at least ``gap`` from the kinks at ``points``."""
    x = x.copy()
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, gap, -gap) * 2
    return x


def r(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape)


def t(a):
    return engine.tensor(a)


# (name, function of engine tensors, input arrays, also check second derivatives: where the
# gradient of the first input depends on it; for ops linear in it there is nothing to check)
CASES = [
    ("celu", lambda x: F.celu(x, 1.5), [away_from(r(3, 4), [0])], True),
    ("selu", F.selu, [away_from(r(3, 4), [0])], True),
    ("glu", lambda x: F.glu(x, 1), [r(2, 4, 3)], True),
    ("hardshrink", lambda x: F.hardshrink(x, 0.3), [away_from(r(3, 4), [-0.3, 0.3])], False),
    ("softshrink", lambda x: F.softshrink(x, 0.3), [away_from(r(3, 4), [-0.3, 0.3])], False),
    ("hardsigmoid", F.hardsigmoid, [away_from(r(3, 4, low=-4, high=4), [-3, 3])], False),
    ("hardswish", F.hardswish, [away_from(r(3, 4, low=-4, high=4), [-3, 3])], True),
    ("logsigmoid", F.logsigmoid, [r(3, 4)], True),
    ("mish", F.mish, [r(3, 4)], True),
    ("prelu", F.prelu, [away_from(r(2, 3, 4), [0]), r(3)], False),
    ("rrelu_eval", lambda x: F.rrelu(x, 0.1, 0.3), [away_from(r(5), [0])], False),
    ("threshold", lambda x: F.threshold(x, 0.1, 2.0), [away_from(r(5), [0.1])], False),
    ("softsign", F.softsign, [away_from(r(5), [0])], True),
    ("tanhshrink", F.tanhshrink, [r(5)], True),
    ("kl_div", lambda a, b: F.kl_div(a, b, reduction="batchmean"),
     [r(3, 4), r(3, 4, low=0.1, high=1)], False),
    ("poisson_nll", lambda a, b: F.poisson_nll_loss(a, b, full=True),
     [r(3, 4), r(3, 4, low=0, high=3)], True),
    ("gaussian_nll", lambda a, b, v: F.gaussian_nll_loss(a, b, v),
     [r(3, 4), r(3, 4), r(3, 4, low=0.5, high=2)], True),
    ("margin_ranking", lambda a, b: F.margin_ranking_loss(a, b, t([1.0, -1, 1, -1]), 0.05),
     [r(4), r(4)], False),
    ("hinge_embedding", lambda a: F.hinge_embedding_loss(a, t([1.0, -1, -1, 1]), 0.5),
     [away_from(r(4), [0.5])], False),
    ("cosine_embedding", lambda a, b: F.cosine_embedding_loss(a, b, t([1.0, -1, 1])),
     [r(3, 4), r(3, 4)], True),
    ("soft_margin", lambda a: F.soft_margin_loss(a, t([1.0, -1, 1, -1])), [r(4)], True),
    ("multi_margin_p1", lambda a: F.multi_margin_loss(a, t([0, 2, 1])), [r(3, 4)], False),
    ("multi_margin_p2", lambda a: F.multi_margin_loss(a, t([0, 2, 1]), p=2), [r(3, 4)], True),
    ("multilabel_margin", lambda a: F.multilabel_margin_loss(a, t([[0, 2, -1, 1], [3, -1, 0, 0]])),
     [r(2, 4)], False),
    ("multilabel_soft_margin", lambda a: F.multilabel_soft_margin_loss(a, t([[0.0, 1, 1],
                                                                           [1, 0, 0]])),
     [r(2, 3)], True),
    ("triplet", lambda a, p, n: F.triplet_margin_loss(a, p, n, swap=True),
     [r(3, 4), r(3, 4), r(3, 4)], True),
    ("ctc", lambda lp: F.ctc_loss(lp.log_softmax(2), t([[1, 2], [3, 3]]), (5, 4), (2, 2)),
     [r(5, 2, 4)], False),
    ("pairwise_distance", lambda a, b: F.pairwise_distance(a, b, 3.0), [r(3, 4), r(3, 4)], True),
    ("cosine_similarity", lambda a, b: F.cosine_similarity(a, b), [r(3, 4), r(3, 4)], True),
    ("pdist", lambda a: F.pdist(a, 3.0), [r(4, 3)], True),
    ("conv3d", lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1),
     [r(1, 2, 3, 4, 3), r(3, 2, 2, 2, 2), r(3)], False),
    ("conv_transpose3d", lambda x, w: F.conv_transpose3d(x, w, stride=2, padding=1,
                                                         output_padding=1),
     [r(1, 2, 2, 2, 2), r(2, 3, 3, 2, 2)], False),
    ("max_pool3d", lambda x: F.max_pool3d(x, 2, 1), [r(1, 2, 3, 3, 3)], False),
    ("avg_pool3d", lambda x: F.avg_pool3d(x, 2, 1, 1, count_include_pad=False),
     [r(1, 2, 3, 3, 3)], False),
    ("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)), [r(1, 2, 3, 4, 5)],
     False),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3)), [r(2, 2, 5, 4)], False),
    ("lp_pool2d", lambda x: F.lp_pool2d(x, 1.5, 2), [r(1, 2, 4, 4, low=0.2, high=1)], True),
    ("max_unpool2d", lambda x: F.max_unpool2d(x, t(np.array([[[[0, 3], [9, 14]]]])), 2),
     [r(1, 1, 2, 2)], False),
    ("fractional_max_pool2d",
     lambda x: F.fractional_max_pool2d(x, 2, output_size=3,
                                       _random_samples=t(np.array([[[0.3, 0.6]]]))),
     [r(1, 1, 6, 6)], False),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), [r(2, 4, 3), r(4), r(4)], True),
    ("instance_norm", lambda x: F.instance_norm(x), [r(2, 3, 5)], True),
    ("rms_norm", lambda x, w: F.rms_norm(x, (4,), w), [r(3, 4), r(4)], True),
    ("local_response_norm", lambda x: F.local_response_norm(x, 3, 0.1), [r(2, 5, 3)], True),
    ("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), [r(1, 8, 2, 3)], False),
    ("channel_shuffle", lambda x: F.channel_shuffle(x, 2), [r(2, 4, 3)], False),
    ("unfold", lambda x: F.unfold(x, 2, padding=1, stride=2), [r(1, 2, 4, 5)], False),
    ("fold", lambda x: F.fold(x, (4, 5), 2, padding=1, stride=2), [r(1, 8, 9)], False),
    ("sdpa_flash", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
     [r(1, 2, 3, 4), r(1, 2, 3, 4), r(1, 2, 3, 4)], True),
    ("sdpa_float_mask", lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v,
                                                                         attn_mask=m),
     [r(2, 3, 4), r(2, 5, 4), r(2, 5, 3), r(3, 5)], True),
    ("affine_grid", lambda th: F.affine_grid(th, (1, 1, 3, 4), align_corners=False),
     [r(1, 2, 3)], False),
    ("grid_sample", lambda x, g: F.grid_sample(x, g, padding_mode="border",
                                               align_corners=True),
     [r(1, 2, 4, 5), away_from(r(1, 3, 2, 2, low=-0.9, high=0.9),
                               list(np.linspace(-1, 1, 5)), 0.02)], False),
    ("embedding_bag", lambda w, p: F.embedding_bag(t(np.array([1, 2, 4, 4, 3])), w,
                                                   t(np.array([0, 2])), mode="sum",
                                                   per_sample_weights=p),
     [r(6, 2), r(5)], False),
]


@pytest.mark.parametrize("name,fn,arrays,second", CASES, ids=[c[0] for c in CASES])
def test_gradients_match_finite_differences(name, fn, arrays, second):
    gradcheck(fn, *arrays)
    if second:
        gradgradcheck(fn, *arrays)


def test_multihead_attention_gradients():
    mha = engine.nn.MultiheadAttention(4, 2, batch_first=True, kdim=3, vdim=5).double()
    kpm = engine.tensor([[False, False, True], [False, False, False]])

    def fn(q, k, v):
        return mha(q, k, v, key_padding_mask=kpm)[0]
    gradcheck(fn, r(2, 2, 4), r(2, 3, 3), r(2, 3, 5))


def test_packed_lstm_gradients():
    lstm = engine.nn.LSTM(2, 3, bidirectional=True).double()
    rnn = engine.nn.utils.rnn

    def fn(x):
        packed = rnn.pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
        return rnn.pad_packed_sequence(lstm(packed)[0])[0]
    gradcheck(fn, r(4, 3, 2))
