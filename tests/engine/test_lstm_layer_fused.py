"""nn.LSTM's one-node layer (engine/nn/_lstm_layer.py): values and every gradient against the
same LSTM built from separate engine ops step by step, on one thread and split among threads
(batch spans and directions), against finite differences, under create_graph, and against
PyTorch when it is installed."""
import numpy as np
import pytest

import engine
import engine._parallel as parallel
import engine.nn._lstm_layer as layer_module
import engine.nn.modules.rnn as rnn_module
from engine.nn._lstm_cell import _lstm_step_ops
from engine.nn._lstm_layer import lstm_layer
from tests.gradcheck import gradcheck, gradgradcheck


@pytest.fixture
def threads(monkeypatch):
    """threads(n): run the layer on n threads (whatever the cores), splitting even tiny
    layers."""
    def use(n):
        monkeypatch.setattr(parallel, "threads", lambda: n)
        monkeypatch.setattr(parallel, "_CORES", n)
        monkeypatch.setattr(layer_module, "MIN_SPLIT_WORK", 0)
        monkeypatch.setattr(layer_module, "MIN_GEMM_WORK", 0)
    return use


def _step_by_step(monkeypatch):
    """nn.LSTM as it ran before the one-node layer: every step from separate engine ops."""
    monkeypatch.setattr(rnn_module, "_fits_layer", lambda *a: False)
    monkeypatch.setattr(rnn_module, "lstm_cell", lambda *t: _lstm_step_ops(*t))


def _run(lstm, x, state, weights):
    """Outputs and the gradients of a weighted sum of output, h_n and c_n."""
    leaves = [t for t in (x, *(state or ()), *lstm.parameters()) if t.requires_grad]
    for t in leaves:
        t.grad = None
    out, (h, c) = lstm(x, state)
    w_out, w_h, w_c = weights
    loss = (out * w_out).sum()
    if w_h is not None:
        loss = loss + (h * w_h).sum()
    if w_c is not None:
        loss = loss + (c * w_c).sum()
    loss.backward()
    return [out.detach().numpy(), h.detach().numpy(), c.detach().numpy()], \
        [None if t.grad is None else t.grad.numpy().copy() for t in leaves]


def _compare(monkeypatch, lstm, x, state, weights):
    fused_out, fused_grads = _run(lstm, x, state, weights)
    with monkeypatch.context() as m:
        _step_by_step(m)
        ops_out, ops_grads = _run(lstm, x, state, weights)
    for a, b in zip(fused_out, ops_out):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    assert len(fused_grads) == len(ops_grads)
    for a, b in zip(fused_grads, ops_grads):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _case(layers=2, bidirectional=False, batch=3, seq=5, batch_first=False, bias=True,
          unbatched=False, state=True, seed=0, input_size=3, hidden=4):
    engine.manual_seed(seed)
    lstm = engine.nn.LSTM(input_size, hidden, num_layers=layers, bias=bias,
                          batch_first=batch_first, bidirectional=bidirectional).double()
    rng = np.random.default_rng(seed)
    dirs = 2 if bidirectional else 1
    if unbatched:
        shape, sshape = (seq, input_size), (layers * dirs, hidden)
    else:
        shape = (batch, seq, input_size) if batch_first else (seq, batch, input_size)
        sshape = (layers * dirs, batch, hidden)
    x = engine.tensor(rng.standard_normal(shape), requires_grad=True)
    hx = None
    if state:
        hx = (engine.tensor(rng.standard_normal(sshape), requires_grad=True),
              engine.tensor(rng.standard_normal(sshape), requires_grad=True))
    weights = (engine.tensor(rng.standard_normal(shape[:-1] + (dirs * hidden,))),
               engine.tensor(rng.standard_normal(sshape)),
               engine.tensor(rng.standard_normal(sshape)))
    return lstm, x, hx, weights


@pytest.mark.parametrize("n_threads", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("batch", [1, 3])
def test_matches_the_lstm_built_from_ops(monkeypatch, threads, n_threads, bidirectional,
                                         layers, batch):
    threads(n_threads)
    lstm, x, hx, weights = _case(layers, bidirectional, batch, seed=layers + batch)
    _compare(monkeypatch, lstm, x, hx, weights)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("options", [
    dict(batch_first=True), dict(unbatched=True), dict(bias=False), dict(state=False),
    dict(batch_first=True, bidirectional=True, bias=False),
    dict(unbatched=True, bidirectional=True, state=False), dict(seq=1, batch=2),
])
def test_options_match_the_lstm_built_from_ops(monkeypatch, threads, n_threads, options):
    threads(n_threads)
    lstm, x, hx, weights = _case(**options)
    _compare(monkeypatch, lstm, x, hx, weights)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("used", [(True, False, False), (False, True, False),
                                  (False, False, True), (False, True, True)])
def test_only_some_outputs_used(monkeypatch, threads, n_threads, used):
    threads(n_threads)
    lstm, x, hx, weights = _case(bidirectional=True, seed=7)
    weights = tuple(w if u else (w * 0 if k == 0 else None)
                    for k, (w, u) in enumerate(zip(weights, used)))
    _compare(monkeypatch, lstm, x, hx, weights)


def test_frozen_weights_and_an_input_without_grad(monkeypatch, threads):
    threads(2)
    lstm, x, hx, weights = _case(layers=2, bidirectional=True, seed=12)
    x.requires_grad_(False)
    lstm.weight_ih_l0.requires_grad_(False)
    lstm.bias_hh_l1_reverse.requires_grad_(False)
    lstm.weight_hh_l1.requires_grad_(False)
    _compare(monkeypatch, lstm, x, hx, weights)


def test_large_layers_run_split_among_threads(monkeypatch):
    """At two threads the time loops and the backward's GEMMs go to the thread pool, each
    span's GEMMs on one BLAS thread; at one thread nothing is split (one thread runs all)."""
    calls = []
    real = parallel.map_spans

    def spy(fn, spans, threads=None, *, blas=False):
        calls.append((len(spans), threads, blas))
        return real(fn, spans, threads, blas=blas)
    monkeypatch.setattr(parallel, "map_spans", spy)
    lstm = engine.nn.LSTM(8, 64, bidirectional=True)
    x = engine.randn(4, 100, 8, requires_grad=True)
    for n in (1, 2):
        monkeypatch.setattr(parallel, "threads", lambda n=n: n)
        calls.clear()
        out, _ = lstm(x)
        out.sum().backward()
        assert len(calls) == 3  # at one thread map_spans runs the spans in the caller
        assert all(threads == n and blas for _, threads, blas in calls)


def test_dropout_between_layers_draws_the_same_masks(monkeypatch, threads):
    threads(2)
    lstm, x, hx, weights = _case(layers=3, bidirectional=True, seed=3)
    lstm.dropout = 0.4
    engine.manual_seed(11)
    fused_out, fused_grads = _run(lstm, x, hx, weights)
    with monkeypatch.context() as m:
        _step_by_step(m)
        engine.manual_seed(11)
        ops_out, ops_grads = _run(lstm, x, hx, weights)
    for a, b in zip(fused_out + fused_grads, ops_out + ops_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_float32_matches_float64_to_float32_precision(threads):
    threads(2)
    lstm, x, hx, weights = _case(bidirectional=True, batch=5, seq=7, hidden=6)
    out64, grads64 = _run(lstm, x, hx, weights)
    lstm32 = lstm.float()
    x32, hx32 = x.detach().float().requires_grad_(), tuple(
        h.detach().float().requires_grad_() for h in hx)
    out32, grads32 = _run(lstm32, x32, hx32, tuple(w.float() for w in weights))
    assert lstm32(x32)[0].dtype == engine.float32
    for a, b in zip(out32 + grads32, out64 + grads64):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def _layer_inputs(dirs, seq=3, batch=2, hidden=2, size=3, seed=0):
    """x, then (w_ih, b_ih, h0, c0, w_hh, b_hh) per direction."""
    rng = np.random.default_rng(seed)
    shapes = [(4 * hidden, size), (4 * hidden,), (batch, hidden), (batch, hidden),
              (4 * hidden, hidden), (4 * hidden,)]
    return [rng.standard_normal((seq, batch, size))] + \
        [rng.standard_normal(s) * (0.5 if len(s) == 2 and s[0] == 4 * hidden else 1)
         for _ in range(dirs) for s in shapes]


def _all_outputs(dirs):
    def fn(*t):
        out, *finals = lstm_layer(list(t), dirs)
        return engine.cat([out.reshape(-1)] + [f.reshape(-1) for f in finals])
    return fn


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("dirs", [1, 2])
def test_finite_differences(threads, n_threads, dirs):
    threads(n_threads)
    gradcheck(_all_outputs(dirs), *_layer_inputs(dirs))


@pytest.mark.parametrize("dirs", [1, 2])
def test_second_derivatives_by_finite_differences(dirs):
    arrays = _layer_inputs(dirs, seq=2)
    fn = _all_outputs(dirs)
    n = len(arrays)
    for k in (0, 1, 2, 3, 4, 5, 6, n - 3):  # gradgradcheck differentiates by its first
        order = [k] + [j for j in range(n) if j != k]

        def rotated(*t, order=order):
            args = [None] * n
            for pos, j in enumerate(order):
                args[j] = t[pos]
            return fn(*args)
        gradgradcheck(rotated, *[arrays[j] for j in order])


def test_double_backward_of_the_module_matches_the_lstm_built_from_ops(monkeypatch, threads):
    threads(2)
    lstm, x, hx, weights = _case(bidirectional=True, layers=2, seed=5)

    def second():
        params = list(lstm.parameters())
        out, (h, c) = lstm(x, hx)
        loss = (out * weights[0]).sum() + (c * weights[2]).sum()
        grads = engine.autograd.grad(loss, [x, hx[0], *params], create_graph=True)
        penalty = sum((g * g).sum() for g in grads)
        return [g.detach().numpy() for g in engine.autograd.grad(penalty, [x, hx[1], *params])]
    fused = second()
    with monkeypatch.context() as m:
        _step_by_step(m)
        ops = second()
    for a, b in zip(fused, ops):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_retain_graph_backward_twice_doubles_the_gradients(threads):
    threads(2)
    lstm, x, hx, weights = _case(bidirectional=True, seed=2)
    out, (h, c) = lstm(x, hx)
    loss = (out * weights[0]).sum() + (h * weights[1]).sum()
    loss.backward(retain_graph=True)
    once = [p.grad.numpy().copy() for p in (x, *lstm.parameters())]
    loss.backward()
    for a, p in zip(once, (x, *lstm.parameters())):
        np.testing.assert_allclose(p.grad.numpy(), 2 * a, rtol=1e-12)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_outputs_are_their_own_arrays(threads):
    """The layer reuses its internal arrays from call to call: no output may alias them."""
    threads(2)
    lstm, x, hx, _ = _case(bidirectional=True, seed=4)
    with engine.no_grad():
        out, (h, c) = lstm(x, hx)
        kept = [t.numpy().copy() for t in (out, h, c)]
        lstm(x * 2, hx)
    out2, (h2, c2) = lstm(x * 3, hx)
    (out2.sum() + h2.sum()).backward()
    lstm(x * 4, hx)
    for t, k in zip((out, h, c), kept):
        np.testing.assert_array_equal(t.numpy(), k)


def test_a_weight_changed_in_place_before_backward_is_caught():
    lstm, x, hx, weights = _case(seed=6)
    out, _ = lstm(x, hx)
    with engine.no_grad():
        lstm.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_on_a_device_array_library(threads):
    """The layer's array code on fake_cupy, the CuPy double: no NumPy-only call on its arrays
    (and no threads). Values prove nothing about a GPU."""
    from engine import _backend
    from tests.engine import fake_cupy
    threads(2)
    lstm, x, hx, weights = _case(bidirectional=True, seed=8)
    cpu_out, cpu_grads = _run(lstm, x, hx, weights)
    previous = _backend.use_cuda_backend(fake_cupy.cupy, fake_cupy.cupyx)
    fake_cupy.reset()
    try:
        dev = lstm.to("cuda")
        for p in dev.parameters():
            p.grad = None
        xd = x.detach().to("cuda").requires_grad_()
        hd = tuple(h.detach().to("cuda").requires_grad_() for h in hx)
        out, (h, c) = dev(xd, hd)
        assert isinstance(out._data, fake_cupy.ndarray)
        ((out * weights[0].to("cuda")).sum() + (h * weights[1].to("cuda")).sum()
         + (c * weights[2].to("cuda")).sum()).backward()
        got = [t.detach().cpu().numpy() for t in (out, h, c)]
        grads = [t.grad.cpu().numpy() for t in (xd, *hd, *dev.parameters())]
    finally:
        lstm.to("cpu")
        _backend.use_cuda_backend(*previous)
        fake_cupy.reset()
    for a, b in zip(got + grads, cpu_out + cpu_grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_matches_pytorch(threads, bidirectional):
    torch = pytest.importorskip("torch")
    threads(2)
    lstm, x, hx, weights = _case(layers=2, bidirectional=bidirectional, batch=3, seq=6,
                                 batch_first=True, seed=9)
    ref = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True,
                        bidirectional=bidirectional).double()
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            getattr(ref, name).copy_(torch.from_numpy(p.detach().numpy()))
    tx = torch.from_numpy(x.detach().numpy()).requires_grad_()
    th = tuple(torch.from_numpy(h.detach().numpy()).requires_grad_() for h in hx)
    out, (h, c) = ref(tx, th)
    tw = [torch.from_numpy(w.numpy()) for w in weights]
    ((out * tw[0]).sum() + (h * tw[1]).sum() + (c * tw[2]).sum()).backward()
    expected = [out.detach().numpy(), h.detach().numpy(), c.detach().numpy()]
    expected_grads = [t.grad.numpy() for t in (tx, *th)] + \
        [getattr(ref, name).grad.numpy() for name, _ in lstm.named_parameters()]
    got, grads = _run(lstm, x, hx, weights)
    for a, b in zip(got + grads, expected + expected_grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
