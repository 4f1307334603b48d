"""Fewer points for a chart without hiding what matters: min/max-preserving downsampling.

M4 (Jugel et al., VLDB 2014): split a series into equal runs of consecutive points and keep
each run's first, last, lowest and highest point, plus its first null (a NaN/inf the run
logged), so spikes, dips and divergences stay visible at any zoom-out. Points keep their
order; a series of at most ``max_points`` comes back whole.
"""
import numpy as np

DEFAULT_MAX_POINTS = 2000
KEPT_PER_BUCKET = 5  # first, last, min, max, first null


def keep_indices(values, max_points=DEFAULT_MAX_POINTS):
    """Sorted indices of the points to keep from ``values`` (floats, None for null)."""
    n = len(values)
    if max_points < KEPT_PER_BUCKET:
        raise ValueError(f"max_points must be at least {KEPT_PER_BUCKET}, not {max_points}")
    if n <= max_points:
        return np.arange(n)
    y = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    buckets = max_points // KEPT_PER_BUCKET
    best = _m4(y, buckets)
    # Smooth stretches keep fewer than five points a bucket (the min is the first...): spend
    # the unused budget on narrower buckets while the result still fits.
    for _ in range(3):
        buckets = int(buckets * max_points / len(best))
        if buckets >= n:
            break
        more = _m4(y, buckets)
        if len(more) > max_points or len(more) <= len(best):
            break
        best = more
    return best


def _m4(y, buckets):
    n = len(y)
    size = -(-n // buckets)
    buckets = -(-n // size)
    padded = np.full(buckets * size, np.nan)
    padded[:n] = y
    rows = padded.reshape(buckets, size)
    starts = np.arange(buckets) * size
    finite = np.isfinite(rows)
    has_finite = finite.any(axis=1)
    low = np.where(finite, rows, np.inf).argmin(axis=1)
    high = np.where(finite, rows, -np.inf).argmax(axis=1)
    real = np.arange(buckets * size).reshape(buckets, size) < n
    null = ~finite & real
    has_null = null.any(axis=1)
    first_null = null.argmax(axis=1)
    keep = [starts, np.minimum(starts + size - 1, n - 1),
            (starts + low)[has_finite], (starts + high)[has_finite],
            (starts + first_null)[has_null]]
    return np.unique(np.concatenate(keep))


def downsample(steps, values, wall_times, max_points=DEFAULT_MAX_POINTS):
    """(steps, values, wall_times) lists cut to at most ``max_points`` points."""
    idx = keep_indices(values, max_points)
    if len(idx) == len(values):
        return list(steps), list(values), list(wall_times)
    return ([steps[i] for i in idx], [values[i] for i in idx], [wall_times[i] for i in idx])
