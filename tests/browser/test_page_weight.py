"""What each page costs a first-time visitor: JavaScript (and everything) transferred with a
cold cache, measured in Chromium through the DevTools protocol, and the load time. The
numbers are printed (run with -s) for the README; the limits are the issue's targets."""
import json
import re

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KB = 1000


def measure(browser, base_url, path):
    """{js, css, total} bytes on the wire and load_ms for ``path`` in a fresh context."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    kinds, sizes = {}, {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(path, wait_until="load")
    page.wait_for_load_state("networkidle")
    load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    context.close()
    out = {"js": 0, "css": 0, "total": 0, "load_ms": round(load_ms)}
    for rid, size in sizes.items():
        kind = kinds.get(rid)
        out["total"] += size
        if kind == "Script":
            out["js"] += size
        elif kind == "Stylesheet":
            out["css"] += size
    return out


def test_page_weights_cold(browser, daphne_server):
    pages = {"/": "playground", "/dashboard/": "dashboard", "/dashboard/train/": "train",
             "/docs/engine/": "engine-docs", "/no-such-page/": "404"}
    results = {name: measure(browser, daphne_server, path) for path, name in pages.items()}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "page-weights.json").write_text(json.dumps(results, indent=2))
    print("\npage weights (bytes transferred, cold cache):", json.dumps(results, indent=2))
    assert results["playground"]["js"] < 1200 * KB
    for chartless in ("engine-docs", "404"):
        assert results[chartless]["total"] < 400 * KB, chartless


def test_static_files_are_hashed_compressed_and_cached_for_a_year(page):
    responses = []
    page.on("response", lambda r: responses.append(r) if "/static/" in r.url else None)
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")
    scripts = [r for r in responses if r.url.endswith(".js")]
    assert scripts
    for r in scripts:
        assert re.search(r"\.[0-9a-f]{12}\.js$", r.url), r.url            # a hashed name
        headers = r.all_headers()
        assert "max-age=315360000" in headers["cache-control"], r.url
        assert headers.get("content-encoding") == "gzip", r.url
