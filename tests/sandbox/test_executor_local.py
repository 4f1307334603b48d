"""The local executor: the interface the site calls, events in order, queue, quotas, cancel."""
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from playground import events, policy
from playground.executors.base import CallbackSink
from playground.executors.local import LocalExecutor

LIMITS = {"wall_s": 3, "cpu_s": 2}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def executor():
    ex = LocalExecutor(CallbackSink(), pool_size=2)
    yield ex
    ex.shutdown()


@pytest.fixture
def single():
    """One sandbox slot and tight per-client quotas, to see queueing and rejection."""
    ex = LocalExecutor(CallbackSink(), pool_size=1, client_max_running=1, client_max_queued=2)
    yield ex
    ex.shutdown()


class Recorder:
    def __init__(self):
        self.events = []
        self.threads = set()
        self.changed = threading.Condition()

    def __call__(self, event):
        with self.changed:
            self.events.append(event)
            self.threads.add(threading.get_ident())
            self.changed.notify_all()

    def wait_for(self, predicate, timeout=30):
        with self.changed:
            assert self.changed.wait_for(lambda: any(predicate(e) for e in self.events),
                                         timeout), self.events

    def output(self, kind="stdout"):
        return "".join(e["text"] for e in self.events if e["type"] == kind)

    @property
    def final(self):
        assert [e["type"] for e in self.events].count("finished") == 1, self.events
        return self.events[-1]


def submit(ex, code, on_event=None, **kw):
    """Submit ``code`` (the RunSpec built as the site builds it); its events go to
    ``on_event``, a new Recorder unless given."""
    rec = Recorder() if on_event is None else on_event
    spec = policy.run_spec(code, limits=kw.pop("limits", LIMITS), **kw)
    ex.sink.watch(spec.run_id, rec)
    return ex.submit(spec), rec


def test_a_run_streams_events_in_order_from_a_service_thread(executor):
    handle, rec = submit(executor, "print('hello')\nprint('world')\n6 * 7", run_id="my-run")
    assert handle.run_id == "my-run"
    assert handle.wait(30)
    kinds = [e["type"] for e in rec.events]
    assert kinds[0] == "status" and rec.events[0]["status"] == events.RUNNING
    assert kinds[-1] == "finished" and kinds.count("finished") == 1
    assert rec.output() == "hello\nworld\n"
    assert {"type": "display", "mime": "text/plain", "data": "42", "run_id": "my-run"} in rec.events
    assert all(e["run_id"] == "my-run" for e in rec.events)
    assert threading.get_ident() not in rec.threads
    final = rec.final
    assert final["status"] == events.SUCCEEDED and final["message"]
    assert isinstance(final["duration_ms"], float)
    json.dumps(rec.events)  # everything is plain JSON


def test_running_event_says_which_isolation_layers_are_active(executor):
    handle, rec = submit(executor, "pass")
    handle.wait(30)
    sandbox = rec.events[0]["sandbox"]
    for layer in ("bubblewrap", "private_filesystem", "network_namespace", "pid_namespace",
                  "seccomp", "unprivileged_uid", "rlimits", "missing"):
        assert layer in sandbox
    assert bool(sandbox["missing"]) == (not all(
        [sandbox["bubblewrap"], sandbox["seccomp"], sandbox["unprivileged_uid"] is not None]))
    if os.geteuid() == 0:
        assert sandbox["unprivileged_uid"] not in (None, 0)


def test_output_streams_while_the_run_is_still_going(executor):
    handle, rec = submit(executor, "print('first', flush=True)\nimport time\ntime.sleep(60)",
                         limits={"wall_s": 30})
    rec.wait_for(lambda e: e.get("text") == "first\n")
    assert not handle.finished.is_set()  # the line arrived before the run ended
    assert executor.cancel(handle.run_id)
    assert handle.wait(5)
    assert rec.final["status"] == events.CANCELLED
    assert rec.final["message"] == "the run was cancelled"


def test_user_traceback_shows_only_user_frames_and_lines(executor):
    code = "import json\n\ndef parse(s):\n    return json.loads(s)\n\nparse('{')"
    handle, rec = submit(executor, code)
    handle.wait(30)
    error = next(e for e in rec.events if e["type"] == "error")
    assert error["ename"] == "JSONDecodeError" and error["line"] == 4
    assert error["traceback"].splitlines() == [
        "Traceback (most recent call last):",
        '  File "<cell>", line 6, in <module>',
        "    parse('{')",
        '  File "<cell>", line 4, in parse',
        "    return json.loads(s)",
        "           ^^^^^^^^^^^^^",
        "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
    ]
    assert rec.final["status"] == events.FAILED
    assert rec.final["message"].startswith("JSONDecodeError: Expecting property name")


def test_syntax_error_names_line_and_column(executor):
    handle, rec = submit(executor, "x = 1\n\nprint(x y)")
    handle.wait(30)
    assert rec.final["status"] == events.FAILED
    error = next(e for e in rec.events if e["type"] == "error")
    assert (error["ename"], error["line"], error["column"]) == ("SyntaxError", 3, 7)
    assert rec.final["message"] == ("SyntaxError at line 3, column 7: invalid syntax. "
                                    "Perhaps you forgot a comma?")


def test_sys_exit_zero_succeeds_and_nonzero_fails(executor):
    handle, rec = submit(executor, "import sys\nprint('bye')\nsys.exit(0)\nprint('never')")
    handle.wait(30)
    assert rec.final["status"] == events.SUCCEEDED and rec.output() == "bye\n"
    handle, rec = submit(executor, "raise SystemExit(3)")
    handle.wait(30)
    assert rec.final["status"] == events.FAILED and rec.final["message"] == "SystemExit: 3"


def test_numpy_works_and_the_environment_is_empty(executor):
    handle, rec = submit(executor, "import os, numpy as np\nprint(dict(os.environ))\n"
                                   "np.arange(6).reshape(2, 3).sum(0)")
    handle.wait(30)
    assert rec.final["status"] == events.SUCCEEDED, rec.events
    assert rec.output() == "{}\n"
    assert rec.events[-2]["data"] == "array([3, 5, 7])"


def test_limits_apply_per_run(executor):
    handle, rec = submit(executor, "print('x' * 5000)", limits={"output_bytes": 1000})
    handle.wait(30)
    assert rec.final["status"] == events.OUTPUT_LIMIT
    assert "more than 1000 bytes" in rec.final["message"]
    assert rec.events[0]["limits"]["output_bytes"] == 1000


def test_the_event_rate_is_capped_without_losing_output(executor):
    code = "for i in range(3000):\n    print(i, flush=True)"
    handle, rec = submit(executor, code, limits={"events_per_s": 20, "wall_s": 20})
    handle.wait(30)
    assert rec.final["status"] == events.SUCCEEDED
    assert rec.output() == "".join(f"{i}\n" for i in range(3000))
    assert len(rec.events) < 300  # batched, not one event per line


def test_concurrent_runs_do_not_mix(executor):
    runs = [submit(executor, f"for i in range(200):\n    print({n}, i)") for n in range(4)]
    for n, (handle, rec) in enumerate(runs):
        assert handle.wait(30)
        assert rec.output() == "".join(f"{n} {i}\n" for i in range(200))


def test_queue_positions_and_cancelling_a_queued_run(single):
    blocker, blocker_rec = submit(single, "import time\ntime.sleep(60)", client="a",
                                  limits={"wall_s": 30})
    blocker_rec.wait_for(lambda e: e.get("status") == events.RUNNING)
    second, second_rec = submit(single, "print(2)", client="b")
    third, third_rec = submit(single, "print(3)", client="c")
    assert single.queue_position(second.run_id) == 1
    assert single.queue_position(third.run_id) == 2
    assert single.queue_position(blocker.run_id) is None  # running, not waiting
    assert single.queue_position("no-such-run") is None
    third_rec.wait_for(lambda e: e.get("queue_position") == 2)
    assert single.cancel(second.run_id)
    assert second.wait(5) and second_rec.final["status"] == events.CANCELLED
    third_rec.wait_for(lambda e: e.get("queue_position") == 1)  # moved up
    assert single.cancel(blocker.run_id)
    assert third.wait(30) and third_rec.final["status"] == events.SUCCEEDED
    assert third_rec.output() == "3\n"
    assert not single.cancel(third.run_id)  # finished: nothing to cancel


def test_per_client_limits_reject_with_a_reason(single):
    first, first_rec = submit(single, "import time\ntime.sleep(60)", client="greedy",
                              limits={"wall_s": 30})
    first_rec.wait_for(lambda e: e.get("status") == events.RUNNING)
    waiting = [submit(single, "print(1)", client="greedy") for _ in range(2)]
    rejected, rejected_rec = submit(single, "print(1)", client="greedy")
    assert rejected.wait(5)
    assert [e["type"] for e in rejected_rec.events] == ["finished"]
    assert rejected_rec.final["status"] == events.REJECTED
    assert "too many runs at once" in rejected_rec.final["message"]
    other, other_rec = submit(single, "print('other')", client="polite")
    single.cancel(first.run_id)
    for handle, _ in waiting + [(other, other_rec)]:
        assert handle.wait(30)
    assert other_rec.final["status"] == events.SUCCEEDED


def test_bad_arguments_raise_clear_errors(executor):
    with pytest.raises(ValueError, match="unknown run kind 'lecture'"):
        submit(executor, "pass", print, kind="lecture")
    with pytest.raises(ValueError, match="unknown limit 'walltime'"):
        submit(executor, "pass", print, limits={"walltime": 3})
    with pytest.raises(ValueError, match="must be a positive number"):
        submit(executor, "pass", print, limits={"wall_s": -1})
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        submit(executor, "pass", print, device="tpu")
    with pytest.raises(TypeError, match="code must be a str"):
        submit(executor, b"pass", print)
    with pytest.raises(TypeError, match="on_event must be callable"):
        executor.sink.watch("some-run", None)
    with pytest.raises(TypeError, match="submit takes a RunSpec"):
        executor.submit("pass")
    with pytest.raises(TypeError, match="sink must be an EventSink"):
        LocalExecutor(print)


def test_unservable_runs_are_rejected_with_a_reason(executor):
    for kwargs, reason in [({"device": "cuda"}, "no GPU workers"),
                           ({"code": "x = 1\n" * 100_000}, "the code is too long")]:
        code = kwargs.pop("code", "pass")
        handle, rec = submit(executor, code, **kwargs)
        assert handle.wait(5)
        assert rec.final["status"] == events.REJECTED and reason in rec.final["message"]


def test_kinds_pick_limit_profiles(executor):
    handle, rec = submit(executor, "pass", kind="training", limits=None)
    handle.wait(30)
    assert rec.events[0]["limits"]["wall_s"] == 600
    assert rec.events[0]["device"] == "cpu"  # the spec reached the sandbox whole
    handle, rec = submit(executor, "pass", kind="api", limits=None)
    handle.wait(30)
    assert rec.events[0]["limits"]["wall_s"] == 30


def test_a_failing_callback_does_not_stop_the_service(executor):
    calls = []

    def broken(event):
        calls.append(event)
        raise RuntimeError("consumer bug")

    handle, _ = submit(executor, "print(1)", broken)
    assert handle.wait(30)
    assert calls[-1]["type"] == "finished"
    handle, rec = submit(executor, "print(2)")
    assert handle.wait(30) and rec.output() == "2\n"


def test_get_executor_is_a_singleton_configured_from_settings(settings):
    from playground import executors
    from playground.executors import get_executor, shutdown_executor
    shutdown_executor()
    wired = executors.ports()  # the runs app's, wired in at startup
    executors.configure(sink=CallbackSink())  # to see the events here, not in the database
    settings.PLAYGROUND_POOL_SIZE = 1
    try:
        ex = get_executor()
        assert get_executor() is ex and ex.pool_size == 1
        rec = Recorder()
        handle, _ = submit(ex, "print('via get_executor')", rec)
        assert handle.wait(30)
        assert rec.output() == "via get_executor\n"
    finally:
        shutdown_executor()
        executors.configure(sink=wired[0], store=wired[1])


def test_works_without_django_configured():
    code = ("import sys\nfrom playground import executors, policy\n"
            "from playground.executors.base import CallbackSink\n"
            "sink = CallbackSink()\nexecutors.configure(sink=sink)\n"
            "spec = policy.run_spec('print(6 * 7)')\ngot = []\n"
            "sink.watch(spec.run_id, got.append)\n"
            "h = executors.get_executor().submit(spec)\n"
            "assert h.wait(60)\nprint(got[-1]['status'], ''.join(e.get('text', '') for e in got).strip())\n"
            "from django.conf import settings\nprint(settings.configured)")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["succeeded 42", "False"]


def test_a_weaker_isolation_tier_says_what_is_missing():
    ex = LocalExecutor(CallbackSink(), pool_size=1, isolation="none")
    try:
        handle, rec = submit(ex, "print(sum(range(10)))")
        assert handle.wait(60)
        sandbox = rec.events[0]["sandbox"]
        assert sandbox["tier"] == "none" and not sandbox["network_namespace"]
        assert any("network namespace" in m for m in sandbox["missing"])
        assert rec.final["status"] == events.SUCCEEDED and rec.output() == "45\n"
    finally:
        ex.shutdown()


def test_worker_start_logs_the_active_layers(caplog):
    from playground.sandbox.slot import SandboxSlot
    caplog.set_level("INFO", logger="playground.sandbox")
    sandbox = SandboxSlot(slot=5, isolation_tier="none")
    try:
        sandbox.wait_ready()
    finally:
        sandbox.stop()
    line = next(r.getMessage() for r in caplog.records if "ready" in r.getMessage())
    assert line.startswith("sandbox worker 5 ready: tier none, active: ")
    assert "rlimits" in line and "missing: bubblewrap" in line


def test_file_size_and_open_file_limits(executor):
    handle, rec = submit(executor, "open('big', 'wb').write(b'x' * (2 << 20))",
                         limits={**LIMITS, "file_size_bytes": 1 << 20})
    handle.wait(30)
    assert rec.final["status"] == events.FAILED
    assert "File too large" in rec.final["message"]
    handle, rec = submit(executor, "files = [open(f'f{i}', 'w') for i in range(100)]",
                         limits={**LIMITS, "open_files": 32})
    handle.wait(30)
    assert rec.final["status"] == events.FAILED
    assert "Too many open files" in rec.final["message"]


def test_an_unknown_executor_setting_is_refused_clearly(settings):
    from playground.executors import get_executor, shutdown_executor
    shutdown_executor()
    settings.PLAYGROUND_EXECUTOR = "kubernetes"
    with pytest.raises(ValueError, match="unknown PLAYGROUND_EXECUTOR 'kubernetes'; available: local"):
        get_executor()
