"""Every module of torch.nn, fed inputs of rank 1 to 5, gives what PyTorch 2.13 gives: the
output's shape and dtype, or the same error type and message, and the same warnings. The
outcomes were recorded by tests/fixtures/make_nn_ranks.py (cases in nn_rank_cases.py)."""
import json
import pathlib

import numpy as np
import pytest

import engine
from tests.engine.nn_rank_cases import MODULES, RANKS, run_case

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "nn_ranks.json"
RECORDED = json.loads(FIXTURE.read_text())

# (module, rank): why the engine knowingly differs from PyTorch there.
KNOWN = {}


def test_the_fixture_covers_every_case():
    assert sorted(RECORDED) == sorted(MODULES)
    assert all(sorted(RECORDED[n]) == [str(r) for r in RANKS] for n in RECORDED)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_handles_each_rank_as_pytorch_does(name):
    wrong = {}
    for rank in RANKS:
        if (name, rank) in KNOWN:
            continue
        got, expected = run_case(engine, name, rank), RECORDED[name][str(rank)]
        if got != expected:
            wrong[rank] = {"engine": got, "pytorch": expected}
    assert not wrong, json.dumps(wrong, indent=1)


def _zeros_pattern(y):
    return (y.detach().numpy() == 0)


def test_dropout2d_on_a_2d_input_drops_single_entries_and_keeps_the_shape():
    # the reported bug: [64, 64] came back as [64, 64, 64]
    engine.manual_seed(0)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        y = engine.nn.Dropout2d()(engine.ones(64, 64))
    assert list(y.shape) == [64, 64]
    zeros = _zeros_pattern(y)
    assert 0 < zeros.mean() < 1 and not all(r.all() or not r.any() for r in zeros)


@pytest.mark.parametrize("fn, shape, kept_dims", [
    ("dropout1d", (3, 5, 7), 2), ("dropout1d", (5, 7), 1), ("dropout2d", (3, 5, 4, 4), 2),
    ("dropout2d", (5, 4, 7), 2), ("dropout3d", (3, 5, 2, 2, 2), 2), ("dropout3d", (5, 2, 2, 2), 1),
])
def test_channel_dropout_zeroes_whole_channels(fn, shape, kept_dims):
    engine.manual_seed(1)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = getattr(engine.nn.functional, fn)(engine.ones(*shape), 0.5)
    zeros = _zeros_pattern(y).reshape(int(np.prod(shape[:kept_dims])), -1)
    assert list(y.shape) == list(shape)
    assert all(r.all() or not r.any() for r in zeros) and 0 < zeros.mean() < 1
    assert set(np.unique(y.detach().numpy())) <= {0.0, 2.0}


def test_upsampling_5d_input_is_separable_along_each_dim():
    """nearest and trilinear on (N, C, D, H, W) equal resizing one dim at a time with the
    1-d mode (nearest: np.repeat for an integer factor)."""
    F = engine.nn.functional
    x = np.random.RandomState(0).randn(2, 3, 3, 4, 5).astype(np.float32)
    t = engine.tensor(x, requires_grad=True)
    y = F.interpolate(t, scale_factor=2, mode="nearest")
    assert type(y.grad_fn).__name__ == "UpsampleNearest3DBackward0"
    np.testing.assert_array_equal(y.detach().numpy(),
                                  x.repeat(2, axis=2).repeat(2, axis=3).repeat(2, axis=4))
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.full_like(x, 8.0))

    size = (5, 3, 7)
    y = F.interpolate(engine.tensor(x), size=size, mode="trilinear", align_corners=True)
    ref = engine.tensor(x)
    for axis, n in zip((2, 3, 4), size):  # linear along one dim: move it last, resize, back
        moved = ref.movedim(axis, -1)
        lead = moved.shape[:-1]
        flat = F.interpolate(moved.reshape(1, -1, moved.shape[-1]), size=n, mode="linear",
                             align_corners=True)
        ref = flat.reshape(*lead, n).movedim(-1, axis)
    np.testing.assert_allclose(y.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
