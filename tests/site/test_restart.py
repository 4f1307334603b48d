"""A server restart never leaves a run running or queued for good (issue 11, item 5).

A real daphne, as deployed embedded, on its own SQLite file: runs are started over the API,
the server is killed (SIGKILL) or stopped (SIGTERM), and the stored runs are read straight
from the database file.
"""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from playground.runs import restart

ROOT = Path(__file__).resolve().parents[2]
SLEEPER = "import time\nprint('started', flush=True)\ntime.sleep(120)"
ACTIVE = ("queued", "running")

pytestmark = pytest.mark.slow


class Server:
    """daphne serving this checkout, started and stopped at will on one database."""

    def __init__(self, tmp, **env):
        self.tmp = tmp
        self.db = tmp / "db.sqlite3"
        self.env = {**os.environ, "SQLITE_PATH": str(self.db), "DEBUG": "1",
                    "PLAYGROUND_SECRET_FILE": str(tmp / "secret"), "PYTHONUNBUFFERED": "1",
                    "PLAYGROUND_POOL_SIZE": "1", "PLAYGROUND_SNIPPET_WALL_S": "120",
                    "PLAYGROUND_EXECUTOR": "local", "PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT": "2",
                    **env}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                       cwd=ROOT, env=self.env, check=True)
        self.proc = None
        self.starts = 0

    def start(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.starts += 1
        self.log = self.tmp / f"server{self.starts}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "playground.asgi:application"], cwd=ROOT, env=self.env,
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url("/api/runs/"), timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    raise RuntimeError("daphne did not start:\n" + self.log.read_text())
                time.sleep(0.2)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def post_run(self, code):
        request = urllib.request.Request(self.url("/api/runs/"), method="POST",
                                         data=json.dumps({"code": code}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["id"]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()

    def rows(self):
        with sqlite3.connect(self.db) as db:
            return {rid.replace("-", ""): (status, message) for rid, status, message in
                    db.execute("SELECT id, status, message FROM runs_run")}

    def row(self, run_id):
        return self.rows()[run_id.replace("-", "")]

    def wait_for(self, predicate, timeout=60, what="the runs"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.rows()
            if predicate(rows):
                return rows
            time.sleep(0.1)
        raise AssertionError(f"{what} never got there: {self.rows()}\n"
                             + self.log.read_text()[-3000:])


@pytest.fixture
def server(tmp_path):
    servers = []

    def make(**env):
        servers.append(Server(tmp_path, **env))
        return servers[-1]
    yield make
    for s in servers:
        s.stop()


def test_after_sigkill_the_next_start_ends_the_running_runs_and_queues_the_waiting(server):
    s = server()
    s.start()
    running = s.post_run(SLEEPER)
    s.wait_for(lambda rows: rows[running.replace("-", "")][0] == "running", what="the sleeper")
    waiting = s.post_run("print('after the restart')")
    assert s.row(waiting)[0] == "queued"  # one slot, taken
    with pytest.raises(urllib.error.HTTPError) as full:
        s.post_run("print('one too many')")
    assert full.value.code == 429  # two active runs: this client's quota
    s.signal(signal.SIGKILL)
    s.proc.wait()
    assert s.row(running)[0] == "running"  # what a crash leaves: counted by every quota

    s.start()
    rows = s.wait_for(lambda rows: all(status not in ACTIVE for status, _ in rows.values()))
    assert rows[running.replace("-", "")] == ("failed", restart.RESTARTED)
    assert rows[waiting.replace("-", "")][0] == "succeeded"
    s.post_run("print('room again')")  # the quota counts only runs that can still end
    s.post_run("print('and again')")


def test_sigterm_lets_runs_finish_within_the_grace_then_ends_the_rest(server):
    s = server(PLAYGROUND_POOL_SIZE="2", PLAYGROUND_SHUTDOWN_GRACE_S="4",
               PLAYGROUND_MAX_ACTIVE_RUNS_PER_CLIENT="5")
    s.start()
    quick = s.post_run("import time\nprint('started', flush=True)\ntime.sleep(1.5)\nprint('done')")
    slow = s.post_run(SLEEPER)
    s.wait_for(lambda rows: all(status == "running" for status, _ in rows.values()),
               what="both runs")
    s.signal(signal.SIGTERM)
    time.sleep(0.3)
    try:
        late = s.post_run("print('too late')")
    except OSError:  # refused, reset or an error answer: not taken either way
        late = None
    assert s.proc.wait(timeout=60) is not None
    rows = s.rows()
    assert rows[quick.replace("-", "")] == ("succeeded", "finished successfully"), rows
    assert rows[slow.replace("-", "")] == ("failed", restart.SHUT_DOWN.format(grace=4)), rows
    if late is not None:
        assert rows[late.replace("-", "")][0] not in ("running", "succeeded"), rows
    assert all(status != "running" for status, _ in rows.values()), rows


def test_a_web_restart_scaled_out_leaves_the_runs_of_workers_alone(settings, db):
    """Scaled out, runs belong to Celery workers (the reaper ends those of dead workers):
    a web process starting must not fail them."""
    from playground.runs.models import Run
    settings.PLAYGROUND_EXECUTOR = "celery"
    run = Run.objects.create(owner="session:t", code="print(1)", status="running")
    queued = Run.objects.create(owner="session:t", code="print(2)")
    assert restart.recover() == ([], [])
    run.refresh_from_db()
    queued.refresh_from_db()
    assert (run.status, queued.status) == ("running", "queued")
