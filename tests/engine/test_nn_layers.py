"""Layers: forwards against independent NumPy loops, gradients by finite differences (float64).

The NumPy references below are written as the textbook definitions (explicit loops over
output positions), not as the engine computes them.
"""
import math

import numpy as np
import pytest

import engine
import engine.nn as nn
import engine.nn.functional as F
from tests.gradcheck import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def t(a, requires_grad=False):
    return engine.tensor(a, requires_grad=requires_grad)


# ---- references ------------------------------------------------------------------------------

def ref_conv2d(x, w, b, stride, pad, dilation, groups):
    """Direct definition: sum over input channels of the group and the kernel window."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (ph0, ph1), (pw0, pw1) = pad
    xp = np.zeros((n, c, h + ph0 + ph1, wd + pw0 + pw1))
    xp[:, :, ph0:ph0 + h, pw0:pw0 + wd] = x
    oh = (h + ph0 + ph1 - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + pw0 + pw1 - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for oc in range(o):
        grp = oc // og
        for i in range(oh):
            for j in range(ow):
                for ki in range(kh):
                    for kj in range(kw):
                        r = i * stride[0] + ki * dilation[0]
                        q = j * stride[1] + kj * dilation[1]
                        out[:, oc, i, j] += (xp[:, grp * cg:(grp + 1) * cg, r, q]
                                             * w[oc, :, ki, kj]).sum(axis=1)
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def ref_conv_transpose2d(x, w, b, stride, pad, out_pad, groups):
    """Scatter each input pixel times the kernel into the output, then crop the padding."""
    n, cin, h, wd = x.shape
    _, og, kh, kw = w.shape
    full = np.zeros((n, og * groups, (h - 1) * stride + kh + out_pad, (wd - 1) * stride + kw
                     + out_pad))
    cg = cin // groups
    for ci in range(cin):
        grp = ci // cg
        for i in range(h):
            for j in range(wd):
                full[:, grp * og:(grp + 1) * og, i * stride:i * stride + kh,
                     j * stride:j * stride + kw] += x[:, ci, i, j][:, None, None, None] * w[ci]
    out = full[:, :, pad:full.shape[2] - pad, pad:full.shape[3] - pad]
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out


def ref_pool(x, k, s, p, reduce, fill):
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * p, w + 2 * p), float(fill))
    xp[:, :, p:p + h, p:p + w] = x
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(xp[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


# ---- linear ----------------------------------------------------------------------------------

def test_linear_forward_and_grad_fn_names():
    lin = nn.Linear(4, 3)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    out = lin(t(x))
    expect = x @ lin.weight.detach().numpy().T + lin.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expect, rtol=1e-5, atol=1e-6)
    assert out.grad_fn.name() == "AddmmBackward0"
    # PyTorch 2.13: next_functions of AddmmBackward0 are (bias, input, TBackward0 of weight)
    names = [f.name() if f is not None else None for f, _ in out.grad_fn.next_functions]
    assert names == ["AccumulateGrad", None, "TBackward0"]
    assert F.linear(t(x), lin.weight).grad_fn.name() == "MmBackward0"
    assert lin(t(rng.standard_normal((2, 3, 4)).astype(np.float32))).shape == (2, 3, 3)
    assert lin(t(x[0])).shape == (3,)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(5x3 and 4x3\)"):
        lin(t(x[:, :3]))


def test_linear_gradients():
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)
    gradcheck(lambda x, w, b: F.linear(x, w, b), x, w, b)
    gradcheck(lambda x, w: F.linear(x, w), rng.standard_normal((2, 3, 4)), w)
    gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), x, w, b)


# ---- convolution -----------------------------------------------------------------------------

CONV_CASES = [  # (n, c, h, w, o, k, stride, padding, dilation, groups)
    (2, 3, 7, 6, 4, 3, 1, 0, 1, 1),
    (2, 4, 9, 8, 6, 3, 2, 1, 1, 2),
    (1, 2, 8, 8, 2, 3, 1, 2, 2, 1),
    (2, 2, 6, 7, 4, 2, (2, 1), (1, 0), 1, 2),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_forward_matches_direct_definition(case):
    n, c, h, w, o, k, stride, padding, dilation, groups = case
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((o, c // groups, k, k))
    bias = rng.standard_normal(o)
    out = F.conv2d(t(x), t(weight), t(bias), stride, padding, dilation, groups)
    st = stride if isinstance(stride, tuple) else (stride, stride)
    pd = padding if isinstance(padding, tuple) else (padding, padding)
    expect = ref_conv2d(x, weight, bias, st, ((pd[0], pd[0]), (pd[1], pd[1])),
                        (dilation, dilation), groups)
    np.testing.assert_allclose(out.numpy(), expect, rtol=1e-10, atol=1e-10)


def test_conv2d_same_padding_even_kernel_pads_more_on_the_right():
    x, w = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2, 4, 2))
    out = F.conv2d(t(x), t(w), padding="same")
    assert out.shape == (1, 3, 5, 6)
    expect = ref_conv2d(x, w, None, (1, 1), ((1, 2), (0, 1)), (1, 1), 1)
    np.testing.assert_allclose(out.numpy(), expect, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CONV_CASES[:3])
def test_conv2d_gradients(case):
    n, c, h, w, o, k, stride, padding, dilation, groups = case
    x = rng.standard_normal((1, c, min(h, 6), min(w, 6)))
    weight = rng.standard_normal((o, c // groups, k, k))
    bias = rng.standard_normal(o)
    gradcheck(lambda x, wt, b: F.conv2d(x, wt, b, stride, padding, dilation, groups),
              x, weight, bias)


def test_conv2d_stride_one_gradients_grouped_dilated_and_wide_padding():
    x = rng.standard_normal((1, 4, 6, 6))
    gradcheck(lambda x, w: F.conv2d(x, w, padding=(2, 1), dilation=(2, 1), groups=2),
              x, rng.standard_normal((4, 2, 3, 3)))
    # padding beyond the kernel's reach (1x1 kernel, padding 1): the col2im path
    gradcheck(lambda x, w: F.conv2d(x, w, padding=1, groups=2), x,
              rng.standard_normal((2, 2, 1, 1)))


@pytest.mark.parametrize("layout", ["rows", "batch-innermost", "wide"])
@pytest.mark.parametrize("geometry", [((1, 1), ((1, 1), (1, 1)), (1, 1), 1),
                                      ((1, 1), ((0, 2), (1, 0)), (2, 1), 2),
                                      ((2, 1), ((1, 1), (0, 0)), (1, 2), 1)])
def test_conv_kernels_are_adjoint_on_layers_too_big_for_gradcheck(geometry, layout, monkeypatch):
    """<conv(x, w), g> == <x, conv^T(g, w)> == <w, corr(x, g)> on every kernel layout, and
    every layout agrees with the definition."""
    from engine.nn import _im2col as kernels
    monkeypatch.setattr(kernels, "_wide_pays",
                        lambda geo, *a: layout == "wide" and geo.stride == (1, 1))
    monkeypatch.setattr(kernels, "_narrow", lambda out_w: layout == "batch-innermost")
    geo = kernels.Geometry(*geometry)
    x = rng.standard_normal((3, 8, 20, 19))
    w = rng.standard_normal((8, 8 // geo.groups, 3, 3))
    y = kernels.conv(x, w, geo)
    g = rng.standard_normal(y.shape)
    dx = kernels.input_grad(g, w, x.shape, geo)
    dw = kernels.weight_grad(x, g, w.shape, geo)
    assert (y * g).sum() == pytest.approx((x * dx).sum(), rel=1e-10)
    assert (y * g).sum() == pytest.approx((w * dw).sum(), rel=1e-10)
    expect = ref_conv2d(x[:1], w, None, geo.stride, geo.pad, geo.dilation, geo.groups)
    np.testing.assert_allclose(y[:1], expect, atol=1e-10)


def test_conv2d_double_backward():
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 3, 3))
    # conv is bilinear, so its pure second derivatives vanish: a tanh after it makes the
    # check go through the backward of conv's backward ops.
    gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1, stride=2).tanh(), x, w)
    gradgradcheck(lambda w, x: F.conv2d(x, w, padding=1).tanh(), w, x)
    wt = rng.standard_normal((2, 3, 3, 3))
    gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2).tanh(), x, wt)


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_grad_fn_and_chunked_batches_agree(stride):
    from engine.nn import _im2col
    x = rng.standard_normal((5, 4, 12, 7))
    w = rng.standard_normal((6, 4, 3, 3))
    xt, wt = t(x, True), t(w, True)
    out = F.conv2d(xt, wt, padding=1, stride=stride)
    assert out.grad_fn.name() == "ConvolutionBackward0"
    g = rng.standard_normal(out.shape)
    out.backward(t(g))
    saved = _im2col._COLS_BUDGET
    _im2col._COLS_BUDGET = 1  # force one sample per chunk
    try:
        xt2, wt2 = t(x, True), t(w, True)
        out2 = F.conv2d(xt2, wt2, padding=1, stride=stride)
        out2.backward(t(g))
    finally:
        _im2col._COLS_BUDGET = saved
    np.testing.assert_allclose(out2.detach().numpy(), out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xt2.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(wt2.grad.numpy(), wt.grad.numpy(), atol=1e-12)
    expect = ref_conv2d(x[:1], w, None, (stride, stride), ((1, 1), (1, 1)), (1, 1), 1)
    np.testing.assert_allclose(out.detach().numpy()[:1], expect, atol=1e-10)


def test_conv1d_matches_conv2d_with_height_one_and_unbatched_input():
    x, w, b = rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 3)), rng.standard_normal(4)
    out = F.conv1d(t(x), t(w), t(b), stride=2, padding=1, dilation=2)
    expect = ref_conv2d(x[:, :, None], w[:, :, None], b, (1, 2), ((0, 0), (1, 1)), (1, 2), 1)
    np.testing.assert_allclose(out.numpy(), expect[:, :, 0], rtol=1e-10, atol=1e-10)
    assert out.grad_fn is None
    gradcheck(lambda x, w, b: F.conv1d(x, w, b, padding="same"), x[:1, :, :5], w, b)
    unbatched = F.conv1d(t(x[0]), t(w), t(b), stride=2, padding=1, dilation=2)
    np.testing.assert_allclose(unbatched.numpy(), out.numpy()[0], atol=1e-12)


def test_conv_transpose2d_forward_and_gradients():
    x = rng.standard_normal((2, 4, 3, 4))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(6)
    out = F.conv_transpose2d(t(x), t(w), t(b), stride=2, padding=1, output_padding=1,
                             groups=2)
    expect = ref_conv_transpose2d(x, w, b, 2, 1, 1, 2)
    assert out.shape == expect.shape == (2, 6, 6, 8)
    np.testing.assert_allclose(out.numpy(), expect, rtol=1e-10, atol=1e-10)
    gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, groups=2),
              x[:1, :, :2], w, b)
    layer = nn.ConvTranspose2d(4, 2, 3, stride=2)
    y = layer(t(x).float())
    assert y.grad_fn.name() == "ConvolutionBackward0" and y.shape == (2, 2, 7, 9)
    assert layer(t(x).float(), output_size=(8, 10)).shape == (2, 2, 8, 10)


def test_conv_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match=r"^Given groups=1, weight of size \[3, 3, 3, 3\], "
                                           r"expected input\[1, 2, 4, 4\] to have 3 channels, "
                                           r"but got 2 channels instead$"):
        F.conv2d(engine.randn(1, 2, 4, 4), engine.randn(3, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"^Calculated padded input size per channel: "
                                           r"\(2 x 2\). Kernel size: \(3 x 3\). Kernel size "
                                           r"can't be greater than actual input size$"):
        F.conv2d(engine.randn(1, 2, 2, 2), engine.randn(3, 2, 3, 3))
    with pytest.raises(RuntimeError, match=r"^Expected 3D \(unbatched\) or 4D \(batched\) "
                                           r"input to conv2d, but got input of size: \[4, 4\]$"):
        F.conv2d(engine.randn(4, 4), engine.randn(3, 2, 3, 3))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(engine.randn(1, 2, 4, 4), engine.randn(3, 2, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match=r"^Given weight of size \[3, 2, 3, 3\], expected bias "
                                           r"to be 1-dimensional with 3 elements, but got bias "
                                           r"of size \[6\] instead$"):
        F.conv2d(engine.randn(1, 2, 4, 4), engine.randn(3, 2, 3, 3), engine.randn(6))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 3, 3, groups=2)


def test_conv_layer_padding_modes():
    x = rng.standard_normal((1, 1, 4, 4))
    conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect", bias=False).double()
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="reflect")
    expect = ref_conv2d(padded, conv.weight.detach().numpy(), None, (1, 1), ((0, 0), (0, 0)),
                        (1, 1), 1)
    np.testing.assert_allclose(conv(t(x)).detach().numpy(), expect, atol=1e-12)


# ---- pooling ---------------------------------------------------------------------------------

def test_max_pool2d_forward_both_kernel_spellings():
    x = rng.standard_normal((2, 3, 8, 6))
    expect = ref_pool(x, 2, 2, 0, np.max, -np.inf)
    for k in (2, (2, 2)):
        out = F.max_pool2d(t(x, True), k)
        np.testing.assert_array_equal(out.detach().numpy(), expect)
        assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    out = F.max_pool2d(t(x), 3, stride=2, padding=1)
    np.testing.assert_array_equal(out.numpy(), ref_pool(x, 3, 2, 1, np.max, -np.inf))


def test_max_pool2d_gradient_goes_to_first_maximum_only():
    x = t(np.array([[[[1., 1., 0., 2.],
                      [1., 0., 2., 2.]]]]), True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1., 0., 0., 1.], [0., 0., 0., 0.]]]]
    # overlapping windows: each window's gradient goes to its own first maximum
    y = t(np.array([[[[3., 3., 3.]]]]), True)
    F.max_pool2d(y, (1, 2), stride=1).sum().backward()
    assert y.grad.tolist() == [[[[1., 1., 0.]]]]
    # NaN propagates, and (as in PyTorch 2.13) the last NaN of a window takes the gradient
    z = t(np.array([[[[np.nan, 1., 2., np.nan], [1., np.nan, 2., 3.]]]]), True)
    out = F.max_pool2d(z, 2)
    assert np.isnan(out.detach().numpy()).all()
    out.sum().backward()
    assert z.grad.tolist() == [[[[0., 0., 0., 1.], [0., 1., 0., 0.]]]]


def test_max_pool2d_gradients_indices_ceil_mode_and_errors():
    x = rng.standard_normal((1, 2, 5, 5))
    gradcheck(lambda x: F.max_pool2d(x, 3, stride=2, padding=1), x)
    gradcheck(lambda x: F.max_pool2d(x, 2, ceil_mode=True), x)
    assert F.max_pool2d(t(x), 2, ceil_mode=True).shape == (1, 2, 3, 3)
    out, idx = F.max_pool2d(t(x), 2, return_indices=True)
    flat = x.reshape(1, 2, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(1, 2, -1), 2),
                                  out.numpy().reshape(1, 2, -1))
    with pytest.raises(RuntimeError, match=r"Given input size: \(1x2x2\). Calculated output "
                                           r"size: \(1x0x0\). Output size is too small"):
        F.max_pool2d(engine.randn(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel "
                                           "size, but got pad=2, kernel_size=2 and dilation=1"):
        F.max_pool2d(engine.randn(1, 1, 4, 4), 2, padding=2)
    gradgradcheck(lambda x: F.max_pool2d(x, 2) ** 2, x[:, :, :4, :4])


def test_avg_pool2d_forward_gradients_and_padding_rules():
    x = rng.standard_normal((2, 2, 6, 5))
    out = F.avg_pool2d(t(x, True), 2)
    np.testing.assert_allclose(out.detach().numpy(), ref_pool(x, 2, 2, 0, np.mean, 0),
                               atol=1e-12)
    assert out.grad_fn.name() == "AvgPool2DBackward0"
    padded = F.avg_pool2d(t(x), 3, stride=2, padding=1)  # count_include_pad: divide by 9
    sums = ref_pool(x, 3, 2, 1, np.sum, 0)
    np.testing.assert_allclose(padded.numpy(), sums / 9, atol=1e-12)
    excl = F.avg_pool2d(t(x), 3, stride=2, padding=1, count_include_pad=False)
    counts = ref_pool(np.ones_like(x), 3, 2, 1, np.sum, 0)
    np.testing.assert_allclose(excl.numpy(), sums / counts, atol=1e-12)
    gradcheck(lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), x[:1])
    gradgradcheck(lambda x: F.avg_pool2d(x, 2) ** 2, x[:1, :1])


def test_adaptive_avg_pool2d():
    x = rng.standard_normal((2, 3, 7, 5))
    out = F.adaptive_avg_pool2d(t(x, True), (3, 2))
    expect = np.zeros((2, 3, 3, 2))
    for i in range(3):
        h0, h1 = (i * 7) // 3, math.ceil((i + 1) * 7 / 3)
        for j in range(2):
            w0, w1 = (j * 5) // 2, math.ceil((j + 1) * 5 / 2)
            expect[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    np.testing.assert_allclose(out.detach().numpy(), expect, atol=1e-12)
    assert out.grad_fn.name() == "AdaptiveAvgPool2DBackward0"
    assert F.adaptive_avg_pool2d(t(x, True), 1).grad_fn.name() == "MeanBackward1"
    gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 2)), x[:1, :1])
    assert nn.AdaptiveAvgPool2d((None, 2))(t(x)).shape == (2, 3, 7, 2)


def test_pool1d_layers():
    x = rng.standard_normal((2, 3, 9))
    out = nn.MaxPool1d(3, stride=2)(t(x))
    expect = np.stack([x[:, :, i * 2:i * 2 + 3].max(-1) for i in range(4)], -1)
    np.testing.assert_array_equal(out.numpy(), expect)
    avg = nn.AvgPool1d(3, stride=3)(t(x))
    np.testing.assert_allclose(avg.numpy(), x.reshape(2, 3, 3, 3).mean(-1), atol=1e-12)
    gradcheck(lambda x: F.max_pool1d(x, 2), x[:1])


# ---- normalisation ---------------------------------------------------------------------------

def test_batchnorm2d_training_running_stats_and_eval():
    bn = nn.BatchNorm2d(3).double()
    x = rng.standard_normal((4, 3, 2, 2)) * 2 + 1
    out = bn(t(x))
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    expect = (x - mean.reshape(1, 3, 1, 1)) / np.sqrt(var.reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(out.detach().numpy(), expect, atol=1e-10)
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x.var(axis=(0, 2, 3),
                                                                          ddof=1), atol=1e-12)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    ev = bn(t(x))
    rm, rv = bn.running_mean.numpy(), bn.running_var.numpy()
    np.testing.assert_allclose(ev.detach().numpy(), (x - rm.reshape(1, 3, 1, 1)) /
                               np.sqrt(rv.reshape(1, 3, 1, 1) + 1e-5), atol=1e-10)
    assert bn.num_batches_tracked.item() == 1
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                                         r"training, got input size torch.Size\(\[1, 3\]\)"):
        nn.BatchNorm1d(3).train()(engine.randn(1, 3))


def test_batchnorm_cumulative_momentum_none():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    a, b = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    bn(t(a))
    bn(t(b))
    np.testing.assert_allclose(bn.running_mean.numpy(), (a.mean(0) + b.mean(0)) / 2,
                               atol=1e-12)


def test_batchnorm_and_layernorm_gradients():
    x = rng.standard_normal((4, 3, 2))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b)
    rm, rv = engine.tensor(rng.standard_normal(3)), engine.tensor(rng.random(3) + 0.5)
    gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), x, w, b)
    gradgradcheck(lambda x: F.batch_norm(x, None, None, training=True), x)
    lw, lb = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    gradcheck(lambda x, w, b: F.layer_norm(x, (3, 2), w, b), x, lw, lb)
    gradgradcheck(lambda x: F.layer_norm(x, (2,)), x)


def test_layernorm_forward_and_error():
    ln = nn.LayerNorm(4).double()
    x = rng.standard_normal((3, 4))
    out = ln(t(x))
    expect = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out.detach().numpy(), expect, atol=1e-10)
    assert out.grad_fn.name() == "NativeLayerNormBackward0"
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[3, 5\]"):
        ln(engine.randn(3, 5, dtype=engine.float64))


# ---- dropout, embedding, flatten, activations --------------------------------------------

def test_dropout_train_and_eval():
    engine.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = engine.ones(1000)
    out = drop(x)
    vals = set(np.unique(out.numpy()).tolist())
    assert vals == {0.0, 2.0} and 350 < (out.numpy() == 0).sum() < 650
    drop.eval()
    assert drop(x) is x
    xg = engine.ones(10, requires_grad=True)
    y = F.dropout(xg, 0.3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), y.detach().numpy())
    assert not F.dropout(x, 1.0).any()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        nn.Dropout(1.5)
    d2 = F.dropout2d(engine.ones(4, 8, 3, 3), 0.5)
    per_channel = d2.numpy().reshape(4, 8, -1)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()


def test_embedding():
    emb = nn.Embedding(5, 3, padding_idx=1)
    assert emb.weight[1].tolist() == [0.0, 0.0, 0.0]
    idx = engine.tensor([[0, 1], [4, 0]])
    out = emb(idx)
    np.testing.assert_array_equal(out.detach().numpy(), emb.weight.detach().numpy()[idx.numpy()])
    assert out.grad_fn.name() == "EmbeddingBackward0"
    out.sum().backward()
    assert emb.weight.grad.tolist() == [[2.] * 3, [0.] * 3, [0.] * 3, [0.] * 3, [1.] * 3]
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(engine.tensor([5]))
    w = rng.standard_normal((4, 2))
    gradcheck(lambda w: F.embedding(engine.tensor([3, 0, 3]), w), w)


def test_flatten_identity_unflatten():
    x = engine.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten()(x).grad_fn.name() == "ViewBackward0"
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Identity(3, unused=True)(x) is x
    assert nn.Unflatten(1, (3, 1))(engine.randn(2, 3)).shape == (2, 3, 1)


def _np_erf(v):
    return np.vectorize(math.erf)(v)


ACTIVATIONS = [  # (module, numpy reference, grad_fn name)
    (nn.ReLU(), lambda x: np.maximum(x, 0), "ReluBackward0"),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x), "LeakyReluBackward0"),
    (nn.ELU(0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), "EluBackward0"),
    (nn.GELU(), lambda x: 0.5 * x * (1 + _np_erf(x / math.sqrt(2))), "GeluBackward0"),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                                       (x + 0.044715 * x ** 3))),
     "GeluBackward0"),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x)), "SiluBackward0"),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x)), "SigmoidBackward0"),
    (nn.Tanh(), np.tanh, "TanhBackward0"),
    (nn.Softplus(beta=2, threshold=3), lambda x: np.where(2 * x > 3, x,
                                                          np.log1p(np.exp(2 * x)) / 2),
     "SoftplusBackward0"),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True),
     "SoftmaxBackward0"),
    (nn.LogSoftmax(dim=0), lambda x: x - np.log(np.exp(x).sum(0, keepdims=True)),
     "LogSoftmaxBackward0"),
]


@pytest.mark.parametrize("module, ref, name", ACTIVATIONS,
                         ids=[type(m).__name__ + str(i) for i, (m, _, _) in
                              enumerate(ACTIVATIONS)])
def test_activation_forward_grad_fn_and_gradients(module, ref, name):
    x = rng.standard_normal((4, 5)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep finite differences away from kinks
    out = module(t(x, True))
    np.testing.assert_allclose(out.detach().numpy(), ref(x), rtol=1e-6, atol=1e-7)
    assert out.grad_fn.name() == name
    gradcheck(lambda v: module(v), x)


def test_activation_second_derivatives():
    x = rng.standard_normal((3, 4))
    for fn in (F.gelu, F.silu, F.elu, F.softplus, lambda v: F.softmax(v, 1),
               lambda v: F.log_softmax(v, 1)):
        gradgradcheck(fn, x)


def test_inplace_activations_and_softmax_implicit_dim():
    x = engine.randn(3, 4)
    y = nn.ReLU(inplace=True)(x)
    assert y is x and (x.numpy() >= 0).all()
    z = engine.randn(3)
    nn.LeakyReLU(0.1, inplace=True)(z)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        s = F.softmax(engine.randn(2, 3))
    np.testing.assert_allclose(s.sum(1).numpy(), [1, 1], rtol=1e-6)


def test_pad_and_one_hot():
    x = rng.standard_normal((1, 2, 3, 4))
    out = F.pad(t(x, True), (1, 2, 0, 1), value=3.0)
    expect = np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2)), constant_values=3.0)
    np.testing.assert_array_equal(out.detach().numpy(), expect)
    assert out.grad_fn.name() == "ConstantPadNdBackward0"
    np.testing.assert_array_equal(F.pad(t(x), (-1, 1)).numpy(),
                                  np.pad(x[..., 1:], ((0, 0),) * 3 + ((0, 1),)))
    for mode, np_mode in (("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")):
        got = F.pad(t(x, True), (2, 1, 1, 2), mode=mode)
        np.testing.assert_array_equal(got.detach().numpy(),
                                      np.pad(x, ((0, 0), (0, 0), (1, 2), (2, 1)), mode=np_mode))
        gradcheck(lambda v: F.pad(v, (2, 1, 1, 2), mode=mode), x)
    assert F.pad(t(x, True), (1, 1, 1, 1), mode="reflect").grad_fn.name() == \
        "ReflectionPad2DBackward0"
    gradcheck(lambda v: F.pad(v, (1, 0, 2, 1)), x)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(t(x), (1, 2, 3))
    assert F.one_hot(engine.tensor([0, 2, 1])).tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(engine.tensor([1]), 4).dtype == engine.int64
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(engine.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(engine.tensor([1, -1]))


# ---- recurrent -------------------------------------------------------------------------------

def ref_lstm(x, h, c, w_ih, w_hh, b_ih, b_hh):
    outs = []
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for step in x:
        gates = step @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = np.split(gates, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs), h, c


def ref_gru(x, h, w_ih, w_hh, b_ih, b_hh):
    outs = []
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    for step in x:
        xr, xz, xn = np.split(step @ w_ih.T + b_ih, 3, axis=1)
        hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=1)
        r, z = sig(xr + hr), sig(xz + hz)
        n = np.tanh(xn + r * hn)
        h = (1 - z) * n + z * h
        outs.append(h)
    return np.stack(outs), h


def _params(m):
    return {k: v.detach().numpy() for k, v in m.named_parameters()}


def test_lstm_bidirectional_batch_first_against_numpy():
    lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True).double()
    x = rng.standard_normal((2, 5, 3))
    out, (h, c) = lstm(t(x))
    assert out.shape == (2, 5, 8) and h.shape == (2, 2, 4) and c.shape == (2, 2, 4)
    p = _params(lstm)
    z = np.zeros((2, 4))
    seq = x.transpose(1, 0, 2)
    f_out, f_h, f_c = ref_lstm(seq, z, z, p["weight_ih_l0"], p["weight_hh_l0"],
                               p["bias_ih_l0"], p["bias_hh_l0"])
    b_out, b_h, b_c = ref_lstm(seq[::-1], z, z, p["weight_ih_l0_reverse"],
                               p["weight_hh_l0_reverse"], p["bias_ih_l0_reverse"],
                               p["bias_hh_l0_reverse"])
    expect = np.concatenate([f_out, b_out[::-1]], axis=2).transpose(1, 0, 2)
    np.testing.assert_allclose(out.detach().numpy(), expect, atol=1e-12)
    np.testing.assert_allclose(h.detach().numpy(), np.stack([f_h, b_h]), atol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), np.stack([f_c, b_c]), atol=1e-12)
    assert [n for n, _ in lstm.named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
        "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]


def test_gru_two_layers_and_rnn_against_numpy():
    gru = nn.GRU(3, 4, num_layers=2).double()
    x = rng.standard_normal((5, 2, 3))
    h0 = rng.standard_normal((2, 2, 4))
    out, h = gru(t(x), t(h0))
    p = _params(gru)
    o1, h1 = ref_gru(x, h0[0], p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"],
                     p["bias_hh_l0"])
    o2, h2 = ref_gru(o1, h0[1], p["weight_ih_l1"], p["weight_hh_l1"], p["bias_ih_l1"],
                     p["bias_hh_l1"])
    np.testing.assert_allclose(out.detach().numpy(), o2, atol=1e-12)
    np.testing.assert_allclose(h.detach().numpy(), np.stack([h1, h2]), atol=1e-12)
    rnn = nn.RNN(3, 4, nonlinearity="relu").double()
    p = _params(rnn)
    hr = np.zeros((2, 4))
    for step in x:
        hr = np.maximum(step @ p["weight_ih_l0"].T + p["bias_ih_l0"] + hr @ p["weight_hh_l0"].T
                        + p["bias_hh_l0"], 0)
    np.testing.assert_allclose(rnn(t(x))[1].detach().numpy()[0], hr, atol=1e-12)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 2, 4\), got \[1, 2, 4\]"):
        gru(t(x), t(h0[:1]))


def test_recurrent_gradients():
    lstm = nn.LSTM(2, 3).double()
    x = rng.standard_normal((3, 1, 2))
    gradcheck(lambda v: lstm(v)[0], x)
    gru = nn.GRU(2, 2, bidirectional=True).double()
    gradcheck(lambda v: gru(v)[1], x)
    cell = nn.GRUCell(2, 3).double()
    gradcheck(lambda v: cell(v), x[0])


# ---- default initialisation ----------------------------------------------------------------

def test_default_initialisation_ranges():
    engine.manual_seed(0)
    lin = nn.Linear(400, 120)
    bound = 1 / math.sqrt(400)
    for p in (lin.weight, lin.bias):
        vals = p.detach().numpy()
        assert vals.min() >= -bound and vals.max() <= bound and vals.std() > bound / 2
    conv = nn.Conv2d(6, 16, 5)
    bound = 1 / math.sqrt(6 * 25)
    assert np.abs(conv.weight.detach().numpy()).max() <= bound
    assert np.abs(conv.bias.detach().numpy()).max() <= bound
    emb = nn.Embedding(1000, 8)
    assert abs(emb.weight.detach().numpy().std() - 1) < 0.05
    lstm = nn.LSTM(4, 16)
    assert all(np.abs(p.detach().numpy()).max() <= 0.25 for p in lstm.parameters())
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3
    engine.manual_seed(1)
    a = nn.Linear(3, 3).weight.detach().numpy().copy()
    engine.manual_seed(1)
    np.testing.assert_array_equal(nn.Linear(3, 3).weight.detach().numpy(), a)


def test_dtype_mismatch_messages_are_pytorchs():
    x64 = engine.randn(4, 3, dtype=engine.float64)
    with pytest.raises(RuntimeError, match="^mat1 and mat2 must have the same dtype, but got "
                                           "Double and Float$"):
        nn.Linear(3, 2)(x64)
    with pytest.raises(RuntimeError, match="^expected m1 and m2 to have the same dtype, but "
                                           "got: double != float$"):
        nn.Linear(3, 2, bias=False)(x64)
    img = engine.randn(1, 3, 5, 5, dtype=engine.float64)
    with pytest.raises(RuntimeError, match=r"^Input type \(double\) and bias type \(float\) "
                                           r"should be the same$"):
        nn.Conv2d(3, 2, 3)(img)
    with pytest.raises(RuntimeError, match="^expected scalar type Double but found Float$"):
        nn.Conv2d(3, 2, 3, bias=False)(img)


def test_bilinear_against_einsum():
    x1, x2 = rng.standard_normal((4, 3)), rng.standard_normal((4, 5))
    w, b = rng.standard_normal((2, 3, 5)), rng.standard_normal(2)
    out = F.bilinear(t(x1), t(x2), t(w), t(b))
    np.testing.assert_allclose(out.numpy(), np.einsum("ni,oij,nj->no", x1, w, x2) + b,
                               atol=1e-12)
    gradcheck(lambda a, c, w: F.bilinear(a, c, w), x1, x2, w)
    layer = nn.Bilinear(3, 5, 2)
    assert layer(t(x1).float(), t(x2).float()).shape == (4, 2)
    assert repr(layer) == "Bilinear(in1_features=3, in2_features=5, out_features=2, bias=True)"


def ref_bilinear_1d(x, n_out, align_corners):
    """Sample x (..., n) at n_out points along the last axis, PyTorch's coordinate rule."""
    n = x.shape[-1]
    out = np.zeros(x.shape[:-1] + (n_out,))
    for d in range(n_out):
        if align_corners:
            src = d * (n - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            src = max((d + 0.5) * n / n_out - 0.5, 0.0)
        i0 = min(int(math.floor(src)), n - 1)
        i1 = min(i0 + 1, n - 1)
        lam = src - i0
        out[..., d] = x[..., i0] * (1 - lam) + x[..., i1] * lam
    return out


def test_interpolate_nearest_bilinear_and_upsample():
    x = rng.standard_normal((2, 3, 4, 5))
    up = F.interpolate(t(x, True), scale_factor=2)
    np.testing.assert_array_equal(up.detach().numpy(), x.repeat(2, axis=2).repeat(2, axis=3))
    assert up.grad_fn.name() == "UpsampleNearest2DBackward0"
    for align in (False, True):
        out = F.interpolate(t(x), size=(7, 3), mode="bilinear", align_corners=align)
        rows = ref_bilinear_1d(x.swapaxes(2, 3), 7, align).swapaxes(2, 3)
        np.testing.assert_allclose(out.numpy(), ref_bilinear_1d(rows, 3, align), atol=1e-12)
    gradcheck(lambda v: F.interpolate(v, scale_factor=1.5, mode="bilinear"), x[:1, :1])
    gradcheck(lambda v: F.interpolate(v, size=(3, 7)), x[:1, :1])
    line = F.interpolate(t(x[:, :, 0], True), size=9, mode="linear")
    np.testing.assert_allclose(line.detach().numpy(), ref_bilinear_1d(x[:, :, 0], 9, False),
                               atol=1e-12)
    layer = nn.Upsample(scale_factor=2, mode="bilinear")
    assert repr(layer) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert layer(t(x)).shape == (2, 3, 8, 10)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(t(x))
