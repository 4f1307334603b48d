"""The scaled-out layout for real, on one machine: PostgreSQL, a Redis of our own, a Celery
worker process (`celery -A playground worker -Q cpu`) and two daphne web processes, all
configured by environment variables only (DATABASE_URL, REDIS_URL, PLAYGROUND_EXECUTOR).

The tests talk to the web processes as a browser and a script would (websocket, HTTP) and
check what issue 7 asks: a run started through one web process is watched live through the
other; a page re-attaching elsewhere misses nothing and sees nothing twice; cancel across
processes; quotas shared; a second delivery of a task does not execute it again; web and
Redis restarts lose nothing; a SIGKILLed worker leaves its run "failed: worker lost".
Order matters: the last tests kill processes.
"""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

import websockets.asyncio.client as websockets_client  # requirements-test.txt
from websockets.exceptions import ConnectionClosed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("PLAYGROUND_TEST_PG_URL",
                              "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
LEASE_S = 2  # short leases: a dead worker is noticed in a few seconds


# -- processes ---------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Stack:
    """The processes of one scaled-out deployment and what it takes to talk to them."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = {}
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.db_name = f"playground_scaleout_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.db_name
        self.web_ports = {"A": free_port(), "B": free_port()}
        self.workers_started = 0
        self.uid_bases = {}
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "playground.settings",
                    "DATABASE_URL": self.db_url, "REDIS_URL": self.redis_url,
                    "PLAYGROUND_EXECUTOR": "celery", "PLAYGROUND_WORKER_LEASE_S": str(LEASE_S),
                    "PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT": "2",
                    "SECRET_KEY": "scaleout-test-" + uuid.uuid4().hex, "PYTHONUNBUFFERED": "1"}
        self.env.pop("CELERY_BROKER_URL", None)

    def spawn(self, name, args, env=None):
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=env or self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self.procs[name]

    def log(self, name):
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    # Redis: our own, so restarting it disturbs nobody else.
    def start_redis(self):
        self.spawn("redis", [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port",
                             str(self.redis_port), "--save", "", "--appendonly", "no"])
        wait_until(lambda: self.redis().ping(), 15, "redis-server")

    def redis(self):
        import redis
        return redis.Redis.from_url(self.redis_url, socket_timeout=2, decode_responses=True)

    def start_worker(self, queue="cpu"):
        self.workers_started += 1
        name = f"{'worker' if queue == 'cpu' else queue}{self.workers_started}"
        if queue == "cpu":
            self.current_worker = name
        # Sandbox uids of their own: a killed worker's leftovers never share one with the next.
        self.uid_bases[name] = 62000 + (os.getpid() % 400) * 20 + self.workers_started * 4
        env = {**self.env, "PLAYGROUND_SANDBOX_UID_BASE": str(self.uid_bases[name])}
        self.spawn(name, [sys.executable, "-m", "celery", "-A", "playground", "worker", "-Q",
                          queue, "-n", f"{name}@%h", "-c", "2", "--without-mingle",
                          "--without-gossip", "--loglevel", "INFO"], env)
        return name

    def wait_worker(self, name):
        wait_until(lambda: any(k.startswith(f"playground:worker:{name}@")
                               for k in self.redis().scan_iter("playground:worker:*")),
                   60, f"{name}'s heartbeat")

    def start_web(self, name):
        port = self.web_ports[name]
        self.spawn(f"web{name}", [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p",
                                  str(port), "playground.asgi:application"])

    def wait_web(self, name):
        wait_until(lambda: requests.get(self.http(name, "/api/runs/"), timeout=2).ok, 60,
                   f"daphne {name}")

    def http(self, name, path):
        return f"http://127.0.0.1:{self.web_ports[name]}{path}"

    def manage(self, *args, **extra_env):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True,
                       env={**self.env, **extra_env}, capture_output=True, timeout=120)


def admin_sql(sql):
    import psycopg
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    services = subprocess.run(["bash", str(ROOT / ".ci" / "services"), "--test"],
                              capture_output=True, text=True, timeout=120)
    assert services.returncode == 0, f".ci/services failed:\n{services.stderr}"
    st = Stack(tmp_path_factory.mktemp("scaleout"))
    admin_sql(f'CREATE DATABASE "{st.db_name}"')
    try:
        st.start_redis()
        # Everything starts side by side; the web processes answer once the tables exist.
        migrate = st.spawn("migrate", [sys.executable, "manage.py", "migrate", "--noinput"])
        worker = st.start_worker()
        st.start_web("A")
        st.start_web("B")
        assert migrate.wait(120) == 0, st.log("migrate")
        st.manage("createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.com",
                  DJANGO_SUPERUSER_PASSWORD="ops-password-1")
        st.wait_web("A")
        st.wait_web("B")
        st.wait_worker(worker)
        yield st
    finally:
        for proc in reversed(list(st.procs.values())):
            stop(proc)
        admin_sql(f'DROP DATABASE IF EXISTS "{st.db_name}" WITH (FORCE)')


def logs_on_failure(st):
    return "\n".join(f"--- {name}\n{st.log(name)[-3000:]}" for name in st.procs)


# -- a browser's side of the websocket ---------------------------------------------------------
async def connect(st, web):
    port = st.web_ports[web]
    return await websockets_client.connect(f"ws://127.0.0.1:{port}/ws/runs/",
                                           origin=f"http://127.0.0.1:{port}", open_timeout=10)


async def receive(sock, timeout=30):
    return json.loads(await asyncio.wait_for(sock.recv(), timeout))


async def start(sock, code, device="cpu"):
    await sock.send(json.dumps({"type": "run", "code": code, "device": device}))
    message = await receive(sock)
    assert message["type"] == "accepted", message
    return message["run_id"]


async def events_until(sock, run_id, stop_when, timeout=40):
    """Messages of ``run_id`` until ``stop_when(message)`` holds (that one included)."""
    got = []
    deadline = time.monotonic() + timeout
    while True:
        message = await receive(sock, max(0.1, deadline - time.monotonic()))
        if message.get("run_id") == run_id:
            got.append(message)
            if stop_when(message):
                return got


def is_finished(message):
    return message["type"] == "finished"


def stdout_of(messages):
    return "".join(m["text"] for m in messages if m["type"] == "stdout")


def counting_code(lines, pause):
    return (f"import time\nfor i in range({lines}):\n    print('line', i, flush=True)\n"
            f"    time.sleep({pause})\n")


def counted(lines):
    return "".join(f"line {i}\n" for i in range(lines))


def api_run(st, web, run_id):
    return requests.get(st.http(web, f"/api/runs/{run_id}/"), timeout=10).json()


# -- the tests ---------------------------------------------------------------------------------
def test_a_run_started_through_one_web_process_is_watched_live_through_another(stack):
    async def scenario():
        a, b = await connect(stack, "A"), await connect(stack, "B")
        run_id = await start(a, counting_code(10, 0.2))
        await b.send(json.dumps({"type": "watch", "run_id": run_id}))
        seen_a, seen_b = await asyncio.gather(events_until(a, run_id, is_finished),
                                              events_until(b, run_id, is_finished))
        await a.close()
        await b.close()
        return run_id, seen_a, seen_b

    run_id, seen_a, seen_b = asyncio.run(scenario())
    for seen in (seen_a, seen_b):
        assert stdout_of(seen) == counted(10), logs_on_failure(stack)
        assert [m["type"] for m in seen].count("finished") == 1
        assert seen[-1]["status"] == "succeeded"
    # B watched it live: more than the replay's one stdout event reached it.
    assert sum(m["type"] == "stdout" for m in seen_b) > 1
    stored = api_run(stack, "B", run_id)
    assert stored["status"] == "succeeded" and stored["stdout"] == counted(10)


def test_a_page_reattaching_to_the_other_process_misses_nothing_and_gets_nothing_twice(stack):
    async def scenario():
        a = await connect(stack, "A")
        run_id = await start(a, counting_code(20, 0.1))
        before = await events_until(a, run_id, lambda m: m["type"] == "stdout")
        await a.close()  # the page lost its connection...
        await asyncio.sleep(0.35)
        b = await connect(stack, "B")  # ...and the proxy sends it to the other process
        await b.send(json.dumps({"type": "watch", "run_id": run_id}))
        after = await events_until(b, run_id, is_finished)
        await b.close()
        return before, after

    before, after = asyncio.run(scenario())
    assert stdout_of(before)  # it saw the run start before it dropped
    assert stdout_of(after) == counted(20), logs_on_failure(stack)
    assert after[-1]["status"] == "succeeded"
    assert sum(m["type"] == "stdout" for m in after) > 1  # replay, then live events


def test_cancel_through_the_other_web_process_stops_the_run_on_the_worker(stack):
    async def scenario():
        a, b = await connect(stack, "A"), await connect(stack, "B")
        run_id = await start(a, "import time\nprint('started', flush=True)\ntime.sleep(60)\n")
        await events_until(a, run_id, lambda m: m["type"] == "stdout")
        await b.send(json.dumps({"type": "cancel", "run_id": run_id}))
        seen = await events_until(a, run_id, is_finished, timeout=15)
        await a.close()
        await b.close()
        return run_id, seen

    run_id, seen = asyncio.run(scenario())
    assert seen[-1]["status"] == "cancelled", logs_on_failure(stack)
    assert api_run(stack, "A", run_id)["status"] == "cancelled"


def test_a_cuda_run_with_no_gpu_worker_alive_is_refused_with_the_reason(stack):
    async def scenario():
        a = await connect(stack, "A")
        await a.send(json.dumps({"type": "run", "code": "print(1)", "device": "cuda"}))
        message = await receive(a)
        await a.close()
        return message

    message = asyncio.run(scenario())
    assert message["type"] == "invalid"
    assert "no GPU worker is running" in message["message"]


def test_a_second_delivery_of_a_run_does_not_execute_it_again(stack):
    from celery import Celery

    broker = Celery(broker=stack.redis_url)
    response = requests.post(stack.http("A", "/api/runs/"), timeout=10, json={
        "code": "import time\nprint('executed', flush=True)\ntime.sleep(1.5)\n"})
    assert response.status_code == 201, response.text
    run_id = response.json()["id"]
    wait_until(lambda: api_run(stack, "A", run_id)["status"] == "running", 20, "the run to start")
    # As a redelivered message would: the same task again while it runs, and once it ended.
    broker.send_task("playground.execute_run", args=[run_id], queue="cpu")
    wait_until(lambda: stack.log("worker1").count(f"run {run_id} is not queued any more") >= 1,
               20, "the worker to take the second delivery")
    wait_until(lambda: api_run(stack, "A", run_id)["status"] == "succeeded", 20, "the run to end")
    broker.send_task("playground.execute_run", args=[run_id], queue="cpu")
    wait_until(lambda: stack.log("worker1").count(f"run {run_id} is not queued any more") >= 2,
               20, "the worker to take the third delivery")
    stored = api_run(stack, "B", run_id)
    assert stored["stdout"] == "executed\n" and stored["status"] == "succeeded"


def test_quotas_hold_across_web_processes(stack):
    # PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT=2 for this stack; an API caller is its address.
    sleeper = {"code": "import time\ntime.sleep(30)\n"}
    first = requests.post(stack.http("A", "/api/runs/"), json=sleeper, timeout=10)
    second = requests.post(stack.http("B", "/api/runs/"), json=sleeper, timeout=10)
    assert first.status_code == second.status_code == 201
    third = requests.post(stack.http("A", "/api/runs/"), json=sleeper, timeout=10)
    assert third.status_code == 429
    assert "you already have 2 runs queued or running" in third.text
    # Each stopped through the process that did not start it.
    for run_id, other in ((first.json()["id"], "B"), (second.json()["id"], "A")):
        assert requests.post(stack.http(other, f"/api/runs/{run_id}/cancel/"),
                             timeout=10).status_code == 202
        wait_until(lambda: api_run(stack, "A", run_id)["status"] == "cancelled", 20, "the cancel")


def test_the_status_page_shows_queue_depth_and_live_workers(stack):
    session = requests.Session()
    login = stack.http("B", "/admin/login/")
    session.get(login, timeout=10)
    session.post(login, timeout=10, data={
        "username": "ops", "password": "ops-password-1", "next": "/status/",
        "csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": login})
    data = session.get(stack.http("B", "/status/?format=json"), timeout=10).json()
    assert data["executor"] == "celery" and data["problems"] == []
    cpu = next(q for q in data["queues"] if q["name"] == "cpu")
    gpu = next(q for q in data["queues"] if q["name"] == "gpu")
    assert cpu["workers"] == 1 and cpu["slots"] == 2 and cpu["waiting_in_broker"] == 0
    assert gpu["workers"] == 0
    assert [w["hostname"].split("@")[0] for w in data["workers"]] == ["worker1"]
    page = session.get(stack.http("B", "/status/"), timeout=10)
    assert page.status_code == 200 and "worker1@" in page.text
    anonymous = requests.get(stack.http("A", "/status/"), timeout=10, allow_redirects=False)
    assert anonymous.status_code == 403 and "staff" in anonymous.text  # staff only, and says so


def test_a_cuda_run_goes_to_the_gpu_queue_once_a_gpu_worker_is_alive(stack):
    # A worker on the gpu queue (this host has no GPU: the code does not touch one; what is
    # checked is where the run goes).
    gpu = stack.start_worker("gpu")
    stack.wait_worker(gpu)
    try:
        response = requests.post(stack.http("B", "/api/runs/"), timeout=10,
                                 json={"code": "print('on the gpu queue')", "device": "cuda"})
        assert response.status_code == 201, response.text
        run_id = response.json()["id"]
        wait_until(lambda: api_run(stack, "A", run_id)["status"] == "succeeded", 30, "the run")
        assert api_run(stack, "A", run_id)["stdout"] == "on the gpu queue\n"
        assert f"run {run_id} (api, device cuda) executing on {gpu}@" in stack.log(gpu)
        assert run_id not in stack.log(stack.current_worker)
    finally:
        stop(stack.procs[gpu])


def test_restarting_a_web_process_does_not_affect_runs(stack):
    async def scenario():
        a = await connect(stack, "A")
        run_id = await start(a, counting_code(12, 0.15))
        await events_until(a, run_id, lambda m: m["type"] == "stdout")
        stop(stack.procs["webA"], signal.SIGKILL)  # the process that started it dies
        stack.start_web("A")
        await asyncio.to_thread(stack.wait_web, "A")
        again = await connect(stack, "A")
        await again.send(json.dumps({"type": "watch", "run_id": run_id}))
        seen = await events_until(again, run_id, is_finished)
        await again.close()
        return seen

    seen = asyncio.run(scenario())
    assert seen[-1]["status"] == "succeeded", logs_on_failure(stack)
    assert stdout_of(seen) == counted(12)


def test_restarting_redis_loses_no_stored_output_and_the_pages_recover(stack):
    response = requests.post(stack.http("A", "/api/runs/"), timeout=10,
                             json={"code": counting_code(25, 0.12)})
    run_id = response.json()["id"]
    wait_until(lambda: "line 3" in api_run(stack, "A", run_id)["stdout"], 20, "output")
    stop(stack.procs["redis"], signal.SIGKILL)
    time.sleep(1.0)
    stack.start_redis()  # back, and empty
    wait_until(lambda: api_run(stack, "A", run_id)["status"] not in ("queued", "running"), 40,
               "the run to end")
    stored = api_run(stack, "B", run_id)
    assert stored["status"] == "succeeded", logs_on_failure(stack)
    assert stored["stdout"] == counted(25)

    # New runs are served again. A Celery worker whose broker restarted under a running
    # acks-late task may exit once that task is done (or its consumer stays wedged and our
    # runtime makes it exit): its supervisor (here: the test) starts it again.
    new_id = requests.post(stack.http("A", "/api/runs/"), timeout=10,
                           json={"code": counting_code(3, 0.1)}).json()["id"]
    worker = stack.procs[stack.current_worker]
    wait_until(lambda: api_run(stack, "A", new_id)["status"] == "succeeded"
               or worker.poll() is not None, 40, "the new run or the stuck worker's exit")
    if worker.poll() is not None:
        stack.wait_worker(stack.start_worker())

    # Pages recover as the real page does: a socket the server closed is opened again and
    # re-attaches with "watch" (the replay brings everything stored, then live events).

    async def page_watching(web):
        for attempt in range(5):
            try:
                sock = await connect(stack, web)
                await sock.send(json.dumps({"type": "watch", "run_id": new_id}))
                seen = await events_until(sock, new_id, is_finished, timeout=60)
                await sock.close()
                return seen
            except (ConnectionClosed, OSError):
                await asyncio.sleep(0.5)
        raise AssertionError("the page never re-attached")

    for web in ("A", "B"):
        seen = asyncio.run(page_watching(web))
        assert seen[-1]["status"] == "succeeded" and stdout_of(seen) == counted(3)


def test_a_killed_worker_leaves_its_run_failed_worker_lost_and_queued_runs_wait(stack):
    async def scenario():
        b = await connect(stack, "B")
        run_id = await start(b, "import time\nprint('started', flush=True)\ntime.sleep(120)\n")
        await events_until(b, run_id, lambda m: m["type"] == "stdout")
        base = stack.uid_bases[stack.current_worker]
        stop(stack.procs[stack.current_worker], signal.SIGKILL)
        killed_at = time.monotonic()
        sandbox_uids = f"{base},{base + 1}"
        seen = await events_until(b, run_id, is_finished, timeout=30)  # the bound
        noticed_after = time.monotonic() - killed_at
        # With no worker alive a new run waits, queued, and is not dropped...
        waiting = await start(b, "print('picked up later')")
        await asyncio.sleep(LEASE_S)
        status = api_run(stack, "B", waiting)["status"]
        stack.start_worker()  # ...until a worker comes
        done = await events_until(b, waiting, is_finished, timeout=60)
        await b.close()
        return run_id, seen, noticed_after, status, done, sandbox_uids

    run_id, seen, noticed_after, status, done, sandbox_uids = asyncio.run(scenario())
    # The user's code died with its worker (the sandbox leaves with its pipe's writer).
    left = subprocess.run(["ps", "-o", "pid=,args=", "-u", sandbox_uids], capture_output=True,
                          text=True).stdout.strip()
    assert left == "", f"the killed worker's runs are still running:\n{left}"
    assert seen[-1]["status"] == "failed", logs_on_failure(stack)
    assert seen[-1]["message"].startswith("worker lost")
    print(f"worker loss noticed after {noticed_after:.1f} s")
    stored = api_run(stack, "A", run_id)
    assert stored["status"] == "failed" and stored["stdout"] == "started\n"
    assert status == "queued"
    assert done[-1]["status"] == "succeeded" and stdout_of(done) == "picked up later\n"
