"""Adadelta, Adamax, NAdam, RAdam, Rprop and ASGD against updates computed by hand in NumPy from the
algorithms in PyTorch's documentation; reprs and state layout copied from PyTorch 2.13."""
import numpy as np
import pytest

import engine
from engine import optim
from tests.helpers import raises

STEPS = 12


def _data(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 4)), [rng.standard_normal((3, 4)) for _ in range(STEPS)]


def _run(cls, p0, grads, **options):
    p = engine.tensor(p0.copy(), requires_grad=True)
    opt = cls([p], **options)
    for g in grads:
        p.grad = engine.tensor(g)
        opt.step()
    return p.detach().numpy(), opt


def _start(p, g, t, lr, weight_decay, maximize, decoupled=False):
    if maximize:
        g = -g
    if weight_decay != 0:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    return p, g


def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    v, u = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        p, g = _start(p, g, t, lr, weight_decay, maximize)
        v = v * rho + g * g * (1 - rho)
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = u * rho + dx * dx * (1 - rho)
        p = p - lr * dx
    return p


def ref_adamax(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
               maximize=False):
    b1, b2 = betas
    m, u = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        p, g = _start(p, g, t, lr, weight_decay, maximize)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr * m / ((1 - b1 ** t) * u)
    return p


def ref_nadam(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m, v = np.zeros_like(p), np.zeros_like(p)
    mu = [b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)) for t in range(STEPS + 2)]
    for t, g in enumerate(grads, 1):
        p, g = _start(p, g, t, lr, weight_decay, maximize, decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = (mu[t + 1] * m / (1 - np.prod(mu[1:t + 2]))
                 + (1 - mu[t]) * g / (1 - np.prod(mu[1:t + 1])))
        v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def ref_radam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m, v = np.zeros_like(p), np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(grads, 1):
        p, g = _start(p, g, t, lr, weight_decay, maximize, decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            adaptive = np.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
            rect = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                           ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * rect * adaptive
        else:
            p = p - lr * m_hat
    return p


def ref_rprop(p, grads, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    etaminus, etaplus = etas
    lo, hi = step_sizes
    prev, eta = np.zeros_like(p), np.full_like(p, lr)
    for g in grads:
        g = -g if maximize else g.copy()
        same = prev * g
        eta = np.where(same > 0, np.minimum(eta * etaplus, hi),
                       np.where(same < 0, np.maximum(eta * etaminus, lo), eta))
        g[same < 0] = 0
        p = p - eta * np.sign(g)
        prev = g
    return p


def ref_asgd(p, grads, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
             maximize=False, want_ax=False):
    eta, mu, ax = lr, 1.0, np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        p, g = _start(p, g, t, lr, weight_decay, maximize)
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax) if mu != 1 else p.copy()
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)
    return ax if want_ax else p


CASES = [
    (optim.Adadelta, ref_adadelta, dict()),
    (optim.Adadelta, ref_adadelta, dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)),
    (optim.Adamax, ref_adamax, dict(lr=0.05)),
    (optim.Adamax, ref_adamax, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1,
                                    maximize=True)),
    (optim.NAdam, ref_nadam, dict(lr=0.05)),
    (optim.NAdam, ref_nadam, dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    (optim.NAdam, ref_nadam, dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True,
                                  maximize=True)),
    (optim.RAdam, ref_radam, dict(lr=0.05)),  # rho_t passes 5 at step 6: both branches
    (optim.RAdam, ref_radam, dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.1)),
    (optim.RAdam, ref_radam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1,
                                  decoupled_weight_decay=True, maximize=True)),
    (optim.Rprop, ref_rprop, dict()),
    (optim.Rprop, ref_rprop, dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-2, 0.2),
                                  maximize=True)),
    (optim.ASGD, ref_asgd, dict(lr=0.05)),
    (optim.ASGD, ref_asgd, dict(lr=0.05, lambd=0.01, t0=3, weight_decay=0.1, maximize=True)),
]


@pytest.mark.parametrize("cls, ref, options", CASES,
                         ids=[f"{c.__name__}-{'-'.join(o) or 'defaults'}" for c, _, o in CASES])
def test_update_matches_published_algorithm(cls, ref, options):
    p0, grads = _data(7)
    got, _ = _run(cls, p0, grads, **options)
    # NAdam's momentum product and ASGD's eta and mu live in float32 0-d tensors, as in
    # PyTorch.
    rtol = 1e-6 if cls in (optim.NAdam, optim.ASGD) else 1e-10
    np.testing.assert_allclose(got, ref(p0, grads, **options), rtol=rtol, atol=1e-12)


REPRS = {
    "Adadelta": ("capturable: False\n    differentiable: False\n    eps: 1e-06\n    foreach: "
                 "None\n    lr: 0.1\n    maximize: False\n    rho: 0.9\n    weight_decay: 0",
                 ["step", "square_avg", "acc_delta"]),
    "Adamax": ("betas: (0.9, 0.999)\n    capturable: False\n    differentiable: False\n    "
               "eps: 1e-08\n    foreach: None\n    lr: 0.1\n    maximize: False\n    "
               "weight_decay: 0", ["step", "exp_avg", "exp_inf"]),
    "NAdam": ("betas: (0.9, 0.999)\n    capturable: False\n    decoupled_weight_decay: False\n"
              "    differentiable: False\n    eps: 1e-08\n    foreach: None\n    lr: 0.1\n    "
              "maximize: False\n    momentum_decay: 0.004\n    weight_decay: 0",
              ["step", "mu_product", "exp_avg", "exp_avg_sq"]),
    "RAdam": ("betas: (0.9, 0.999)\n    capturable: False\n    decoupled_weight_decay: False\n"
              "    differentiable: False\n    eps: 1e-08\n    foreach: None\n    lr: 0.1\n    "
              "maximize: False\n    weight_decay: 0", ["step", "exp_avg", "exp_avg_sq"]),
}


@pytest.mark.parametrize("name", sorted(REPRS))
def test_repr_and_state_layout_match_pytorch(name):
    p = engine.randn(3, requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.1)
    body, keys = REPRS[name]
    assert repr(opt) == f"{name} (\nParameter Group 0\n    {body}\n)"
    p.grad = engine.ones(3)
    opt.step()
    assert list(opt.state_dict()["state"][0]) == keys
    assert repr(opt.state[p]["step"]) == "tensor(1.)"


def test_nadam_momentum_product_matches_pytorch():
    p = engine.randn(3, requires_grad=True)
    opt = optim.NAdam([p], lr=0.1)
    p.grad = engine.ones(3)
    opt.step()
    assert repr(opt.state[p]["mu_product"]) == "tensor(0.4501)"  # PyTorch 2.13's value


@pytest.mark.parametrize("cls, options, message", [
    (optim.Adadelta, dict(rho=1.5), "Invalid rho value: 1.5"),
    (optim.Adamax, dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (optim.NAdam, dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (optim.RAdam, dict(eps=-1), "Invalid epsilon value: -1"),
    # Two bad options: PyTorch 2.13 names the one its constructor checks first (literals
    # from real torch), which the shared check_options keeps per optimizer.
    (optim.Adam, dict(lr=-1, eps=-1), "Invalid learning rate: -1"),
    (optim.Adam, dict(eps=-1, betas=(1.0, 0.9)), "Invalid epsilon value: -1"),
    (optim.Adadelta, dict(rho=2.0, eps=-1), "Invalid rho value: 2.0"),
    (optim.RMSprop, dict(momentum=-1, alpha=-1), "Invalid momentum value: -1"),
    (optim.Adagrad, dict(initial_accumulator_value=-1, eps=-1),
     "Invalid initial_accumulator_value value: -1"),
    (optim.NAdam, dict(weight_decay=-1, momentum_decay=-1), "Invalid weight_decay value: -1"),
    (optim.ASGD, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (optim.Rprop, dict(lr=-1, etas=(2, 1)), "Invalid learning rate: -1"),
    (optim.LBFGS, dict(lr=-1), "Invalid learning rate: -1"),
    (optim.Adam, dict(lr=float("nan")), "Invalid learning rate: nan"),
    (optim.Adamax, dict(lr=engine.tensor([1.0, 2.0])), "Tensor lr must be 1-element"),
])
def test_bad_options(cls, options, message):
    raises(ValueError, message, lambda: cls([engine.randn(2, requires_grad=True)], **options))


def test_sgd_lets_a_nan_lr_through_as_pytorch_does():
    # PyTorch 2.13's SGD checks lr < 0 (not 0 <= lr as Adam does), so nan passes there.
    opt = optim.SGD([engine.randn(2, requires_grad=True)], lr=float("nan"))
    assert opt.param_groups[0]["lr"] != opt.param_groups[0]["lr"]


def test_asgd_keeps_the_running_average_of_the_parameters():
    p0, grads = _data(8)
    options = dict(lr=0.05, lambd=0.01, t0=3, weight_decay=0.1)
    _, opt = _run(optim.ASGD, p0, grads, **options)
    ax = opt.state_dict()["state"][0]["ax"].numpy()
    np.testing.assert_allclose(ax, ref_asgd(p0, grads, want_ax=True, **options), rtol=1e-6)
    # PyTorch 2.13's state after one step: {'step', 'eta', 'mu', 'ax'}
    assert list(opt.state_dict()["state"][0]) == ["step", "eta", "mu", "ax"]


def test_rprop_state_and_repr_match_pytorch():
    p = engine.randn(3, requires_grad=True)
    opt = optim.Rprop([p], lr=0.1)
    assert repr(opt) == ("Rprop (\nParameter Group 0\n    capturable: False\n    "
                         "differentiable: False\n    etas: (0.5, 1.2)\n    foreach: None\n"
                         "    lr: 0.1\n    maximize: False\n    step_sizes: (1e-06, 50)\n)")
    p.grad = engine.ones(3)
    opt.step()
    state = opt.state[p]
    assert list(state) == ["step", "prev", "step_size"]
    assert repr(state["step_size"]) == "tensor([0.1000, 0.1000, 0.1000])"
    with pytest.raises(ValueError, match="^Invalid eta values: 1.5, 1.2$"):
        optim.Rprop([p], etas=(1.5, 1.2))
