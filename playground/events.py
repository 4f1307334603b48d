"""Every event of a run, defined once.

Events are plain JSON dicts with a ``"type"`` key. The sandbox child emits them (without a
``run_id``) one JSON object per line on its event pipe; the event sink validates them, adds
``run_id``, stores them and publishes them to the channel-layer group ``run.<id>``; every
websocket consumer forwards them unchanged to the browser.
"""

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
    "input_request": ("prompt",),
}

# Display mimes and metric names of the training dashboard (see playground/sandbox/metrics.py).
HISTOGRAM_MIME = "application/vnd.playground.histogram+json"  # data: {"histograms": [...]}
HEATMAP_MIME = "application/vnd.playground.heatmap+json"  # data: {"tag", "step", "z", "x", "y", "points"}
PROGRESS_METRIC = "__progress__"  # a progress bar: step = items done, value = total (or null)

# Only the service may say how a run ended: a child that prints these is ignored.
SERVICE_ONLY = frozenset({"accepted", "status", "finished"})


def event(type_, **fields):
    """Build an event dict, checking that it carries what its type requires."""
    required = EVENT_FIELDS.get(type_)
    if required is None:
        raise ValueError(f"unknown event type {type_!r}")
    missing = [k for k in required if k not in fields]
    if missing:
        raise ValueError(f"event {type_!r} is missing {', '.join(missing)}")
    return {"type": type_, **fields}
