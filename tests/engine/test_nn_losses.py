"""Losses: values against NumPy formulas for every reduction, gradients by finite differences,
grad_fn names and argument errors as PyTorch 2.13 prints them."""
import numpy as np
import pytest

import engine
import engine.nn as nn
import engine.nn.functional as F
from tests.gradcheck import gradcheck, gradgradcheck

rng = np.random.default_rng(1)
REDUCTIONS = ("mean", "sum", "none")


def t(a, requires_grad=False):
    return engine.tensor(a, requires_grad=requires_grad)


def reduce(v, reduction):
    return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v


def log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


POINTWISE = {
    "mse": (F.mse_loss, nn.MSELoss, lambda d: d * d, "MseLossBackward0"),
    "l1": (F.l1_loss, nn.L1Loss, np.abs, None),
    "smooth_l1": (F.smooth_l1_loss, nn.SmoothL1Loss,
                  lambda d: np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5),
                  "SmoothL1LossBackward0"),
    "huber": (lambda a, b, reduction="mean": F.huber_loss(a, b, reduction, delta=0.5),
              lambda reduction="mean": nn.HuberLoss(reduction, delta=0.5),
              lambda d: np.where(np.abs(d) < 0.5, 0.5 * d * d, 0.5 * (np.abs(d) - 0.25)),
              "HuberLossBackward0"),
}


@pytest.mark.parametrize("name", list(POINTWISE))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_losses(name, reduction):
    fn, module, ref, node = POINTWISE[name]
    x, y = rng.standard_normal((3, 4)) * 2, rng.standard_normal((3, 4))
    out = fn(t(x, True), t(y), reduction=reduction)
    np.testing.assert_allclose(out.detach().numpy(), reduce(ref(x - y), reduction), atol=1e-12)
    np.testing.assert_allclose(module(reduction=reduction)(t(x), t(y)).numpy(),
                               out.detach().numpy(), atol=1e-12)
    if node:
        assert out.grad_fn.name() == node
    gradcheck(lambda a, b: fn(a, b, reduction=reduction), x, y)


def test_l1_grad_fn_names_follow_pytorch():
    x, y = t(rng.standard_normal(3), True), t(rng.standard_normal(3))
    assert F.l1_loss(x, y).grad_fn.name() == "MeanBackward0"
    assert F.l1_loss(x, y, reduction="sum").grad_fn.name() == "SumBackward0"
    assert F.l1_loss(x, y, reduction="none").grad_fn.name() == "AbsBackward0"


def test_mse_broadcast_warning_and_bad_reduction():
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[4\]\)\) that is "
                                         r"different to the input size \(torch.Size\(\[3, 4\]\)"
                                         r"\)"):
        F.mse_loss(engine.randn(3, 4), engine.randn(4))
    with pytest.raises(ValueError, match="^avg is not a valid value for reduction$"):
        F.mse_loss(engine.randn(3), engine.randn(3), reduction="avg")
    gradgradcheck(lambda a, b: F.mse_loss(a, b), rng.standard_normal(4), rng.standard_normal(4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_with_weights_and_ignore_index(reduction):
    x = log_softmax(rng.standard_normal((5, 4)))
    y = np.array([0, 3, 2, -100, 3])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    out = F.nll_loss(t(x, True), t(y), weight=t(w), reduction=reduction)
    keep = y != -100
    safe = np.where(keep, y, 0)
    per = -x[np.arange(5), safe] * w[safe] * keep
    expect = per.sum() / (w[safe] * keep).sum() if reduction == "mean" else \
        reduce(per, reduction)
    np.testing.assert_allclose(out.detach().numpy(), expect, atol=1e-12)
    assert out.grad_fn.name() == "NllLossBackward0"
    gradcheck(lambda a: F.nll_loss(a, t(y), weight=t(w), reduction=reduction), x)


def test_nll_loss_spatial_targets_and_errors():
    x = rng.standard_normal((2, 3, 4, 5))
    y = rng.integers(0, 3, (2, 4, 5))
    out = F.nll_loss(t(x), t(y))
    np.testing.assert_allclose(out.numpy(), -np.take_along_axis(x, y[:, None], 1).mean(),
                               atol=1e-12)
    with pytest.raises(IndexError, match="^Target 5 is out of bounds.$"):
        F.nll_loss(engine.randn(3, 4), engine.tensor([0, 1, 5]))
    with pytest.raises(ValueError, match=r"^Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\).$"):
        F.nll_loss(engine.randn(3, 4), engine.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte"):
        F.cross_entropy(engine.randn(3, 4), engine.tensor([0., 1., 2.]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_indices(reduction):
    x = rng.standard_normal((4, 5))
    y = np.array([1, 0, 4, 2])
    out = F.cross_entropy(t(x, True), t(y), reduction=reduction)
    per = -log_softmax(x)[np.arange(4), y]
    np.testing.assert_allclose(out.detach().numpy(), reduce(per, reduction), atol=1e-12)
    assert out.grad_fn.name() == "NllLossBackward0"
    assert out.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    gradcheck(lambda a: F.cross_entropy(a, t(y), reduction=reduction), x)
    crit = nn.CrossEntropyLoss(reduction=reduction)
    np.testing.assert_allclose(crit(t(x), t(y)).numpy(), out.detach().numpy(), atol=1e-12)


# PyTorch 2.13 printed these for the inputs below (float64).
CE_X = [[1.0, 2.0, 0.5, -1.0], [0.3, -0.2, 2.5, 0.0], [1.5, 1.5, -0.5, 0.2]]
CE_SMOOTH = {"mean": 2.5801136657, "sum": 10.3204546630,
             "none": [9.0868706723, 0.0, 1.2335839907]}
CE_PROBS = {"mean": 3.3043449743, "sum": 9.9130349229,
            "none": [4.7061949188, 4.1506773463, 1.0561626579]}


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_label_smoothing_weight_ignore_index_matches_pytorch(reduction):
    x = t(CE_X, True)
    w = engine.tensor([1.0, 2.0, 0.5, 3.0], dtype=engine.float64)
    out = F.cross_entropy(x.double(), engine.tensor([3, -100, 0]), weight=w,
                          reduction=reduction, label_smoothing=0.2)
    np.testing.assert_allclose(out.detach().numpy(), CE_SMOOTH[reduction], atol=1e-9)
    gradcheck(lambda a: F.cross_entropy(a, engine.tensor([3, -100, 0]), weight=w,
                                        reduction=reduction, label_smoothing=0.2),
              np.array(CE_X))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_match_pytorch(reduction):
    probs = engine.tensor([[0.1, 0.2, 0.3, 0.4], [0.25] * 4, [1.0, 0, 0, 0]],
                          dtype=engine.float64)
    w = engine.tensor([1.0, 2.0, 0.5, 3.0], dtype=engine.float64)
    out = F.cross_entropy(t(CE_X).double(), probs, weight=w, reduction=reduction,
                          label_smoothing=0.1)
    np.testing.assert_allclose(out.numpy(), CE_PROBS[reduction], atol=1e-9)
    plain = F.cross_entropy(t(CE_X), probs.float(), reduction="none")
    expect = -(log_softmax(np.array(CE_X)) * probs.numpy()).sum(1)
    np.testing.assert_allclose(plain.numpy(), expect, rtol=1e-6)
    gradcheck(lambda a, p: F.cross_entropy(a, p, reduction=reduction), np.array(CE_X),
              probs.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    p = rng.uniform(0.05, 0.95, (3, 4))
    y = rng.uniform(0, 1, (3, 4))
    w = rng.uniform(0.5, 2, (3, 4))
    out = F.binary_cross_entropy(t(p, True), t(y), weight=t(w), reduction=reduction)
    per = -(y * np.log(p) + (1 - y) * np.log(1 - p)) * w
    np.testing.assert_allclose(out.detach().numpy(), reduce(per, reduction), atol=1e-12)
    assert out.grad_fn.name() == "BinaryCrossEntropyBackward0"
    gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), p, y)
    assert nn.BCELoss()(t(np.array([0.0, 1.0])), t(np.array([1.0, 0.0]))).item() == 100.0
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(engine.tensor([1.5]), engine.tensor([1.0]))
    # PyTorch 2.13 checks the target too, and NaN fails either check; the input's first
    # (the VAE example on data in [-1, 1] stops here instead of training on nonsense)
    for x, y, which in [([0.5], [1.5], "target"), ([0.5], [-0.5], "target"),
                        ([float("nan")], [0.5], "input"), ([0.5], [float("nan")], "target"),
                        ([-0.1], [-0.2], "input")]:
        with pytest.raises(RuntimeError, match=f"^all elements of {which} should be between "
                                               "0 and 1$"):
            nn.BCELoss()(engine.tensor(x), engine.tensor(y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction):
    x = rng.standard_normal((3, 4)) * 3
    y = rng.uniform(0, 1, (3, 4))
    pw = rng.uniform(0.5, 3, 4)
    out = F.binary_cross_entropy_with_logits(t(x, True), t(y), pos_weight=t(pw),
                                             reduction=reduction)
    sig = 1 / (1 + np.exp(-x))
    per = -(pw * y * np.log(sig) + (1 - y) * np.log(1 - sig))
    np.testing.assert_allclose(out.detach().numpy(), reduce(per, reduction), atol=1e-10)
    assert out.grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"
    gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=t(pw),
                                                              reduction=reduction), x, y)
    big = F.binary_cross_entropy_with_logits(engine.tensor([1000.0, -1000.0]),
                                             engine.tensor([0.0, 1.0]), reduction="none")
    assert big.tolist() == [1000.0, 1000.0]  # stable for huge logits
    crit = nn.BCEWithLogitsLoss(pos_weight=t(pw))
    np.testing.assert_allclose(crit(t(x), t(y)).numpy(), reduce(per, "mean"), atol=1e-10)


def test_legacy_size_average_and_reduce():
    x, y = engine.randn(3), engine.randn(3)
    assert F.mse_loss(x, y, size_average=False).item() == pytest.approx(
        F.mse_loss(x, y, reduction="sum").item())
    assert nn.MSELoss(reduce=False)(x, y).shape == (3,)


@pytest.mark.parametrize("size_average, reduce, mapped", [
    (False, None, "sum"), (None, True, "mean"), (True, False, "none"), (None, False, "none")])
def test_the_legacy_reduction_args_warn_as_pytorch_does(size_average, reduce, mapped):
    # PyTorch 2.13 (torch/nn/_reduction.py) warns on both the functional and the module:
    # UserWarning: size_average and reduce args will be deprecated, please use reduction='sum' instead.
    message = f"size_average and reduce args will be deprecated, please use reduction='{mapped}'"
    x = engine.tensor([0.2, 0.7])
    with pytest.warns(UserWarning, match=message):
        F.binary_cross_entropy(x, x, size_average=size_average, reduce=reduce)
    with pytest.warns(UserWarning, match=message):
        assert nn.MSELoss(size_average=size_average, reduce=reduce).reduction == mapped
