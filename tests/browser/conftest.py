"""Fixtures for the real-browser tests: Playwright drives Debian's Chromium against a live
daphne server running the real executor. Screenshots go to test-artifacts/."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import live_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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
    with live_server.daphne(tmp_path_factory.mktemp("live"),
                            STATIC_ROOT=collected_static) as (url, _, _):
        yield url


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
