"""The run contract (playground/executors/__init__.py), once for both executors: the local
pool, and the Celery executor with a worker in this process (the real broker and fleet on
the Redis at 127.0.0.1, a database of its own). Both are wired to the runs app's ports, and
what is checked is what every page gets: the events published for a run, numbered in order,
ending with exactly one "finished"."""
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from playground import events, policy
from playground.executors.local import LocalExecutor
from playground.runs.models import Run
from playground.runs.sink import event_sink
from playground.runs.store import run_store

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = "redis://127.0.0.1:6379/12"
pytestmark = pytest.mark.django_db(transaction=True)


class Published:
    """Every event the sink and the store publish, by run."""

    def __init__(self):
        self.changed = threading.Condition()
        self.by_run = {}

    def __call__(self, group, message):
        with self.changed:
            self.by_run.setdefault(message["run_id"], []).extend(message["events"])
            self.changed.notify_all()

    def of(self, run_id):
        with self.changed:
            return list(self.by_run.get(str(run_id), ()))

    def wait_for(self, run_id, predicate, timeout=60):
        with self.changed:
            assert self.changed.wait_for(
                lambda: any(predicate(e) for e in self.by_run.get(str(run_id), ())), timeout), \
                self.by_run.get(str(run_id))

    def finished(self, run_id):
        self.wait_for(run_id, lambda e: e["type"] == "finished")
        got = self.of(run_id)
        assert [e["seq"] for e in got] == list(range(1, len(got) + 1)), got
        assert [e["type"] for e in got].count("finished") == 1 and got[-1]["type"] == "finished"
        return got


@pytest.fixture(scope="module")
def local_pool():
    ex = LocalExecutor(event_sink, run_store, pool_size=1)
    yield ex
    ex.shutdown()


@pytest.fixture(scope="module")
def celery_pool():
    """A Celery worker in this process with one sandbox slot, as a worker host with one
    core, and the Celery executor of a web process (the same process here)."""
    from celery.contrib.testing.worker import start_worker
    from django.test import override_settings

    from playground.celery import app
    from playground.executors import celery_tasks, fleet
    from playground.executors.celery_executor import CeleryExecutor

    up = subprocess.run(["bash", str(ROOT / ".ci" / "services"), "--test"], capture_output=True,
                        text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    with pytest.MonkeyPatch.context() as mp, override_settings(PLAYGROUND_WORKER_LEASE_S=60):
        mp.setenv("REDIS_URL", REDIS_TEST_URL)  # leases long: no reaper look during a test
        mp.setattr(app.conf, "broker_url", REDIS_TEST_URL)
        mp.setattr(app.conf, "worker_hijack_root_logger", False)
        _forget_broker_connections(app)  # made for another broker by an earlier test
        fleet.client().flushdb()
        with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False,
                          queues=["cpu"], hostname="contract@test"):
            celery_tasks.runtime.start("contract@test", ["cpu"], 1)  # as worker_ready does
            ex = CeleryExecutor(event_sink, run_store)
            try:
                yield ex
            finally:
                ex.shutdown()
                celery_tasks.runtime.stop()
        fleet.client().flushdb()
        _forget_broker_connections(app)


def _forget_broker_connections(app):
    """Celery keeps the broker connections it made (with the producers on them), whatever
    broker the app is pointed at later: drop them, so the next sends go where it points."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._after_fork()  # what Celery itself calls to start over: no pool, no producers


@pytest.fixture(params=["local", "celery"])
def executor(request):
    return request.getfixturevalue(f"{request.param}_pool")


@pytest.fixture
def published(monkeypatch):
    recorder = Published()
    monkeypatch.setattr("playground.runs.sink.publish", recorder)
    monkeypatch.setattr("playground.runs.store.publish", recorder)
    return recorder


def start(executor, code, device="cpu"):
    """Store a run as the site does and submit its spec."""
    run = Run.objects.create(owner="ip:127.0.0.1", code=code, device=device)
    handle = executor.submit(run.spec())
    assert handle.run_id == str(run.id)
    return str(run.id)


def test_a_run_reaches_pages_in_order_numbered_and_ends_once(executor, published):
    run_id = start(executor, "print('hello')\n6 * 7")
    got = published.finished(run_id)
    statuses = [e["status"] for e in got if e["type"] == "status"]
    assert statuses[-1] == events.RUNNING and set(statuses) <= {events.QUEUED, events.RUNNING}
    assert "".join(e["text"] for e in got if e["type"] == "stdout") == "hello\n"
    assert {"type": "display", "mime": "text/plain", "data": "42"}.items() <= next(
        e for e in got if e["type"] == "display").items()
    assert got[-1]["status"] == events.SUCCEEDED
    run = Run.objects.get(pk=run_id)
    assert (run.status, run.stdout, run.last_seq) == (events.SUCCEEDED, "hello\n", len(got))


def test_submit_returns_at_once_and_a_running_run_can_be_cancelled(executor, published):
    run_id = start(executor, "print('started', flush=True)\nimport time\ntime.sleep(60)")
    assert not Run.objects.get(pk=run_id).is_finished  # submit did not wait for the run
    published.wait_for(run_id, lambda e: e.get("text") == "started\n")
    assert executor.cancel(run_id) is True
    got = published.finished(run_id)
    assert (got[-1]["status"], got[-1]["message"]) == (events.CANCELLED, "the run was cancelled")
    assert executor.cancel(run_id) is False  # over: nothing to cancel
    assert executor.queue_position(run_id) is None


def test_a_waiting_run_knows_its_place_and_is_cancelled_before_it_starts(executor, published):
    blocker = start(executor, "print('busy', flush=True)\nimport time\ntime.sleep(60)")
    published.wait_for(blocker, lambda e: e.get("text") == "busy\n")  # the only slot is taken
    waiting = start(executor, "print('never')")
    assert executor.queue_position(waiting) == 1
    published.wait_for(waiting, lambda e: e.get("queue_position") == 1)
    assert executor.cancel(waiting) is True
    got = published.finished(waiting)
    assert (got[-1]["status"], got[-1]["message"]) == (
        events.CANCELLED, "the run was cancelled before it started")
    assert executor.queue_position(waiting) is None
    executor.cancel(blocker)
    published.finished(blocker)
    assert "never" not in Run.objects.get(pk=waiting).stdout


@pytest.mark.parametrize("code, device, reason", [
    ("x = 1\n" * 20_000, "cpu", "the code is too long (more than 64 KiB)"),
    ("print(1)", "cuda", "GPU worker"),
], ids=["code-too-long", "device-unavailable"])
def test_a_run_that_cannot_be_served_gets_one_rejected_finished(executor, published, code,
                                                                device, reason):
    run_id = start(executor, code, device)
    got = published.finished(run_id)
    assert [e["type"] for e in got] == ["finished"]
    assert got[0]["status"] == events.REJECTED and reason in got[0]["message"]
    assert Run.objects.get(pk=run_id).status == events.REJECTED


def test_capabilities_name_every_device_and_the_capacity(executor):
    caps = executor.capabilities()
    assert list(caps.devices) == list(policy.current().device_names)
    assert caps.devices["cpu"] is None
    assert isinstance(caps.devices["cuda"], str) and caps.devices["cuda"]  # no GPU here
    assert caps.devices["cuda"] == executor.unavailable_reason("cuda")
    serving_cpu = [q for q in caps.queues if "cpu" in q["devices"]]
    assert len(serving_cpu) == 1 and serving_cpu[0]["slots"] == 1
    assert caps.problems == ()


def test_an_unknown_run_is_neither_waiting_nor_cancellable(executor):
    run_id = uuid.uuid4().hex
    assert executor.queue_position(run_id) is None
    assert executor.cancel(run_id) is False


def test_the_spec_is_passed_down_unchanged(executor, published):
    # Limits in the spec that the stored row does not hold: only the spec itself has them.
    run = Run.objects.create(owner="ip:127.0.0.1", code="print('x' * 5000)")
    executor.submit(policy.run_spec(run.code, run_id=run.id, limits={"output_bytes": 1000}))
    got = published.finished(run.id)
    assert got[-1]["status"] == events.OUTPUT_LIMIT
    assert "more than 1000 bytes" in got[-1]["message"]


def test_runs_are_paused_where_the_executor_can_and_refused_with_its_reason_elsewhere(
        executor, published):
    why_not = executor.run_control_refusal()
    assert executor.capabilities().run_control == why_not
    assert executor.control_run(uuid.uuid4().hex, {"op": "pause"}) is False
    if why_not is not None:   # scaled out: said in words, for the page and /status/
        assert "worker hosts" in why_not
        return
    run_id = start(executor, "import torch\nw = torch.zeros(1, requires_grad=True)\n"
                             "opt = torch.optim.SGD([w], lr=0.1)\nfor i in range(3):\n"
                             "    w.sum().backward()\n    opt.step()\nprint('steps', i + 1)")
    assert executor.control_run(run_id, {"op": "pause"}) is True
    is_paused = lambda e: e["type"] == "run_state" and e["state"] == events.RUN_PAUSED  # noqa: E731
    published.wait_for(run_id, is_paused)
    assert next(e for e in published.of(run_id) if is_paused(e))["batch"] == 1
    assert executor.run_state(run_id)["state"] == events.RUN_PAUSED
    executor.control_run(run_id, {"op": "resume"})
    got = published.finished(run_id)
    assert got[-1]["status"] == events.SUCCEEDED and executor.run_state(run_id) is None
