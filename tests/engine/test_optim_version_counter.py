"""Every optimizer's step writes each parameter in place and moves its version counter on
once (as PyTorch's in-place updates do), so a graph that saved the old value is refused."""
import pytest

import engine
from engine import optim

OPTIMIZERS = [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps),
    lambda ps: optim.Adam(ps, amsgrad=True),
    lambda ps: optim.AdamW(ps),
    lambda ps: optim.RMSprop(ps, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps),
    lambda ps: optim.Adadelta(ps),
    lambda ps: optim.Adamax(ps),
    lambda ps: optim.NAdam(ps),
    lambda ps: optim.RAdam(ps),
    lambda ps: optim.Rprop(ps),
    lambda ps: optim.ASGD(ps),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_each_step_bumps_the_version_once_and_keeps_the_storage(make):
    p = engine.tensor([1.0, -2.0, 3.0], requires_grad=True)
    storage, version = p._data, p._version
    opt = make([p])
    for step in range(1, 3):
        p.grad = engine.tensor([0.5, -1.0, 2.0])
        opt.step()
        assert p._version == version + step
    assert p._data is storage
    assert p.grad_fn is None and p.requires_grad


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_a_graph_saved_before_the_step_is_refused(make):
    p = engine.tensor([1.0, -2.0, 3.0], requires_grad=True)
    loss = (p * p).sum()
    opt = make([p])
    p.grad = engine.tensor([0.5, -1.0, 2.0])
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_zero_grad_without_none_bumps_the_gradient_version():
    p = engine.tensor([1.0], requires_grad=True)
    p.grad = engine.tensor([3.0])
    version = p.grad._version
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0] and p.grad._version == version + 1
