"""The Content-Security-Policy on the site's pages: an injected inline handler does not run
(a second wall behind escaping), and the pages themselves break none of its rules."""
import pytest
from django.test import Client

from tests.browser.conftest import open_playground, set_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WATCH_VIOLATIONS = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/dashboard/", "/dashboard/train/"])
def test_the_pages_carry_the_policy(path):
    policy = Client().get(path)["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-eval';" in policy and "frame-ancestors 'none'" in policy
    assert "connect-src 'self' ws://testserver wss://testserver;" in policy


def test_an_injected_inline_handler_does_not_run(page):
    page.add_init_script(WATCH_VIOLATIONS)
    open_playground(page)
    page.evaluate("""() => {
        const div = document.createElement('div');
        div.innerHTML = '<img src="data:," onerror="window.pwned = 1" onload="window.pwned = 1">';
        document.body.append(div);
    }""")
    page.wait_for_function("window.cspViolations.length > 0")
    assert page.evaluate("window.pwned") is None


def test_a_run_with_output_graph_and_chart_breaks_no_rule(page):
    page.add_init_script(WATCH_VIOLATIONS)
    open_playground(page)
    set_code(page, "import torch\nfrom torch.utils.tensorboard import SummaryWriter\n"
                   "w = SummaryWriter()\nfor i in range(5):\n    w.add_scalar('loss', 1 / (i + 1), i)\n"
                   "a = torch.randn(2, 2, requires_grad=True)\nb = (a * 2).sum()\n"
                   "show_graph(b)\nprint('done')\na\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    page.wait_for_selector(".graph .graph-node")
    page.click(".tensor .heatmap-toggle")
    page.wait_for_selector(".tensor .heatmap .main-svg")
    page.wait_for_selector(".output-charts .main-svg")
    assert page.evaluate("window.cspViolations") == []
    for path in ("/dashboard/", "/dashboard/train/", "/docs/engine/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.cspViolations") == [], path
