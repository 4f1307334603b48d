"""In a real browser: the protocol the page's modules import is playground/events.py's, and a
status's colour follows its tone."""
import pytest

from playground import events
from playground.protocol_js import vocabulary
from tests.browser.conftest import open_playground

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COLOUR_OF = """async () => {
    const { STATUSES } = await import('/protocol.js');
    const { showStatus } = await import('/static/js/status.js');
    const colours = {};
    for (const status of STATUSES) {
        const node = document.createElement('span');
        node.className = 'run-status';
        document.body.append(node);
        showStatus(node, status);
        colours[status] = getComputedStyle(node).color;
    }
    const css = getComputedStyle(document.documentElement);
    const ink = document.createElement('span');
    ink.className = 'run-status';
    document.body.append(ink);
    colours.ink = getComputedStyle(ink).color;
    for (const name of ['ok', 'bad', 'warn']) {   // the palette as colours, not text
        ink.style.color = css.getPropertyValue('--' + name);
        colours['--' + name] = getComputedStyle(ink).color;
    }
    return colours;
}"""


def test_the_modules_import_the_vocabulary_of_events_py(page):
    open_playground(page)
    served = page.evaluate("async () => ({...await import('/protocol.js')})")
    assert served == vocabulary()
    assert served["FINAL_STATUSES"] == list(events.FINAL_STATUSES)


def test_status_colours_follow_the_tones(page):
    open_playground(page)
    colours = page.evaluate(COLOUR_OF)
    assert colours[events.SUCCEEDED] == colours["--ok"]
    assert colours[events.CANCELLED] == colours["--warn"]
    for status in set(events.FINAL_STATUSES) - {events.SUCCEEDED, events.CANCELLED}:
        assert colours[status] == colours["--bad"], status
    assert colours[events.QUEUED] == colours[events.RUNNING] == colours["ink"]
