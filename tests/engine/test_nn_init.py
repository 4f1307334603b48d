"""nn.init: every initialiser fills in place, without a graph, from the right distribution."""
import math

import numpy as np
import pytest

import engine
import engine.nn as nn
import engine.nn.init as init


def test_calculate_gain_matches_pytorch():
    # PyTorch 2.13 values
    assert [init.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh", "relu",
                                             "leaky_relu", "selu")] == \
        [1, 1, 1, 1.6666666666666667, 1.4142135623730951, 1.4141428569978354, 0.75]
    assert init.calculate_gain("leaky_relu", 0.2) == 1.3867504905630728
    with pytest.raises(ValueError, match="^Unsupported nonlinearity foo$"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="^negative_slope x not a valid number$"):
        init.calculate_gain("leaky_relu", "x")


def test_fills_write_in_place_on_leaves_that_require_grad():
    w = nn.Parameter(engine.empty(3, 4))
    version = w._version
    data = w._data
    assert init.constant_(w, 0.5) is w
    assert w._data is data and (w.numpy(force=True) == 0.5).all()
    assert w.grad_fn is None and w.requires_grad and w._version > version
    init.zeros_(w)
    assert not w.detach().any()
    init.ones_(w)
    assert (w.detach().numpy() == 1).all()
    init.eye_(w)
    np.testing.assert_array_equal(w.detach().numpy(), np.eye(3, 4))
    conv = engine.empty(4, 2, 3, 3)
    init.dirac_(conv)
    d = conv.numpy()
    assert d[0, 0, 1, 1] == 1 and d[1, 1, 1, 1] == 1 and d.sum() == 2


def test_uniform_and_normal_statistics_and_seed():
    t = engine.empty(200, 500)
    init.uniform_(t, -2.0, 3.0)
    v = t.numpy()
    assert v.min() >= -2 and v.max() < 3 and abs(v.mean() - 0.5) < 0.02
    init.normal_(t, 1.0, 2.0)
    v = t.numpy()
    assert abs(v.mean() - 1) < 0.02 and abs(v.std() - 2) < 0.02
    init.trunc_normal_(t, 0.0, 1.0, -0.5, 0.5)
    assert np.abs(t.numpy()).max() <= 0.5
    engine.manual_seed(3)
    a = init.normal_(engine.empty(5)).numpy().copy()
    engine.manual_seed(3)
    np.testing.assert_array_equal(init.normal_(engine.empty(5)).numpy(), a)


def test_xavier_and_kaiming_bounds_and_std():
    w = engine.empty(300, 200)
    fan_in, fan_out = 200, 300
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.95 * bound
    init.xavier_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2.0 / (fan_in + fan_out))) < 0.003
    init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.numpy()).max() <= 1 / math.sqrt(fan_in)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2.0 / fan_out)) < 0.003
    conv = engine.empty(16, 6, 5, 5)
    assert init._calculate_fan_in_and_fan_out(conv) == (150, 400)
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor "
                                         "with fewer than 2 dimensions"):
        init.xavier_uniform_(engine.zeros(3))
    with pytest.raises(ValueError, match=r"Mode fan_x not supported, please use one of "
                                         r"\['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(engine.zeros(3, 3), mode="fan_x")


def test_orthogonal():
    w = engine.empty(4, 6)
    init.orthogonal_(w)
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, np.eye(4), atol=1e-5)


def test_module_apply_with_init_reinitialises_every_layer():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

    def reset(m):
        if isinstance(m, nn.Linear):
            init.constant_(m.weight, 0.1)
            init.zeros_(m.bias)
    net.apply(reset)
    out = net(engine.ones(1, 3))
    np.testing.assert_allclose(out.detach().numpy(), [[0.12, 0.12]], rtol=1e-6)
