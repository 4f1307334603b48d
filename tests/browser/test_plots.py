"""A matplotlib figure (plt.show()) appears in the output as an <img>, live and on the
permalink, under the site's CSP (img-src data:)."""
import pytest

from tests.browser.conftest import ARTIFACTS, open_playground

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WATCH_VIOLATIONS = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""
LOADED = "img => img.complete && img.naturalWidth > 0"


def test_the_fit_a_line_example_shows_its_figure_live_and_on_the_permalink(page):
    page.add_init_script(WATCH_VIOLATIONS)
    open_playground(page)
    page.select_option("#examples", "fit-a-line")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]", timeout=60_000)
    figure = page.locator(".output img.figure")
    assert figure.count() == 1
    figure.wait_for()
    assert figure.evaluate(LOADED)
    assert figure.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [640, 480]
    assert figure.get_attribute("alt") == "Figure 1 (matplotlib plot)"
    assert figure.get_attribute("src").startswith("data:image/png;base64,iVBORw0K")
    ARTIFACTS.mkdir(exist_ok=True)
    figure.screenshot(path=str(ARTIFACTS / "plot-fit-a-line.png"))

    page.click("#permalink")
    replayed = page.locator(".permalink-page .output img.figure")
    replayed.wait_for()
    page.wait_for_function(f"({LOADED})(document.querySelector('.permalink-page img.figure'))")
    assert replayed.evaluate("img => img.naturalWidth") == 640
    assert page.evaluate("window.cspViolations") == []
