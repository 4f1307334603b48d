"""Convolutions split into batch chunks (engine/nn/_im2col.py) compute what one chunk does,
on one thread or shared among threads, in each of the three im2col layouts."""
import numpy as np
import pytest

from engine.nn import _im2col as im

LAYOUTS = {  # input shape, kernel, geometry: picks wide, rows and batch-innermost
    "wide": ((5, 3, 20, 20), (4, 3, 3, 3), im.Geometry((1, 1), ((1, 1), (1, 1)), (1, 1), 1)),
    "rows": ((5, 4, 40, 40), (6, 2, 3, 3), im.Geometry((2, 2), ((1, 1), (1, 1)), (1, 1), 2)),
    "batch-innermost": ((5, 3, 9, 9), (4, 3, 3, 3),
                        im.Geometry((1, 1), ((0, 0), (0, 0)), (1, 1), 1)),
}


def _all_three(x, w, geo):
    y = im.conv(x, w, geo)
    g = np.random.default_rng(1).standard_normal(y.shape)
    return y, im.weight_grad(x, g, w.shape, geo), im.input_grad(g, w, x.shape, geo)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("threads", [1, 2])
def test_chunked_matches_one_chunk(layout, threads, monkeypatch):
    shape, wshape, geo = LAYOUTS[layout]
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(shape), rng.standard_normal(wshape)
    whole = _all_three(x, w, geo)
    monkeypatch.setattr(im, "_COLS_BUDGET", 1)  # one sample per chunk
    monkeypatch.setattr(im, "_blas_threads", lambda: threads)
    chunked = _all_three(x, w, geo)
    for a, b in zip(whole, chunked):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
