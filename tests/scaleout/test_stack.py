"""The scaled-out layout for real, on one machine, started as docs/deploy.md tells an
operator to: PostgreSQL, Redis, `manage.py migrate`, then `supervisord -c
deploy/supervisord.conf` with the environment of deploy/playground.env.example (two daphne
processes sharing one port, each also on a unix socket of its own, and a CPU worker, all
restarted when they stop). Only the values differ: a database, a Redis, ports and a
directory of the test's own, short leases, and the web processes as root (this machine's
Python lives under /root, which another user cannot read).

The tests talk to the web processes as a browser and a script would (websocket, HTTP,
each client with an address of its own through X-Forwarded-For, as the proxy sends it) and
check what issues 7 and 14 ask: a run started through one web process is watched live
through the other; a page re-attaching elsewhere misses nothing; cancel across processes;
quotas shared and not racy; a second delivery does nothing; Redis restarts mid-run (the
worker stays, live viewers end with every line, new runs work within 30 s); REST reads while
Redis is away; no CPU worker; a SIGKILLed worker. Order matters: the last tests stop things.
"""
import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

import websockets.asyncio.client as websockets_client  # requirements-test.txt
from websockets.exceptions import ConnectionClosed, InvalidHandshake

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "supervisord.conf"
ENV_EXAMPLE = ROOT / "deploy" / "playground.env.example"
PG_ADMIN_URL = os.environ.get("PLAYGROUND_TEST_PG_URL",
                              "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
LEASE_S = 2  # short leases: a dead worker is noticed in a few seconds
WEBS = ("web1", "web2")


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


def stop(proc, sig=signal.SIGTERM, wait=10):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def env_file(path):
    """The KEY=value lines of an environment file, as `set -a; . FILE` reads them."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def descendants(pid):
    """Every process below ``pid`` now."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


class Response:
    def __init__(self, status, headers, body):
        self.status_code, self.headers, self.text = status, headers, body.decode()

    def json(self):
        return json.loads(self.text)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=15):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = str(path)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class Stack:
    """One supervised deployment and what it takes to talk to each of its processes."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.run_dir = tmp / "run"
        self.run_dir.mkdir()
        self.procs = {}
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.db_name = f"playground_scaleout_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.db_name
        self.port = free_port()
        self.uid_base = 62000 + (os.getpid() % 400) * 20
        documented = env_file(ENV_EXAMPLE)
        ours = {"DATABASE_URL": self.db_url, "REDIS_URL": self.redis_url,
                "SECRET_KEY": "scaleout-test-" + uuid.uuid4().hex,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PLAYGROUND_WORKER_LEASE_S": str(LEASE_S), "PLAYGROUND_PORT": str(self.port),
                "PLAYGROUND_RUN_DIR": str(self.run_dir), "PLAYGROUND_WEB_USER": "root",
                "PLAYGROUND_WORKER_SLOTS": "2",
                "PLAYGROUND_SANDBOX_UID_BASE": str(self.uid_base)}
        assert set(ours) <= set(documented), set(ours) - set(documented)
        self.env = {**os.environ, **documented, **ours, "PYTHONUNBUFFERED": "1",
                    "PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT": "2",
                    "PLAYGROUND_MAX_ACTIVE_RUNS_PER_ADDRESS": "5"}
        self.env.pop("CELERY_BROKER_URL", None)

    def spawn(self, name, args, env=None):
        log = open(self.tmp / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=env or self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self.procs[name]

    def log(self, name):
        """What process ``name`` wrote (web1, web2, worker-cpu, supervisord, redis, ...)."""
        for path in (self.run_dir / f"{name}.log", self.tmp / f"{name}.log"):
            if path.exists():
                return path.read_text(errors="replace")
        return ""

    def logs(self):
        names = sorted({p.stem for p in [*self.run_dir.glob("*.log"), *self.tmp.glob("*.log")]})
        return "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name in names)

    # Redis: our own, so restarting it disturbs nobody else.
    def start_redis(self):
        self.spawn("redis", [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port",
                             str(self.redis_port), "--save", "", "--appendonly", "no"])
        wait_until(lambda: self.redis().ping(), 15, "redis-server")

    def stop_redis(self):
        stop(self.procs["redis"], signal.SIGKILL)

    def redis(self):
        import redis
        return redis.Redis.from_url(self.redis_url, socket_timeout=2, decode_responses=True)

    # The supervised processes (deploy/supervisord.conf).
    def supervise(self):
        self.spawn("supervisord-main", [shutil.which("supervisord"), "-n", "-c", str(CONF)])

    def ctl(self, *args):
        done = subprocess.run([shutil.which("supervisorctl"), "-c", str(CONF), *args],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60)
        return done.stdout.strip()

    def pid(self, program):
        return int(self.ctl("pid", program))

    def workers_alive(self):
        return [k for k in self.redis().scan_iter("playground:worker:*")]

    def wait_worker(self, prefix="cpu@"):
        wait_until(lambda: any(k.startswith(f"playground:worker:{prefix}")
                               for k in self.workers_alive()), 60, f"a {prefix} heartbeat")

    def socket_of(self, web):
        return self.run_dir / f"{web}.sock"

    def http(self, web, method, path, body=None, address="192.0.2.1", headers=None):
        """One request to web process ``web`` through its own socket, from ``address`` as the
        proxy would say (X-Forwarded-For)."""
        conn = UnixHTTPConnection(self.socket_of(web))
        sent = {"X-Forwarded-For": address, **(headers or {})}
        if body is not None:
            body = json.dumps(body)
            sent["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=sent)
            res = conn.getresponse()
            return Response(res.status, dict(res.getheaders()), res.read())
        finally:
            conn.close()

    def wait_web(self, web):
        wait_until(lambda: self.http(web, "GET", "/api/runs/").status_code == 200, 60,
                   f"daphne {web}")

    def manage(self, *args, **extra_env):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True,
                       env={**self.env, **extra_env}, capture_output=True, timeout=120)

    def shutdown(self):
        pids = [int(p) for p in self.ctl("pid", "all").split() if p.isdigit()]
        self.ctl("shutdown")
        main = self.procs.pop("supervisord-main", None)
        if main is not None:
            try:
                main.wait(30)
            except subprocess.TimeoutExpired:
                for pid in pids:  # a worker still finishing runs: not worth waiting for
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                stop(main, signal.SIGKILL)
        for proc in reversed(list(self.procs.values())):
            stop(proc)


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
        st.manage("migrate", "--noinput")
        st.manage("createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.com",
                  DJANGO_SUPERUSER_PASSWORD="ops-password-1")
        st.supervise()
        for web in WEBS:
            st.wait_web(web)
        st.wait_worker()
        yield st
    finally:
        st.shutdown()
        admin_sql(f'DROP DATABASE IF EXISTS "{st.db_name}" WITH (FORCE)')


# -- a browser's side of the websocket ---------------------------------------------------------
async def connect(st, web, address="192.0.2.1"):
    return await websockets_client.unix_connect(
        str(st.socket_of(web)), "ws://localhost/ws/runs/", origin="http://localhost",
        additional_headers={"X-Forwarded-For": address}, open_timeout=10)


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


class Viewer:
    """A page following one run as docs/api.md says a client should: a live event whose seq
    skips numbers means events were lost: watch again from the last seq it has; a replay
    replaces what it had; a socket that closes (the server lost events, Redis is away, the
    process restarted): connect again and watch."""

    def __init__(self, st, web, run_id):
        self.st, self.web, self.run_id = st, web, run_id
        self.stdout, self.last_seq, self.finished = "", 0, None
        self.live_lines = 0            # lines that reached it as live events
        self.rewatches = self.reconnects = 0

    async def follow(self, timeout=90):
        deadline = time.monotonic() + timeout
        while self.finished is None:
            assert time.monotonic() < deadline, f"{self.web} never saw the run end"
            try:
                sock = await connect(self.st, self.web)
            except (OSError, InvalidHandshake, asyncio.TimeoutError):
                await asyncio.sleep(0.5)
                continue
            try:
                await self._watch(sock, deadline)
            except (ConnectionClosed, asyncio.TimeoutError):
                self.reconnects += 1
                await asyncio.sleep(0.3)
            finally:
                await sock.close()

    async def _watch(self, sock, deadline):
        await sock.send(json.dumps({"type": "watch", "run_id": self.run_id,
                                    "after_seq": self.last_seq}))
        awaiting_replay = True
        while self.finished is None:
            event = await receive(sock, max(0.1, deadline - time.monotonic()))
            if event.get("type") == "invalid":
                raise AssertionError(f"{self.web}: {event['message']}")
            if event.get("run_id") != self.run_id or "seq" not in event:
                continue
            if event.get("replay"):
                if awaiting_replay:   # the replay's first message replaces our copy
                    self.stdout, awaiting_replay = "", False
            elif awaiting_replay:
                if event["seq"] != self.last_seq + 1:
                    continue          # sent before the replay the watch asked for
                awaiting_replay = False   # no replay needed: it goes on after our last seq
            elif event["seq"] > self.last_seq + 1:   # events lost before this one
                self.rewatches += 1
                await sock.send(json.dumps({"type": "watch", "run_id": self.run_id,
                                            "after_seq": self.last_seq}))
                awaiting_replay = True
                continue
            self.last_seq = event["seq"]
            if event["type"] == "stdout":
                self.stdout += event["text"]
                if not event.get("replay"):
                    self.live_lines += event["text"].count("\n")
            elif event["type"] == "finished":
                self.finished = event


def is_finished(message):
    return message["type"] == "finished"


def stdout_of(messages):
    return "".join(m["text"] for m in messages if m["type"] == "stdout")


def counting_code(lines, pause):
    return (f"import time\nfor i in range({lines}):\n    print('line', i, flush=True)\n"
            f"    time.sleep({pause})\n")


def counted(lines):
    return "".join(f"line {i}\n" for i in range(lines))


def api_run(st, run_id, web="web1"):
    return st.http(web, "GET", f"/api/runs/{run_id}/").json()


def post_run(st, code, web="web1", address="192.0.2.1", **extra):
    return st.http(web, "POST", "/api/runs/", {"code": code, **extra}, address=address)


def wait_status(st, run_id, statuses, timeout=40):
    wait_until(lambda: api_run(st, run_id)["status"] in statuses, timeout,
               f"run {run_id} to be {'/'.join(statuses)}")
    return api_run(st, run_id)


# -- the tests ---------------------------------------------------------------------------------
def test_a_run_started_through_one_web_process_is_watched_live_through_another(stack):
    async def scenario():
        a, b = await connect(stack, "web1"), await connect(stack, "web2")
        run_id = await start(a, counting_code(10, 0.2))
        await b.send(json.dumps({"type": "watch", "run_id": run_id}))
        seen_a, seen_b = await asyncio.gather(events_until(a, run_id, is_finished),
                                              events_until(b, run_id, is_finished))
        await a.close()
        await b.close()
        return run_id, seen_a, seen_b

    run_id, seen_a, seen_b = asyncio.run(scenario())
    for seen in (seen_a, seen_b):
        assert stdout_of(seen) == counted(10), stack.logs()
        assert [m["type"] for m in seen].count("finished") == 1
        assert seen[-1]["status"] == "succeeded"
    # A started it: its events are numbered 1, 2, 3... B watched it live after its replay.
    assert [m["seq"] for m in seen_a] == list(range(1, len(seen_a) + 1))
    assert sum(m["type"] == "stdout" and not m.get("replay") for m in seen_b) > 1
    stored = api_run(stack, run_id, "web2")
    assert stored["status"] == "succeeded" and stored["stdout"] == counted(10)


def test_a_page_reattaching_to_the_other_process_misses_nothing_and_gets_nothing_twice(stack):
    async def scenario():
        a = await connect(stack, "web1")
        run_id = await start(a, counting_code(20, 0.1))
        before = await events_until(a, run_id, lambda m: m["type"] == "stdout")
        await a.close()  # the page lost its connection...
        await asyncio.sleep(0.35)
        b = await connect(stack, "web2")  # ...and the proxy sends it to the other process
        await b.send(json.dumps({"type": "watch", "run_id": run_id}))
        after = await events_until(b, run_id, is_finished)
        await b.close()
        return before, after

    before, after = asyncio.run(scenario())
    assert stdout_of(before)  # it saw the run start before it dropped
    assert stdout_of(after) == counted(20), stack.logs()
    assert after[-1]["status"] == "succeeded"
    assert sum(m["type"] == "stdout" for m in after) > 1  # replay, then live events


def test_the_shared_port_serves_both_pages_and_api(stack):
    # What the proxy talks to: one port, whichever process takes the connection.
    page = requests.get(f"http://127.0.0.1:{stack.port}/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert requests.get(f"http://127.0.0.1:{stack.port}/api/runs/", timeout=10).json() == {"runs": []}


def test_cancel_through_the_other_web_process_stops_the_run_on_the_worker(stack):
    async def scenario():
        a, b = await connect(stack, "web1"), await connect(stack, "web2")
        run_id = await start(a, "import time\nprint('started', flush=True)\ntime.sleep(60)\n")
        await events_until(a, run_id, lambda m: m["type"] == "stdout")
        await b.send(json.dumps({"type": "cancel", "run_id": run_id}))
        seen = await events_until(a, run_id, is_finished, timeout=15)
        await a.close()
        await b.close()
        return run_id, seen

    run_id, seen = asyncio.run(scenario())
    assert seen[-1]["status"] == "cancelled", stack.logs()
    assert api_run(stack, run_id)["status"] == "cancelled"


def test_a_cuda_run_with_no_gpu_worker_alive_is_refused_with_a_plain_reason(stack):
    async def scenario():
        a = await connect(stack, "web1")
        await a.send(json.dumps({"type": "run", "code": "print(1)", "device": "cuda"}))
        message = await receive(a)
        await a.close()
        return message

    message = asyncio.run(scenario())
    assert message == {"type": "invalid", "message": "GPU runs are not available: no GPU worker "
                                                     "is running right now"}


def test_a_second_delivery_of_a_run_does_not_execute_it_again(stack):
    from celery import Celery

    broker = Celery(broker=stack.redis_url)
    response = post_run(stack, "import time\nprint('executed', flush=True)\ntime.sleep(1.5)\n")
    assert response.status_code == 201, response.text
    run_id = response.json()["id"]
    wait_status(stack, run_id, ("running",), 20)
    # As a redelivered message would: the same task again while it runs, and once it ended.
    broker.send_task("playground.execute_run", args=[run_id], queue="cpu")
    wait_until(lambda: stack.log("worker-cpu").count(f"run {run_id} is not queued any more") >= 1,
               20, "the worker to take the second delivery")
    wait_status(stack, run_id, ("succeeded",), 20)
    broker.send_task("playground.execute_run", args=[run_id], queue="cpu")
    wait_until(lambda: stack.log("worker-cpu").count(f"run {run_id} is not queued any more") >= 2,
               20, "the worker to take the third delivery")
    stored = api_run(stack, run_id, "web2")
    assert stored["stdout"] == "executed\n" and stored["status"] == "succeeded"


def test_quotas_hold_across_web_processes(stack):
    # PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT=2 for this stack; an API caller is its address.
    sleeper, me = "import time\ntime.sleep(30)\n", "192.0.2.10"
    first = post_run(stack, sleeper, "web1", me)
    second = post_run(stack, sleeper, "web2", me)
    assert first.status_code == second.status_code == 201
    third = post_run(stack, sleeper, "web1", me)
    assert third.status_code == 429
    assert "you already have 2 runs queued or running" in third.text
    # Each stopped through the process that did not start it.
    for run_id, other in ((first.json()["id"], "web2"), (second.json()["id"], "web1")):
        assert stack.http(other, "POST", f"/api/runs/{run_id}/cancel/",
                          address=me).status_code == 202
        wait_status(stack, run_id, ("cancelled",), 20)


def submit_at_once(st, n, address, sessions=None):
    """``n`` POSTs at once, alternating between the two web processes; their status codes
    and run ids. ``sessions``: a session cookie per request (else the address is the client)."""
    barrier, results = threading.Barrier(n), [None] * n

    def submit(i):
        headers = {"Cookie": f"sessionid={sessions[i]}"} if sessions else None
        barrier.wait(30)
        res = st.http(WEBS[i % 2], "POST", "/api/runs/", {"code": "import time\ntime.sleep(30)\n"},
                      address=address, headers=headers)
        results[i] = (res.status_code, res.json().get("id"))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def new_session(st, web, address):
    cookie = st.http(web, "GET", "/", address=address).headers["Set-Cookie"]
    return cookie.split("sessionid=", 1)[1].split(";", 1)[0]


def cancel_all(st, results, address, sessions=None):
    for i, (status, run_id) in enumerate(results):
        if status == 201:
            headers = {"Cookie": f"sessionid={sessions[i]}"} if sessions else None
            st.http("web1", "POST", f"/api/runs/{run_id}/cancel/", address=address,
                    headers=headers)


def test_twenty_submissions_at_once_through_both_processes_never_exceed_the_quotas(stack):
    one_client = "192.0.2.20"
    results = submit_at_once(stack, 20, one_client)
    accepted = [r for r in results if r[0] == 201]
    print(f"one client, limit 2: {len(accepted)} of 20 accepted")
    cancel_all(stack, results, one_client)
    assert len(accepted) == 2 and all(r[0] in (201, 429) for r in results), results
    # Twenty "people" (a session each) behind one address: the address's limit (5) holds.
    classroom = "192.0.2.21"
    sessions = [new_session(stack, WEBS[i % 2], classroom) for i in range(20)]
    results = submit_at_once(stack, 20, classroom, sessions)
    accepted = [r for r in results if r[0] == 201]
    print(f"one address, 20 sessions, limit 5: {len(accepted)} of 20 accepted")
    cancel_all(stack, results, classroom, sessions)
    assert len(accepted) == 5 and all(r[0] in (201, 429) for r in results), results


def test_the_status_page_shows_queue_depth_and_live_workers(stack):
    session = requests.Session()
    login = f"http://127.0.0.1:{stack.port}/admin/login/"
    session.get(login, timeout=10)
    session.post(login, timeout=10, data={
        "username": "ops", "password": "ops-password-1", "next": "/status/",
        "csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": login})
    data = session.get(f"http://127.0.0.1:{stack.port}/status/?format=json", timeout=10).json()
    assert data["executor"] == "celery" and data["problems"] == []
    cpu = next(q for q in data["queues"] if q["name"] == "cpu")
    gpu = next(q for q in data["queues"] if q["name"] == "gpu")
    assert cpu["workers"] == 1 and cpu["slots"] == 2 and cpu["waiting_in_broker"] == 0
    assert gpu["workers"] == 0
    assert [w["hostname"].split("@")[0] for w in data["workers"]] == ["cpu"]
    page = session.get(f"http://127.0.0.1:{stack.port}/status/", timeout=10)
    assert page.status_code == 200 and "cpu@" in page.text
    anonymous = requests.get(f"http://127.0.0.1:{stack.port}/status/", timeout=10,
                             allow_redirects=False)
    assert anonymous.status_code == 403 and "staff" in anonymous.text  # staff only, and says so


def test_a_cuda_run_goes_to_the_gpu_queue_once_a_gpu_worker_is_alive(stack):
    # A GPU host adds a worker on the gpu queue (docs/deploy.md); this host has no GPU: the
    # code does not touch one; what is checked is where the run goes.
    gpu = stack.spawn("gpu-worker", [sys.executable, "-m", "celery", "-A", "playground", "worker",
                                     "-Q", "gpu", "-n", "gpu@%h", "-c", "1", "--without-mingle",
                                     "--without-gossip"],
                      {**stack.env, "PLAYGROUND_SANDBOX_UID_BASE": str(stack.uid_base + 10)})
    try:
        stack.wait_worker("gpu@")
        response = post_run(stack, "print('on the gpu queue')", "web2", device="cuda")
        assert response.status_code == 201, response.text
        run_id = response.json()["id"]
        stored = wait_status(stack, run_id, ("succeeded",), 30)
        assert stored["stdout"] == "on the gpu queue\n"
        assert f"run {run_id} (api, device cuda) executing on gpu@" in stack.log("gpu-worker")
        assert run_id not in stack.log("worker-cpu")
    finally:
        stop(gpu)


def test_a_killed_web_process_is_restarted_and_runs_go_on(stack):
    async def scenario():
        a = await connect(stack, "web1")
        run_id = await start(a, counting_code(12, 0.15))
        await events_until(a, run_id, lambda m: m["type"] == "stdout")
        killed = stack.pid("web:web1")
        os.kill(killed, signal.SIGKILL)  # the process that started it dies
        await asyncio.to_thread(wait_until, lambda: stack.pid("web:web1") not in (0, killed),
                                30, "supervisord to start web1 again")
        await asyncio.to_thread(stack.wait_web, "web1")
        viewer = Viewer(stack, "web1", run_id)
        await viewer.follow()
        return viewer

    viewer = asyncio.run(scenario())
    assert viewer.finished["status"] == "succeeded", stack.logs()
    assert viewer.stdout == counted(12)


def test_rest_reads_keep_working_while_redis_is_away(stack):
    done = post_run(stack, "print('stored')")
    run_id = done.json()["id"]
    wait_status(stack, run_id, ("succeeded",))
    stack.stop_redis()
    try:
        for web in WEBS:
            listed = stack.http(web, "GET", "/api/runs/")
            assert listed.status_code == 200, listed.text
            assert run_id in [r["id"] for r in listed.json()["runs"]]
            detail = stack.http(web, "GET", f"/api/runs/{run_id}/")
            assert detail.status_code == 200 and detail.json()["stdout"] == "stored\n"
        refused = post_run(stack, "print('later')", "web2", "192.0.2.30")
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert "the run queue cannot be reached" in refused.json()["detail"]
    finally:
        stack.start_redis()
    wait_until(lambda: post_run(stack, "print('back')", "web2", "192.0.2.31").status_code == 201,
               30, "runs to be accepted again")


def test_redis_restarted_mid_run_loses_nothing_and_the_worker_stays(stack):
    lines = 150
    worker = stack.pid("worker-cpu")
    response = post_run(stack, counting_code(lines, 0.04), address="192.0.2.40")
    run_id = response.json()["id"]
    viewers = [Viewer(stack, web, run_id) for web in WEBS]

    def recovered(back_at):
        """Seconds from Redis being back to a new run having succeeded."""
        accepted = []
        wait_until(lambda: accepted.append(post_run(stack, "print('after the restart')",
                                                    address="192.0.2.41")) or
                   accepted[-1].status_code == 201, 30, "a new run to be accepted")
        wait_status(stack, accepted[-1].json()["id"], ("succeeded",), 30)
        return time.monotonic() - back_at

    async def scenario():
        following = [asyncio.create_task(v.follow()) for v in viewers]
        await asyncio.to_thread(wait_until, lambda: "line 30\n" in api_run(stack, run_id)["stdout"],
                                30, "output")
        stack.stop_redis()
        await asyncio.sleep(3)   # a 3 s outage, as in the issue
        stack.start_redis()      # back, and empty
        recovery = await asyncio.to_thread(recovered, time.monotonic())
        await asyncio.gather(*following)
        return recovery

    recovery = asyncio.run(scenario())
    print(f"a new run succeeded {recovery:.1f} s after Redis came back")
    assert recovery < 30
    stored = wait_status(stack, run_id, ("succeeded", "failed", "killed"), 40)
    assert stored["status"] == "succeeded", stack.logs()
    assert stored["stdout"] == counted(lines)
    for viewer in viewers:   # every line, each once, live or replayed after the outage
        assert viewer.stdout == counted(lines), (viewer.web, viewer.stdout[-200:])
        assert viewer.finished["status"] == "succeeded"
        print(f"{viewer.web}: {viewer.live_lines} of {lines} lines reached it live, the rest in "
              f"a replay; {viewer.rewatches} re-watches, {viewer.reconnects} reconnects")
    # The same worker served all of it: it did not exit.
    assert stack.pid("worker-cpu") == worker, "the worker exited: " + stack.log("worker-cpu")[-3000:]
    assert "Unrecoverable error" not in stack.log("worker-cpu")


def test_with_no_cpu_worker_a_queued_run_fails_with_a_plain_reason(stack):
    stack.ctl("stop", "worker-cpu")
    try:
        wait_until(lambda: not any(k.startswith("playground:worker:cpu@")
                                   for k in stack.workers_alive()), 10, "the heartbeat to go")
        response = post_run(stack, "print('nobody takes me')", address="192.0.2.50")
        assert response.status_code == 201, response.text
        run_id = response.json()["id"]
        queued_at = time.monotonic()
        assert api_run(stack, run_id)["status"] == "queued"
        stored = wait_status(stack, run_id, ("failed",), 6 * LEASE_S + 10)
        waited = time.monotonic() - queued_at
        print(f"with no CPU worker, a run failed {waited:.1f} s after it was queued")
        assert stored["message"] == (f"no CPU worker took this run: none has been running for "
                                     f"{3 * LEASE_S:g} s; try again later")
    finally:
        stack.ctl("start", "worker-cpu")
    stack.wait_worker()
    again = post_run(stack, "print('served')", address="192.0.2.51")
    assert wait_status(stack, again.json()["id"], ("succeeded",), 30)["stdout"] == "served\n"


def test_a_killed_worker_leaves_its_run_failed_worker_lost_and_is_restarted(stack):
    async def scenario():
        b = await connect(stack, "web2", "192.0.2.60")
        run_id = await start(b, "import time\nprint('started', flush=True)\ntime.sleep(120)\n")
        await events_until(b, run_id, lambda m: m["type"] == "stdout")
        worker = stack.pid("worker-cpu")
        sandboxes = descendants(worker)
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        seen = await events_until(b, run_id, is_finished, timeout=30)  # the bound
        noticed_after = time.monotonic() - killed_at
        await b.close()
        return run_id, seen, noticed_after, worker, sandboxes

    run_id, seen, noticed_after, worker, sandboxes = asyncio.run(scenario())
    assert seen[-1]["status"] == "failed", stack.logs()
    assert seen[-1]["message"].startswith("worker lost")
    print(f"worker loss noticed after {noticed_after:.1f} s")
    # The user's code died with its worker (the sandbox leaves with its pipe's writer).
    wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in sandboxes), 10,
               "the killed worker's sandboxes to exit")
    stored = api_run(stack, run_id)
    assert stored["status"] == "failed" and stored["stdout"] == "started\n"
    # The supervisor started another worker, which takes new runs.
    wait_until(lambda: stack.pid("worker-cpu") not in (0, worker), 30, "a new worker")
    stack.wait_worker()
    again = post_run(stack, "print('picked up')", address="192.0.2.61")
    assert wait_status(stack, again.json()["id"], ("succeeded",), 60)["stdout"] == "picked up\n"
