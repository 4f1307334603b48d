"""Every optimizer against updates computed by hand in NumPy from PyTorch's published
algorithm (the pseudo-code in torch.optim's documentation), over several steps and for
every option; plus param groups, zero_grad, add_param_group, state_dict and reprs.

Reprs and error messages are literals copied from PyTorch 2.13's output.
"""
import copy
import math

import numpy as np
import pytest

import engine
from engine import optim
from tests.helpers import raises

STEPS = 5
SHAPE = (3, 4)


def _data(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p0 = rng.standard_normal(SHAPE).astype(dtype)
    grads = [rng.standard_normal(SHAPE).astype(dtype) for _ in range(STEPS)]
    return p0, grads


def _run_engine(cls, p0, grads, **options):
    p = engine.tensor(p0.copy(), requires_grad=True)
    opt = cls([p], **options)
    trajectory = []
    for g in grads:
        p.grad = engine.tensor(g)
        opt.step()
        trajectory.append(p.detach().numpy().copy())
    return trajectory, opt, p


# ---- hand-written references, line by line from the documented algorithms ------------------

def ref_sgd(p, grads, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False,
            maximize=False):
    # The docs apply maximize in the last line; PyTorch's code negates the gradient first
    # (so weight decay still shrinks the weights), and the code is what users get.
    p, out, b = p.copy(), [], None
    for t, g in enumerate(grads, 1):
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            b = g.copy() if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        out.append(p.copy())
    return out


def ref_adam(p, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
             maximize=False, decoupled=False):
    b1, b2 = betas
    p, out = p.copy(), []
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        if maximize:
            g = -g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        elif weight_decay != 0:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        if amsgrad:
            vmax = np.maximum(vmax, v)
            v_hat = vmax / (1 - b2 ** t)
        else:
            v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p.copy())
    return out


def ref_rmsprop(p, grads, lr, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                centered=False, maximize=False):
    p, out = p.copy(), []
    v, b, g_ave = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v - g_ave * g_ave
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(p.copy())
    return out


def ref_adagrad(p, grads, lr, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                eps=1e-10, maximize=False):
    p, out = p.copy(), []
    state_sum = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        if maximize:
            g = -g
        lr_t = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:
            g = g + weight_decay * p
        state_sum = state_sum + g * g
        p = p - lr_t * g / (np.sqrt(state_sum) + eps)
        out.append(p.copy())
    return out


CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, dampening=0.3)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.5, weight_decay=0.1, nesterov=True)),
    (optim.SGD, ref_sgd, dict(lr=0.1, weight_decay=0.2, maximize=True)),
    (optim.Adam, ref_adam, dict(lr=0.1)),
    (optim.Adam, ref_adam, dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3)),
    (optim.Adam, ref_adam, dict(lr=0.1, weight_decay=0.1)),
    (optim.Adam, ref_adam, dict(lr=0.1, amsgrad=True)),
    (optim.Adam, ref_adam, dict(lr=0.1, amsgrad=True, weight_decay=0.05, maximize=True)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, alpha=0.9, momentum=0.9)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, centered=True)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5,
                                      weight_decay=0.1, maximize=True)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1, lr_decay=0.5, weight_decay=0.1,
                                      initial_accumulator_value=0.2, maximize=True)),
]


@pytest.mark.parametrize("cls, ref, options", CASES,
                         ids=[f"{c.__name__}-{'-'.join(o)}" for c, _, o in CASES])
def test_update_matches_published_algorithm(cls, ref, options):
    p0, grads = _data(1)
    got, _, _ = _run_engine(cls, p0, grads, **options)
    want = ref(p0, grads, **options)
    for step, (g, w) in enumerate(zip(got, want), 1):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")


@pytest.mark.parametrize("options", [dict(lr=0.1), dict(lr=0.1, weight_decay=0.1),
                                     dict(lr=0.1, amsgrad=True, maximize=True)])
def test_adamw_decays_weights_outside_the_moments(options):
    p0, grads = _data(2)
    got, _, _ = _run_engine(optim.AdamW, p0, grads, **options)
    want = ref_adam(p0, grads, decoupled=True, **{"weight_decay": 1e-2, **options})
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-10, atol=1e-12)


def test_float32_update_close_to_float64_reference():
    p0, grads = _data(3, np.float32)
    got, _, p = _run_engine(optim.Adam, p0, grads, lr=0.01)
    assert p.dtype is engine.float32
    want = ref_adam(p0.astype(np.float64), [g.astype(np.float64) for g in grads], lr=0.01)
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSprop, optim.Adagrad])
def test_large_parameter_is_updated_in_pieces_like_a_small_one(cls):
    # 70 000 elements crosses the 32K-element pieces the step works in; a non-contiguous
    # parameter takes the whole-array path. Both must give the reference values.
    rng = np.random.default_rng(4)
    big = rng.standard_normal((350, 200))
    grads = [rng.standard_normal(big.shape) for _ in range(3)]
    options = dict(lr=0.01, momentum=0.9) if cls is optim.SGD else dict(lr=0.01)
    got, _, _ = _run_engine(cls, big, grads, **options)
    ref = {optim.SGD: ref_sgd, optim.Adam: ref_adam, optim.RMSprop: ref_rmsprop,
           optim.Adagrad: ref_adagrad}[cls]
    np.testing.assert_allclose(got[-1], ref(big, grads, **options)[-1], rtol=1e-10)

    base = engine.from_numpy(np.asfortranarray(big)).requires_grad_()
    assert not base.is_contiguous()
    opt = cls([base], **options)
    for g in grads:
        base.grad = engine.tensor(g)
        opt.step()
    np.testing.assert_allclose(base.detach().numpy(), got[-1], rtol=1e-12)


def test_step_writes_in_place_and_moves_the_version_counter():
    p = engine.tensor([1.0, 2.0], requires_grad=True)
    storage = p._data
    version = p._version
    opt = optim.SGD([p], lr=0.5)
    p.grad = engine.tensor([1.0, 1.0])
    opt.step()
    assert p._data is storage
    assert p._version == version + 1
    assert p.grad_fn is None and p.requires_grad
    np.testing.assert_allclose(p.detach().numpy(), [0.5, 1.5])


def test_stale_graph_after_step_is_refused():
    p = engine.tensor([1.0, 2.0], requires_grad=True)
    loss = (p * p).sum()
    opt = optim.SGD([p], lr=0.1)
    p.grad = engine.tensor([1.0, 1.0])
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_params_without_grad_are_skipped():
    a = engine.tensor([1.0], requires_grad=True)
    b = engine.tensor([2.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = engine.tensor([1.0])
    opt.step()
    assert b.item() == 2.0
    assert len(opt.state) == 1 and a in opt.state


def test_closure_is_called_with_grad_enabled_and_its_loss_returned():
    p = engine.tensor([3.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with engine.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert p.item() == pytest.approx(3.0 - 0.1 * 6.0)


def test_param_groups_have_their_own_options():
    a = engine.tensor([1.0], requires_grad=True)
    b = engine.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 1.0, "momentum": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.5]
    for _ in range(2):
        a.grad = engine.tensor([1.0])
        b.grad = engine.tensor([1.0])
        opt.step()
    assert a.item() == pytest.approx(0.8)
    assert b.item() == pytest.approx(1.0 - 1.0 - 1.5)
    opt.param_groups[0]["lr"] = 0.5          # schedulers change options this way
    a.grad = engine.tensor([1.0])
    b.grad = None
    opt.step()
    assert a.item() == pytest.approx(0.3)


def test_add_param_group_fills_defaults():
    a = engine.tensor([1.0], requires_grad=True)
    b = engine.tensor([1.0], requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    group = opt.param_groups[1]
    assert group["params"][0] is b and group["lr"] == 0.01 and group["betas"] == (0.9, 0.999)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter "
                                         "group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([a])


def test_named_parameters_are_accepted():
    a = engine.tensor([1.0], requires_grad=True)
    opt = optim.SGD([("weight", a)], lr=0.1)
    assert opt.param_groups[0]["params"][0] is a
    assert opt.param_groups[0]["param_names"] == ["weight"]


@pytest.mark.parametrize("params, error, message", [
    ("tensor", TypeError, "params argument given to the optimizer should be an iterable of "
                          "Tensors or dicts, but got torch.FloatTensor"),
    ([], ValueError, "optimizer got an empty parameter list"),
    ([1.0], TypeError, "optimizer can only optimize Tensors, but one of the params is float"),
    ("non-leaf", ValueError, "can't optimize a non-leaf Tensor"),
])
def test_bad_params_are_refused_with_pytorchs_messages(params, error, message):
    p = engine.randn(3, requires_grad=True)
    params = {"tensor": p, "non-leaf": [p * 2]}.get(params, params) \
        if isinstance(params, str) else params
    raises(error, message, lambda: optim.SGD(params, lr=0.1))


@pytest.mark.parametrize("cls, options, message", [
    (optim.SGD, dict(lr=-1), "Invalid learning rate: -1"),
    (optim.SGD, dict(lr=0.1, momentum=-1), "Invalid momentum value: -1"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
    (optim.SGD, dict(lr=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    (optim.Adam, dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, dict(eps=-1), "Invalid epsilon value: -1"),
    (optim.RMSprop, dict(alpha=-1), "Invalid alpha value: -1"),
    (optim.Adagrad, dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    (optim.Adagrad, dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
])
def test_bad_options_are_refused_with_pytorchs_messages(cls, options, message):
    raises(ValueError, message, lambda: cls([engine.randn(2, requires_grad=True)], **options))


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p = engine.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    grad = p.grad
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        assert p.grad is grad and p.grad.tolist() == [0.0, 0.0]


# ---- repr: copied from PyTorch 2.13 -----------------------------------------------------

SGD_REPR = """SGD (
Parameter Group 0
    dampening: 0
    differentiable: False
    foreach: None
    fused: None
    lr: 0.1
    maximize: False
    momentum: 0.9
    nesterov: False
    weight_decay: 0

Parameter Group 1
    dampening: 0
    differentiable: False
    foreach: None
    fused: None
    lr: 0.5
    maximize: False
    momentum: 0.9
    nesterov: False
    weight_decay: 0
)"""

DEFAULT_REPRS = {
    "Adam": """Adam (
Parameter Group 0
    amsgrad: False
    betas: (0.9, 0.999)
    capturable: False
    decoupled_weight_decay: False
    differentiable: False
    eps: 1e-08
    foreach: None
    fused: None
    lr: 0.1
    maximize: False
    weight_decay: 0
)""",
    "AdamW": """AdamW (
Parameter Group 0
    amsgrad: False
    betas: (0.9, 0.999)
    capturable: False
    decoupled_weight_decay: True
    differentiable: False
    eps: 1e-08
    foreach: None
    fused: None
    lr: 0.1
    maximize: False
    weight_decay: 0.01
)""",
    "RMSprop": """RMSprop (
Parameter Group 0
    alpha: 0.99
    capturable: False
    centered: False
    differentiable: False
    eps: 1e-08
    foreach: None
    lr: 0.1
    maximize: False
    momentum: 0
    weight_decay: 0
)""",
    "Adagrad": """Adagrad (
Parameter Group 0
    differentiable: False
    eps: 1e-10
    foreach: None
    fused: None
    initial_accumulator_value: 0
    lr: 0.1
    lr_decay: 0
    maximize: False
    weight_decay: 0
)""",
}


def test_repr_with_two_groups_matches_pytorch():
    opt = optim.SGD([engine.randn(3, requires_grad=True)], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [engine.randn(2, requires_grad=True)], "lr": 0.5})
    assert repr(opt) == SGD_REPR


@pytest.mark.parametrize("name", sorted(DEFAULT_REPRS))
def test_default_repr_matches_pytorch(name):
    opt = getattr(optim, name)([engine.randn(3, requires_grad=True)], lr=0.1)
    assert repr(opt) == DEFAULT_REPRS[name]


# ---- state_dict ----------------------------------------------------------------------------

def test_state_dict_layout_matches_pytorch():
    a = engine.randn(3, requires_grad=True)
    b = engine.randn(2, requires_grad=True)
    c = engine.randn(1, requires_grad=True)
    opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    a.grad = engine.ones(3)
    c.grad = engine.ones(1)
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert sorted(sd["state"]) == [0, 2]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5
    state = sd["state"][0]
    assert list(state) == ["step", "exp_avg", "exp_avg_sq"]
    # PyTorch 2.13: {'step': tensor(1.), 'exp_avg': tensor([0.1000, 0.1000, 0.1000]), ...}
    assert repr(state["step"]) == "tensor(1.)"
    assert repr(state["exp_avg"]) == "tensor([0.1000, 0.1000, 0.1000])"
    assert repr(state["exp_avg_sq"]) == "tensor([0.0010, 0.0010, 0.0010])"


def test_adagrad_has_state_from_construction_like_pytorch():
    p = engine.randn(3, requires_grad=True)
    sd = optim.Adagrad([p], lr=0.1, initial_accumulator_value=0.5).state_dict()
    # PyTorch 2.13: {0: {'step': tensor(0.), 'sum': tensor([0.5000, 0.5000, 0.5000])}}
    assert repr(sd["state"][0]["step"]) == "tensor(0.)"
    assert repr(sd["state"][0]["sum"]) == "tensor([0.5000, 0.5000, 0.5000])"


@pytest.mark.parametrize("cls, options", [
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.Adam, dict(lr=0.1, amsgrad=True)),
    (optim.AdamW, dict(lr=0.1)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.1)),
])
def test_resuming_from_state_dict_gives_the_same_trajectory(cls, options):
    p0, grads = _data(5)
    straight, _, _ = _run_engine(cls, p0, grads, **options)

    first, opt, p = _run_engine(cls, p0, grads[:2], **options)
    saved = copy.deepcopy(opt.state_dict())
    resumed_p = engine.tensor(p.detach().numpy().copy(), requires_grad=True)
    resumed = cls([resumed_p], lr=123.0)  # options come back from the state_dict
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == options["lr"]
    assert resumed.param_groups[0]["params"][0] is resumed_p
    for g in grads[2:]:
        resumed_p.grad = engine.tensor(g)
        resumed.step()
    np.testing.assert_array_equal(resumed_p.detach().numpy(), straight[-1])


def test_load_state_dict_casts_state_to_the_parameters_dtype():
    p64 = engine.randn(3, dtype=engine.float64, requires_grad=True)
    opt = optim.Adam([p64], lr=0.1)
    p64.grad = engine.ones(3, dtype=engine.float64)
    opt.step()
    p32 = engine.randn(3, requires_grad=True)
    opt32 = optim.Adam([p32], lr=0.1)
    opt32.load_state_dict(opt.state_dict())
    state = opt32.state[p32]
    assert state["exp_avg"].dtype is engine.float32
    assert state["step"].dtype is engine.float32


def test_load_state_dict_mismatches_are_refused_with_pytorchs_messages():
    p = engine.randn(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    two = optim.SGD([p, engine.randn(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="^loaded state dict contains a parameter group that "
                                         "doesn't match the size of optimizer's group$"):
        opt.load_state_dict(two.state_dict())
    groups = optim.SGD([{"params": [p]}, {"params": [engine.randn(1, requires_grad=True)]}],
                       lr=0.1)
    with pytest.raises(ValueError, match="^loaded state dict has a different number of "
                                         "parameter groups$"):
        opt.load_state_dict(groups.state_dict())
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"params": []})


def test_step_count_and_lr_as_python_numbers_round_trip_through_math():
    # The step counter is a tensor, but the bias corrections use it as a float.
    p = engine.tensor([0.0], requires_grad=True)
    opt = optim.Adam([p], lr=1.0)
    for _ in range(3):
        p.grad = engine.tensor([1.0])
        opt.step()
    assert opt.state[p]["step"].item() == 3.0
    # A constant gradient makes Adam move by exactly lr each step (m_hat/sqrt(v_hat) = 1).
    assert p.item() == pytest.approx(-3.0 * (1 / (1 + 1e-8)), rel=1e-6)
    assert math.isclose(opt.param_groups[0]["lr"], 1.0)


def test_a_step_saved_as_a_number_loads_as_pytorchs_step_tensor():
    p = engine.tensor([0.0, 1.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = engine.tensor([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = 1  # what older PyTorch versions wrote
    fresh = optim.Adam([p], lr=0.1)
    fresh.load_state_dict(sd)
    assert repr(fresh.state[p]["step"]) == "tensor(1.)"
    p.grad = engine.tensor([1.0, 1.0])
    fresh.step()
    assert fresh.state[p]["step"].item() == 2.0


def test_differentiable_steps_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="differentiable=True is not supported"):
        optim.Adam([engine.randn(2, requires_grad=True)], differentiable=True)


def test_step_and_state_dict_hooks():
    p = engine.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", p.item())))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", p.item())))
    p.grad = engine.tensor([1.0])
    opt.step()
    assert calls == [("pre", 1.0), ("post", 0.5)]
    pre.remove()
    opt.step()
    assert calls[-1] == ("post", 0.0) and len(calls) == 3
    opt.register_step_pre_hook(lambda o, args, kwargs: "bad")
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, "
                                           "new_kwargs\\), but got bad"):
        opt.step()

    order = []
    opt2 = optim.Adam([p], lr=0.1)
    opt2.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt2.register_load_state_dict_pre_hook(lambda o, sd: order.append("b"))
    opt2.register_load_state_dict_pre_hook(lambda o, sd: order.append("a"), prepend=True)
    opt2.register_load_state_dict_post_hook(lambda o: order.append("post"))
    sd = opt2.state_dict()
    assert sd["extra"] == 1
    opt2.load_state_dict(sd)
    assert order == ["a", "b", "post"]


def test_deepcopy_gives_an_independent_optimizer_over_copied_parameters():
    p = engine.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.5, momentum=0.9)
    from engine.optim import lr_scheduler
    lr_scheduler.StepLR(opt, 1)  # wraps opt.step on the instance
    p.grad = engine.tensor([1.0, 1.0])
    opt.step()
    twin = copy.deepcopy(opt)
    q = twin.param_groups[0]["params"][0]
    assert q is not p and q.tolist() == p.tolist()
    assert twin.state[q]["momentum_buffer"] is not opt.state[p]["momentum_buffer"]
    q.grad = engine.tensor([1.0, 1.0])
    twin.step()
    assert p.tolist() == [0.5, 1.5] and q.tolist() == pytest.approx([-0.45, 0.55])
