"""Accessibility: axe-core (vendored for the tests only, tests/browser/vendor/axe-core) finds no
WCAG 2.1 A/AA violation on any page, in English and in Chinese; every page has a lang."""
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, open_playground, set_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page):
    """axe's WCAG 2.1 AA violations on the page as it is now: ["rule: target …", …]."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)        # evaluated by the test driver: the page's CSP does not apply
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                          ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => "
                          "n.target.join(' ') + ' ' + (n.failureSummary || '').slice(0, 160)).join(' | ')))",
                          TAGS)
    return found


@pytest.fixture(scope="module")
def finished_run(browser, daphne_server):
    """A run with output, a tensor, a graph and a chart, for the pages that show one."""
    context = browser.new_context(base_url=daphne_server)
    page = context.new_page()
    open_playground(page)
    set_code(page, "import torch\nfrom torch.utils.tensorboard import SummaryWriter\n"
                   "w = SummaryWriter()\nfor i in range(5):\n    w.add_scalar('loss', 1 / (i + 1), i)\n"
                   "a = torch.randn(2, 2, requires_grad=True)\nb = (a * 2).sum()\nshow_graph(b)\n"
                   "print('done')\na\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    run_id = page.evaluate("new URLSearchParams(location.search).get('run')")
    state = context.storage_state()
    context.close()
    return run_id, state


PAGES = {
    "playground": ("/", "#connection[data-state=open]"),
    "dashboard": ("/dashboard/", "#connection[data-state=open]"),
    "train": ("/dashboard/train/", "#data-preview .main-svg"),
    "engine-docs": ("/docs/engine/", ".doc-body table"),
    "not-found": ("/no-such-page/", "h1"),
    "api-docs": ("/api/docs", ".swagger-ui .info"),
    "notebooks": ("/notebooks/", "h2"),
    "notebook": ("/notebooks/new", "#kernel-state[data-state=idle], #kernel-state[data-state=none]"),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_wcag_violations(browser, daphne_server, name, language):
    context = browser.new_context(base_url=daphne_server, locale="zh-CN" if language != "en" else "en-US")
    page = context.new_page()
    path, ready = PAGES[name]
    page.goto(path)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    lang = page.evaluate("document.documentElement.lang")
    found = violations(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{language}.png"), full_page=True)
    context.close()
    assert lang == language
    assert found == [], "\n".join(found)


def test_no_wcag_violations_with_a_run_shown(browser, daphne_server, finished_run):
    run_id, state = finished_run
    context = browser.new_context(base_url=daphne_server, storage_state=state)
    page = context.new_page()
    for path, ready in ((f"/?run={run_id}", ".output .graph .graph-node"),
                        (f"/runs/{run_id}/", ".output .chart .main-svg"),
                        (f"/dashboard/?runs={run_id}", ".metric-chart .main-svg")):
        page.goto(path)
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        found = violations(page)
        assert found == [], f"{path}:\n" + "\n".join(found)
    context.close()


def test_axe_finds_what_it_is_for(page):
    """The check can fail: a picture without text and grey-on-grey text are reported."""
    page.goto("/no-such-page/")
    page.evaluate("""() => { const d = document.createElement('div');
        d.innerHTML = '<img src="data:,"><p style="color:#bbb;background:#ccc">faint</p>';
        document.querySelector('main').append(d); }""")
    found = " ".join(violations(page))
    assert "image-alt" in found and "color-contrast" in found
