"""End to end: nn + optim learn real tasks (an MLP on a synthetic problem, a small CNN on the
8x8 handwritten digits that scikit-learn ships)."""
import numpy as np
import pytest

import engine
import engine.nn as nn
import engine.nn.functional as F
import engine.optim as optim


def test_mlp_learns_a_synthetic_classification_task():
    engine.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 2)).astype(np.float32)
    y = ((x[:, 0] ** 2 + x[:, 1] ** 2) > 1.0).astype(np.int64)  # inside / outside a circle
    xt, yt = engine.tensor(x), engine.tensor(y)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.ReLU(),
                          nn.Linear(32, 2))
    opt = optim.Adam(model.parameters(), lr=0.02)
    first = None
    for _ in range(300):
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert first > 0.5 and loss.item() < 0.15
    accuracy = (model(xt).argmax(1) == yt).float().mean().item()
    assert accuracy > 0.95


def test_mlp_regression_with_mse_and_sgd_momentum():
    engine.manual_seed(1)
    x = engine.linspace(-2, 2, 128).reshape(-1, 1)
    target = x.sin() * 2
    model = nn.Sequential(nn.Linear(1, 32), nn.SiLU(), nn.Linear(32, 1))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(400):
        opt.zero_grad()
        loss = nn.MSELoss()(model(x), target)
        loss.backward()
        opt.step()
    assert loss.item() < 0.02


@pytest.mark.slow
def test_small_cnn_learns_sklearn_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()  # 1797 8x8 images, shipped with scikit-learn
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1400], order[1400:]
    engine.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(32 * 2 * 2, 10))
    opt = optim.Adam(model.parameters(), lr=0.01)
    x_train, y_train = engine.tensor(images[train]), engine.tensor(labels[train])
    for epoch in range(4):
        model.train()
        perm = engine.randperm(len(train))
        for start in range(0, len(train), 64):
            idx = perm[start:start + 64]
            opt.zero_grad()
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
    model.eval()
    with engine.no_grad():
        pred = model(engine.tensor(images[test])).argmax(1)
    accuracy = (pred == engine.tensor(labels[test])).float().mean().item()
    assert accuracy > 0.9, accuracy
