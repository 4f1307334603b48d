"""Reading untrusted line-delimited JSON safely: bounded lines, strict event checks.

Used by the zygote on the child's event pipe (hostile) and by its slot on the zygote's
output (trusted code, still checked: a bug there must not crash the service).
"""
import json
import os

from playground import events

# What a run child may say; how a run ends is only ever said by the zygote.
CHILD_EVENT_TYPES = frozenset({"stdout", "stderr", "display", "metrics", "error"})
_STRING_FIELDS = {"stdout": ("text",), "stderr": ("text",), "display": ("mime",),
                  "error": ("ename", "evalue", "traceback"), "input_request": ("prompt",),
                  "cell_done": ("status",)}
# What a kernel child may say besides (kernel.py); the zygote consumes the last three itself.
KERNEL_CHILD_FIELDS = {"input_request": ("prompt", "password"), "variables": ("variables",),
                       "kernel_ready": (), "cell_started": (), "cell_done": ("status", "ename")}


class LineReader:
    """Splits bytes from a non-blocking fd into lines of at most ``max_line`` bytes.

    A longer line is dropped whole (counted in ``oversized``), never buffered without bound.
    """

    def __init__(self, fd, max_line):
        self.fd = fd
        self.max_line = max_line
        self.buffer = bytearray()
        self.skipping = False   # inside an oversized line: drop until its newline
        self.oversized = 0
        self.eof = False

    def read_lines(self, size=1 << 16):
        """Read once; return the complete lines now available (without newlines)."""
        try:
            chunk = os.read(self.fd, size)
        except BlockingIOError:
            return []
        if not chunk:
            self.eof = True
            return self.feed(b"\n") if self.buffer else []
        return self.feed(chunk)

    def feed(self, chunk):
        lines = []
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            piece = chunk[start:] if nl < 0 else chunk[start:nl]
            if not self.skipping:
                self.buffer += piece
                if len(self.buffer) > self.max_line:
                    self.buffer.clear()
                    self.skipping = True
                    self.oversized += 1
            if nl < 0:
                return lines
            if not self.skipping:
                lines.append(bytes(self.buffer))
            self.buffer.clear()
            self.skipping = False
            start = nl + 1


def json_objects(lines):
    """The JSON objects among ``lines``; anything else is skipped."""
    for line in lines:
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(message, dict):
            yield message


def parse_child_event(line, extra_fields=None):
    """The event a child line stands for, or None when it is junk, forged or malformed.
    ``extra_fields``: more types a child may send (a kernel's), with their fields."""
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):
        return None
    kind = event.get("type") if isinstance(event, dict) else None
    if not isinstance(kind, str):  # a list or an object is no type (and not hashable)
        return None
    # Every string valid UTF-8, every number finite and in 64 bits, whatever the line said:
    # a lone "\ud800" failed the sink's whole batch, "finished" included. Metric points
    # (thousands a line, NaN a real loss) are checked one by one where they are stored.
    if kind != "metrics":
        event = events.strict_json(event)
    if kind in CHILD_EVENT_TYPES:
        required = events.EVENT_FIELDS[kind]
    elif extra_fields and kind in extra_fields:
        required = extra_fields[kind]
    else:
        return None
    if any(k not in event for k in required):
        return None
    if any(not isinstance(event[k], str) for k in _STRING_FIELDS.get(kind, ())):
        return None
    if kind in ("metrics", "variables") and not isinstance(event[required[0]], list):
        return None
    if kind == "input_request" and not isinstance(event["password"], bool):
        return None
    for key in ("run_id", "seq", "kernel_id", "cell_id"):  # the service says whose it is
        event.pop(key, None)
    return event


def parse_kernel_event(line):
    """parse_child_event for a kernel child: a run's events and the kernel's own."""
    return parse_child_event(line, KERNEL_CHILD_FIELDS)


def parse_service_event(obj):
    """Check an event the zygote sent: a dict of a known type carrying its fields."""
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    if kind not in events.EVENT_FIELDS or any(k not in obj for k in events.EVENT_FIELDS[kind]):
        return None
    return obj
