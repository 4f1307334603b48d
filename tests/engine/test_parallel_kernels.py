"""Kernels split among threads (engine/_parallel.py) compute exactly what they compute whole.

Every split kernel writes each element from one span only, so the results must be equal to
the last bit, not close: forced here onto two threads with any size worth splitting."""
import threading

import numpy as np
import pytest

import engine
import engine.nn.functional as F
from engine import _parallel


@pytest.fixture
def split_everything(monkeypatch):
    def force():
        monkeypatch.setattr(_parallel, "MIN_ITEMS", 1)
        monkeypatch.setattr(_parallel, "engine_threads", lambda: 2)
        monkeypatch.setattr(_parallel, "_CORES", 2)  # a one-core machine splits too
    return force


def test_spans_cover_the_range_once_in_order():
    for n in (0, 1, 2, 7, 100):
        for parts in (1, 2, 3, 8):
            spans = _parallel.spans(n, parts)
            assert [i for a, b in spans for i in range(a, b)] == list(range(n))
            assert all(b > a for a, b in spans) or n == 0


def test_map_spans_keeps_span_order_and_uses_two_threads(monkeypatch):
    monkeypatch.setattr(_parallel, "_CORES", 2)
    seen = set()

    def fn(a, b):
        seen.add(threading.get_ident())
        threading.Event().wait(0.01)  # long enough that the pool thread takes a span
        return (a, b)
    spans = _parallel.spans(40, 8)
    assert _parallel.map_spans(fn, spans, 2) == spans
    assert len(seen) == 2


def test_an_error_in_a_span_reaches_the_caller_after_every_span_ended():
    done = []

    def fn(a, b):
        if a == 0:
            raise ValueError("span 0")
        threading.Event().wait(0.01)
        done.append(a)
    with pytest.raises(ValueError, match="span 0"):
        _parallel.map_spans(fn, _parallel.spans(4, 4), 2)
    assert sorted(done) == [1, 2, 3]


def test_pointwise_falls_back_to_one_call_for_views_and_other_sizes(split_everything):
    split_everything()
    calls = []
    x = np.arange(12.0).reshape(3, 4)
    _parallel.pointwise(lambda o, a: calls.append(o.shape) or np.negative(a, out=o),
                        np.empty((4, 3)), x.T)  # a transposed view: not split
    assert calls == [(4, 3)]
    out = _parallel.pointwise(lambda o, a: np.negative(a, out=o), np.empty(12), x.ravel())
    np.testing.assert_array_equal(out, -np.arange(12.0))


def _relu_pool_bn_gelu(seed):
    """Forward and every gradient of a conv-free stack of the split kernels."""
    engine.manual_seed(seed)
    x = (engine.randn(6, 5, 12, 12) * 2).requires_grad_()
    with engine.no_grad():
        x[0, 0, 0, :3] = engine.tensor([float("nan"), float("-inf"), float("inf")])
        x[1, 1] = 1.5  # ties: the gradient goes to the first maximum only
    bn = engine.nn.BatchNorm2d(5)
    y = F.max_pool2d(F.relu(bn(x)), 2)
    z = F.gelu(y.flatten(1)) * engine.arange(180.0)
    g = engine.randn(z.shape)
    z.backward(g)
    return [t.detach().numpy().copy() for t in
            (y, z, x.grad, bn.weight.grad, bn.bias.grad, bn.running_mean, bn.running_var)]


def test_split_kernels_equal_whole_kernels(split_everything):
    whole = _relu_pool_bn_gelu(0)
    split_everything()
    for a, b in zip(whole, _relu_pool_bn_gelu(0)):
        np.testing.assert_array_equal(a, b)


def test_split_gelu_blocks_equal_whole_on_a_large_input(monkeypatch, split_everything):
    from engine.nn import _activation
    x = engine.randn(3 * 1000 + 7, requires_grad=True)
    monkeypatch.setattr(_activation, "_CDF_BLOCK", 256)  # several blocks per thread
    whole = F.gelu(x)
    whole.sum().backward()
    grad, x.grad = x.grad.clone(), None
    split_everything()
    split = F.gelu(x)
    split.sum().backward()
    np.testing.assert_array_equal(whole.detach().numpy(), split.detach().numpy())
    np.testing.assert_array_equal(grad.numpy(), x.grad.numpy())


def test_split_padding_of_a_convolution_equals_whole(split_everything):
    engine.manual_seed(1)
    x = engine.randn(5, 3, 9, 9, requires_grad=True)
    w = engine.randn(4, 3, 3, 3, requires_grad=True)

    def run():
        x.grad = w.grad = None
        y = F.conv2d(x, w, padding=2)
        y.backward(engine.ones_like(y))
        return y.detach().numpy(), x.grad.numpy(), w.grad.numpy()
    whole = run()
    split_everything()
    for a, b in zip(whole, run()):
        np.testing.assert_array_equal(a, b)


def test_one_thread_never_splits(monkeypatch):
    monkeypatch.setattr(_parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(_parallel, "engine_threads", lambda: 1)
    assert _parallel.worth_splitting(np.empty(10**6)) == 1


@pytest.mark.parametrize("shape", [(40, 30, 20), (3, 50, 70)])  # rows, and too few rows: columns
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_gemm_equals_one_gemm(shape, dtype, monkeypatch, split_everything):
    split_everything()
    monkeypatch.setattr(_parallel, "GEMM_MIN_MACS", 1)
    m, k, n = shape
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    for a, b in ((x, y), (np.asfortranarray(x), y), (x, y.T.copy().T)):  # transposed layouts
        got = _parallel.gemm(a, b)
        assert got.shape == (m, n) and got.dtype == dtype
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, a @ b, rtol=tol, atol=tol)
    ints = rng.integers(0, 5, (m, k))
    assert np.array_equal(_parallel.gemm(ints, ints.T), ints @ ints.T)  # not BLAS: whole


def test_split_batched_gemm_and_engine_matmul_equal_numpy(monkeypatch, split_everything):
    split_everything()
    monkeypatch.setattr(_parallel, "GEMM_MIN_MACS", 1)
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((5, 7, 3)), rng.standard_normal((5, 3, 4))
    np.testing.assert_allclose(_parallel.batched_gemm(a, b), a @ b, rtol=1e-12)
    x = engine.tensor(rng.standard_normal((6, 9)), requires_grad=True)
    w = engine.tensor(rng.standard_normal((4, 9)), requires_grad=True)
    F.linear(x, w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.tile(w.detach().numpy().sum(0), (6, 1)))
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.detach().numpy().sum(0), (4, 1)))


def test_the_engine_owns_the_thread_count_and_numpys_blas_runs_on_one():
    """set_num_threads sets how many threads the engine's kernels share; NumPy's BLAS stays
    pinned to one (an idle threaded BLAS spins on the cores the engine's threads need)."""
    from engine import _config
    before = engine.get_num_threads()
    try:
        engine.set_num_threads(3)
        assert engine.get_num_threads() == 3 and _parallel.threads() == 3
        assert _config._blas_now() == 1
    finally:
        engine.set_num_threads(before)


def test_gradients_accumulated_in_spans_equal_one_add(split_everything):
    split_everything()
    w = engine.randn(37, 11, requires_grad=True)
    g1, g2 = engine.randn(37, 11), engine.randn(37, 11)
    (w * 1).backward(g1)
    (w * 1).backward(g2)
    np.testing.assert_array_equal(w.grad.numpy(), g1.numpy() + g2.numpy())
    v = engine.randn(5, requires_grad=True, dtype=engine.float64)
    v.backward(engine.ones(5, dtype=engine.float64))
    v.backward(engine.ones(5, dtype=engine.float64))
    assert v.grad.tolist() == [2.0] * 5


def test_a_forked_child_runs_split_kernels():
    """The child of a fork has none of the parent's pool threads; it must start its own
    (an inherited pool took the spans and no thread ran them: the child hung)."""
    import os
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    x = np.arange(float(1 << 20))
    negate = lambda o, a: np.negative(a, out=o)  # noqa: E731
    before = engine.get_num_threads()
    engine.set_num_threads(2)
    cores, _parallel._CORES = _parallel._CORES, 2
    try:
        _parallel.MIN_ITEMS, saved = 1, _parallel.MIN_ITEMS
        _parallel.pointwise(negate, np.empty_like(x), x)  # the parent's pool is running
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: a split kernel, then its answer through the pipe
            ok = bool((_parallel.pointwise(negate, np.empty_like(x), x) == -x).all())
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as answer:
            import select
            answered = select.select([answer], [], [], 30)[0]
            if not answered:
                os.kill(pid, 9)  # a hung child must not outlive the test
            os.waitpid(pid, 0)
            assert answered, "the child hung on a split kernel"
            assert answer.read() == b"1"
    finally:
        _parallel.MIN_ITEMS, _parallel._CORES = saved, cores
        engine.set_num_threads(before)


def test_more_threads_than_cores_starts_no_more_threads_than_cores(monkeypatch):
    """PyTorch lets set_num_threads exceed the cores; the pool stays at the cores (a sandbox
    caps the threads a run may start), and get_num_threads answers what was set."""
    monkeypatch.setattr(_parallel, "_CORES", 2)
    monkeypatch.setattr(_parallel, "_POOL", None)
    monkeypatch.setattr(_parallel, "GEMM_MIN_MACS", 1)
    before = engine.get_num_threads()
    try:
        engine.set_num_threads(500)
        x, y = np.random.rand(600, 7), np.random.rand(7, 5)
        np.testing.assert_allclose(_parallel.gemm(x, y), x @ y, rtol=1e-12)
        assert engine.get_num_threads() == 500
        assert _parallel._POOL._max_workers == 1  # the caller plus one
    finally:
        engine.set_num_threads(before)
