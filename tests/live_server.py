"""A live daphne server on a free port and its own SQLite file, for tests that need the real
server (its frame limit, its transport buffers) or a client over real HTTP (schemathesis)."""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args, stdin=None):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          input=stdin, capture_output=True, text=True)


@contextlib.contextmanager
def daphne(tmp, **settings):
    """(url, env, process) of daphne serving the site; ``settings`` are environment
    variables (PLAYGROUND_*) for it. ``env`` runs manage.py on the same database."""
    env = {**os.environ, "SQLITE_PATH": str(tmp / "db.sqlite3"), "DEBUG": "0",
           "PLAYGROUND_SECRET_FILE": str(tmp / "secret"), "PYTHONUNBUFFERED": "1",
           **{k: str(v) for k, v in settings.items()}}
    manage(env, "migrate", "--noinput", "-v", "0")
    port = free_port()
    with open(tmp / "server.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p",
                                 str(port), "playground.asgi:application"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(url + "/api/runs/", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the live server did not start:\n"
                                           + (tmp / "server.log").read_text()) from None
                    time.sleep(0.2)
            yield url, env, proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")
