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
                  "error": ("ename", "evalue", "traceback")}


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


def parse_child_event(line):
    """The event a child line stands for, or None when it is junk, forged or malformed."""
    try:
        event = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict) or event.get("type") not in CHILD_EVENT_TYPES:
        return None
    kind = event["type"]
    if any(k not in event for k in events.EVENT_FIELDS[kind]):
        return None
    if any(not isinstance(event[k], str) for k in _STRING_FIELDS.get(kind, ())):
        return None
    if kind == "metrics" and not isinstance(event["points"], list):
        return None
    event.pop("run_id", None)  # the service says which run this is
    event.pop("seq", None)
    return event


def parse_service_event(obj):
    """Check an event the zygote sent: a dict of a known type carrying its fields."""
    if not isinstance(obj, dict):
        return None
    kind = obj.get("type")
    if kind not in events.EVENT_FIELDS or any(k not in obj for k in events.EVENT_FIELDS[kind]):
        return None
    return obj
