"""Every optimizer trains a small nn model (nn.Parameter weights) on a learnable task."""
import pytest

import engine
from engine import nn, optim
from engine.optim import lr_scheduler
from engine.utils.data import DataLoader, TensorDataset


def _task():
    engine.manual_seed(0)
    x = engine.randn(128, 4)
    true_w = engine.tensor([[1.0, -2.0, 0.5, 3.0]])
    y = (x * true_w).sum(1, keepdim=True) + 0.5
    return x, y


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
    lambda ps: optim.Adam(ps, lr=0.02),
    lambda ps: optim.Adam(ps, lr=0.02, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.02),
    lambda ps: optim.RMSprop(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.005, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps, lr=0.2),
], ids=["sgd-momentum", "sgd-nesterov", "adam", "amsgrad", "adamw", "rmsprop",
        "rmsprop-centered", "adagrad"])
def test_optimizer_fits_a_linear_model(make):
    x, y = _task()
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = make(model.parameters())
    loss_fn = nn.MSELoss()
    first = loss_fn(model(x), y).item()
    for _ in range(150):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first


def test_epoch_loop_with_dataloader_and_scheduler():
    x, y = _task()
    model = nn.Linear(4, 1)
    opt = optim.Adam(model.parameters(), lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    for _ in range(30):
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.1 * 0.5 ** 3]
    assert model.weight.detach().numpy().round(1).tolist() == [[1.0, -2.0, 0.5, 3.0]]
    assert round(model.bias.item(), 1) == 0.5
