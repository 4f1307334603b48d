"""Shorter logging for user code: ``log(step=..., **metrics)`` and ``progress(iterable)``."""
import time

from . import sinks
from .values import check_tag, to_step
from .writer import SummaryWriter

PROGRESS_INTERVAL_S = 0.25   # a bar needs no more than a few updates a second

_default_writer = None


def default_writer():
    """The writer ``log`` uses (created on first use: runs/<date_host>/ outside the playground)."""
    global _default_writer
    if _default_writer is None or _default_writer._closed:
        _default_writer = SummaryWriter()
    return _default_writer


def log(step=None, **metrics):
    """``log(step=i, loss=loss, acc=acc)``: one scalar per keyword, all at ``step``.

    Without ``step`` each call takes the next step (0, 1, 2...). Tags with characters that are
    not valid in a keyword can be passed as ``log(step=i, **{"train/loss": loss})``.
    """
    if not metrics:
        raise TypeError("log() needs at least one metric, e.g. log(step=i, loss=loss.item())")
    writer = default_writer()
    if step is None:
        step = max((writer._next_step.get(t, 0) for t in metrics), default=0)
    else:
        step = to_step(step, "step")
    for tag, value in metrics.items():
        writer.add_scalar(tag, value, global_step=step)


class progress:
    """Wrap an iterable like tqdm: ``for batch in progress(loader, desc="epoch 1")``.

    Shows a progress bar with an ETA in the playground page (on stderr elsewhere). ``total``
    defaults to ``len(iterable)``; without either the bar counts without an ETA. It can also
    be driven by hand: ``bar = progress(total=100)`` then ``bar.update(10)`` and ``bar.close()``.
    """

    def __init__(self, iterable=None, total=None, desc=None):
        if total is None and iterable is not None:
            try:
                total = len(iterable)
            except TypeError:
                total = None
        if total is not None:
            total = to_step(total, "total")
            if total < 0:
                raise ValueError(f"total must not be negative, not {total}")
        if desc is not None:
            check_tag(desc, "desc")
        self.iterable = iterable
        self.total = total
        self.desc = desc
        self.n = 0
        self.started = time.time()
        self._reported_at = 0.0
        self._closed = False
        self._report(force=True)

    def __iter__(self):
        if self.iterable is None:
            raise TypeError("progress() was given no iterable to loop over; use update()")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __len__(self):
        if self.total is None:
            raise TypeError("this progress bar has no total")
        return self.total

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def update(self, n=1):
        self.n += to_step(n, "n")
        self._report()
        advanced = getattr(sinks.current_sink(), "advanced", None)
        if advanced is not None:  # a sink that paces the run (the playground's) may wait here
            advanced(self)

    def refresh(self):
        """Show the bar's count now (as tqdm's), not at its next throttled report."""
        if not self._closed:
            self._report(force=True)

    def close(self):
        if not self._closed:
            self._closed = True
            self._report(force=True, done=True)

    def _report(self, force=False, done=False):
        now = time.time()
        if not force and now - self._reported_at < PROGRESS_INTERVAL_S \
                and (self.total is None or self.n < self.total):
            return
        self._reported_at = now
        sinks.current_sink().progress({"label": self.desc or "", "n": self.n, "total": self.total,
                                       "elapsed": now - self.started, "wall_time": now,
                                       "done": done})
