"""What every executor shares: the interface the site calls, run handles, ordered delivery.

``on_event`` is never called on the submitting thread (it may be an asyncio loop): each run
has an outbox drained in order by a small shared thread pool, so a slow callback of one run
delays only that run.
"""
import collections
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from playground import events

log = logging.getLogger("playground.executors")

DEVICES = ("cpu", "cuda")
MAX_CODE_BYTES = 256 * 1024


class RunHandle:
    """A submitted run: its id, and the ordered delivery of its events to ``on_event``."""

    def __init__(self, run_id, on_event, delivery_pool, *, client, kind, device, limits):
        self.run_id = run_id
        self.client = client
        self.kind = kind
        self.device = device
        self.limits = limits
        self.submitted_at = time.monotonic()
        self.finished = threading.Event()
        self.final_event = None
        self._on_event = on_event
        self._pool = delivery_pool
        self._outbox = collections.deque()
        self._lock = threading.Lock()
        self._draining = False
        self._closed = False

    def emit(self, event):
        """Queue ``event`` for delivery; after "finished" nothing more is delivered."""
        with self._lock:
            if self._closed:
                return
            event = {**event, "run_id": self.run_id}
            if event["type"] == "finished":
                self._closed = True
                self.final_event = event
            self._outbox.append(event)
            if self._draining:
                return
            self._draining = True
        self._pool.submit(self._drain)

    def finish(self, status, message, duration_ms=None):
        self.emit(events.event("finished", status=status, message=message,
                               duration_ms=duration_ms))

    def wait(self, timeout=None):
        """Block until every event, "finished" included, was handed to ``on_event``."""
        return self.finished.wait(timeout)

    @property
    def closed(self):
        return self._closed

    def _drain(self):
        while True:
            with self._lock:
                if not self._outbox:
                    self._draining = False
                    return
                event = self._outbox.popleft()
            try:
                self._on_event(event)
            except Exception:  # the consumer's bug must not stop the service
                log.exception("on_event failed for run %s", self.run_id)
            if event["type"] == "finished":
                self.finished.set()


class Executor:
    """The interface the site uses; see playground/executors/__init__.py."""

    def __init__(self, delivery_threads=4):
        self._delivery = ThreadPoolExecutor(delivery_threads, thread_name_prefix="run-events")

    def submit(self, code, on_event, *, run_id=None, device="cpu", kind="snippet",
               client="anon", limits=None):
        raise NotImplementedError

    def cancel(self, run_id):
        raise NotImplementedError

    def queue_position(self, run_id):
        raise NotImplementedError

    def shutdown(self):
        self._delivery.shutdown(wait=True)

    # -- helpers for subclasses ---------------------------------------------------------------
    def _new_handle(self, code, on_event, run_id, device, kind, client, limits):
        """Check the caller's arguments (programming errors raise) and make the handle."""
        from playground.sandbox.limits import resolve_limits
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, not {type(code).__name__}")
        if not callable(on_event):
            raise TypeError("on_event must be callable")
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
        resolved = resolve_limits(kind, limits)  # unknown kind / bad limits: ValueError
        return RunHandle(str(run_id) if run_id is not None else uuid.uuid4().hex, on_event,
                         self._delivery, client=str(client), kind=kind, device=device,
                         limits=resolved)

    @staticmethod
    def _refusal(handle, code):
        """Why this run cannot be accepted at all (user-facing reason), or None."""
        if len(code.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
            return f"the code is too long (more than {MAX_CODE_BYTES // 1024} KiB)"
        if "\x00" in code:
            return "the code contains a NUL character"
        return None
