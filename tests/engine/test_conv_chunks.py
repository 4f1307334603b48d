"""Convolutions split into batch chunks (engine/nn/_im2col.py) compute what one chunk does,
on one thread or shared among threads, in each of the im2col layouts; each layout's input and
weight gradients are the adjoints of its convolution."""
import numpy as np
import pytest

from engine.nn import _im2col as im

LAYOUTS = {  # input shape, kernel, geometry: picks wide, rows and batch-innermost
    "wide": ((5, 3, 40, 40), (8, 3, 3, 3), im.Geometry((1, 1), ((1, 1), (1, 1)), (1, 1), 1)),
    # no more output than input channels, not tiny: conv^T as a full correlation
    "full": ((5, 6, 20, 20), (4, 6, 3, 3), im.Geometry((1, 1), ((1, 1), (1, 1)), (1, 1), 1)),
    "rows": ((5, 4, 40, 40), (6, 2, 3, 3), im.Geometry((2, 2), ((1, 1), (1, 1)), (1, 1), 2)),
    "batch-innermost": ((5, 3, 9, 9), (4, 3, 3, 3),
                        im.Geometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)),
}


def _all_three(x, w, geo):
    y = im.conv(x, w, geo)
    g = np.random.default_rng(1).standard_normal(y.shape)
    return y, im.weight_grad(x, g, w.shape, geo), im.input_grad(g, w, x.shape, geo)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("threads", [1, 2])
def test_chunked_matches_one_chunk(layout, threads, monkeypatch):
    shape, wshape, geo = LAYOUTS[layout]
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(shape), rng.standard_normal(wshape)
    whole = _all_three(x, w, geo)
    monkeypatch.setattr(im, "_COLS_BUDGET", 1)  # one sample per chunk
    monkeypatch.setattr(im, "_threads", lambda: threads)
    chunked = _all_three(x, w, geo)
    for a, b in zip(whole, chunked):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_input_gradient_layouts_are_the_ones_named():
    # (the batch-innermost case is tiny: its conv^T runs as a full correlation)
    for layout, want in (("wide", "wide"), ("full", "full"), ("rows", "rows"),
                         ("batch-innermost", "full")):
        shape, wshape, geo = LAYOUTS[layout]
        y_shape = (shape[0], wshape[0]) + geo.out_size(shape[2:], wshape[2:])
        assert im._dx_layout(np.empty(y_shape), np.empty(wshape), shape, geo) == want


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_gradients_are_adjoints_of_the_convolution(layout):
    """<conv(x, w), g> = <x, conv^T(g, w)> = <w, corr(x, g)>: both gradients checked
    against the forward, whatever kernel computed them."""
    shape, wshape, geo = LAYOUTS[layout]
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal(shape), rng.standard_normal(wshape)
    y, dw, dx = _all_three(x, w, geo)
    g = np.random.default_rng(1).standard_normal(y.shape)
    pairing = np.sum(y * g)
    assert np.isclose(np.sum(x * dx), pairing, rtol=1e-10)
    assert np.isclose(np.sum(w * dw), pairing, rtol=1e-10)


@pytest.mark.parametrize("threads", [1, 2])
def test_one_pass_gradients_match_the_two_kernels(threads, monkeypatch):
    """grads() (both gradients in one chunk loop, the wide layout) = input_grad, weight_grad."""
    shape, wshape, geo = LAYOUTS["wide"]
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(shape), rng.standard_normal(wshape)
    g = rng.standard_normal((shape[0], wshape[0]) + geo.out_size(shape[2:], wshape[2:]))
    monkeypatch.setattr(im, "_COLS_BUDGET", 1)
    monkeypatch.setattr(im, "_threads", lambda: threads)
    dx, dw = im.grads(x, g, w, geo)
    np.testing.assert_allclose(dx, im.input_grad(g, w, x.shape, geo), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, im.weight_grad(x, g, w.shape, geo), rtol=1e-12,
                               atol=1e-12)
    shape, wshape, geo = LAYOUTS["full"]  # other layouts: the two kernels run apart
    x, w = rng.standard_normal(shape), rng.standard_normal(wshape)
    g = rng.standard_normal((shape[0], wshape[0]) + geo.out_size(shape[2:], wshape[2:]))
    assert im.grads(x, g, w, geo) is None


@pytest.mark.parametrize("dims", [1, 2])
def test_conv_backward_one_pass_equals_the_graph_of_the_gradients(dims, monkeypatch):
    """Without create_graph the node takes grads(); with it, the two recorded ops: same values."""
    import engine as torch
    shapes = {1: ((4, 3, 3000), (6, 3, 3)), 2: ((5, 3, 40, 40), (8, 3, 3, 3))}[dims]
    conv = torch.nn.functional.conv1d if dims == 1 else torch.nn.functional.conv2d
    one_pass = []
    grads = im.grads
    monkeypatch.setattr(im, "grads", lambda *a: one_pass.append(grads(*a)) or one_pass[-1])
    rng = np.random.default_rng(4)
    x = torch.tensor(rng.standard_normal(shapes[0]), requires_grad=True)
    w = torch.tensor(rng.standard_normal(shapes[1]), requires_grad=True)
    y = conv(x, w, padding=1)
    gy = torch.tensor(rng.standard_normal(tuple(y.shape)))
    fast = torch.autograd.grad(y, (x, w), gy, retain_graph=True)
    assert len(one_pass) == 1 and one_pass[0] is not None  # the one-pass kernel ran
    graphed = torch.autograd.grad(y, (x, w), gy, create_graph=True)
    assert graphed[0].grad_fn is not None and graphed[1].grad_fn is not None
    for a, b in zip(fast, graphed):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
