"""LBFGS against PyTorch 2.13 on the Rosenbrock function (expected values copied from
PyTorch's run of the same code), with and without the strong-Wolfe line search."""
import numpy as np
import pytest

import engine
from engine import optim


def _rosenbrock_run(steps, **options):
    x = engine.tensor([-1.5, 2.0], dtype=engine.float64, requires_grad=True)
    opt = optim.LBFGS([x], **options)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append((loss.item(), x.detach().numpy().tolist(), opt.state[x]["func_evals"],
                    opt.state[x]["n_iter"]))
    return out, opt, x


def test_strong_wolfe_converges_like_pytorch():
    got, _, _ = _rosenbrock_run(3, line_search_fn="strong_wolfe")
    want = [(12.5, [-0.08511855589860293, -0.028757058413769698], 25, 19),
            (1.3070983150500495, [0.9995835472529905, 0.9991550319577943], 50, 38),
            (1.884048137837783e-07, [0.9999979943196398, 0.9999973438921637], 53, 41)]
    for (loss, x, evals, iters), (w_loss, w_x, w_evals, w_iters) in zip(got, want):
        assert loss == pytest.approx(w_loss, rel=1e-8)
        np.testing.assert_allclose(x, w_x, rtol=1e-9)
        assert (evals, iters) == (w_evals, w_iters)


def test_fixed_step_with_short_history_matches_pytorch():
    got, opt, x = _rosenbrock_run(3, lr=0.5, max_iter=5, history_size=3)
    want = [(12.5, [-1.414176326180927, 2.035400043609654], 5, 5),
            (5.954310407529026, [-1.4220730160917274, 2.028592998433838], 10, 10),
            (5.870408377983384, [-1.3737534659953996, 1.862774487488383], 15, 15)]
    for (loss, xs, evals, iters), (w_loss, w_x, w_evals, w_iters) in zip(got, want):
        assert loss == pytest.approx(w_loss, rel=1e-12)
        np.testing.assert_allclose(xs, w_x, rtol=1e-12)
        assert (evals, iters) == (w_evals, w_iters)
    state = opt.state[x]
    assert len(state["old_dirs"]) == 3  # the history is capped at history_size


def test_stops_at_once_when_the_gradient_is_already_small():
    x = engine.tensor([1.0, 1.0], dtype=engine.float64, requires_grad=True)
    opt = optim.LBFGS([x])

    def closure():
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert opt.state[x]["func_evals"] == 1 and opt.state[x]["n_iter"] == 0


def test_bad_uses_are_refused():
    a = engine.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [engine.randn(1, requires_grad=True)]}])
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optim.LBFGS([a], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="LBFGS.step needs a closure"):
        optim.LBFGS([a]).step(None)


def test_repr_matches_pytorch():
    opt = optim.LBFGS([engine.randn(2, requires_grad=True)])
    assert repr(opt) == ("LBFGS (\nParameter Group 0\n    history_size: 100\n    "
                         "line_search_fn: None\n    lr: 1\n    max_eval: 25\n    max_iter: 20\n"
                         "    tolerance_change: 1e-09\n    tolerance_grad: 1e-07\n)")


def test_a_deep_copy_keeps_working():
    import copy
    _, opt, x = _rosenbrock_run(1, line_search_fn="strong_wolfe")
    twin = copy.deepcopy(opt)
    y = twin.param_groups[0]["params"][0]

    def closure():
        twin.zero_grad()
        loss = (1 - y[0]) ** 2 + 100 * (y[1] - y[0] ** 2) ** 2
        loss.backward()
        return loss

    twin.step(closure)
    assert twin.state[y]["n_iter"] > opt.state[x]["n_iter"]
