"""The train page: the data set is previewed before Start, a refused form clears the last run's
results and marks the field at fault, and the charts count epochs."""
import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PREVIEW = "#data-preview .plot"


def open_train(page):
    page.goto("/dashboard/train/")
    page.wait_for_selector("#connection[data-state=open]")


def test_the_data_is_previewed_before_start_and_follows_the_form(page):
    open_train(page)
    page.wait_for_function(f"document.querySelector('{PREVIEW}').data")
    assert page.get_attribute(PREVIEW, "data-points") == "400"
    page.select_option("#dataset", "xor")
    page.fill("[name=samples]", "100")
    page.dispatch_event("[name=samples]", "input")
    page.wait_for_function(f"document.querySelector('{PREVIEW}').dataset.points === '100'")
    # 70% train (filled), 30% test (rings), two classes each.
    counts = page.evaluate(f"document.querySelector('{PREVIEW}').data.map(t => t.x.length)")
    assert sum(counts) == 100 and counts[2] + counts[3] == 30
    page.locator("#data-preview").screenshot(path=str(ARTIFACTS / "train-preview.png"))
    page.select_option("#dataset", "digits")                 # no 2-D picture of the digits
    page.wait_for_selector("#data-preview", state="hidden")


def test_a_refused_form_clears_the_last_results_and_marks_the_field(page):
    open_train(page)
    page.select_option("#dataset", "circle")
    page.fill("[name=epochs]", "5")
    page.click("#start")
    page.wait_for_selector("#train-status[data-status=succeeded]", timeout=60_000)
    page.wait_for_selector(".metric-chart[data-tag=loss] .main-svg")
    # The x axis counts epochs, and the boundary says at which epoch it is.
    assert page.evaluate("document.querySelector('.metric-chart[data-tag=loss] .plot')"
                         ".layout.xaxis.title.text") == "epoch"
    assert "at epoch 4" in page.inner_text(".heatmap-chart figcaption")
    # The server refuses a learning rate of 100: the old charts go, the field is marked.
    page.fill("[name=lr]", "100")
    page.click("#start")
    page.wait_for_selector("#train-status[data-status=rejected]")
    assert '"lr" must be between' in page.inner_text("#form-error")
    assert page.get_attribute("[name=lr]", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.name") == "lr"
    page.wait_for_function("document.querySelectorAll('#charts .metric-chart').length === 0")
    assert page.locator("#heatmaps .heatmap-chart").count() == 0
    assert page.is_hidden("#run-links") and page.inner_text("#train-output") == ""
    page.screenshot(path=str(ARTIFACTS / "train-refused.png"), full_page=True)
    page.fill("[name=lr]", "0.01")                            # typing clears the mark
    assert page.get_attribute("[name=lr]", "aria-invalid") is None
    # A value the page itself can tell is wrong is marked the same way, without asking.
    page.fill("#hidden", "8, x")
    page.click("#start")
    assert page.get_attribute("#hidden", "aria-invalid") == "true"
    assert "whole numbers" in page.inner_text("#form-error")
