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


def counter(page):
    return int(page.get_attribute("#step-counter", "data-epoch"))


def test_play_pause_step_speed_and_reset_drive_the_run_as_it_goes(page):
    open_train(page)
    page.fill("[name=epochs]", "400")
    page.locator("#speed").fill("3")                  # 10 epochs a second: watchable
    assert page.inner_text("#speed-value") == "10 epochs/s"
    page.click("#play")                               # no run yet: Play starts one
    page.wait_for_selector("#train-status[data-status=running]", timeout=60_000)
    page.wait_for_function("Number(document.querySelector('#step-counter').dataset.epoch) >= 3",
                           timeout=60_000)
    # The boundary and the curves come in as it trains, not at the end.
    page.wait_for_selector(".heatmap-chart figcaption")
    assert page.inner_text("#play") == "❚❚ Pause"
    page.click("#play")
    page.wait_for_selector("#train-status[data-run-state=paused]")
    assert page.inner_text("#play") == "▶ Play" and "paused" in page.inner_text("#train-status")
    stopped_at = counter(page)
    page.wait_for_timeout(1500)                       # paused: the counter stays where it is
    assert counter(page) == stopped_at
    assert page.evaluate("window.trainPage.runState.epoch") == stopped_at
    # What it logged before it stopped was sent at once: the bar is not a batch behind.
    page.wait_for_function(f"document.querySelector('#progress').innerText"
                           f".includes('{stopped_at}/400')")
    page.screenshot(path=str(ARTIFACTS / "train-paused.png"), full_page=True)
    # Another page watching the run (its permalink, opened now) hears that it is paused.
    permalink = page.context.new_page()
    permalink.goto(page.get_attribute("#open-permalink", "href"))
    permalink.wait_for_function("document.querySelector('#run-status').innerText === 'paused'")
    permalink.close()

    page.click("#step")                               # one epoch, then paused again
    page.wait_for_function(f"document.querySelector('#step-counter').dataset.epoch === "
                           f"'{stopped_at + 1}'")
    page.wait_for_selector("#train-status[data-run-state=paused]")
    # The boundary of the epoch just trained (epochs count from 0 on the chart).
    page.wait_for_function(f"[...document.querySelectorAll('.heatmap-chart figcaption')]"
                           f".some(c => c.innerText.includes('at epoch {stopped_at}'))")
    page.select_option("#step-unit", "batch")         # one batch: the epoch does not move on
    page.click("#step")
    page.wait_for_function("window.trainPage.runState.state === 'paused' && "
                           f"window.trainPage.runState.batch === {9 * (stopped_at + 1) + 1}")
    assert counter(page) == stopped_at + 1
    assert "batch" in page.inner_text("#step-counter")

    page.focus("#play")                               # the keyboard resumes it
    page.keyboard.press("Enter")
    page.wait_for_selector("#train-status[data-run-state=running]")
    page.focus("#speed")
    page.keyboard.press("End")                        # full speed
    assert page.inner_text("#speed-value") == "full speed"
    page.wait_for_function("window.trainPage.runState.pace_s === 0")

    first = page.evaluate("window.trainPage.current.id")
    page.click("#reset")                              # this run stopped, a fresh one started
    page.wait_for_function(f"window.trainPage.current && window.trainPage.current.id !== '{first}'")
    page.wait_for_selector("#train-status[data-status=running]", timeout=60_000)
    old_status = f"fetch('/api/runs/{first}/').then(r => r.json()).then(r => r.status)"
    for _ in range(100):                              # its "cancelled" is stored a moment later
        if page.evaluate(old_status) == "cancelled":
            break
        page.wait_for_timeout(200)
    assert page.evaluate(old_status) == "cancelled"
    page.click("#stop")
    page.wait_for_selector("#train-status[data-status=cancelled]", timeout=60_000)
