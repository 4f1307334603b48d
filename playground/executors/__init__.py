"""Executors run submitted code in the sandbox and stream its events back.

    from playground.executors import get_executor
    ex = get_executor()      # process-wide, chosen by settings.PLAYGROUND_EXECUTOR
    handle = ex.submit(code, on_event, run_id=None, device="cpu", kind="snippet",
                       client="anon", limits=None)      # returns at once; handle.run_id
    ex.cancel(run_id) -> bool;  ex.queue_position(run_id) -> int | None;  ex.shutdown()

``on_event(event)`` is called from a service thread, in order, for every event of the run
(each with "run_id"), ending with exactly one "finished". "local" (default) is a warm worker
pool on this host; "celery" sends each stored run as a task to a worker host (queue "cpu"
or "gpu"), which runs it in the same sandbox and publishes the same events itself.
"""
import atexit
import threading

from playground.sandbox.limits import setting

EXECUTORS = {"local": "playground.executors.local.LocalExecutor",
             "celery": "playground.executors.celery_executor.CeleryExecutor"}

_executor = None
_lock = threading.Lock()


def _load(name):
    if name not in EXECUTORS:
        raise ValueError(f"unknown PLAYGROUND_EXECUTOR {name!r}; available: "
                         f"{', '.join(EXECUTORS)}")
    module, _, cls = EXECUTORS[name].rpartition(".")
    return getattr(__import__(module, fromlist=[cls]), cls)


def get_executor():
    """The process-wide executor, created on first use (workers warm up in the background)."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = _load(setting("PLAYGROUND_EXECUTOR", "local"))()
            atexit.register(shutdown_executor)
        return _executor


def shutdown_executor():
    """Stop the process-wide executor (tests, shutdown); the next get_executor() starts anew."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown()
