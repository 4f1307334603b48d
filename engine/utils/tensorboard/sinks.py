"""Where logged points go: a pluggable sink.

Outside the playground a writer appends JSON lines to ``<log_dir>/metrics.jsonl`` (the same
``runs/<name>/`` layout TensorBoard uses, with no TensorBoard dependency). Inside the
playground's sandbox the run installs its own sink (``set_sink``) that streams the points to
the page instead, and every writer uses it whatever its ``log_dir``.

A sink receives already checked records:
  scalars(log_dir, points)      points: [{"name", "step", "value", "wall_time"}]
  histogram(log_dir, record)    record: {"tag", "step", "wall_time", "edges", "counts", ...}
  heatmap(log_dir, record)      record: {"tag", "step", "wall_time", "z", "x", "y", "points"}
  progress(record)              record: {"label", "n", "total", "elapsed", "wall_time"}
  flush(log_dir)
  advanced(bar)                 optional: a progress bar moved on (every update, unthrottled)
"""
import json
import os
import sys
import threading

METRICS_FILE = "metrics.jsonl"

_installed = None
_installed_lock = threading.Lock()


def set_sink(sink):
    """Send every writer's records to ``sink`` (None: back to local files). Returns the old one."""
    global _installed
    with _installed_lock:
        old, _installed = _installed, sink
    return old


def installed_sink():
    return _installed


class JsonlFileSink:
    """Appends one JSON object per line to ``<log_dir>/metrics.jsonl``.

    Scalars are written as {"name", "step", "value", "wall_time"} (the playground's metric
    point, so a file can be read back or posted as is); histograms carry "kind": "histogram".
    NaN and infinity are written as the NaN/Infinity tokens Python's json reads back.
    """

    def __init__(self):
        self._files = {}
        self._lock = threading.Lock()
        self._last_bar = None

    def _file(self, log_dir):
        f = self._files.get(log_dir)
        if f is None or f.closed:
            os.makedirs(log_dir, exist_ok=True)
            f = self._files[log_dir] = open(os.path.join(log_dir, METRICS_FILE), "a",
                                            encoding="utf-8")
        return f

    def _write(self, log_dir, records):
        with self._lock:
            f = self._file(log_dir)
            f.write("".join(json.dumps(r) + "\n" for r in records))

    def scalars(self, log_dir, points):
        self._write(log_dir, points)

    def histogram(self, log_dir, record):
        self._write(log_dir, [{"kind": "histogram", **record}])

    def heatmap(self, log_dir, record):
        self._write(log_dir, [{"kind": "heatmap", **record}])

    def progress(self, record):
        """A tqdm-like bar on stderr: the local stand-in for the page's progress bar."""
        sys.stderr.write("\r" + format_bar(record) + ("\n" if record.get("done") else ""))
        sys.stderr.flush()

    def flush(self, log_dir=None):
        with self._lock:
            files = [self._files.get(log_dir)] if log_dir else list(self._files.values())
            for f in files:
                if f is not None and not f.closed:
                    f.flush()

    def close(self, log_dir):
        with self._lock:
            f = self._files.pop(log_dir, None)
            if f is not None:
                f.close()


def format_bar(record, width=24):
    n, total, elapsed = record["n"], record.get("total"), record.get("elapsed") or 0.0
    label = f"{record['label']}: " if record.get("label") else ""
    rate = n / elapsed if elapsed > 0 else 0.0
    if total:
        frac = min(1.0, n / total)
        filled = int(frac * width)
        eta = (total - n) / rate if rate > 0 else float("nan")
        return (f"{label}{frac:4.0%}|{'#' * filled}{' ' * (width - filled)}| {n}/{total} "
                f"[{_clock(elapsed)}<{_clock(eta)}, {rate:.2f}it/s]")
    return f"{label}{n}it [{_clock(elapsed)}, {rate:.2f}it/s]"


def _clock(seconds):
    if seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


local_files = JsonlFileSink()


def current_sink():
    """The sandbox's sink when one is installed, else the local JSON-lines files."""
    return _installed or local_files
