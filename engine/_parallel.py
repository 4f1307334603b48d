"""Array kernels shared among the engine's threads.

NumPy's ufuncs run on one thread, where PyTorch's CPU kernels split a large tensor among its
OpenMP threads. NumPy releases the GIL inside its loops, so the engine does the same with a
few Python threads: the work over [0, n) is cut into spans, every thread (the caller's too)
takes the next span until none is left, and each span writes only its own part of the result.

Waking a pool thread costs ~40 us here, and two threads copying at once share one memory
bus, so only kernels over 512K elements are split (``worth_splitting``; the seed Net's 300K
were no faster split); smaller ones run whole. The thread count is the engine's, which
``torch.set_num_threads`` sets: with one thread nothing is split. NumPy's BLAS runs on one
thread (engine/_config.py says why), and large GEMMs are split here by rows or columns
(``gemm``) or by matrices of a batch (``batched_gemm``), each span one BLAS call with the GIL
released (NumPy's matmul keeps the GIL through BLAS when its result has under 500 elements;
dot does not).
"""
import itertools
import os

import numpy

from ._config import engine_threads, one_blas_thread

MIN_ITEMS = 1 << 19  # elements below which a handoff costs more than the second core saves
# set_num_threads may ask for more threads than there are cores (PyTorch allows it); the
# pool never starts more than the cores, as the sandbox caps the threads a run may start
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

_POOL = None


def threads():
    """How many threads a split kernel runs on now (torch.get_num_threads())."""
    return engine_threads()


def worth_splitting(arr):
    """Threads for an elementwise kernel over ``arr`` (NumPy only)."""
    if type(arr) is not numpy.ndarray or arr.size < MIN_ITEMS:
        return 1
    return engine_threads()


def spans(n, parts):
    """[0, n) cut into ``parts`` contiguous spans of nearly equal length (none empty)."""
    parts = max(1, min(parts, n))
    return [(n * k // parts, n * (k + 1) // parts) for k in range(parts)]


def map_spans(fn, span_list, threads=None, *, blas=False):
    """[fn(a, b) for (a, b) in span_list], the spans shared among ``threads`` threads (the
    engine's count when not given). ``blas=True``: fn calls GEMMs, each on one BLAS thread
    even should user code have threaded the BLAS again."""
    if threads is None:
        threads = engine_threads()
    threads = min(threads, len(span_list), _CORES or 1)
    if threads <= 1:
        return [fn(a, b) for a, b in span_list]
    pool = _pool(threads - 1)
    if blas:
        with one_blas_thread():
            return _run(pool, fn, span_list, threads)
    return _run(pool, fn, span_list, threads)


def split(fn, n, threads):
    """fn(a, b) over [0, n), one span per thread; the results in span order."""
    return map_spans(fn, spans(n, threads), threads)


def _run(pool, fn, span_list, threads):
    """Every thread, the caller's included, takes the next span until none is left."""
    results = [None] * len(span_list)
    order = itertools.count()  # next() on a count is atomic under the GIL

    def drain():
        for k in iter(order.__next__, None):
            if k >= len(span_list):
                return
            results[k] = fn(*span_list[k])
    futures = [pool.submit(drain) for _ in range(threads - 1)]
    try:
        drain()
    finally:
        for f in futures:
            f.result()  # every span ends before anything is returned (or raised)
    return results


def _pool(workers):
    global _POOL
    if _POOL is None or _POOL._max_workers < workers:
        from concurrent.futures import ThreadPoolExecutor
        _POOL = ThreadPoolExecutor(workers, thread_name_prefix="engine-kernel")
    return _POOL


def _forget_pool():
    """A forked child has none of the parent's threads: a pool inherited from it would take
    spans that no thread ever runs (the child hung on its first split kernel)."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def pointwise(fn, out, *arrays):
    """fn(out_part, *parts) on matching spans of ``out`` and ``arrays`` (C-contiguous NumPy
    arrays of one size, split flat: any shape divides evenly), or fn(out, *arrays) once when
    they are small, on another device or laid out otherwise. Returns ``out``."""
    n = worth_splitting(out)
    if n > 1 and out.flags.c_contiguous and all(
            type(a) is numpy.ndarray and a.size == out.size and a.flags.c_contiguous
            for a in arrays):
        flat_out = out.reshape(-1)
        flats = [a.reshape(-1) for a in arrays]
        split(lambda a, b: fn(flat_out[a:b], *(f[a:b] for f in flats)), out.size, n)
    else:
        fn(out, *arrays)
    return out


GEMM_MIN_MACS = 1 << 24  # multiply-adds (~0.3 ms on one core) below which a GEMM runs whole


def _gemm_threads(x, y, macs):
    """Threads for a product of ``macs`` multiply-adds: 1 unless it is large and BLAS's
    (NumPy arrays of one float dtype)."""
    if (macs < GEMM_MIN_MACS or type(x) is not numpy.ndarray or
            type(y) is not numpy.ndarray or x.dtype != y.dtype or x.dtype.kind != "f"):
        return 1
    return engine_threads()


def gemm(x, y):
    """x @ y for 2-D arrays; large float products split by rows of x, or by columns of y
    when x has few rows or is a transposed view, among the engine's threads."""
    m, k = x.shape
    n = y.shape[1]
    threads = _gemm_threads(x, y, m * k * n)
    if threads == 1:
        return x @ y
    out = numpy.empty((m, n), x.dtype)
    if m >= 8 * threads and not (x.flags.f_contiguous and n >= 8 * threads):
        split(lambda a, b: numpy.dot(x[a:b], y, out=out[a:b]), m, threads)
        return out

    def columns(a, b):  # a transposed x (a weight gradient's g^T): 15% faster this way
        out[:, a:b] = numpy.dot(x, y[:, a:b])
    split(columns, n, threads)
    return out


def batched_gemm(x, y):
    """x @ y for stacks of matrices (B, m, k) @ (B, k, n); large ones a span of the batch
    per thread."""
    threads = _gemm_threads(x, y, x.shape[0] * x.shape[1] * x.shape[2] * y.shape[2])
    if threads == 1 or x.shape[0] < threads:
        return x @ y
    out = numpy.empty((x.shape[0], x.shape[1], y.shape[2]), x.dtype)
    split(lambda a, b: numpy.matmul(x[a:b], y[a:b], out=out[a:b]), x.shape[0], threads)
    return out
