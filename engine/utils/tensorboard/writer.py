"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard.SummaryWriter`` API for scalars and
histograms, writing to the current sink (see sinks.py) instead of TensorBoard event files.

Differences from PyTorch, on purpose: a ``global_step`` left out becomes the tag's next step
(0, 1, 2...) instead of 0 for every point, so charts stay readable; ``bins="tensorflow"``
means 30 equal-width bins.
"""
import os
import socket
import time
from datetime import datetime

import numpy as np

from . import sinks
from .values import check_tag, to_array, to_float, to_step, to_walltime

DEFAULT_HISTOGRAM_BINS = 30
MAX_HISTOGRAM_BINS = 512


def default_log_dir(comment=""):
    """runs/<Mon>DD_HH-MM-SS_<host><comment>, as PyTorch names them."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")


class SummaryWriter:
    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10,
                 flush_secs=120, filename_suffix=""):
        if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"log_dir must be a path (str), not {type(log_dir).__name__}")
        if not isinstance(comment, str):
            raise TypeError(f"comment must be a str, not {type(comment).__name__}")
        self.log_dir = os.fspath(log_dir) if log_dir is not None else default_log_dir(comment)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self._next_step = {}
        self._closed = False

    # -- the API -------------------------------------------------------------------------------
    def get_logdir(self):
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Log one number (a Python number or a one-element tensor) under ``tag``."""
        self._check_open()
        point = self._point(check_tag(tag), scalar_value, global_step, to_walltime(walltime))
        sinks.current_sink().scalars(self.log_dir, [point])

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several numbers at one step, each as ``<main_tag>/<key>``."""
        self._check_open()
        check_tag(main_tag, "main_tag")
        if not isinstance(tag_scalar_dict, dict):
            raise TypeError("tag_scalar_dict must be a dict of {tag: value}, "
                            f"not {type(tag_scalar_dict).__name__}")
        wall = to_walltime(walltime)
        points = [self._point(check_tag(f"{main_tag}/{check_tag(key, 'a key of tag_scalar_dict')}"),
                              value, global_step, wall)
                  for key, value in tag_scalar_dict.items()]
        sinks.current_sink().scalars(self.log_dir, points)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """Log the distribution of ``values`` (e.g. a layer's weights or gradients)."""
        self._check_open()
        check_tag(tag)
        step = self._step(tag, global_step)
        record = histogram_record(to_array(values), bins, max_bins)
        wall = to_walltime(walltime)
        record.update(tag=tag, step=step, wall_time=time.time() if wall is None else wall)
        sinks.current_sink().histogram(self.log_dir, record)

    def add_heatmap(self, tag, values, global_step=None, x=None, y=None, points=None,
                    walltime=None):
        """Log a 2-D grid of numbers drawn as a heatmap (not in PyTorch: the playground's own).

        ``values`` is (rows, cols); ``x`` (cols) and ``y`` (rows) place the cells;
        ``points`` = {"x": [...], "y": [...], "label": [...]} are drawn on top (e.g. the data
        over a classifier's decision boundary).
        """
        self._check_open()
        check_tag(tag)
        record = heatmap_record(values, x, y, points)
        wall = to_walltime(walltime)
        record.update(tag=tag, step=self._step(tag, global_step),
                      wall_time=time.time() if wall is None else wall)
        sinks.current_sink().heatmap(self.log_dir, record)

    def flush(self):
        sinks.current_sink().flush(self.log_dir)

    def close(self):
        if self._closed:
            return
        self.flush()
        sink = sinks.current_sink()
        if hasattr(sink, "close"):
            sink.close(self.log_dir)
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"SummaryWriter(log_dir={self.log_dir!r})"

    def __getattr__(self, name):
        # PyTorch's writer has more (add_image, add_graph, add_text...): say so plainly.
        if name.startswith("add_"):
            raise AttributeError(
                f"SummaryWriter.{name} is not available here; this SummaryWriter supports "
                f"add_scalar, add_scalars, add_histogram and add_heatmap")
        raise AttributeError(f"'SummaryWriter' object has no attribute {name!r}")

    # -- internals -----------------------------------------------------------------------------
    def _check_open(self):
        if self._closed:
            raise RuntimeError("this SummaryWriter was closed; create a new one to log more")

    def _step(self, tag, global_step):
        step = self._next_step.get(tag, 0) if global_step is None else to_step(global_step)
        self._next_step[tag] = step + 1
        return step

    def _point(self, tag, value, global_step, wall):
        value = to_float(value)
        return {"name": tag, "step": self._step(tag, global_step), "value": value,
                "wall_time": time.time() if wall is None else wall}


def histogram_record(array, bins="tensorflow", max_bins=None):
    """Bin edges and counts of the finite values, plus summary numbers."""
    finite = array[np.isfinite(array)]
    if finite.size == 0:
        raise ValueError("add_histogram(): values has no finite numbers to draw"
                         + (f" (all {array.size} are NaN or infinite)" if array.size else
                            " (it is empty)"))
    if isinstance(bins, str):
        spec = DEFAULT_HISTOGRAM_BINS if bins == "tensorflow" else bins
    elif isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        if bins < 1:
            raise ValueError(f"bins must be at least 1, not {bins}")
        spec = int(bins)
    else:
        spec = to_array(bins, "bins")
    try:
        counts, edges = np.histogram(finite, bins=spec)
    except ValueError as exc:
        raise ValueError(f"add_histogram(): bad bins {bins!r}: {exc}") from None
    limit = MAX_HISTOGRAM_BINS if max_bins is None else min(int(max_bins), MAX_HISTOGRAM_BINS)
    if len(counts) > limit:  # merge neighbours so the record stays small
        factor = -(-len(counts) // limit)
        pad = (-len(counts)) % factor
        counts = np.concatenate([counts, np.zeros(pad, counts.dtype)]).reshape(-1, factor).sum(1)
        edges = np.concatenate([edges[::factor][:len(counts)], edges[-1:]])
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts],
            "min": float(finite.min()), "max": float(finite.max()), "num": int(array.size),
            "sum": float(finite.sum()), "sum_squares": float(np.dot(finite, finite)),
            "nonfinite": int(array.size - finite.size)}


MAX_HEATMAP_CELLS = 100 * 100   # with the points, one heatmap stays a few hundred KB
MAX_HEATMAP_POINTS = 2000


def heatmap_record(values, x=None, y=None, points=None):
    grid = to_array(values, "values")
    shape = getattr(values, "shape", None)
    shape = tuple(shape) if shape is not None else np.shape(values)
    if len(shape) != 2:
        raise ValueError(f"add_heatmap(): values must be 2-D (rows, cols), not shape {shape}")
    if grid.size > MAX_HEATMAP_CELLS or grid.size == 0:
        raise ValueError(f"add_heatmap(): values has {grid.size} cells; 1 to "
                         f"{MAX_HEATMAP_CELLS} can be drawn")
    rows, cols = shape
    z = [[_short(v) if np.isfinite(v) else None for v in row]
         for row in grid.reshape(rows, cols).tolist()]
    record = {"z": z, "x": _axis(x, cols, "x"), "y": _axis(y, rows, "y"), "points": None}
    if points is not None:
        if not isinstance(points, dict) or not {"x", "y"} <= set(points):
            raise TypeError('add_heatmap(): points must be a dict {"x": [...], "y": [...], '
                            '"label": [...]}')
        px, py = to_array(points["x"], "points['x']"), to_array(points["y"], "points['y']")
        label = points.get("label")
        label = None if label is None else to_array(label, "points['label']")
        if len(px) != len(py) or (label is not None and len(label) != len(px)):
            raise ValueError("add_heatmap(): points x, y and label must have the same length")
        if len(px) > MAX_HEATMAP_POINTS:
            raise ValueError(f"add_heatmap(): at most {MAX_HEATMAP_POINTS} points, not {len(px)}")
        record["points"] = {"x": [_short(v, 6) for v in px.tolist()],
                            "y": [_short(v, 6) for v in py.tolist()],
                            "label": None if label is None else label.tolist()}
    return record


def _short(value, digits=5):
    """A float with ``digits`` significant digits: plenty for a picture, a third the JSON."""
    return float(f"{value:.{digits}g}")


def _axis(coords, n, name):
    if coords is None:
        return list(range(n))
    arr = to_array(coords, name)
    if len(arr) != n:
        raise ValueError(f"add_heatmap(): {name} has {len(arr)} values; values needs {n}")
    return [_short(v, 6) for v in arr.tolist()]
