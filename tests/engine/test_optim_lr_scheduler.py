"""Learning-rate schedulers against their formulas (PyTorch's documentation) and against
trajectories printed by PyTorch 2.13 for the same settings (copied as literals)."""
import math
import warnings

import pytest

import engine
from engine import optim
from engine.optim import lr_scheduler as sched
from tests.helpers import raises


def _optimizer(lrs=(0.1, 0.5)):
    groups = [{"params": [engine.randn(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=lrs[0])


def _trajectory(opt, scheduler, epochs=12, metrics=None):
    out = []
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        out.append(scheduler.get_last_lr())
    return out


def _close(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-12, abs=1e-15)


def _same(got, want):
    assert got == want  # exact: the same float operations as PyTorch


def test_step_lr_formula():
    opt = _optimizer()
    s = sched.StepLR(opt, step_size=3, gamma=0.5)
    assert s.get_last_lr() == [0.1, 0.5]
    got = _trajectory(opt, s)
    want = [[lr * 0.5 ** (epoch // 3) for lr in (0.1, 0.5)] for epoch in range(1, 13)]
    _close(got, want)
    assert [g["lr"] for g in opt.param_groups] == got[-1]


def test_multistep_lr_formula_with_a_repeated_milestone():
    opt = _optimizer()
    milestones = [2, 5, 5, 9]
    got = _trajectory(opt, sched.MultiStepLR(opt, milestones, gamma=0.3))
    want = [[lr * 0.3 ** sum(m <= epoch for m in milestones) for lr in (0.1, 0.5)]
            for epoch in range(1, 13)]
    _close(got, want)


def test_exponential_lr_formula():
    opt = _optimizer()
    got = _trajectory(opt, sched.ExponentialLR(opt, gamma=0.9))
    _close(got, [[lr * 0.9 ** e for lr in (0.1, 0.5)] for e in range(1, 13)])


def test_cosine_annealing_formula_over_more_than_one_period():
    opt = _optimizer()
    eta_min, t_max = 0.01, 4
    got = _trajectory(opt, sched.CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min))
    want = [[eta_min + (lr - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2
             for lr in (0.1, 0.5)] for e in range(1, 13)]
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-9, abs=1e-12)


def test_lambda_lr_per_group_lambdas():
    opt = _optimizer()
    got = _trajectory(opt, sched.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: 1 / (e + 1)]))
    _close(got, [[0.1 * 0.5 ** e, 0.5 / (e + 1)] for e in range(1, 13)])
    with pytest.raises(ValueError, match="^Expected 2 lr_lambdas, but got 1$"):
        sched.LambdaLR(opt, [lambda e: 1.0])


def test_chained_schedulers_multiply_like_pytorch():
    opt = _optimizer()
    sched.StepLR(opt, 2, 0.5)
    s = sched.ExponentialLR(opt, 0.9)
    got = [lrs[0] for lrs in _trajectory(opt, s, epochs=6)]
    # PyTorch 2.13 stepping only the ExponentialLR of this chain prints:
    want = [0.09, 0.081, 0.0729, 0.06561, 0.059049, 0.0531441]
    _close(got, want)


def test_step_with_an_epoch_uses_the_closed_form_and_warns():
    opt = _optimizer()
    s = sched.StepLR(opt, step_size=3, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        s.step(7)
    assert s.get_last_lr() == pytest.approx([0.1 * 0.25, 0.5 * 0.25])


def test_scheduler_stepped_before_optimizer_warns():
    opt = _optimizer()
    s = sched.StepLR(opt, step_size=3)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                         "`optimizer.step\\(\\)`"):
        s.step()
    opt2 = _optimizer()
    s2 = sched.StepLR(opt2, step_size=3)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()


def test_initial_lr_is_recorded_and_required_when_resuming():
    opt = _optimizer()
    sched.ExponentialLR(opt, 0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.5]
    fresh = _optimizer()
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in "
                                       "param_groups\\[0\\] when resuming"):
        sched.StepLR(fresh, 3, last_epoch=4)
    with pytest.raises(TypeError, match="^list is not an Optimizer$"):
        sched.StepLR([], 3)


def test_state_dict_round_trip_resumes_the_schedule():
    opt = _optimizer()
    s = sched.MultiStepLR(opt, [2, 4], gamma=0.1)
    _trajectory(opt, s, epochs=3)
    state = s.state_dict()
    assert "optimizer" not in state
    assert state["last_epoch"] == 3 and state["base_lrs"] == [0.1, 0.5]

    opt2 = _optimizer()
    opt2.load_state_dict(opt.state_dict())
    s2 = sched.MultiStepLR(opt2, [100], gamma=0.5)
    s2.load_state_dict(state)
    assert s2.milestones == {2: 1, 4: 1} and s2.gamma == 0.1
    _close(_trajectory(opt2, s2, epochs=3), _trajectory(opt, s, epochs=3))


def test_lambda_state_dict_keeps_callable_objects_but_not_functions():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate ** epoch

    opt = _optimizer((0.1,))
    s = sched.LambdaLR(opt, Decay(0.5))
    assert s.state_dict()["lr_lambdas"] == [{"rate": 0.5}]
    assert sched.LambdaLR(_optimizer((0.1,)), lambda e: 1.0).state_dict()["lr_lambdas"] == [None]
    other = sched.LambdaLR(_optimizer((0.1,)), Decay(0.9))
    other.load_state_dict(s.state_dict())
    assert other.lr_lambdas[0].rate == 0.5


# ---- ReduceLROnPlateau -------------------------------------------------------------------

METRICS = [1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]


@pytest.mark.parametrize("options, want", [
    # Each expected list is PyTorch 2.13's get_last_lr()[0] after each step on METRICS.
    (dict(patience=1),
     [0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002,
      0.0010000000000000002, 0.0010000000000000002, 0.00010000000000000003,
      0.00010000000000000003, 1.0000000000000004e-05, 1.0000000000000004e-05]),
    (dict(patience=2, cooldown=2, factor=0.5, min_lr=0.02),
     [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025]),
    (dict(mode="max", threshold_mode="abs", patience=0, threshold=0.01),
     [0.1, 0.010000000000000002, 0.0010000000000000002, 0.00010000000000000003,
      1.0000000000000004e-05, 1.0000000000000004e-06, 1.0000000000000005e-07,
      1.0000000000000005e-08, 1.0000000000000005e-08, 1.0000000000000005e-08,
      1.0000000000000005e-08, 1.0000000000000005e-08]),
])
def test_reduce_lr_on_plateau_matches_pytorch(options, want):
    opt = _optimizer((0.1,))
    got = [lrs[0] for lrs in _trajectory(opt, sched.ReduceLROnPlateau(opt, **options),
                                          metrics=METRICS)]
    _same(got, want)


def test_reduce_lr_on_plateau_takes_a_tensor_metric_and_checks_options():
    opt = _optimizer((0.1,))
    s = sched.ReduceLROnPlateau(opt, patience=0)
    s.step(engine.tensor(1.0))
    s.step(engine.tensor(2.0))
    assert s.get_last_lr() == pytest.approx([0.01])
    with pytest.raises(ValueError, match="^Factor should be < 1.0.$"):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="^mode avg is unknown!$"):
        sched.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="^expected 1 min_lrs, got 2$"):
        sched.ReduceLROnPlateau(opt, min_lr=[0, 0])


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt = _optimizer((0.1,))
    s = sched.ReduceLROnPlateau(opt, patience=1)
    for m in METRICS[:5]:
        s.step(m)
    state = s.state_dict()
    s2 = sched.ReduceLROnPlateau(_optimizer((0.1,)))
    s2.load_state_dict(state)
    assert (s2.best, s2.num_bad_epochs, s2.patience) == (s.best, s.num_bad_epochs, 1)


# ---- the other PyTorch schedulers: trajectories printed by PyTorch 2.13 --------------------
# Each list is get_last_lr()[0] right after construction and then after each of 14 steps,
# for a first param group with lr 0.1 (copied from PyTorch's output).

MORE = {
    "linear": (lambda o: sched.LinearLR(o, start_factor=0.25, total_iters=4),
               [0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002]
               + [0.10000000000000002] * 11),
    "polynomial": (lambda o: sched.PolynomialLR(o, total_iters=6, power=2.0),
                   [0.1, 0.06944444444444446, 0.04444444444444447, 0.02500000000000001,
                    0.011111111111111117, 0.0027777777777777775] + [0.0] * 9),
    "sequential": (lambda o: sched.SequentialLR(
        o, [sched.LinearLR(o, start_factor=0.1, total_iters=3),
            sched.CosineAnnealingLR(o, T_max=5)], milestones=[3]),
        [0.010000000000000002, 0.04, 0.07, 0.1, 0.09045084971874738, 0.06545084971874737,
         0.03454915028125263, 0.009549150281252633, 0.0, 0.009549150281252628,
         0.03454915028125265, 0.06545084971874741, 0.09045084971874744, 0.10000000000000006,
         0.09045084971874746]),
    "chained": (lambda o: sched.ChainedScheduler(
        [sched.ConstantLR(o, factor=0.1, total_iters=2), sched.ExponentialLR(o, gamma=0.9)]),
        [0.010000000000000002, 0.009000000000000003, 0.08100000000000003, 0.07290000000000003,
         0.06561000000000003, 0.059049000000000025, 0.05314410000000002, 0.04782969000000002,
         0.043046721000000024, 0.03874204890000002, 0.03486784401000002, 0.03138105960900001,
         0.028242953648100012, 0.025418658283290013, 0.022876792454961013]),
}


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_schedulers_match_pytorch_exactly(name):
    make, want = MORE[name]
    opt = _optimizer()
    s = make(opt)
    got = [s.get_last_lr()[0]] + [lrs[0] for lrs in _trajectory(opt, s, epochs=14)]
    _same(got, want)


def test_constant_and_multiplicative_formulas():
    opt = _optimizer()
    got = _trajectory(opt, sched.ConstantLR(opt, factor=0.5, total_iters=3), epochs=5)
    _close([g[0] for g in got], [0.05, 0.05, 0.1, 0.1, 0.1])
    opt = _optimizer()
    got = _trajectory(opt, sched.MultiplicativeLR(opt, lambda e: 0.9), epochs=4)
    _close([g[1] for g in got], [0.5 * 0.9 ** e for e in range(1, 5)])
    with pytest.raises(ValueError, match="^Constant multiplicative factor expected to be "
                                         "between 0 and 1.$"):
        sched.ConstantLR(opt, factor=2)
    with pytest.raises(TypeError, match="^lr_lambda should be a function, but got int$"):
        sched.MultiplicativeLR(opt, [1, 2])


def test_sequential_state_dict_nests_its_schedulers():
    opt = _optimizer()
    s = sched.SequentialLR(opt, [sched.ConstantLR(opt, factor=0.1, total_iters=2),
                                 sched.ExponentialLR(opt, 0.9)], milestones=[2])
    state = s.state_dict()
    assert len(state["_schedulers"]) == 2 and state["_milestones"] == [2]
    with pytest.raises(ValueError, match="expects number of schedulers provided to be one "
                                         "more than the number of milestone points"):
        sched.SequentialLR(opt, [sched.ExponentialLR(opt, 0.9)], milestones=[2])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        sched.ChainedScheduler([sched.ReduceLROnPlateau(opt)])


def test_cosine_warm_restarts_matches_pytorch_including_fractional_epochs():
    opt = _optimizer()
    s = sched.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)
    got = [s.get_last_lr()[0]] + [lrs[0] for lrs in _trajectory(opt, s, epochs=14)]
    _same(got, [0.1, 0.07525000000000001, 0.025750000000000012, 0.1, 0.09336825748732973,
                0.07525000000000001, 0.0505, 0.025750000000000012, 0.007631742512670284, 0.1,
                0.09831332840130888, 0.09336825748732973, 0.0855017856687341,
                0.07525000000000001, 0.06331154273257478])
    opt = _optimizer()
    s = sched.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
    got = []
    for i in range(6):
        s.step(i * 0.7)
        got.append(s.get_last_lr()[0])
    _same(got, [0.1, 0.08715724127386971, 0.05522642316338268, 0.020610737385376367,
                0.0010926199633097156, 0.09829629131445342])


def test_one_cycle_cycles_lr_and_momentum_like_pytorch():
    opt = optim.SGD([{"params": [engine.randn(2, requires_grad=True)]},
                     {"params": [engine.randn(1, requires_grad=True)], "lr": 0.5}],
                    lr=0.1, momentum=0.9)
    s = sched.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=14)
    lrs, moms = [s.get_last_lr()[0]], [opt.param_groups[0]["momentum"]]
    for _ in range(14):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    _same(lrs, [0.040000000000000036, 0.253326288150591, 0.703688047535243,
                0.9907769345935507, 0.9836474969297887, 0.9190443762697106,
                0.8117456539497631, 0.6726838364805451, 0.5160277246826726,
                0.35773877573965707, 0.21394481417223551, 0.0992967918932656,
                0.025476024606159702, 4e-06, 0.02547602460615959])
    _same(moms, [0.95, 0.92777851165098, 0.8808658283817454, 0.8509607359798385,
                 0.8516352568480485, 0.858095594755408, 0.8688255099070633,
                 0.8827317472789346, 0.8983974211214172, 0.9142263793315516,
                 0.9286058330061084, 0.9400706810933978, 0.9474527873505334, 0.95,
                 0.9474527873505334])
    with pytest.raises(ValueError, match="^Tried to step 15 times. The specified number of "
                                         "total steps is 14$"):
        s.step()


def test_one_cycle_three_phase_linear_cycles_adams_beta1():
    opt = optim.Adam([engine.randn(2, requires_grad=True)], lr=0.1)
    s = sched.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=7, three_phase=True,
                         anneal_strategy="linear")
    lrs, beta1 = [s.get_last_lr()[0]], [opt.param_groups[0]["betas"][0]]
    for _ in range(14):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
        beta1.append(opt.param_groups[0]["betas"][0])
    _same(lrs, [0.04, 0.33999999999999997, 0.64, 0.94, 0.76, 0.4600000000000001,
                0.16000000000000014, 0.036364, 0.030304, 0.024244, 0.018184, 0.012124,
                0.006064, 3.9999999999970615e-06, -0.006056000000000006])
    _same(beta1, [0.95, 0.91875, 0.8875, 0.85625, 0.875, 0.90625, 0.9375] + [0.95] * 8)
    assert opt.param_groups[0]["betas"][1] == 0.999
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        sched.OneCycleLR(opt, max_lr=1.0)


@pytest.mark.parametrize("options, want_lr, want_momentum", [
    # Copied from PyTorch 2.13: get_last_lr()[0] and the first group's momentum, after
    # construction and after each of 12 steps.
    (dict(base_lr=0.01, max_lr=0.1, step_size_up=3),
     [0.01, 0.040000000000000015, 0.06999999999999999, 0.1, 0.07000000000000003,
      0.03999999999999998, 0.01, 0.040000000000000056, 0.06999999999999995, 0.1,
      0.06999999999999995, 0.040000000000000056, 0.01],
     [0.9, 0.8666666666666667, 0.8333333333333334, 0.8, 0.8333333333333334,
      0.8666666666666667, 0.9, 0.8666666666666666, 0.8333333333333335, 0.8,
      0.8333333333333335, 0.8666666666666666, 0.9]),
    (dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=2, step_size_down=4,
          mode="triangular2"),
     [0.01, 0.05500000000000003, 0.09999999999999999, 0.0775, 0.055000000000000014,
      0.03249999999999998, 0.01, 0.03250000000000004, 0.054999999999999966,
      0.043750000000000004, 0.03249999999999998, 0.02125000000000002, 0.01],
     [0.9, 0.85, 0.8, 0.8250000000000001, 0.85, 0.875, 0.9, 0.875, 0.8500000000000001,
      0.8625, 0.875, 0.8875, 0.9]),
])
def test_cyclic_lr_matches_pytorch(options, want_lr, want_momentum):
    opt = optim.SGD([{"params": [engine.randn(2, requires_grad=True)]},
                     {"params": [engine.randn(1, requires_grad=True)], "lr": 0.5}],
                    lr=0.1, momentum=0.9)
    s = sched.CyclicLR(opt, **options)
    lrs, moms = [s.get_last_lr()[0]], [opt.param_groups[0]["momentum"]]
    for _ in range(12):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    _same(lrs, want_lr)
    _same(moms, want_momentum)


def test_cyclic_lr_exp_range_cycles_adams_beta1():
    opt = optim.Adam([engine.randn(2, requires_grad=True)], lr=0.1)
    s = sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range",
                       gamma=0.9)
    for _ in range(3):
        opt.step()
        s.step()
    # PyTorch 2.13: lr 0.07561000000000001, beta1 0.8271000000000001 after 3 steps
    _same([s.get_last_lr()[0], opt.param_groups[0]["betas"][0]],
          [0.07561000000000001, 0.8271000000000001])
    with pytest.raises(ValueError, match="^mode is invalid and scale_fn is None$"):
        sched.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")


@pytest.mark.parametrize("make", [lambda opt: sched.OneCycleLR(opt, max_lr=0.1, total_steps=10),
                                  lambda opt: sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1)])
def test_cycling_momentum_needs_an_optimizer_with_momentum_or_beta1(make):
    opt = optim.Adagrad([engine.randn(2, requires_grad=True)], lr=0.1)
    # PyTorch 2.13's message, for OneCycleLR and CyclicLR alike
    raises(ValueError, "optimizer must support momentum or beta1 with `cycle_momentum` option "
           "enabled", lambda: make(opt))
