"""Executors run submitted code in the sandbox and stream its events back.

    from playground import executors, policy
    executors.configure(sink=..., store=...)   # the runs app does this at startup
    ex = executors.get_executor()    # process-wide, chosen by the policy (PLAYGROUND_EXECUTOR)
    handle = ex.submit(policy.run_spec(code, run_id=..., device="cpu", kind="snippet",
                                       client="anon"))     # returns at once; handle.run_id
    ex.cancel(run_id) -> bool;  ex.queue_position(run_id) -> int | None
    ex.unavailable_reason(device) -> str | None;  ex.capabilities();  ex.shutdown()
    ex.start_kernel(spec);  ex.control(kernel_id, message) -> bool    # notebook kernels
    ex.find_kernel(session, client) -> KernelInfo | None
    ex.control_run(run_id, message) -> bool   # pause, resume, step, speed (sandbox/pacing.py)
    ex.run_control_refusal() -> str | None     # None where runs can be paused and paced

The contract both executors keep (tests/scaleout/test_executor_contract.py): every event of
a run reaches pages in order, numbered, ending with exactly one "finished" (a refused run
gets only that, status "rejected"). The events of executing it go to the sink, from whichever
process executes it, never on the submitting thread; scaled out, what only the stored row
can decide across processes (the run's place in the queue, a cancel before a worker took
it, "worker lost") goes through the run store, which numbers and publishes it the same way.

"local" (default) is a pool of warm sandbox slots on this host; "celery" sends each stored
run as a task to a worker host (one queue per device), which runs it in the same sandbox
and hands its events to the same sink there.
"""
import atexit
import threading

from playground import policy

EXECUTORS = {"local": "playground.executors.local.LocalExecutor",
             "celery": "playground.executors.celery_executor.CeleryExecutor"}

_ports = {"sink": None, "store": None, "kernel_sink": None}
_executor = None
_built_for = None     # the policy fields the executor was built from
_lock = threading.Lock()


def configure(**ports):
    """Wire in the ports every executor of this process uses (see base.py): ``sink`` and
    ``store`` (the runs app), ``kernel_sink`` (the notebooks app); each call sets those given."""
    unknown = sorted(set(ports) - set(_ports))
    if unknown:
        raise TypeError(f"unknown port {unknown[0]!r}; ports: {', '.join(_ports)}")
    _ports.update(ports)


def ports():
    """(sink, store) as configured; a RuntimeError when no sink was configured."""
    if _ports["sink"] is None:
        raise RuntimeError("no event sink configured: call playground.executors.configure("
                           "sink=...) first (the runs app does at startup)")
    return _ports["sink"], _ports["store"]


def kernel_port():
    """The kernel sink configured in this process (the notebooks app's), or None."""
    return _ports["kernel_sink"]


def _load(name):
    if name not in EXECUTORS:
        raise ValueError(f"unknown PLAYGROUND_EXECUTOR {name!r}; available: "
                         f"{', '.join(EXECUTORS)}")
    module, _, cls = EXECUTORS[name].rpartition(".")
    return getattr(__import__(module, fromlist=[cls]), cls)


def _shape(p):
    """What the process-wide executor is built from: a change means a new one."""
    return p.executor, p.slots, p.sandbox_isolation, p.sandbox_uid_base


def get_executor():
    """The process-wide executor, created on first use (sandboxes warm up in the
    background); built again when the policy it was built from changed (tests)."""
    global _executor, _built_for
    p = policy.current()
    with _lock:
        if _executor is not None and _built_for == _shape(p):
            return _executor
    shutdown_executor()
    with _lock:
        if _executor is None:
            sink, store = ports()
            _executor = _load(p.executor)(sink, store, kernel_sink=_ports["kernel_sink"])
            _built_for = _shape(p)
        return _executor


def current_executor():
    """The process-wide executor if one was started, else None (starts nothing)."""
    with _lock:
        return _executor


def shutdown_executor():
    """Stop the process-wide executor (tests, shutdown); the next get_executor() starts anew."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown()


atexit.register(shutdown_executor)
