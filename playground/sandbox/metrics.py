"""Inside the sandbox child: the sink that turns logged points into run events.

``engine.utils.tensorboard`` (SummaryWriter, log, progress) and ``log_metric`` hand their
records to the sink installed here. Scalars are batched and leave as at most about ten
"metrics" events a second: a busy loop logging thousands of points a second still makes ten
events (one holds up to POINTS_PER_EVENT points; code logging faster than that waits). A
background thread sends what is pending when the code goes quiet, and everything left is
sent when the run's code ends, before its final display or error. Progress bars
travel as metric points named ``__progress__[/label]`` (step = items done, value = total),
so they are stored, replayed and batched like any metric. Histograms leave as a display
with HISTOGRAM_MIME and heatmaps (add_heatmap) as HEATMAP_MIME displays, the newest of each
tag, at most once a second (slower after a while, see DISPLAYS_BEFORE_SLOWING).
"""
import json
import math
import os
import threading
import time

from playground import events

EVENT_FD = 3
FLUSH_INTERVAL_S = 0.1         # at most ~10 metrics events a second
DISPLAY_INTERVAL_S = 1.0       # histogram and heatmap displays: at most one a second...
DISPLAYS_BEFORE_SLOWING = 50   # ...then every 2 s, 4 s...: a long run stays under the
                               # site's cap on stored displays
POINTS_PER_EVENT = 4000        # ~350 KB a line: well under the sandbox's event size limit
HISTOGRAMS_PER_TAG_BEFORE_THINNING = 50
HISTOGRAM_NUMBERS_PER_EVENT = 8000  # bin edges + counts in one display: ~200 KB a line


def _write_line(event):
    data = (json.dumps(event, separators=(",", ":")) + "\n").encode()
    try:
        while data:
            data = data[os.write(EVENT_FD, data):]
    except OSError:
        pass  # the user closed the event pipe: only their own run loses its charts


def _finite_or_none(value):
    """JSON has no NaN or infinity: they travel (and are stored) as null, still a point."""
    return value if math.isfinite(value) else None


class SandboxSink:
    def __init__(self, write=None, interval=FLUSH_INTERVAL_S,
                 display_interval=DISPLAY_INTERVAL_S, pacer=None):
        self.write = write or (lambda event: _write_line(event))
        self.pacer = pacer           # a run's pacing.Pacer (kernels have none)
        self.interval = interval
        self.display_interval = display_interval
        self.cond = threading.Condition()
        self.points = []
        self.histograms = []
        self.heatmaps = {}   # tag -> its newest heatmap not sent yet (older ones are stale)
        self.displays_sent = 0
        self.sent_points_at = float("-inf")
        self.sent_displays_at = float("-inf")
        self.thinning = {}   # tag -> [histograms seen, histograms sent, stride]
        self.last_progress = {}
        self.thread = None
        self.closed = False

    # -- what the writers call -----------------------------------------------------------------
    def scalars(self, log_dir, points):
        wire = [{"name": p["name"], "step": p["step"], "value": _finite_or_none(p["value"]),
                 "wall_time": p["wall_time"]} for p in points]
        with self.cond:
            self.points.extend(wire)
            while len(self.points) >= POINTS_PER_EVENT:
                wait = self.sent_points_at + self.interval - time.monotonic()
                if wait > 0:  # logging faster than ten full events a second: the code waits
                    self.cond.wait(wait)
                    continue
                self._send_points(self.points[:POINTS_PER_EVENT])
                del self.points[:POINTS_PER_EVENT]
            self._wake()

    def histogram(self, log_dir, record):
        with self.cond:
            seen, sent, stride = self.thinning.get(record["tag"], (0, 0, 1))
            if seen % stride == 0:  # long runs keep every 2nd, 4th... histogram of a tag
                self.histograms.append(record)
                sent += 1
                if sent % HISTOGRAMS_PER_TAG_BEFORE_THINNING == 0:
                    stride *= 2
            self.thinning[record["tag"]] = (seen + 1, sent, stride)
            self._wake()

    def heatmap(self, log_dir, record):
        with self.cond:
            self.heatmaps[record["tag"]] = record
            self._wake()

    def progress(self, record):
        label = record.get("label") or ""
        name = events.PROGRESS_METRIC + (f"/{label[:80]}" if label else "")
        if self.last_progress.get(name) == record["n"] and not record.get("done"):
            return
        self.last_progress[name] = record["n"]
        total = record.get("total")
        self.scalars(None, [{"name": name, "step": record["n"],
                             "value": float("nan") if total is None else float(total),
                             "wall_time": record["wall_time"]}])

    def advanced(self, bar):
        """A progress bar moved on: maybe an epoch, where a paused or paced run waits."""
        if self.pacer is not None:
            self.pacer.bar_advanced(bar)

    def flush(self, log_dir=None):
        with self.cond:
            self._send_all()

    def close(self, log_dir=None):
        self.flush()

    def shutdown(self):
        """The run's code ended: send everything, stop the thread."""
        with self.cond:
            self._send_all()
            self.closed = True
            self.cond.notify_all()
        if self.thread is not None:
            self.thread.join(timeout=1)

    # -- batching ------------------------------------------------------------------------------
    def _wake(self):
        if self.thread is None:
            self.thread = threading.Thread(target=self._loop, name="metrics-sink", daemon=True)
            self.thread.start()
        self.cond.notify()

    def _loop(self):
        with self.cond:
            while not self.closed:
                now = time.monotonic()
                waits = []
                if self.points:
                    waits.append(self.sent_points_at + self.interval - now)
                if self.histograms or self.heatmaps:
                    waits.append(self.sent_displays_at + self.display_interval - now)
                if not waits:
                    self.cond.wait()
                elif min(waits) > 0:
                    self.cond.wait(min(waits))
                else:
                    if self.points and self.sent_points_at + self.interval <= now:
                        self._send_points(self.points[:POINTS_PER_EVENT])
                        del self.points[:POINTS_PER_EVENT]
                    if (self.histograms or self.heatmaps) and \
                            self.sent_displays_at + self.display_interval <= now:
                        self._send_displays()

    def _send_all(self):
        for i in range(0, len(self.points), POINTS_PER_EVENT):
            self._send_points(self.points[i:i + POINTS_PER_EVENT])
        self.points = []
        self._send_displays()

    def _send_points(self, points):
        self.sent_points_at = time.monotonic()
        self.write(events.event("metrics", points=points))

    def _send_displays(self):
        batch, self.histograms = self.histograms, []
        heatmaps, self.heatmaps = list(self.heatmaps.values()), {}
        if not batch and not heatmaps:
            return
        self.sent_displays_at = time.monotonic()
        while batch:  # split so no line passes the sandbox's event size limit
            size, n = 0, 0
            while n < len(batch) and (n == 0 or size + 2 * len(batch[n]["edges"])
                                      <= HISTOGRAM_NUMBERS_PER_EVENT):
                size += 2 * len(batch[n]["edges"])
                n += 1
            self.write(events.event("display", mime=events.HISTOGRAM_MIME,
                                    data={"histograms": batch[:n]}))
            batch = batch[n:]
        for record in heatmaps:
            self.write(events.event("display", mime=events.HEATMAP_MIME, data=record))
        self.displays_sent += 1
        if self.displays_sent % DISPLAYS_BEFORE_SLOWING == 0:
            self.display_interval *= 2


def log_metric(name, value, step=None):
    """``log_metric("loss", loss.item(), step=i)``: one point on the run's live chart."""
    from engine.utils.tensorboard.helpers import default_writer

    default_writer().add_scalar(name, value, global_step=step)


def run_logged(run_cell, code, namespace, pacer=None):
    """Run one piece of user code with the sandbox sink installed (the child's hook).

    Every point the code logged has left the child when this returns or raises, so the
    charts are complete before the run's final display, error or status. ``pacer``: the
    run's end of the control channel, told of each progress bar's items (epochs).
    """
    from engine.utils import tensorboard

    sink = SandboxSink(pacer=pacer)
    previous = tensorboard.set_sink(sink)
    namespace.setdefault("log_metric", log_metric)
    try:
        return run_cell(code, namespace)
    finally:
        sink.shutdown()
        tensorboard.set_sink(previous)
