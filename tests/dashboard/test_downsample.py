"""Min/max-preserving downsampling: at most max_points, extremes, ends and nulls kept."""
import numpy as np
import pytest

from playground.runs.downsample import DEFAULT_MAX_POINTS, downsample, keep_indices


def test_a_short_series_comes_back_whole():
    steps, values, walls = [0, 1, 2], [1.0, None, 3.0], [10.0, 11.0, 12.0]
    assert downsample(steps, values, walls) == (steps, values, walls)


def test_a_long_series_is_cut_to_the_limit_keeping_order_and_both_ends():
    n = 100_000
    values = list(np.sin(np.arange(n) / 500.0))
    steps, kept, walls = downsample(list(range(n)), values, [float(i) for i in range(n)])
    assert len(steps) <= DEFAULT_MAX_POINTS and len(steps) > DEFAULT_MAX_POINTS // 2
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == n - 1
    assert kept == [values[s] for s in steps] and walls == [float(s) for s in steps]


def test_single_spikes_and_dips_survive():
    rng = np.random.default_rng(0)
    values = list(rng.normal(0, 0.1, 50_000))
    spikes = {1234: 50.0, 20_000: -40.0, 49_999: 30.0, 33_333: 25.0}
    for i, v in spikes.items():
        values[i] = v
    steps, kept, _ = downsample(list(range(50_000)), values, [0.0] * 50_000, max_points=500)
    assert len(steps) <= 500
    for i, v in spikes.items():
        assert i in steps and kept[steps.index(i)] == v
    assert max(kept) == max(values) and min(kept) == min(values)


def test_nulls_from_nan_or_inf_are_kept_so_the_chart_shows_them():
    values = [float(i % 7) for i in range(10_000)]
    values[4321] = None
    values[9000:9010] = [None] * 10
    steps, kept, _ = downsample(list(range(10_000)), values, [0.0] * 10_000, max_points=100)
    assert 4321 in steps and kept[steps.index(4321)] is None
    assert any(s >= 9000 and s < 9010 for s in steps)
    assert all(v is not None for s, v in zip(steps, kept) if s not in range(9000, 9010) and s != 4321)


def test_an_all_null_series_still_has_points():
    idx = keep_indices([None] * 5000, 50)
    assert 0 < len(idx) <= 50 and idx[0] == 0 and idx[-1] == 4999


@pytest.mark.parametrize("n, limit", [(2001, 2000), (4000, 2000), (12_345, 777), (10, 5), (11, 5)])
def test_never_more_than_the_limit(n, limit):
    values = list(np.random.default_rng(n).normal(size=n))
    assert len(keep_indices(values, limit)) <= limit


def test_a_limit_too_small_to_keep_extremes_is_refused():
    with pytest.raises(ValueError, match="at least 5"):
        keep_indices([1.0] * 10, 3)
