"""Real-browser tests of the training dashboard (Playwright + Debian's Chromium against a live
daphne, the fixtures of the site's browser tests): a preset trains live on the train page,
two runs are compared with smoothing, log scale and time axes, and a run's points are
exported as CSV. Screenshots go to test-artifacts/."""
import csv
import io
import json
import re
import urllib.request

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

POINTS = "sel => Number((document.querySelector(sel) || {dataset: {}}).dataset.points || 0)"
LOSS_PLOT = ".metric-chart[data-tag=loss] .plot"


def tensorboard_ema(values, weight):
    """TensorBoard's debiased EMA (tensorboard/webapp, scalar card smoothing), in Python."""
    out, last, n = [], 0.0, 0
    for v in values:
        if v is None:
            out.append(None)
            continue
        last = last * weight + (1 - weight) * v
        n += 1
        out.append(last / (1 - weight ** n))
    return out


def start_preset(page, dataset, epochs, samples=400):
    page.goto("/dashboard/train/")
    page.wait_for_selector("#connection[data-state=open]")
    page.select_option("#dataset", dataset)
    page.fill("[name=epochs]", str(epochs))
    page.fill("[name=samples]", str(samples))
    page.click("#start")
    page.wait_for_selector("#run-links:not([hidden])")
    return page.get_attribute("#open-permalink", "href").strip("/").split("/")[-1]


def test_train_live_compare_two_runs_and_export_csv(page, daphne_server):  # noqa: F811
    # 1. a long preset: the loss chart gains points while the run is still running
    first = start_preset(page, "xor", epochs=500, samples=2000)   # long: stopped below
    page.wait_for_function(f"({POINTS})('{LOSS_PLOT}') >= 4", timeout=60_000)
    seen = page.evaluate(f"({POINTS})('{LOSS_PLOT}')")
    draws = page.evaluate("[window.trainPage.grid.drawCount, performance.now()]")
    page.wait_for_function(f"({POINTS})('{LOSS_PLOT}') > {seen} + 20 || "
                           "document.querySelector('#train-status').dataset.status !== 'running'")
    assert page.get_attribute("#train-status", "data-status") == "running"   # still going
    # redraws are coalesced: at most ~10 a second however many messages came
    later = page.evaluate("[window.trainPage.grid.drawCount, performance.now()]")
    assert later[0] - draws[0] <= 10 * (later[1] - draws[1]) / 1000 + 2
    legend = page.evaluate("document.querySelector('" + LOSS_PLOT + "').data.map(t => t.name)")
    assert set(legend) >= {"train", "test"}                # one chart, both curves
    page.wait_for_selector(".heatmap-chart .main-svg")     # the decision boundary
    page.wait_for_selector("#progress progress")
    assert "ETA" in page.inner_text("#progress")
    page.screenshot(path=str(ARTIFACTS / "dashboard-train-live.png"), full_page=True)
    page.click("#stop")
    page.wait_for_selector("#train-status[data-status=cancelled]", timeout=30_000)
    assert page.get_attribute("#open-editor", "href") == f"/?from={first}"
    page.reload()                                           # the URL names the run: all back
    page.wait_for_selector("#train-status[data-status=cancelled]")
    page.wait_for_function(f"({POINTS})('{LOSS_PLOT}') >= {seen} + 20")

    # 2. a short one to compare with
    second = start_preset(page, "circle", epochs=15)
    page.wait_for_selector("#train-status[data-status=succeeded]", timeout=60_000)

    # 3. the dashboard: filter, overlay both, smoothing, log scale, x axes
    page.goto("/dashboard/")
    page.wait_for_selector(f"#runs-body tr[data-run-id='{second}']")
    page.fill("#filter", "^xor")
    visible = page.eval_on_selector_all("#runs-body tr:not([hidden])", "rs => rs.map(r => r.dataset.runId)")
    assert visible == [first]
    page.fill("#filter", "(")
    assert "Not a regular expression" in page.inner_text("#filter-error")
    page.fill("#filter", "")
    for run_id in (first, second):
        page.check(f"#runs-body tr[data-run-id='{run_id}'] .pick")
    chart = ".metric-chart[data-tag='loss/train'] .plot"
    page.wait_for_function(f"document.querySelector(\"{chart}\") && "
                           f"document.querySelector(\"{chart}\").data.length === 4")
    traces = page.evaluate(f"document.querySelector(\"{chart}\").data.map(t => "
                           "({name: t.name, colour: t.line.color, opacity: t.opacity, n: t.y.length}))")
    raw = [t for t in traces if t["name"].endswith("(raw)")]
    smooth = [t for t in traces if not t["name"].endswith("(raw)")]
    assert len(raw) == 2 and len(smooth) == 2
    assert all(t["opacity"] == 0.25 for t in raw)           # the raw line faint behind
    assert len({t["colour"] for t in smooth}) == 2          # each run its own colour
    assert sorted(t["n"] for t in smooth)[0] == 15
    assert page.evaluate(f"document.querySelector(\"{chart}\").layout.hovermode") == "x unified"

    values = [1.0, 2.0, 3.0, None, 10.0, 0.0, -4.5]
    got = page.evaluate("async v => (await import('/static/js/chart-grid.js')).smoothEMA(v, 0.6)",
                        values)
    assert got == pytest.approx(tensorboard_ema(values, 0.6))

    page.fill("#smoothing", "0")
    page.dispatch_event("#smoothing", "input")
    page.wait_for_function(f"document.querySelector(\"{chart}\").data.length === 2")
    assert page.evaluate(f"document.querySelector(\"{chart}\").data[0].opacity") == 1
    page.fill("#smoothing", "0.95")
    page.dispatch_event("#smoothing", "input")
    page.wait_for_function(f"document.querySelector(\"{chart}\").data.length === 4")
    page.check("#log-y")
    page.wait_for_function(f"document.querySelector(\"{chart}\").layout.yaxis.type === 'log'")
    page.select_option("#x-axis", "relative")
    page.wait_for_function(f"document.querySelector(\"{chart}\").layout.xaxis.title.text "
                           "=== 'seconds since start'")
    page.select_option("#x-axis", "wall")
    page.wait_for_function(f"document.querySelector(\"{chart}\").layout.xaxis.type === 'date'")
    page.screenshot(path=str(ARTIFACTS / "dashboard-compare.png"), full_page=True)

    # 4. CSV export of every point
    with page.expect_download() as download:
        page.click(f"#runs-body tr[data-run-id='{second}'] a.csv")
    rows = list(csv.reader(io.StringIO(open(download.value.path()).read())))
    assert rows[0] == ["name", "step", "value", "wall_time"]
    with urllib.request.urlopen(f"{daphne_server}/api/runs/{second}/metrics/") as res:
        series = json.load(res)["series"]
    # every point of the run's own series; the progress bar's bookkeeping stays out
    assert not any(r[0].startswith("__progress__") for r in rows)
    assert len(rows) - 1 == sum(len(points) for name, points in series.items()
                                if not name.startswith("__progress__"))
    assert sum(1 for r in rows if r[0] == "loss/train") == 15


def test_playground_code_logs_progress_and_histograms(page):  # noqa: F811
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")
    code = ("import torch\nfrom torch.utils.tensorboard import SummaryWriter, log, progress\n"
            "w = SummaryWriter()\n"
            "for step in progress(range(30), desc='train'):\n"
            "    log(step=step, loss=1 / (step + 1))\n"
            "    w.add_histogram('weights', torch.randn(200) * (step + 1), step)\n")
    page.evaluate("code => window.playgroundEditor.setValue(code)", code)
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    page.wait_for_selector(".output .chart .main-svg")
    page.wait_for_function("document.querySelector('.output .chart').data[0].y.length === 30")
    page.wait_for_selector(".output .histogram-chart .main-svg")
    assert "train 30/30" in page.inner_text(".output .progress-slot")
    page.goto(page.get_attribute("#permalink", "href"))
    page.wait_for_selector(".permalink-page .output .histogram-chart .main-svg")
    page.wait_for_function("document.querySelector('.output .chart').data[0].y.length === 30")


def test_a_big_run_is_drawn_from_about_2000_points_with_its_spike(page):  # noqa: F811
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")
    code = ("from torch.utils.tensorboard import log\n"
            "for i in range(30_000):\n"
            "    log(step=i, loss=100.0 if i == 12_345 else 1 / (i + 1))\n")
    page.evaluate("code => window.playgroundEditor.setValue(code)", code)
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]", timeout=60_000)
    trace = "document.querySelector('.output .chart').data[0]"
    page.wait_for_function(f"{trace} && {trace}.x.length <= 2500 && "
                           f"{trace}.x[{trace}.x.length - 1] === 29999", timeout=20_000)
    assert page.evaluate(f"Math.max(...{trace}.y)") == 100.0      # the spike survived
    assert page.evaluate(f"{trace}.x.includes(12345)")


def test_presets_side_by_side_readable_numbers_and_log_ticks(page, browser, daphne_server):
    first = start_preset(page, "circle", epochs=4, samples=200)
    page.wait_for_selector("#train-status[data-status=succeeded]", timeout=60_000)
    page.fill("[name=lr]", "0.003")
    page.click("#start")
    page.wait_for_selector("#train-status[data-status=succeeded]", timeout=60_000)
    second = page.get_attribute("#open-permalink", "href").strip("/").split("/")[-1]
    page.goto(f"/dashboard/?runs={first},{second}")
    page.wait_for_selector("#hyperparameters table")
    lr = page.locator("#hyperparameters tr[data-key=lr] td")
    assert lr.all_inner_texts() == ["0.03", "0.003"]
    assert lr.first.get_attribute("class") == "differs"
    assert page.locator("#hyperparameters tr[data-key=dataset] td.differs").count() == 0
    # One format for every loss in the table: 4 significant digits, exponent below 0.01.
    for text in page.locator("#runs-body .last-loss, #runs-body .best-loss").all_inner_texts():
        value = float(text)
        assert len(text.replace("-", "").replace(".", "").split("e")[0].lstrip("0")) <= 4, text
        assert ("e" in text) == (abs(value) < 0.01 and value != 0), text
    # Log scale: each label a whole number, rising (not "2, 5, 0.01, 2, 5" of bare digits).
    chart = ".metric-chart[data-tag='loss/train'] .plot"
    page.wait_for_selector(f"{chart} .main-svg")
    page.check("#log-y")
    page.wait_for_function(f"document.querySelector(\"{chart}\").layout.yaxis.type === 'log'")
    ticks = page.eval_on_selector_all(f"{chart} .ytick text", "ts => ts.map(t => t.textContent)")
    values = [float(t.replace("\u2212", "-")) for t in ticks]
    assert len(values) >= 2 and values == sorted(set(values)), ticks
    # The chart's toolbar keeps "download as PNG" and has no share or cloud button.
    page.hover(chart)
    page.wait_for_selector(f"{chart} .modebar-btn[data-title='Download plot as a PNG']")
    titles = page.eval_on_selector_all(f"{chart} .modebar-btn", "bs => bs.map(b => b.dataset.title || b.getAttribute(\"data-attr\") || \"\")")
    assert not [t for t in titles if re.search(r"cloud|share|chart studio|edit", t, re.I)], titles
    page.screenshot(path=str(ARTIFACTS / "dashboard-hyperparameters.png"), full_page=True)
    # On a phone the run table is a list of cards, each value under its column's name.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, base_url=daphne_server,
                                is_mobile=True, has_touch=True,
                                storage_state=page.context.storage_state())
    pg = phone.new_page()
    pg.goto("/dashboard/")
    pg.wait_for_selector(f"#runs-body tr[data-run-id='{first}']")
    assert pg.evaluate("getComputedStyle(document.querySelector('#runs-body tr')).display") == "block"
    assert pg.evaluate("getComputedStyle(document.querySelector('#runs-body td.started'), "
                       "'::before').content") == '"Started"'
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    pg.screenshot(path=str(ARTIFACTS / "dashboard-phone-cards.png"), full_page=True)
    phone.close()


def test_a_dashboard_link_opens_for_someone_else_read_only(page, browser, daphne_server):
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")
    page.evaluate("code => window.playgroundEditor.setValue(code)",
                  "# shared curve\nfrom torch.utils.tensorboard import log\n"
                  "for i in range(10):\n    log(step=i, loss=1 / (i + 1))\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    run_id = page.evaluate("new URLSearchParams(location.search).get('run')")
    link = f"/dashboard/?runs={run_id}"
    other = browser.new_context(base_url=daphne_server)      # another person, another session
    guest = other.new_page()
    guest.goto(link)
    row = f"#runs-body tr[data-run-id='{run_id}']"
    guest.wait_for_selector(f"{row}:not([hidden])")
    assert guest.is_checked("input[name=scope][value=shared]")
    assert guest.inner_text("#shared-count") == "(1)"
    assert guest.inner_text(f"{row} .name") == "shared curve"
    guest.wait_for_function(f"({POINTS})('{LOSS_PLOT}') === 10")
    guest.screenshot(path=str(ARTIFACTS / "dashboard-shared-link.png"), full_page=True)
    guest.check("input[name=scope][value=mine]")                # their own runs: none
    assert guest.is_hidden(row)
    other.close()
