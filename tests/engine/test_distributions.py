"""torch.distributions: constructors, shapes, reprs, validation messages, log_prob, entropy,
moments, cdf/icdf, closed-form KL divergences and their gradients as PyTorch 2.13 gives them
(recorded in torch_values_distributions.py); samples by their statistics (the engine's random
stream is not PyTorch's), reparameterized samples by their pathwise gradients."""
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine
from tests.engine import torch_values_distributions as rec
from tests.helpers import raises

D = engine.distributions
ROOT = Path(__file__).resolve().parents[2]


def f64(x, requires_grad=False):
    return engine.tensor(x, dtype=engine.float64, requires_grad=requires_grad)


# name: (make(D, module, params), params, value, has cdf/icdf, value is an index)
CASES = {
    "Normal": (lambda D, m, p: D.Normal(p[0], p[1]), [[0.5, -1.0], [1.5, 0.3]], [0.2, -0.7],
               True, False),
    "LogNormal": (lambda D, m, p: D.LogNormal(p[0], p[1]), [[0.5, -1.0], [1.5, 0.3]],
                  [0.2, 1.7], True, False),
    "HalfNormal": (lambda D, m, p: D.HalfNormal(p[0]), [[1.5, 0.3]], [0.2, 1.7], True, False),
    "Uniform": (lambda D, m, p: D.Uniform(p[0], p[1]), [[0.5, -1.0], [1.5, 0.3]], [0.7, -0.2],
                True, False),
    "Exponential": (lambda D, m, p: D.Exponential(p[0]), [[1.5, 0.3]], [0.2, 1.7], True, False),
    "Laplace": (lambda D, m, p: D.Laplace(p[0], p[1]), [[0.5, -1.0], [1.5, 0.3]], [0.2, -0.7],
                True, False),
    "Cauchy": (lambda D, m, p: D.Cauchy(p[0], p[1]), [[0.5, -1.0], [1.5, 0.3]], [0.2, -0.7],
               True, False),
    "Gamma": (lambda D, m, p: D.Gamma(p[0], p[1]), [[0.5, 3.0], [1.5, 0.3]], [0.2, 1.7], False,
              False),
    "Chi2": (lambda D, m, p: D.Chi2(p[0]), [[0.5, 3.0]], [0.2, 1.7], False, False),
    "Beta": (lambda D, m, p: D.Beta(p[0], p[1]), [[0.5, 3.0], [1.5, 0.3]], [0.2, 0.7], False,
             False),
    "Dirichlet": (lambda D, m, p: D.Dirichlet(p[0]), [[[0.5, 3.0, 1.2], [1.5, 0.3, 2.0]]],
                  [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], False, False),
    "Bernoulli": (lambda D, m, p: D.Bernoulli(p[0]), [[0.3, 0.8]], [1.0, 0.0], False, False),
    "Bernoulli_logits": (lambda D, m, p: D.Bernoulli(logits=p[0]), [[0.3, -2.0]], [1.0, 0.0],
                         False, False),
    "Geometric": (lambda D, m, p: D.Geometric(p[0]), [[0.3, 0.8]], [3.0, 0.0], False, False),
    "Binomial": (lambda D, m, p: D.Binomial(5, p[0]), [[0.3, 0.8]], [3.0, 0.0], False, False),
    "Poisson": (lambda D, m, p: D.Poisson(p[0]), [[0.3, 4.5]], [3.0, 0.0], False, False),
    "Categorical": (lambda D, m, p: D.Categorical(p[0]), [[[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]]],
                    [2, 0], False, True),
    "Categorical_logits": (lambda D, m, p: D.Categorical(logits=p[0]),
                           [[[0.2, -0.5, 1.3], [0.1, 0.6, -2.3]]], [2, 1], False, True),
    "OneHotCategorical": (lambda D, m, p: D.OneHotCategorical(p[0]),
                          [[[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]]],
                          [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], False, False),
    "MultivariateNormal_covariance": (
        lambda D, m, p: D.MultivariateNormal(p[0], p[1] @ p[1].mT + m.eye(2, dtype=m.float64)),
        [[0.5, -1.0], [[1.5, 0.3], [0.2, 0.9]]], [0.2, -0.7], False, False),
    "MultivariateNormal_scale_tril": (
        lambda D, m, p: D.MultivariateNormal(p[0], scale_tril=p[1].tril()
                                             + m.eye(2, dtype=m.float64)),
        [[0.5, -1.0], [[1.5, 0.3], [0.2, 0.9]]], [0.2, -0.7], False, False),
    "MultivariateNormal_precision": (
        lambda D, m, p: D.MultivariateNormal(p[0], precision_matrix=p[1] @ p[1].mT
                                             + m.eye(2, dtype=m.float64)),
        [[0.5, -1.0], [[1.5, 0.3], [0.2, 0.9]]], [0.2, -0.7], False, False),
    "Independent": (lambda D, m, p: D.Independent(D.Normal(p[0], p[1]), 1),
                    [[0.5, -1.0], [1.5, 0.3]], [0.2, -0.7], False, False),
    "Gumbel": (lambda D, m, p: D.Gumbel(p[0], p[1]), [[0.5, -1.0], [1.5, 0.3]], [0.2, -0.7],
               True, False),
    "HalfCauchy": (lambda D, m, p: D.HalfCauchy(p[0]), [[1.5, 0.3]], [0.2, 1.7], True, False),
    "Pareto": (lambda D, m, p: D.Pareto(p[0], p[1]), [[1.0, 0.5], [2.5, 3.0]], [1.2, 2.0],
               True, False),
    "Weibull": (lambda D, m, p: D.Weibull(p[0], p[1]), [[1.5, 0.3], [0.5, 3.0]], [0.2, 1.7],
                True, False),
    "InverseGamma": (lambda D, m, p: D.InverseGamma(p[0], p[1]), [[0.5, 3.0], [1.5, 0.3]],
                     [0.2, 1.7], False, False),
    "Kumaraswamy": (lambda D, m, p: D.Kumaraswamy(p[0], p[1]), [[0.5, 3.0], [1.5, 0.3]],
                    [0.2, 0.7], False, False),
    "StudentT": (lambda D, m, p: D.StudentT(p[0], p[1], p[2]),
                 [[0.5, 3.0], [0.5, -1.0], [1.5, 0.3]], [0.2, -0.7], False, False),
    "Multinomial": (lambda D, m, p: D.Multinomial(5, p[0]),
                    [[[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]]], [[1.0, 2.0, 2.0], [0.0, 5.0, 0.0]],
                    False, False),
    "NegativeBinomial": (lambda D, m, p: D.NegativeBinomial(3.0, p[0]), [[0.3, 0.8]],
                         [3.0, 0.0], False, False),
    "MixtureSameFamily": (lambda D, m, p: D.MixtureSameFamily(
        D.Categorical(p[0]), D.Normal(p[1], p[2])), [[0.2, 0.8], [0.5, -1.0], [1.5, 0.3]],
        [0.2], False, False),
    "RelaxedBernoulli": (lambda D, m, p: D.RelaxedBernoulli(m.tensor(0.5, dtype=m.float64),
                                                            p[0]),
                         [[0.3, 0.8]], [0.3, 0.9], False, False),
    "RelaxedOneHotCategorical": (lambda D, m, p: D.RelaxedOneHotCategorical(
        m.tensor(0.5, dtype=m.float64), p[0]), [[[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]]],
        [[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]], False, False),
    "LogisticNormal": (lambda D, m, p: D.LogisticNormal(p[0], p[1]), [[0.5, -1.0], [1.5, 0.3]],
                       [0.2, 0.5, 0.3], False, False),
    "TransformedDistribution_tanh": (lambda D, m, p: D.TransformedDistribution(
        D.Normal(p[0], p[1]), [D.transforms.TanhTransform()]), [[0.5, -1.0], [1.5, 0.3]],
        [0.2, -0.7], False, False),
    "TransformedDistribution_affine_exp": (lambda D, m, p: D.TransformedDistribution(
        D.Normal(p[0], p[1]), [D.transforms.ExpTransform(),
                               D.transforms.AffineTransform(1.0, 2.0)]),
        [[0.5, -1.0], [1.5, 0.3]], [1.5, 3.0], True, False),
}
MOMENTS = ("mean", "mode", "variance", "stddev")
# KL(p || q): q's parameters (p's are the case's)
KL_Q = {
    "Normal": [[0.45, -0.75], [1.25, 0.29]], "LogNormal": [[0.45, -0.75], [1.25, 0.29]],
    "HalfNormal": [[1.25, 0.29]], "Uniform": [[0.0, -2.0], [2.0, 1.0]],
    "Exponential": [[1.25, 0.29]], "Laplace": [[0.45, -0.75], [1.25, 0.29]],
    "Gamma": [[0.45, 2.45], [1.25, 0.29]], "Beta": [[0.45, 2.45], [1.25, 0.29]],
    "Dirichlet": [[[1.5, 0.3, 2.0], [0.5, 3.0, 1.2]]], "Bernoulli": [[0.29, 0.69]],
    "Geometric": [[0.29, 0.69]], "Binomial": [[0.6, 0.2]], "Poisson": [[0.29, 3.65]],
    "Categorical": [[[0.1, 0.6, 0.3], [0.2, 0.5, 0.3]]],
    "OneHotCategorical": [[[0.1, 0.6, 0.3], [0.2, 0.5, 0.3]]],
    "MultivariateNormal_covariance": [[0.45, -0.75], [[1.25, 0.29], [0.21, 0.77]]],
    "Independent": [[0.45, -0.75], [1.25, 0.29]], "Gumbel": [[0.45, -0.75], [1.25, 0.29]],
    "Pareto": [[0.9, 2.0], [2.0, 2.5]], "TransformedDistribution_tanh": [[0.45, -0.75],
                                                                        [1.25, 0.29]],
}


def _build(case, requires_grad=False):
    make, params, value, _, index = CASES[case]
    ps = [f64(p, requires_grad) for p in params]
    v = engine.tensor(value) if index else f64(value)
    return make(D, engine, ps), ps, v


def _close(got, expected, rtol=1e-7):
    np.testing.assert_allclose(got.detach().numpy(), np.array(expected), rtol=rtol,
                               atol=1e-10)


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_like_pytorch(case):
    d, _, v = _build(case)
    expected = rec.VALUES[case]
    assert repr(d) == expected["repr"]
    assert (tuple(d.batch_shape), tuple(d.event_shape)) == tuple(map(tuple, expected["shapes"]))
    for moment in MOMENTS:
        if expected[moment] is None:  # PyTorch does not define it for this family
            with pytest.raises(NotImplementedError):
                getattr(d, moment)
        else:
            _close(getattr(d, moment), expected[moment])
    _close(d.log_prob(v), expected["log_prob"])
    if expected["entropy"] is None:
        with pytest.raises(NotImplementedError):
            d.entropy()
    else:
        _close(d.entropy(), expected["entropy"])
    if CASES[case][3]:
        _close(d.cdf(v), expected["cdf"])
        _close(d.icdf(f64([0.3, 0.9])), expected["icdf"])
    if d.has_enumerate_support:
        _close(d.enumerate_support(), expected["enumerate_support"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradients_of_log_prob_and_entropy_like_pytorch(case):
    d, params, v = _build(case, requires_grad=True)
    loss = d.log_prob(v).sum()
    if rec.VALUES[case]["entropy"] is not None:
        loss = loss + d.entropy().sum()
    loss.backward()
    for p, expected in zip(params, rec.GRADS[case]):
        _close(p.grad, expected, 1e-6)


@pytest.mark.parametrize("case", sorted(KL_Q))
def test_kl_divergence_and_its_gradient_like_pytorch(case):
    make = CASES[case][0]
    p_params = [f64(p, True) for p in CASES[case][1]]
    q = make(D, engine, [f64(p) for p in KL_Q[case]])
    kl = D.kl_divergence(make(D, engine, p_params), q)
    _close(kl, rec.KL[case]["value"])
    kl.sum().backward()
    for p, expected in zip(p_params, rec.KL[case]["grads"]):
        _close(p.grad, expected, 1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_samples_have_pytorch_shapes_dtypes_and_expand(case):
    d, _, _ = _build(case)
    expected = rec.VALUES[case]
    s = d.sample((4,))
    assert [list(s.shape), str(s.dtype)] == [expected["sample_shape"], expected["sample_dtype"]]
    assert not s.requires_grad
    if d.has_rsample:
        assert d.rsample((3,)).shape == (3,) + tuple(d.batch_shape) + tuple(d.event_shape)
    bigger = d.expand((3,) + tuple(d.batch_shape))
    assert tuple(bigger.batch_shape) == (3,) + tuple(d.batch_shape)
    assert bigger.log_prob(_build(case)[2]).shape == (3,) + tuple(d.batch_shape)


def _sample_moments(d, n=40000):
    engine.manual_seed(0)
    s = d.sample((n,)).to(engine.float64)
    return s.mean(0), s.var(0)


@pytest.mark.parametrize("case", ["Normal", "Uniform", "Exponential", "Laplace", "Gamma",
                                  "Beta", "Bernoulli", "Geometric", "Binomial", "Poisson",
                                  "OneHotCategorical", "Dirichlet", "HalfNormal",
                                  "MultivariateNormal_covariance"])
def test_sample_statistics_match_the_moments(case):
    d, _, _ = _build(case)
    mean, var = _sample_moments(d)
    # standard errors of the mean and variance from the distribution's own moments
    np.testing.assert_allclose(mean.numpy(), d.mean.numpy(),
                               atol=float(6 * (d.variance / 40000).sqrt().max()) + 1e-12)
    np.testing.assert_allclose(var.numpy(), d.variance.numpy(), rtol=0.1, atol=1e-3)


def test_categorical_samples_follow_the_probabilities():
    engine.manual_seed(0)
    d = D.Categorical(engine.tensor([0.2, 0.5, 0.3]))
    counts = np.bincount(d.sample((30000,)).numpy(), minlength=3) / 30000
    np.testing.assert_allclose(counts, [0.2, 0.5, 0.3], atol=0.015)
    assert d.sample().dtype is engine.int64 and d.sample().shape == ()


def test_manual_seed_makes_samples_repeatable():
    d = D.Normal(engine.zeros(3), 1.0)
    engine.manual_seed(7)
    a = d.sample((2,))
    engine.manual_seed(7)
    assert d.sample((2,)).tolist() == a.tolist()


def test_rsample_carries_the_pathwise_gradient():
    loc = f64([0.5, -1.0], True)
    scale = f64([1.5, 0.3], True)
    x = D.Normal(loc, scale).rsample((5,))
    x.sum().backward()
    eps = (x.detach() - loc.detach()) / scale.detach()
    _close(loc.grad, [5.0, 5.0])
    _close(scale.grad, eps.sum(0).tolist())


def test_gamma_rsample_gradient_is_the_implicit_derivative():
    # x = F^-1(u; alpha) for fixed u: dx/dalpha from SciPy's inverse, independently
    from scipy.special import gammainc, gammaincinv
    alpha = f64([0.3, 1.0, 2.5, 10.0], True)
    engine.manual_seed(3)
    x = D.Gamma(alpha, 1.0).rsample()
    x.sum().backward()
    a, xs = alpha.detach().numpy(), x.detach().numpy()
    u, h = gammainc(a, xs), 1e-6
    expected = (gammaincinv(a + h, u) - gammaincinv(a - h, u)) / (2 * h)
    np.testing.assert_allclose(alpha.grad.numpy(), expected, rtol=1e-5)
    assert type(x.grad_fn).__name__ == "DivBackward0"


def test_beta_and_dirichlet_rsample_gradients_are_unbiased():
    # d E[x]/d alpha estimated from the pathwise gradients of many samples
    c1 = f64([2.0], True)
    c0 = f64([3.0], True)
    engine.manual_seed(1)
    D.Beta(c1, c0).rsample((20000,)).mean().backward()
    # E[x] = c1 / (c1 + c0): d/dc1 = c0 / (c1 + c0)^2 = 0.12, d/dc0 = -0.08
    np.testing.assert_allclose([c1.grad.item(), c0.grad.item()], [0.12, -0.08], atol=0.01)


# ---- validation and messages ------------------------------------------------------------

@pytest.mark.parametrize("call, msg", [
    (lambda: D.Normal(0.0, -1.0), "Expected parameter scale (Tensor of shape ()) of "
     "distribution Normal(loc: 0.0, scale: -1.0) to satisfy the constraint "
     "GreaterThan(lower_bound=0.0), but found invalid values:\n-1.0"),
    (lambda: D.Normal(engine.zeros(2), engine.tensor([1.0, -1.0])), "Expected parameter scale "
     "(Tensor of shape (2,)) of distribution Normal(loc: torch.Size([2]), scale: "
     "torch.Size([2])) to satisfy the constraint GreaterThan(lower_bound=0.0), but found "
     "invalid values:\ntensor([ 1., -1.])"),
    (lambda: D.Bernoulli(0.3).log_prob(engine.tensor(2.0)), "Expected value argument (Tensor "
     "of shape ()) to be within the support (Boolean()) of the distribution Bernoulli(probs: "
     "0.30000001192092896), but found invalid values:\n2.0"),
    (lambda: D.Bernoulli(), "Either `probs` or `logits` must be specified, but not both."),
    (lambda: D.Categorical(engine.tensor([0.2, 0.8])).log_prob(engine.tensor(2)),
     "Expected value argument (Tensor of shape ()) to be within the support "
     "(IntegerInterval(lower_bound=0, upper_bound=1)) of the distribution Categorical(probs: "
     "torch.Size([2])), but found invalid values:\n2"),
    (lambda: D.Normal(0.0, 1.0).log_prob(1.0), "The value argument to log_prob must be a "
     "Tensor"),
    (lambda: D.Uniform(1.0, 0.0), "Expected parameter low (Tensor of shape ()) of distribution "
     "Uniform(low: 1.0, high: 0.0) to satisfy the constraint LessThan(upper_bound=0.0), but "
     "found invalid values:\n1.0"),
    (lambda: D.Normal(engine.zeros(2), 1.0).log_prob(engine.zeros(3)), "Value is not "
     "broadcastable with batch_shape+event_shape: torch.Size([3]) vs torch.Size([2])."),
    (lambda: D.MultivariateNormal(engine.zeros(2)), "Exactly one of covariance_matrix or "
     "precision_matrix or scale_tril may be specified."),
])
def test_validation_messages_as_pytorch(call, msg):
    raises(ValueError, msg, call)


def test_validation_can_be_turned_off():
    d = D.Normal(0.0, -1.0, validate_args=False)
    assert math.isnan(d.log_prob(engine.tensor(0.0)).item())


def test_kl_of_an_unregistered_pair_and_register_kl():
    raises(NotImplementedError, "No KL(p || q) is implemented for p type Categorical and q type "
           "Normal", lambda: D.kl_divergence(D.Categorical(engine.ones(2)), D.Normal(0.0, 1.0)))

    class MyNormal(D.Normal):
        pass

    # a subclass uses its parent's formula until it registers its own
    assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 0.0

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return engine.tensor(42.0)

    assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0


def test_constraints_print_and_check_as_pytorch():
    C = D.constraints
    shown = [C.real, C.positive, C.interval(0, 1), C.unit_interval, C.simplex, C.boolean,
             C.integer_interval(0, 3), C.nonnegative_integer, C.greater_than(2.0),
             C.independent(C.real, 1), C.positive_definite, C.lower_cholesky, C.real_vector,
             C.nonnegative, C.half_open_interval(0, 1), C.dependent]
    assert ", ".join(map(repr, shown)) == (
        "Real(), GreaterThan(lower_bound=0.0), Interval(lower_bound=0, upper_bound=1), "
        "Interval(lower_bound=0.0, upper_bound=1.0), Simplex(), Boolean(), "
        "IntegerInterval(lower_bound=0, upper_bound=3), IntegerGreaterThan(lower_bound=0), "
        "GreaterThan(lower_bound=2.0), IndependentConstraint(Real(), 1), PositiveDefinite(), "
        "LowerCholesky(), IndependentConstraint(Real(), 1), GreaterThanEq(lower_bound=0.0), "
        "HalfOpenInterval(lower_bound=0, upper_bound=1), Dependent()")
    assert C.simplex.check(engine.tensor([[0.2, 0.8], [0.5, 0.6]])).tolist() == [True, False]
    assert C.positive_definite.check(engine.tensor([[[2.0, 0.0], [0.0, 1.0]],
                                                    [[1.0, 2.0], [2.0, 1.0]]])).tolist() == \
        [True, False]
    assert C.real_vector.check(engine.tensor([[1.0, math.nan], [1.0, 2.0]])).tolist() == \
        [False, True]
    assert C.integer_interval(0, 2).check(engine.tensor([0.0, 1.5, 3.0])).tolist() == \
        [True, False, False]
    assert repr(D.Normal.arg_constraints) == ("{'loc': Real(), 'scale': "
                                              "GreaterThan(lower_bound=0.0)}")
    assert repr(D.Uniform(0.0, 1.0).support) == "Interval(lower_bound=0.0, upper_bound=1.0)"
    assert C.is_dependent(D.Uniform.support)


def test_lazy_probs_and_logits():
    d = D.Bernoulli(logits=engine.tensor([0.0, 2.0]))
    _close(d.probs, [0.5, 0.8807970285415649])
    c = D.Categorical(probs=engine.tensor([1.0, 3.0]))
    assert repr(c) == "Categorical(probs: torch.Size([2]))"
    _close(c.probs, [0.25, 0.75])
    _close(c.logits, [math.log(0.25), math.log(0.75)], 1e-6)
    # once computed, the other parameterization is shown too (as in PyTorch)
    assert repr(c) == "Categorical(probs: torch.Size([2]), logits: torch.Size([2]))"


def test_classes_print_under_pytorch_module_names():
    assert str(type(D.Normal(0.0, 1.0))) == "<class 'torch.distributions.normal.Normal'>"
    assert D.Categorical.__module__ == "torch.distributions.categorical"


def test_reinforce_and_vae_idioms_run():
    engine.manual_seed(0)
    logits = engine.zeros(4, 3, requires_grad=True)
    dist = D.Categorical(logits=logits)
    actions = dist.sample()
    loss = -(dist.log_prob(actions) * engine.ones(4)).mean() - 0.01 * dist.entropy().mean()
    loss.backward()
    assert logits.grad.shape == (4, 3)
    mu = engine.zeros(2, 5, requires_grad=True)
    logvar = engine.zeros(2, 5, requires_grad=True)
    q = D.Normal(mu, (0.5 * logvar).exp())
    z = q.rsample()
    kl = D.kl_divergence(q, D.Normal(engine.zeros_like(mu), engine.ones_like(mu))).sum()
    (z.sum() + kl).backward()
    assert mu.grad is not None and logvar.grad is not None


def test_torch_distributions_import_under_the_alias():
    code = ("from playground.sandbox import torch_alias; torch_alias.install()\n"
            "import torch\n"
            "from torch.distributions import Normal, Categorical, kl_divergence\n"
            "import torch.distributions.constraints as C\n"
            "from torch.distributions.normal import Normal as N2\n"
            "print(Normal(0., 1.), C.positive, N2 is Normal)\n"
            "try:\n    torch.distributions.Wishart\n"
            "except AttributeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == ["Normal(loc: 0.0, scale: 1.0) GreaterThan(lower_bound=0.0) True",
                   "torch.distributions.Wishart is not implemented by this playground's engine "
                   "(see the coverage list)"]


# ---- transforms ---------------------------------------------------------------------------

T = D.transforms
# transform(x), log_abs_det_jacobian(x, y) for x = [[0.3, -1.2, 0.8]] (|x| for the power),
# recorded with torch.distributions.transforms
TRANSFORMS = {
    "ExpTransform()": ([[1.3498588075760032, 0.30119421191220214, 2.225540928492468]],
                       [[0.3, -1.2, 0.8]]),
    "SigmoidTransform()": ([[0.574442516811659, 0.23147521650098238, 0.6899744811276125]],
                           [[-1.4087104889370543, -1.7265649346760623, -1.5422013318955554]]),
    "TanhTransform()": ([[0.2913126124515909, -0.8336546070121552, 0.664036770267849]],
                        [[-0.08868153985188065, -1.1873779431880092, -0.5815071206567871]]),
    "SoftplusTransform()": ([[0.8543552444685272, 0.26328246733803123, 1.1711006659477778]],
                            [[-0.5543552444685271, -1.4632824673380311, -0.3711006659477777]]),
    "AffineTransform(1.0, -2.0)": ([[0.4, 3.4, -0.6000000000000001]],
                                   [[0.6931471805599453] * 3]),
    "PowerTransform(2.0)": ([[0.09, 1.44, 0.6400000000000001]],
                            [[-0.5108256237659907, 0.8754687373538999, 0.47000362924573574]]),
    "StickBreakingTransform()": ([[0.3103224420123704, 0.09026916871088567, 0.41357649237475935,
                                   0.18583189690198457]], [-6.14092828322128]),
    "ComposeTransform([ExpTransform(), AffineTransform(0.5, 3.0)])": (
        [[4.549576422728009, 1.4035826357366064, 7.176622785477404]],
        [[1.3986122886681098, -0.10138771133189017, 1.8986122886681098]]),
    "IndependentTransform(SigmoidTransform(), 1)": (
        [[0.574442516811659, 0.23147521650098238, 0.6899744811276125]], [-4.677476755508672]),
}


def _transform(spec):
    return eval(spec.replace("PowerTransform(2.0)", "PowerTransform(f64(2.0))"), {
        "f64": f64, **{name: getattr(T, name) for name in T.__all__}})


@pytest.mark.parametrize("spec", sorted(TRANSFORMS))
def test_transforms_like_pytorch(spec):
    t = _transform(spec)
    x = f64([[0.3, -1.2, 0.8]])
    x = x.abs() if "Power" in spec else x
    y = t(x)
    expected_y, expected_log_det = TRANSFORMS[spec]
    _close(y, expected_y)
    _close(t.inv(y), x.tolist(), 1e-6)
    _close(t.log_abs_det_jacobian(x, y), expected_log_det)


def test_transform_reprs_inverses_and_constraint_registries():
    assert repr(T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, 2.0)])) == \
        "ComposeTransform(\n    ExpTransform(),\n    AffineTransform()\n)"
    assert repr(T.ExpTransform().inv) == "_InverseTransform(ExpTransform())"
    assert repr(T.identity_transform) == "ComposeTransform(\n    \n)"
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform().inv.inv == T.ExpTransform()
    assert (repr(T.TanhTransform().codomain), T.ExpTransform().sign) == (
        "Interval(lower_bound=-1.0, upper_bound=1.0)", 1)
    C = D.constraints
    assert repr(D.biject_to(C.unit_interval)) == "SigmoidTransform()"
    assert repr(D.biject_to(C.simplex)) == "StickBreakingTransform()"
    assert repr(D.transform_to(C.simplex)) == "SoftmaxTransform()"
    assert repr(D.biject_to(C.positive)) == ("ComposeTransform(\n    ExpTransform(),\n    "
                                             "AffineTransform()\n)")
    raises(NotImplementedError, "Cannot transform _Boolean constraints",
           lambda: D.biject_to(C.boolean))
    # biject_to maps unconstrained values into the support
    u = f64([-3.0, 0.0, 2.5])
    assert C.positive.check(D.biject_to(C.positive)(u)).all()
    assert C.interval(-1.0, 4.0).check(D.biject_to(C.interval(-1.0, 4.0))(u)).all()


def test_tanh_squashed_gaussian_as_in_soft_actor_critic():
    engine.manual_seed(0)
    mu = engine.zeros(4, 2, requires_grad=True)
    std = engine.ones(4, 2, requires_grad=True)
    policy = D.TransformedDistribution(D.Normal(mu, std), [T.TanhTransform(cache_size=1)])
    action = policy.rsample()
    assert ((action > -1) & (action < 1)).all()
    log_prob = policy.log_prob(action).sum(-1)
    (log_prob.sum() + action.sum()).backward()
    assert mu.grad.shape == (4, 2) and std.grad is not None


def test_parameter_free_transforms_are_equal_by_class_as_in_pytorch():
    # PyTorch 2.13: each parameter-free transform's __eq__ is isinstance(other, ItsClass), so
    # instances of one class are equal, of two classes not, and a subclass's equal both ways.
    kinds = [T.ExpTransform, T.SigmoidTransform, T.SoftplusTransform, T.TanhTransform,
             T.AbsTransform, T.SoftmaxTransform, T.StickBreakingTransform,
             T.LowerCholeskyTransform, T.PositiveDefiniteTransform]
    for a in kinds:
        for b in kinds:
            assert (a() == b()) is (a is b) and (a() != b()) is (a is not b)
        assert len({a(), a()}) == 2   # hashed by identity (PyTorch's are unhashable)
    sub = type("MyExp", (T.ExpTransform,), {})
    assert sub() == T.ExpTransform() and T.ExpTransform() == sub()
    assert sub() != T.TanhTransform()
