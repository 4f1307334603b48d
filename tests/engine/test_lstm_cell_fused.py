"""nn.LSTM's one-node time step (engine/nn/_lstm_cell.py) against the same step built from
separate engine ops, and against finite differences (first and second derivatives)."""
import numpy as np

import engine
import engine.nn.modules.rnn as rnn_module
from engine.nn._lstm_cell import _lstm_step_ops, lstm_cell
from tests.gradcheck import gradcheck, gradgradcheck


def _inputs(batch=3, hidden=4, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(batch, 4 * hidden), (batch, hidden), (batch, hidden), (4 * hidden, hidden),
              (4 * hidden,)]
    return [engine.tensor(rng.standard_normal(s), dtype=engine.float64, requires_grad=True)
            for s in shapes]


def test_values_and_gradients_match_the_step_built_from_ops():
    fused = _inputs()
    ops = [t.detach().clone().requires_grad_() for t in fused]
    h1, c1 = lstm_cell(*fused)
    h2, c2 = _lstm_step_ops(*ops)
    np.testing.assert_allclose(h1.detach().numpy(), h2.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(c1.detach().numpy(), c2.detach().numpy(), rtol=1e-12)
    weights = [engine.tensor(np.random.default_rng(1).standard_normal(h1.shape)),
               engine.tensor(np.random.default_rng(2).standard_normal(c1.shape))]
    (h1 * weights[0] + c1 * weights[1]).sum().backward()
    (h2 * weights[0] + c2 * weights[1]).sum().backward()
    for a, b in zip(fused, ops):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_only_h_or_only_c_used():
    for pick in (0, 1):
        fused = _inputs(seed=pick)
        ops = [t.detach().clone().requires_grad_() for t in fused]
        lstm_cell(*fused)[pick].sum().backward()
        _lstm_step_ops(*ops)[pick].sum().backward()
        for a, b in zip(fused, ops):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_finite_differences_first_and_second_order():
    arrays = [t.detach().numpy() for t in _inputs(batch=2, hidden=2)]
    both = lambda *t: engine.cat(lstm_cell(*t), 1)  # noqa: E731
    gradcheck(both, *arrays)
    # gradgradcheck differentiates with respect to its first argument: rotate each input there
    for k in range(5):
        order = [k] + [j for j in range(5) if j != k]

        def rotated(*t, order=order):
            args = [None] * 5
            for pos, j in enumerate(order):
                args[j] = t[pos]
            return both(*args)
        gradgradcheck(rotated, *[arrays[j] for j in order])


def test_lstm_gradients_match_the_lstm_built_from_ops(monkeypatch):
    # nn.LSTM step by step (the path of inputs its one-node layer does not take)
    monkeypatch.setattr(rnn_module, "_fits_layer", lambda *a: False)
    engine.manual_seed(0)
    lstm = engine.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True).double()
    x = engine.randn(2, 5, 3, dtype=engine.float64, requires_grad=True)
    h0 = engine.randn(4, 2, 4, dtype=engine.float64, requires_grad=True)
    w = engine.randn(2, 5, 8, dtype=engine.float64)

    def grads():
        for p in [x, h0, *lstm.parameters()]:
            p.grad = None
        out, (h, c) = lstm(x, (h0, h0 * 0.5))
        ((out * w).sum() + h.sum() * 0.3 + c.pow(2).sum()).backward()
        return out.detach().numpy(), [p.grad.numpy().copy() for p in [x, h0, *lstm.parameters()]]
    out_fused, fused = grads()
    monkeypatch.setattr(rnn_module, "lstm_cell", lambda *t: _lstm_step_ops(*t))
    out_ops, ops = grads()
    np.testing.assert_allclose(out_fused, out_ops, rtol=1e-12)
    for a, b in zip(fused, ops):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
