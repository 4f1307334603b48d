"""Every event of a run, defined once.

Events are plain JSON dicts with a ``"type"`` key. A run's events end with one "finished"; a
notebook kernel's go on while it lives, each cell's ending with one "execute_result" whose
status is one of the final statuses below. The sandbox child emits them (without a
``run_id``) one JSON object per line on its event pipe; the event sink validates them, adds
``run_id``, stores them and publishes them to the channel-layer group ``run.<id>``; every
websocket consumer forwards them unchanged to the browser.
"""
import math
import re

# Final statuses a run can end with, each with a human message on the "finished" event.
SUCCEEDED = "succeeded"
FAILED = "failed"              # the user's code raised
TIMEOUT = "timeout"            # wall-clock limit
CPU_LIMIT = "cpu_limit"
MEMORY_LIMIT = "memory_limit"
OUTPUT_LIMIT = "output_limit"
KILLED = "killed"              # died from a signal, e.g. SIGSEGV
CANCELLED = "cancelled"
REJECTED = "rejected"          # quota / validation
FINAL_STATUSES = (SUCCEEDED, FAILED, TIMEOUT, CPU_LIMIT, MEMORY_LIMIT, OUTPUT_LIMIT, KILLED,
                  CANCELLED, REJECTED)

# Non-final statuses.
QUEUED = "queued"
RUNNING = "running"
STATUSES = (QUEUED, RUNNING) + FINAL_STATUSES

# Event types and the keys each carries besides "type" (and "run_id" once it left the child).
EVENT_FIELDS = {
    "accepted": (),
    "status": ("status",),                       # optional: "queue_position"
    "stdout": ("text",),
    "stderr": ("text",),
    "display": ("mime", "data"),
    "metrics": ("points",),                      # [{"name", "step", "value", "wall_time"}]
    "error": ("ename", "evalue", "traceback", "line"),
    "finished": ("status", "duration_ms", "message"),
    # A run paused, stepped or slowed by its page (the control channel, sandbox/pacing.py):
    # state is one of RUN_STATES; epoch and batch count the run's steps where known (else
    # null); pace_s (0: full speed) per pace_unit; held_s, hold_left_s: its held clock;
    # message: why a control had no effect (null otherwise).
    "run_state": ("state", "epoch", "batch", "pace_s", "pace_unit", "held_s", "hold_left_s",
                  "message"),
    # A notebook kernel's (playground/sandbox/kernel.py): each carries "kernel_id", and
    # those of one cell (these and the output events above) its "cell_id".
    "kernel_status": ("state",),                 # optional: "message" (why), "start_ms"
    "execute_input": ("execution_count",),       # a cell started
    "execute_result": ("execution_count", "status", "duration_ms", "message"),  # it ended
    "input_request": ("prompt", "password"),     # input(), sys.stdin, getpass, pdb
    "variables": ("variables",),                 # [{name, type, shape?, dtype?, ...}]
}

# A run's pace states (run_state): "pausing" and "stepping" were asked and wait for the run's
# next step (an epoch: an item of its outermost progress() loop; a batch: an optimizer step).
RUN_RUNNING = "running"
RUN_PAUSING = "pausing"
RUN_PAUSED = "paused"
RUN_STEPPING = "stepping"
RUN_STATES = (RUN_RUNNING, RUN_PAUSING, RUN_PAUSED, RUN_STEPPING)
STEP_UNITS = ("epoch", "batch")

# A kernel's states (kernel_status). "restarting" says why its variables are gone;
# "dead" is final: the kernel was shut down (asked, idle, lifetime) or could not start.
KERNEL_STARTING = "starting"
KERNEL_IDLE = "idle"
KERNEL_BUSY = "busy"
KERNEL_RESTARTING = "restarting"
KERNEL_DEAD = "dead"
KERNEL_STATES = (KERNEL_STARTING, KERNEL_IDLE, KERNEL_BUSY, KERNEL_RESTARTING, KERNEL_DEAD)

# Display mimes and metric names of the training dashboard (see playground/sandbox/metrics.py).
HISTOGRAM_MIME = "application/vnd.playground.histogram+json"  # data: {"histograms": [...]}
HEATMAP_MIME = "application/vnd.playground.heatmap+json"  # data: {"tag", "step", "z", "x", "y", "points"}
PNG_MIME = "image/png"  # data: a base64 PNG, as Jupyter's (a matplotlib figure: sandbox/plots.py)
PROGRESS_METRIC = "__progress__"  # a progress bar: step = items done, value = total (or null)

# Only the service may say how a run ended: a child that prints these is ignored.
SERVICE_ONLY = frozenset({"accepted", "status", "finished", "run_state"})


def event(type_, **fields):
    """Build an event dict, checking that it carries what its type requires."""
    required = EVENT_FIELDS.get(type_)
    if required is None:
        raise ValueError(f"unknown event type {type_!r}")
    missing = [k for k in required if k not in fields]
    if missing:
        raise ValueError(f"event {type_!r} is missing {', '.join(missing)}")
    return {"type": type_, **fields}


_SURROGATE = re.compile("[\ud800-\udfff]")
INT64 = (-2 ** 63, 2 ** 63 - 1)
MAX_DEPTH = 50


def strict_json(value, depth=0):
    """``value`` as strict JSON that every store and transport takes: NaN and infinities as
    null, integers past 64 bits as null, NUL characters and lone surrogates (JSON's
    ``"\\ud800"``, which no UTF-8 encoder accepts) as U+FFFD, tuples as lists, keys as
    strings, nothing nested past MAX_DEPTH levels, anything else as its ``str()``. What a
    run sends is hostile: one bad value must not fail the write of everything around it."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "\ufffd")
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT64[0] <= value <= INT64[1] else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {strict_json(str(k)): strict_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v, depth + 1) for v in value]
    return strict_json(str(value))
