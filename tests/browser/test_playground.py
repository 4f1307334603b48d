"""The playground page in a real browser: run, stop, errors, examples, reconnect, phone."""
import pytest

from tests.browser.conftest import ARTIFACTS, open_playground, set_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_run_the_seeds_first_snippet_with_ctrl_enter(page):
    open_playground(page)
    set_code(page, "import torch\nx = torch.empty(5, 3)\nx = torch.rand(5, 3)\nprint(x)\nx\n")
    page.click(".CodeMirror")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    assert page.inner_text(".output .stream.stdout").startswith("tensor([[")
    head = page.inner_text(".tensor .tensor-head")
    assert "shape (5, 3)" in head and "torch.float32" in head and "cpu" in head
    page.keyboard.press("Escape")                   # keyboard users leave the editor with Esc
    assert page.evaluate("document.activeElement.id") == "run"
    page.click(".heatmap-toggle")
    page.wait_for_selector(".heatmap .main-svg")
    assert page.get_attribute("#permalink", "href").startswith("/runs/")
    page.wait_for_selector("#history li a")          # the run is in the history


def test_an_error_marks_the_users_line(page):
    open_playground(page)
    set_code(page, "a = 1\nb = 2\nc = a / 0\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=failed]")
    assert "ZeroDivisionError" in page.inner_text(".error-block")
    marked = page.evaluate("""[...Array(window.playgroundEditor.lineCount()).keys()]
        .filter(i => (window.playgroundEditor.lineInfo(i).bgClass || '').includes('cm-error-line'))""")
    assert marked == [2]                                  # the third line, 0-based
    assert page.locator(".CodeMirror .error-marker").count() == 1


def test_stop_an_endless_loop(page):
    open_playground(page)
    set_code(page, "print('looping', flush=True)\nwhile True:\n    pass\n")
    page.click(".CodeMirror")
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector("#run-status[data-status=running]")
    page.wait_for_function("document.getElementById('timer').textContent.endsWith(' s')")
    page.click("#stop")
    page.wait_for_selector("#run-status[data-status=cancelled]")
    assert "cancelled" in page.inner_text(".output .finished")


def test_open_an_example_and_run_it(page):
    open_playground(page)
    page.select_option("#examples", "view")
    code = page.evaluate("window.playgroundEditor.getValue()")
    assert code.startswith("import torch\nx = torch.randn(4, 4)")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    assert "torch.Size([4, 4]) torch.Size([16]) torch.Size([2, 8])" in page.inner_text(".output")
    # Typed code is not thrown away without asking: declining keeps it.
    page.click(".CodeMirror")
    page.keyboard.type("# my own work")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.select_option("#examples", "numpy")
    assert "# my own work" in page.evaluate("window.playgroundEditor.getValue()")


def test_permalink_replays_the_run_and_opens_it_in_the_editor(page):
    open_playground(page)
    set_code(page, "print('kept for later')\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    page.click("#permalink")
    # the replay's end, not the server-rendered copy's (the replay clears that copy first)
    page.wait_for_selector(".permalink-page[data-replayed] .output .finished")
    assert "kept for later" in page.inner_text(".permalink-page .output")
    assert "print('kept for later')" in page.inner_text(".permalink-page .CodeMirror")
    page.click("#open-in-editor")
    page.wait_for_function("window.playgroundEditor && "
                           "window.playgroundEditor.getValue().includes('kept for later')")


def test_draw_an_autograd_graph(page):
    open_playground(page)
    set_code(page, "import torch\na = torch.randn(1, requires_grad=True)\nb = a*(a+2)\n"
                   "show_graph(b)\nb\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    page.wait_for_selector(".output > .graph .graph-node")
    labels = page.text_content(".output > .graph svg")
    for name in ("MulBackward0", "AddBackward0", "AccumulateGrad", "tensor"):
        assert name in labels
    # The displayed tensor has a grad_fn, so it has a Graph button drawing the same graph.
    page.click(".tensor .graph-toggle")
    page.wait_for_selector(".tensor .graph .graph-node")
    assert "AddBackward0" in page.text_content(".tensor .graph svg")


def test_a_dropped_socket_reconnects_and_reattaches_to_the_run(page):
    open_playground(page)
    set_code(page, "import time\nfor i in range(8):\n    print(f'tick {i}', flush=True)\n"
                   "    time.sleep(0.25)\n")
    page.click("#run")
    page.wait_for_function("document.querySelector('.output').innerText.includes('tick 1')")
    page.wait_for_function("parseFloat(document.getElementById('timer').textContent) >= 0.3")
    page.evaluate("window.playgroundSocket.ws.close()")
    page.wait_for_selector("#connection[data-state=reconnecting]")
    page.wait_for_selector("#connection[data-state=open]")
    # Re-attached, the live timer goes on from where it was rather than from zero.
    assert float(page.inner_text("#timer").split()[0]) >= 0.3
    page.wait_for_selector("#run-status[data-status=succeeded]")
    text = page.inner_text(".output .stream.stdout")
    assert text.split() == " ".join(f"tick {i}" for i in range(8)).split()   # all, once each


def test_the_page_fits_a_phone_screen(browser, daphne_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=daphne_server,
                                  is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto("/")
    pg.wait_for_selector("#connection[data-state=open]")
    width = pg.evaluate("document.documentElement.scrollWidth")
    editor = pg.locator(".CodeMirror").bounding_box()
    output = pg.locator(".output-pane").bounding_box()
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
    context.close()
    assert width <= 390                       # nothing pushes the page sideways
    assert output["y"] > editor["y"]           # panes stack: editor, then output


def test_logged_scalars_draw_a_chart_that_the_permalink_shows_too(page):
    open_playground(page)
    set_code(page, "from torch.utils.tensorboard import SummaryWriter\nw = SummaryWriter()\n"
                   "for i in range(20):\n    w.add_scalar('loss', 1.0 / (i + 1), i)\nw.close()\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    page.wait_for_selector(".chart .main-svg")
    points = "document.querySelector('.chart').data[0].x.length"
    page.wait_for_function(f"{points} === 20")
    assert page.evaluate("document.querySelector('.chart').data[0].name") == "loss"
    page.click("#permalink")
    page.wait_for_selector(".permalink-page .chart .main-svg")
    page.wait_for_function(f"{points} === 20")


def test_reloading_mid_run_shows_the_whole_run(page):
    open_playground(page)
    set_code(page, "import time\nfor i in range(6):\n    print(f'step {i}', flush=True)\n"
                   "    time.sleep(0.3)\n")
    page.click("#run")
    page.wait_for_function("document.querySelector('.output').innerText.includes('step 1')")
    page.reload()                                          # the URL now names the run
    page.wait_for_selector("#run-status[data-status=succeeded]")
    assert page.inner_text(".output .stream.stdout").split() == \
        " ".join(f"step {i}" for i in range(6)).split()
    assert "time.sleep(0.3)" in page.evaluate("window.playgroundEditor.getValue()")


LOOP = "import time\nprint('{tag}', flush=True)\nwhile True:\n    time.sleep(0.05)\n"


def start_by_api(page, code, name=""):
    """A run of this browser's session started over the REST API (as another tab would)."""
    res = page.request.post("/api/runs/", data={"code": code, "name": name})
    assert res.status == 201, res.text()
    return res.json()["id"]


def test_run_during_a_run_stops_it_first_and_no_run_is_orphaned(page):
    open_playground(page)
    set_code(page, LOOP.format(tag="first"))
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=running]")
    first = page.evaluate("new URLSearchParams(location.search).get('run')")
    assert page.inner_text("#run") == "Stop and run"
    # The active run is listed with its own Stop.
    page.wait_for_selector(f"#active-runs li[data-run-id='{first}'] .stop-one")
    set_code(page, "print('second')\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    assert "second" in page.inner_text(".output")
    assert page.inner_text("#run") == "Run"
    res = page.request.get(f"/api/runs/{first}/")
    assert res.json()["status"] == "cancelled"              # stopped, not left running
    page.wait_for_selector("#active-box", state="hidden")


def test_active_runs_of_other_tabs_are_listed_and_a_queued_run_says_what_it_waits_for(page):
    open_playground(page)
    ids = [start_by_api(page, LOOP.format(tag=f"bg{i}"), name=f"background {i}") for i in range(2)]
    page.reload()
    for run_id in ids:
        page.wait_for_selector(f"#active-runs li[data-run-id='{run_id}']")
    page.wait_for_function("[...document.querySelectorAll('#active-runs .run-state')]"
                           ".filter(n => n.dataset.status === 'running').length === 2")
    set_code(page, "print('my turn')\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=queued]")
    page.wait_for_function("document.getElementById('run-status').textContent.includes('other runs')")
    text = page.inner_text("#run-status")
    assert "your 2 other runs are still running" in text and "stop one" in text
    page.screenshot(path=str(ARTIFACTS / "queued-behind-own-runs.png"))
    page.click(f"#active-runs li[data-run-id='{ids[0]}'] .stop-one")
    page.wait_for_selector("#run-status[data-status=succeeded]")   # it got the freed place
    page.click(f"#active-runs li[data-run-id='{ids[1]}'] .stop-one")
    page.wait_for_selector("#active-box", state="hidden")


def test_the_permalink_of_an_active_run_has_stop_for_its_owner_only(page, browser, daphne_server):
    open_playground(page)
    run_id = start_by_api(page, LOOP.format(tag="watched"))
    other = browser.new_context(base_url=daphne_server)
    stranger = other.new_page()
    stranger.goto(f"/runs/{run_id}/")
    stranger.wait_for_selector(".output .stream.stdout")
    assert stranger.locator("#stop").count() == 0             # not theirs to stop
    other.close()
    page.goto(f"/runs/{run_id}/")
    page.wait_for_selector("#run-status[data-status=running]")
    page.click("#stop")
    page.wait_for_selector("#run-status[data-status=cancelled]")
    assert page.locator("#stop").is_hidden()


def wait_until(page, condition, timeout_s=10):
    """Poll a Python-side condition (a dialog handler's record) while the page goes on."""
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("the condition never held")


def test_typed_code_survives_reload_and_back_and_history_opens_in_the_editor(page):
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept() if dialog.type == "beforeunload" or answer.accept else dialog.dismiss()
    answer.accept = False
    page.on("dialog", answer)
    open_playground(page)
    set_code(page, "print('ran before')\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    page.wait_for_selector("#history li a")
    page.click(".CodeMirror")
    page.keyboard.press("Control+End")
    page.keyboard.type("# my unsaved draft")
    page.reload()                                         # asks first: there are unsaved edits
    page.wait_for_selector("#connection[data-state=open]")
    assert dialogs == ["beforeunload"]
    assert "# my unsaved draft" in page.evaluate("window.playgroundEditor.getValue()")
    page.goto("/dashboard/")                              # away and Back: the draft is there
    page.go_back()
    page.wait_for_function("window.playgroundEditor && "
                           "window.playgroundEditor.getValue().includes('# my unsaved draft')")
    # A history entry opens in the editor; with unsaved edits it asks, and "no" keeps them.
    page.wait_for_selector("#history li a")
    asked = len(dialogs)
    page.click("#history li a")
    wait_until(page, lambda: len(dialogs) > asked)
    assert dialogs[-1] == "confirm"
    assert "# my unsaved draft" in page.evaluate("window.playgroundEditor.getValue()")
    answer.accept = True
    page.click("#history li a")
    page.wait_for_function("window.playgroundEditor.getValue() === \"print('ran before')\\n\"")
    assert page.evaluate("location.pathname") == "/"        # no navigation away
    page.wait_for_selector(".output .finished")
    assert "ran before" in page.inner_text(".output")


def test_the_page_says_what_torch_is_and_links_to_what_it_supports(page):
    open_playground(page)
    assert "own engine, not PyTorch" in page.inner_text("#torch-note")
    page.click("#torch-note a")
    page.wait_for_selector(".doc-page h1")
    body = page.inner_text(".doc-page")
    assert "torch.__version__" in body and "2.13.0" in body
    assert page.locator(".doc-body table").count() >= 1       # the coverage table
    assert "autograd" in page.inner_text(".doc-body table")


def test_on_a_phone_run_scrolls_to_the_output_and_targets_are_big_enough(browser, daphne_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=daphne_server,
                                  is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.goto("/")
    pg.wait_for_selector("#connection[data-state=open]")
    pg.evaluate("code => window.playgroundEditor.setValue(code)",
                "from torch.utils.tensorboard import SummaryWriter\nw = SummaryWriter()\n"
                "for i in range(10):\n    w.add_scalars('loss', {'train': 1 / (i + 1), 'test': 2 / (i + 1)}, i)\n")
    pg.tap("#run")
    pg.wait_for_selector("#run-status[data-status=succeeded]")
    # The output pane came up into view (as far as the page scrolls).
    pg.wait_for_function("window.scrollY > 200 && "
                         "document.getElementById('output-pane').getBoundingClientRect().top < 300")
    pg.wait_for_selector(".output .chart .legend")
    chart = pg.locator(".output .chart").first
    chart.hover()
    pg.wait_for_selector(".output .chart .modebar")
    legend = pg.locator(".output .chart .legend").first.bounding_box()
    bar = pg.locator(".output .chart .modebar").first.bounding_box()
    apart = (legend["x"] + legend["width"] <= bar["x"] or bar["x"] + bar["width"] <= legend["x"]
             or legend["y"] + legend["height"] <= bar["y"] or bar["y"] + bar["height"] <= legend["y"])
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "phone-after-run.png"))
    assert apart, (legend, bar)                              # the toolbar leaves the legend free
    small = pg.evaluate(SMALL_TARGETS)
    context.close()
    assert small == [], "\n".join(small)


# Buttons, selects, inputs and links that stand alone (not inside a sentence) smaller than
# 24 x 24 CSS pixels (WCAG 2.2's target size), as the phone shows them.
SMALL_TARGETS = """[...document.querySelectorAll('button, select, input:not([type=hidden]), a[href]')]
    .filter(n => n.offsetParent !== null && !n.closest('p, li .run-state, .CodeMirror, .modebar'))
    .map(n => [n, n.getBoundingClientRect()])
    .filter(([n, r]) => r.right > 0 && (r.width < 24 || r.height < 24))   // (the skip link waits off-screen)
    .map(([n, r]) => `${n.tagName} ${n.id || n.className} ${n.textContent.trim().slice(0, 20)} ${r.width}x${r.height}`)"""
