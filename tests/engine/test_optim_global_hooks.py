"""torch.optim.optimizer.register_optimizer_step_pre_hook / _post_hook: hooks of every
optimizer's step (the playground's pause and step count batches with one). The order is
PyTorch 2.13's, recorded: global pre, own pre, step, own post, global post."""
import engine
from engine.optim.optimizer import (register_optimizer_step_post_hook,
                                    register_optimizer_step_pre_hook)


def _optimizer():
    p = engine.nn.Parameter(engine.ones(2))
    (p * 2).sum().backward()
    return p, engine.optim.SGD([p], lr=0.5)


def test_global_hooks_run_around_every_optimizers_own_hooks_in_pytorchs_order():
    order = []
    p, opt = _optimizer()
    handles = [register_optimizer_step_pre_hook(lambda o, a, k: order.append(("gpre", o))),
               register_optimizer_step_post_hook(
                   lambda o, a, k: order.append(("gpost", o, p.detach().tolist())))]
    opt.register_step_pre_hook(lambda o, a, k: order.append(("pre", o)))
    opt.register_step_post_hook(lambda o, a, k: order.append(("post", o)))
    try:
        opt.step()
    finally:
        for h in handles:
            h.remove()
    assert [entry[0] for entry in order] == ["gpre", "pre", "post", "gpost"]
    assert all(entry[1] is opt for entry in order)
    assert order[-1][2] == [0.0, 0.0]        # after the step: 1 - 0.5 * 2
    order.clear()
    opt.step()
    assert [entry[0] for entry in order] == ["pre", "post"]   # removed: only its own


def test_a_global_pre_hook_may_replace_the_steps_arguments():
    calls = []
    p, opt = _optimizer()

    def closure():
        calls.append("closure")
        return engine.tensor(1.0)

    # PyTorch 2.13: a hook's args start with the optimizer itself, (opt,) for opt.step(),
    # and the (new_args, new_kwargs) it returns are what step is called with.
    seen = []
    handles = [register_optimizer_step_pre_hook(lambda o, a, k: seen.append((a, k))),
               register_optimizer_step_pre_hook(lambda o, a, k: ((o, closure), {}))]
    try:
        opt.step()
    finally:
        for h in handles:
            h.remove()
    assert calls == ["closure"]
    assert seen == [((opt,), {})]


def test_a_progress_bar_tells_a_pacing_sink_of_every_item_and_refreshes_on_demand():
    from engine.utils import tensorboard

    class Sink:
        def __init__(self):
            self.advanced_at, self.reports = [], []

        def progress(self, record):
            self.reports.append(record["n"])

        def advanced(self, bar):
            self.advanced_at.append(bar.n)

    sink = Sink()
    old = tensorboard.set_sink(sink)
    try:
        bar = tensorboard.progress(range(5), desc="epochs")
        for i in bar:
            if i == 2:
                before = len(sink.reports)
                bar.refresh()
                assert sink.reports[before:] == [2]
    finally:
        tensorboard.set_sink(old)
    assert sink.advanced_at == [1, 2, 3, 4, 5]
