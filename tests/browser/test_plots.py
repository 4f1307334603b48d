"""A matplotlib figure appears in the output as an <img>: a run's (plt.show()), live and on
the permalink, under the site's CSP (img-src data:), and a notebook cell's."""
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


def test_a_notebook_cell_shows_the_figure_it_left_open(page):
    page.goto("/notebooks/new")
    page.wait_for_selector("#connection[data-state=open]")
    page.evaluate("code => { const c = window.notebookPage.cells()[0]; c.editor.setValue(code);"
                  " c.editor.focus(); }",
                  "import torch, matplotlib.pyplot as plt\n"
                  "plt.imshow(torch.arange(12.).reshape(3, 4))\nplt.title('grid')")
    page.keyboard.press("Control+Enter")
    figure = page.locator(".cell").nth(0).locator("img.figure")
    figure.wait_for(timeout=60_000)
    page.wait_for_function(f"({LOADED})(document.querySelector('.cell img.figure'))")
    assert figure.evaluate("img => img.naturalWidth") == 640
    assert figure.get_attribute("alt") == "Figure 1 (matplotlib plot)"
    figure.screenshot(path=str(ARTIFACTS / "plot-notebook-cell.png"))
    page.click("#shutdown")
    page.wait_for_selector("#kernel-state[data-state=dead]")
