"""The notebook page in a real browser: cells that share a kernel, Shift/Ctrl+Enter, input(),
pdb, interrupt, autosave, the seed tutorial's Run all, and a .ipynb round trip."""
import json
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(page):
    """Each test's kernels end with it: the server's cap on kernels stays free."""
    yield page
    if page.locator("#kernel-state[data-state=idle], #kernel-state[data-state=busy]").count():
        page.click("#shutdown")
        page.wait_for_selector("#kernel-state[data-state=dead]")


def new_notebook(page):
    page.goto("/notebooks/new")
    page.wait_for_selector("#connection[data-state=open]")


def cell(page, n):
    return page.locator(".cell").nth(n)


def type_into(page, n, code):
    """Put ``code`` into cell ``n``'s editor and leave the cursor there."""
    page.evaluate("([n, code]) => { const c = window.notebookPage.cells()[n];"
                  " c.editor.setValue(code); c.editor.focus();"
                  " c.editor.setCursor(c.editor.lineCount(), 0); }", [n, code])


def wait_count(page, n, count):
    page.wait_for_function("([n, text]) => document.querySelectorAll('.cell')[n]"
                           ".querySelector('.prompt').textContent === text", arg=[n, f"[{count}]:"])


def test_cells_share_a_kernel_and_the_notebook_saves_itself(page):
    new_notebook(page)
    type_into(page, 0, "import torch\nx = torch.ones(2, 3, requires_grad=True)\nprint(x.sum().item())")
    page.keyboard.press("Shift+Enter")            # runs, and adds a cell below to move on to
    wait_count(page, 0, 1)
    assert cell(page, 0).locator(".stream.stdout").inner_text() == "6.0\n"
    assert page.locator(".cell").count() == 2
    page.wait_for_selector("#kernel-state[data-state=idle]")
    type_into(page, 1, "y = x * 2\ny")
    page.keyboard.press("Control+Enter")          # runs in place
    wait_count(page, 1, 2)
    head = cell(page, 1).locator(".tensor-head").inner_text()
    assert "shape (2, 3)" in head and "grad_fn=MulBackward0" in head
    assert page.locator(".cell").count() == 2
    row = page.locator("#variables tr[data-name=x]").inner_text()
    assert "Tensor" in row and "(2, 3) float32 cpu requires_grad" in row
    page.wait_for_selector("#save-state[data-state=saved]")
    assert re.search(r"/notebooks/[0-9a-f-]{36}/$", page.url)
    page.reload()                                  # saved: cells, outputs and counts come back
    page.wait_for_selector("#connection[data-state=open]")
    assert cell(page, 0).locator(".prompt").inner_text() == "[1]:"
    assert "grad_fn=MulBackward0" in cell(page, 1).locator(".tensor-head").inner_text()
    page.wait_for_selector("#kernel-state[data-state=idle]")   # attached to its live kernel
    type_into(page, 1, "print(y.shape)")
    page.keyboard.press("Control+Enter")
    wait_count(page, 1, 3)
    assert cell(page, 1).locator(".stream.stdout").inner_text() == "torch.Size([2, 3])\n"


def answer(page, n, prompt, text):
    """Wait for cell ``n``'s input box, check its prompt, answer ``text``."""
    field = cell(page, n).locator(".input-request input")
    field.wait_for()
    assert cell(page, n).locator(".input-prompt").inner_text().startswith(prompt)
    field.fill(text)
    field.press("Enter")


def test_input_and_pdb_ask_the_page(page):
    new_notebook(page)
    type_into(page, 0, "name = input('Your name: ')\nprint('Hello', name)")
    page.keyboard.press("Control+Enter")
    answer(page, 0, "Your name:", "Ada")
    wait_count(page, 0, 1)
    assert cell(page, 0).locator(".stream.stdout").inner_text() == "Your name: Ada\nHello Ada\n"
    assert cell(page, 0).locator(".input-request").count() == 0

    type_into(page, 0, "def f(a):\n    b = a * 2\n    return b\nx = 5\nbreakpoint()\ny = f(x)\nprint('y =', y)")
    page.keyboard.press("Control+Enter")
    for command, expect in (("p x", "5"), ("s", "--Call--"), ("n", "-> b = a * 2"),
                            ("p a", "5"), ("c", "y = 10")):
        answer(page, 0, "(Pdb)", command)
        cell(page, 0).locator(".stream.stdout", has_text=expect).wait_for()
    wait_count(page, 0, 2)


def test_a_reload_attaches_to_the_busy_kernel_and_its_open_input(page):
    new_notebook(page)
    type_into(page, 0, "name = input('Your name: ')\nprint('Hello', name)")
    page.keyboard.press("Control+Enter")
    cell(page, 0).locator(".input-request input").wait_for()
    page.wait_for_selector("#save-state[data-state=saved]")
    page.reload()                                  # the cell still waits in the kernel
    page.wait_for_selector("#kernel-state[data-state=busy]")
    assert cell(page, 0).locator(".prompt").inner_text() == "[*]:"
    answer(page, 0, "Your name:", "Ada")
    wait_count(page, 0, 1)
    assert "Hello Ada\n" in cell(page, 0).locator(".stream.stdout").inner_text()


def test_a_notebook_without_a_live_kernel_opens_without_starting_one(page):
    new_notebook(page)
    type_into(page, 0, "print(1)")
    page.wait_for_selector("#save-state[data-state=unsaved]")
    page.evaluate("window.notebookPage.save()")
    page.wait_for_selector("#save-state[data-state=saved]")
    page.reload()
    page.wait_for_selector("#connection[data-state=open]")
    page.wait_for_timeout(500)                     # an attach that finds none answers nothing
    assert page.inner_text("#kernel-state") == "not started"


def test_interrupt_and_restart(page):
    new_notebook(page)
    type_into(page, 0, "kept = 1\nwhile True:\n    pass")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#kernel-state[data-state=busy]")
    page.click("#interrupt")
    cell(page, 0).locator(".cell-status[data-status=cancelled]").wait_for()
    assert "KeyboardInterrupt" in cell(page, 0).locator(".error-block").inner_text()
    page.click("#restart")
    page.locator("#kernel-note", has_text="variables are gone").wait_for()
    page.wait_for_selector("#kernel-state[data-state=idle]")
    type_into(page, 0, "'kept' in globals()")
    page.keyboard.press("Control+Enter")
    wait_count(page, 0, 1)
    assert cell(page, 0).locator(".stream.display").inner_text() == "False"


def test_run_all_of_the_seed_tutorial(page, daphne_server):
    page.goto("/")
    if page.locator("#open-as-notebook").count() == 0:
        pytest.skip("the seed tutorial is not beside this checkout")
    page.click("#open-as-notebook")
    page.wait_for_url(re.compile(r"/notebooks/[0-9a-f-]{36}/$"))
    markdown = page.locator(".cell.markdown .markdown-body")
    assert markdown.first.locator("h1").inner_text() == "Pytorch"
    codes = page.locator(".cell.code")
    total = codes.count()
    page.click("#run-all")
    page.wait_for_function("n => [...document.querySelectorAll('.cell.code .prompt')]"
                           ".filter(p => /\\[\\d+\\]/.test(p.textContent)).length === n",
                           arg=total, timeout=60_000)
    texts = [codes.nth(i).locator(".cell-output").inner_text() for i in range(total)]
    assert "NameError: name 'tensor' is not defined" in texts[1]
    assert texts[0].strip() == "'2.13.0'"
    net = next(t for t in texts if t.startswith("Net("))
    assert "(conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))" in net
    assert "conv1.bias.grad before backward\nNone\nconv1.bias.grad after backward" in "\n".join(texts)
    assert page.locator("#variables tr[data-name=net]").inner_text().startswith("net\tNet")


def test_export_and_import_an_ipynb(page, tmp_path):
    new_notebook(page)
    type_into(page, 0, "print('round trip')\n21 * 2")
    page.keyboard.press("Shift+Enter")
    wait_count(page, 0, 1)
    page.wait_for_selector("#save-state[data-state=saved]")
    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / "exported.ipynb"
    download.value.save_as(path)
    exported = json.loads(path.read_text())
    assert exported["nbformat"] == 4
    assert "".join(exported["cells"][0]["outputs"][0]["text"]) == "round trip\n"
    page.goto("/notebooks/")
    page.set_input_files("#import-file", str(path))
    page.wait_for_url(re.compile(r"/notebooks/[0-9a-f-]{36}/$"))
    page.wait_for_selector(".cell .stream.stdout")
    assert cell(page, 0).locator(".stream.stdout").inner_text() == "round trip\n"
    assert cell(page, 0).locator(".stream.display").inner_text() == "42"
    assert cell(page, 0).locator(".prompt").inner_text() == "[1]:"


def test_someone_elses_notebook_is_read_only(page, browser, daphne_server):
    new_notebook(page)
    type_into(page, 0, "print('mine')")
    page.keyboard.press("Control+Enter")
    wait_count(page, 0, 1)
    page.wait_for_selector("#save-state[data-state=saved]")
    other = browser.new_context(base_url=daphne_server).new_page()
    other.goto(page.url)
    other.wait_for_selector(".cell .stream.stdout")
    assert other.locator("#run-all").count() == 0 and other.locator("#copy").count() == 1
    assert other.locator(".cell .CodeMirror").first.get_attribute("class").find("readonly") >= 0 \
        or other.evaluate("window.notebookPage.cells()[0].editor.getOption('readOnly')") == "nocursor"
    other.click("#copy")
    other.wait_for_selector("#run-all")
    assert other.url != page.url
    other.context.close()
