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
    page.wait_for_selector(".permalink-page .output .finished")
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
