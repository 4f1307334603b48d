"""Notebook kernels scaled out (executors/celery_kernels.py), as a page sees them: this
process is a web process (the Celery executor, the /ws/notebooks/ consumer, the Redis
channel layer), and real Celery workers run as processes of their own that the test kills.
A kernel keeps its state between cells on its host; a page that reconnects attaches to it
(busy cell, open input); a killed host makes the page hear "dead" (and the cell it ran end)
within its lease, and Restart gives a fresh kernel on a live worker. Against the Redis at
127.0.0.1 (a database of its own) and an SQLite file for the workers."""
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from channels.db import database_sync_to_async

from playground import events, executors
from playground.executors import celery_kernels, fleet
from playground.notebooks.models import Notebook
from tests import ws_client
from tests.scaleout import ROOT, use_services

REDIS_TEST_URL = "redis://127.0.0.1:6379/11"
LEASE_S = 2
PORT = 50117
pytestmark = pytest.mark.django_db(transaction=True)


class Workers:
    """Celery worker processes, each a kernel host, started and killed by the tests."""

    def __init__(self, tmp):
        self.tmp, self.procs = tmp, {}
        db = tmp / "worker.sqlite3"
        self.env = {**os.environ, "REDIS_URL": REDIS_TEST_URL, "PLAYGROUND_EXECUTOR": "celery",
                    "DATABASE_URL": f"sqlite:///{db}", "PLAYGROUND_WORKER_LEASE_S": str(LEASE_S),
                    "PLAYGROUND_SANDBOX_UID_BASE": str(63000 + (os.getpid() % 200) * 20),
                    "PYTHONUNBUFFERED": "1"}
        self.env.pop("CELERY_BROKER_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT,
                       env=self.env, check=True, timeout=300)

    def start(self, name):
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "playground", "worker", "-Q", "cpu",
             "-n", f"{name}@test", "-c", "1", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_until(lambda: (fleet.live_workers().get(f"{name}@test") or {}).get("kernels"),
                   120, f"{name}'s heartbeat", self.log(name))

    def kill(self, name):
        os.killpg(self.procs[name].pid, signal.SIGKILL)  # the worker and its sandboxes
        self.procs.pop(name).wait(10)

    def log(self, name):
        return lambda: (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self):
        for name in list(self.procs):
            self.kill(name)


def wait_until(check, timeout, what, log=lambda: ""):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"no {what} after {timeout} s\n{log()}"
        time.sleep(0.2)


@pytest.fixture
def scaled_out(settings, monkeypatch):
    """This process as a scaled-out web process, on the test Redis (emptied)."""
    use_services(REDIS_TEST_URL, monkeypatch, settings, LEASE_S)
    settings.PLAYGROUND_EXECUTOR = "celery"
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_TEST_URL}]}}}
    fleet.client().flushdb()
    try:
        yield
    finally:
        executors.shutdown_executor()
        fleet.client().flushdb()


@pytest.fixture
def workers(scaled_out, tmp_path):
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


@database_sync_to_async
def notebook():
    return str(Notebook.objects.create(owner="ip:127.0.0.1", name="scaled out").id)


async def connected():
    return await ws_client.connected(PORT, path="/ws/notebooks/")


async def until(comm, predicate, timeout=60):
    got = []
    while True:
        got.append(await comm.receive_json_from(timeout=timeout))
        if predicate(got[-1]):
            return got


def state_is(state):
    return lambda m: m["type"] == "kernel_status" and m["state"] == state


def result_of(cell_id):
    return lambda m: m["type"] == "execute_result" and m["cell_id"] == cell_id


@pytest.mark.asyncio
async def test_a_kernel_on_a_worker_host_keeps_state_reattaches_and_dies_with_its_host(workers):
    workers.start("k1")
    nb = await notebook()
    page = await connected()
    await page.send_json_to({"type": "kernel_start", "notebook_id": nb})
    got = await until(page, state_is(events.KERNEL_IDLE))
    kernel_id = got[0]["kernel_id"]
    assert got[0]["state"] == events.KERNEL_STARTING

    # Cells share the kernel's namespace: each is routed to the host that holds it.
    await page.send_json_to({"type": "execute", "cell_id": "c1", "code": "x = 6"})
    await until(page, result_of("c1"))
    await page.send_json_to({"type": "execute", "cell_id": "c2", "code": "print(x * 7)"})
    got = await until(page, result_of("c2"))
    assert "".join(m["text"] for m in got if m["type"] == "stdout") == "42\n"
    assert got[-1]["status"] == events.SUCCEEDED and got[-1]["execution_count"] == 2

    # The page goes away while a cell waits for input; the page that comes back (attaching
    # only, as a page opened again does) finds the kernel busy on that cell, asked again.
    await page.send_json_to({"type": "execute", "cell_id": "c3",
                             "code": "name = input('name? ')\nprint('hi', name)"})
    await until(page, lambda m: m["type"] == "input_request")
    await page.disconnect()
    page = await connected()
    await page.send_json_to({"type": "kernel_start", "notebook_id": nb, "attach": True})
    attached = await page.receive_json_from(timeout=10)
    assert attached == {"type": "kernel_status", "kernel_id": kernel_id,
                        "state": events.KERNEL_BUSY, "cell_id": "c3", "execution_count": 3,
                        "message": "attached to the running kernel"}
    asked = await page.receive_json_from(timeout=10)
    assert asked == {"type": "input_request", "kernel_id": kernel_id, "cell_id": "c3",
                     "prompt": "name? ", "password": False}
    await page.send_json_to({"type": "input_reply", "text": "ada"})
    got = await until(page, result_of("c3"))
    assert "hi ada\n" in "".join(m["text"] for m in got if m["type"] == "stdout")

    # The host dies under a running cell: the cell ends and the page hears "dead", why.
    await page.send_json_to({"type": "execute", "cell_id": "c4",
                             "code": "import time\nwhile True: time.sleep(0.1)"})
    await until(page, lambda m: m["type"] == "execute_input" and m["cell_id"] == "c4")
    killed_at = time.monotonic()
    workers.kill("k1")
    got = await until(page, state_is(events.KERNEL_DEAD), timeout=8 * LEASE_S)
    print(f"dead host noticed {time.monotonic() - killed_at:.2f} s after the kill")
    ended = next(m for m in got if m["type"] == "execute_result")
    assert ended["cell_id"] == "c4" and ended["status"] == events.KILLED
    assert got[-1]["message"] == celery_kernels.HOST_LOST
    assert sum(1 for m in got if m["type"] == "kernel_status") == 1  # said once
    # Nothing hangs: a cell sent to it now is answered at once.
    await page.send_json_to({"type": "execute", "cell_id": "c5", "code": "x"})
    reply = await page.receive_json_from(timeout=10)
    assert reply["type"] == "invalid" and "no kernel" in reply["message"]

    # Restart: a fresh kernel, on the host that is alive.
    workers.start("k2")
    wait_until(lambda: "k1@test" not in fleet.live_workers(), 4 * LEASE_S, "k1 gone")
    await page.send_json_to({"type": "kernel_start", "notebook_id": nb})
    got = await until(page, state_is(events.KERNEL_IDLE))
    assert got[0]["kernel_id"] != kernel_id
    await page.send_json_to({"type": "execute", "cell_id": "c6", "code": "x"})
    got = await until(page, result_of("c6"))
    assert got[-1]["status"] == events.FAILED
    assert next(m for m in got if m["type"] == "error")["ename"] == "NameError"
    await page.send_json_to({"type": "shutdown"})
    await until(page, state_is(events.KERNEL_DEAD))
    await page.disconnect()


@pytest.mark.asyncio
async def test_without_a_kernel_host_a_start_is_refused_at_once(workers):
    page = await connected()
    await page.send_json_to({"type": "kernel_start", "notebook_id": await notebook()})
    reply = await page.receive_json_from(timeout=10)
    assert reply["type"] == "kernel_status" and reply["state"] == events.KERNEL_DEAD
    assert reply["message"] == celery_kernels.NO_HOST
    await page.disconnect()


def test_a_kernel_started_on_a_host_that_died_before_taking_it_is_announced_dead(scaled_out):
    """The record a web process wrote lapses when no host renews it: "dead", never a wait."""
    from playground.executors import kernel_fleet

    got = []
    router = celery_kernels.KernelRouter(type("Sink", (), {"emit": lambda _, e: got.append(e)})())
    try:
        kernel_id = uuid.uuid4().hex
        kernel_fleet.record(kernel_id, "gone@test", "nb", "ip:x", events.KERNEL_STARTING)
        assert router.control(kernel_id, {"op": "execute", "cell_id": "a", "code": "1"})
        wait_until(lambda: any(e["type"] == "kernel_status" for e in got), 8 * LEASE_S,
                   "dead kernel_status")
        assert [(e["type"], e.get("cell_id"), e.get("status") or e.get("state")) for e in got] \
            == [("execute_result", "a", events.KILLED), ("kernel_status", None, "dead")]
        assert not router.control(kernel_id, {"op": "interrupt"})
    finally:
        router.stop()


class Recorded:
    def __init__(self):
        self.events = []

    def emit(self, event):
        self.events.append(event)


def test_a_start_that_waited_past_its_lease_on_a_stalled_host_is_not_started(scaled_out):
    """Its page heard "dead" already: the host must not run a kernel nobody sees."""
    from playground import policy
    from playground.executors import kernel_fleet

    sink = Recorded()
    host = celery_kernels.KernelHost("stalled@test", sink, first_slot=1)
    try:
        kernel_id = uuid.uuid4().hex
        spec = policy.run_spec("", run_id=kernel_id, kind="notebook", client="ip:x",
                               notebook_session="nb")
        assert kernel_fleet.claim_death(kernel_id)        # a web process saw its record lapse
        host._handle(kernel_id, {"op": "start", "spec": spec.to_dict()})
        assert host.pool.live() == [] and sink.events == []
        host._handle(kernel_id, {"op": "execute", "cell_id": "a", "code": "1"})
        assert sink.events == []                          # "dead" was said once, by the web
        assert kernel_fleet.get(kernel_id) is None
    finally:
        host.stop()


def test_the_cap_of_kernels_per_visitor_counts_their_kernels_on_every_host(scaled_out, settings):
    from playground import policy
    from playground.executors import kernel_fleet
    from playground.executors.base import KernelRefused

    settings.PLAYGROUND_KERNELS_PER_CLIENT = 2
    kernel_fleet.record("k-a", "one@test", "nb-1", "ip:9.9.9.9", events.KERNEL_IDLE)
    kernel_fleet.record("k-b", "two@test", "nb-2", "ip:9.9.9.9", events.KERNEL_BUSY)
    kernel_fleet.record("k-c", "two@test", "nb-3", "ip:8.8.8.8", events.KERNEL_IDLE)
    router = celery_kernels.KernelRouter(Recorded())
    try:
        spec = policy.run_spec("", run_id=uuid.uuid4().hex, kind="notebook",
                               client="ip:9.9.9.9", notebook_session="nb-4")
        with pytest.raises(KernelRefused, match="you already have 2 kernels running"):
            router.start(spec)
        other = policy.run_spec("", run_id=uuid.uuid4().hex, kind="notebook",
                                client="ip:8.8.8.8", notebook_session="nb-4")
        with pytest.raises(KernelRefused, match="no worker host can take"):
            router.start(other)   # under the cap; refused only for want of a host here
    finally:
        router.stop()
