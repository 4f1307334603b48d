"""The run contract between the site and its executors: the interface the site calls, the
ports the executors call back through, run handles and ordered delivery.

Ports: an executor is given an ``EventSink`` and (scaled out) a ``RunStore`` when it is
created; the runs app implements both (playground/runs/sink.py, store.py) and wires them in
at startup, so no executor imports the runs app.

The sink is never called on the submitting thread (it may be an asyncio loop): each run has
an outbox drained in order by a small shared thread pool, so a slow sink call for one run
delays only that run.
"""
import collections
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from playground import events, policy
from playground.sandbox.spec import RunSpec

log = logging.getLogger("playground.executors")


# -- ports ----------------------------------------------------------------------------------
class EventSink(Protocol):
    """Where the events of executing a run go, in order, each with its "run_id", ending with
    exactly one "finished"; nothing of a run is accepted after its "finished"."""

    def emit(self, event): ...


class CallbackSink:
    """An EventSink for scripts, benchmarks and tests (the site's is the runs app's): each
    run's events go to the callback watching it, registered before the run is submitted."""

    def __init__(self):
        self._callbacks = {}
        self._lock = threading.Lock()

    def watch(self, run_id, on_event):
        if not callable(on_event):
            raise TypeError("on_event must be callable")
        with self._lock:
            self._callbacks[str(run_id)] = on_event

    def emit(self, event):
        with self._lock:
            on_event = (self._callbacks.pop if event["type"] == "finished"
                        else self._callbacks.get)(event["run_id"], None)
        if on_event is None:
            log.warning("no callback watches run %s: its %s event is dropped", event["run_id"],
                        event["type"])
            return
        on_event(event)


class Unavailable(Exception):
    """``submit`` could not queue the run now (its queue cannot be reached); the message is
    for users, ``retry_after_s`` says when trying again makes sense."""

    def __init__(self, message, retry_after_s=30):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class KernelRefused(Exception):
    """A kernel that cannot be started (a cap, a deployment without kernels): ``reason`` says
    why, for the user."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class KernelInfo(NamedTuple):
    kernel_id: str
    session: str        # the RunSpec's notebook_session: which notebook it serves
    client: str
    state: str          # its last kernel_status
    cell_id: str | None = None           # the cell running now (busy), for a page attaching
    execution_count: int | None = None   # ... and its count
    input_request: dict | None = None    # the input_request that cell waits on, unanswered


class RunState(NamedTuple):
    status: str
    device: str


class RunStore(Protocol):
    """The stored runs, for executors whose runs outlive a process (scaled out). Each change
    locks the run's row, checks the statuses it ``expected`` and stores and publishes its
    event with the run's next sequence number, as the sink would; a change that finds the
    run elsewhere does nothing and returns None, so any number of processes may try."""

    def state(self, run_id) -> RunState | None: ...
    def claim(self, run_id): ...  # queued -> running for the caller: the run (.spec()) or None
    def announce(self, run_id, event, expected=(events.QUEUED, events.RUNNING)): ...
    def finish(self, run_id, status, message, expected=(events.QUEUED, events.RUNNING)): ...
    def announce_positions(self, device, limit=50): ...  # a run left the queue of ``device``
    def queue_position(self, run_id) -> int | None: ...
    def running(self) -> list: ...  # ids of the runs running anywhere
    def queued(self, older_than_s, device=None) -> list: ...  # [(run_id, device)] waiting


# -- what an executor can do ------------------------------------------------------------------
@dataclass(frozen=True)
class Capabilities:
    """``devices``: every device of the policy -> None when runs can use it now, else why not
    (a sentence for the user). ``queues``: the capacity behind each queue of runs, as
    {"name", "devices", "workers", "slots", "busy", "waiting_in_broker"} (None: not known).
    ``workers``: the worker hosts alive now (scaled out); ``problems``: what could not be
    asked (for /status/). ``kernels``: notebook kernels, {"slots", "live", "per_client"},
    or None where this executor hosts none. ``run_control``: None where runs can be paused,
    stepped and paced from their page (``control_run``), else why not."""
    devices: dict
    queues: tuple
    workers: tuple = ()
    problems: tuple = ()
    kernels: dict | None = None
    run_control: str | None = None


class RunHandle:
    """A submitted run: its spec, and the ordered delivery of its events to the sink."""

    def __init__(self, spec, sink, delivery_pool):
        self.spec = spec
        self.run_id = spec.run_id
        self.submitted_at = time.monotonic()
        self.finished = threading.Event()
        self.final_event = None
        self._sink = sink
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
        """Block until every event, "finished" included, was handed to the sink."""
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
                self._sink.emit(event)
            except Exception:  # the sink's bug must not stop the service
                log.exception("the event sink failed for run %s", self.run_id)
            if event["type"] == "finished":
                self.finished.set()


class Executor:
    """The interface the site uses; see playground/executors/__init__.py."""

    def __init__(self, sink, store=None, *, kernel_sink=None, delivery_threads=4):
        for name, port in (("sink", sink), ("kernel_sink", kernel_sink)):
            if port is not None and not callable(getattr(port, "emit", None)):
                raise TypeError(f"{name} must be an EventSink (with emit(event)), not {port!r}")
        if sink is None:
            raise TypeError("an executor needs a sink for the events of its runs")
        self.sink = sink
        self.store = store
        self.kernel_sink = kernel_sink
        self._delivery = ThreadPoolExecutor(delivery_threads, thread_name_prefix="run-events")

    def submit(self, spec):
        """Start (or queue) the run; returns its RunHandle at once. A run that cannot be
        served ends with one "finished" event, status "rejected", saying why."""
        raise NotImplementedError

    def cancel(self, run_id):
        """True when the run will end "cancelled" (it was queued or running), else False."""
        raise NotImplementedError

    def queue_position(self, run_id):
        """1 for the next run to start, 2 behind it...; None unless the run is waiting."""
        raise NotImplementedError

    def unavailable_reason(self, device):
        """None when runs on ``device`` can be served now, else why not (for the user)."""
        raise NotImplementedError

    def capabilities(self):
        """A Capabilities: which devices runs can use now (and why not), and the capacity."""
        raise NotImplementedError

    # -- notebook kernels: long-lived sandboxed processes that run cells -----------------------
    # Subclasses that host kernels set ``_kernels``: an object with start(spec),
    # control(kernel_id, message) and find(session, client) (kernels.KernelPool, or
    # celery_kernels.KernelRouter scaled out).
    _kernels = None

    def start_kernel(self, spec):
        """Start a kernel for ``spec`` (a RunSpec: run_id is the kernel's id, notebook_session
        the notebook it serves, limits each cell's and its process's); returns at once. Its
        events go to the kernel sink, each with "kernel_id": kernel_status first, the cells'
        events, and a last kernel_status "dead". Raises KernelRefused saying why not."""
        if self._kernels is None:
            raise KernelRefused("this deployment does not run notebook kernels")
        if spec.device != policy.DEFAULT_DEVICE:
            raise KernelRefused(f'notebook kernels run on device "{policy.DEFAULT_DEVICE}"')
        self._kernels.start(spec)

    def control(self, kernel_id, message):
        """One control message for a live kernel: {"op": "execute", "cell_id", "code"},
        {"op": "input_reply", "text"} (or "eof": true), {"op": "interrupt"}, {"op":
        "restart"}, {"op": "shutdown"}. False when the kernel is not alive."""
        return self._kernels is not None and self._kernels.control(kernel_id, message)

    # -- pausing, stepping and pacing a run (sandbox/pacing.py) ---------------------------------
    def run_control_refusal(self):
        """None when runs here can be paused, stepped and paced, else why not (for users)."""
        return "this deployment cannot pause or pace runs"

    def control_run(self, run_id, message):
        """One control message for a queued or running run: {"op": "pause"}, {"op":
        "resume"}, {"op": "step", "n", "unit"}, {"op": "speed", "pace_s", "unit"} (checked
        by pacing.check_message first). A queued run gets it when it starts; the run answers
        with run_state events. False when the run is not queued or running here."""
        return False

    def run_state(self, run_id):
        """The last run_state event of a running run (for a page that watches it late), or
        None."""
        return None

    def find_kernel(self, session, client):
        """The KernelInfo of ``client``'s live kernel for ``session``, or None."""
        return self._kernels.find(session, client) if self._kernels is not None else None

    def shutdown(self):
        self._delivery.shutdown(wait=True)

    # -- helpers for subclasses ---------------------------------------------------------------
    def _new_handle(self, spec):
        if not isinstance(spec, RunSpec):
            raise TypeError(f"submit takes a RunSpec (see policy.run_spec), not "
                            f"{type(spec).__name__}")
        return RunHandle(spec, self.sink, self._delivery)

    def _device_reasons(self):
        return {name: self.unavailable_reason(name) for name in policy.current().device_names}

    def _refusal(self, spec):
        """Why this run cannot be accepted at all (user-facing reason), or None."""
        cap = policy.current().max_code_bytes
        if len(spec.code.encode("utf-8", "surrogatepass")) > cap:
            return f"the code is too long (more than {cap // 1024} KiB)"
        if "\x00" in spec.code:
            return "the code contains a NUL character"
        return self._device_refusal(spec.device)

    def _device_refusal(self, device):
        return self.unavailable_reason(device)
