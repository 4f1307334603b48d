"""Fixtures for the real-browser tests: Playwright drives Debian's Chromium against a live
daphne server running the real executor. Screenshots go to test-artifacts/."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """static/ collected as in production (hashed names, gzip, rewritten module imports), into
    a folder of the test session: the pages under test are what this checkout holds."""
    root = tmp_path_factory.mktemp("staticfiles")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env={**os.environ, "STATIC_ROOT": str(root)}, check=True)
    return root


@pytest.fixture(scope="module")
def daphne_server(tmp_path_factory, collected_static):
    """daphne serving the site on a free port, on its own SQLite file."""
    tmp = tmp_path_factory.mktemp("live")
    env = {**os.environ, "SQLITE_PATH": str(tmp / "db.sqlite3"), "DEBUG": "0",
           "STATIC_ROOT": str(collected_static),
           "PLAYGROUND_SECRET_FILE": str(tmp / "secret"), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                   env=env, check=True)
    port = _free_port()
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                             "playground.asgi:application"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the live server did not start:\n"
                                   + (tmp / "server.log").read_text())
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        message = "Chromium is not installed (bash .ci/setup --test installs it as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, daphne_server, request):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=daphne_server)
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.set_default_timeout(20_000)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def open_playground(page):
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")


def set_code(page, code):
    page.evaluate("code => window.playgroundEditor.setValue(code)", code)
