"""The Chinese interface: the switch in the top bar changes the language of the pages and of
the scripts' text, and remembers it; a browser that asks for Chinese gets it first."""
import re

import pytest

from tests.browser.conftest import ARTIFACTS, set_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CJK = re.compile(r"[\u4e00-\u9fff]")
# Names that stay as they are in Chinese text. (docs/engine.md, the body of /docs/engine/, is
# in English: its page's introduction is translated and says so.)
KEPT = {"CPU", "GPU", "MLP", "API", "English", "CSV", "JSON", "SGD", "Adam", "RMSprop", "relu",
        "tanh", "sigmoid", "leaky_relu", "gelu", "0.60", "0.00", "70%", "0.1", "+", "−"}
UI_TEXT = """[...document.querySelectorAll('button, label, h1, h2, legend, th, figcaption, .hint, .note,'
    + ' #run-status, #train-status, #connection, nav a, option, .output:empty')]
    .filter(n => (n.offsetParent !== null || n.tagName === 'OPTION') && !n.closest('.doc-body'))
    .map(n => (n.matches('.output:empty') ? getComputedStyle(n, '::before').content : n.innerText).trim())
    .filter(Boolean)"""


def untranslated(texts):
    """UI texts with no Chinese in them, other than the names kept as they are."""
    return [t for t in texts if not CJK.search(t) and not set(t.split()) <= KEPT]


def test_switch_to_chinese_and_back_remembered_across_pages(page):
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("#run") == "Run"
    page.click(".language button[lang=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    page.wait_for_selector("#connection[data-state=open]")
    assert page.inner_text("#run") == "运行"
    assert page.inner_text("#connection") == "已连接"             # a script's text
    assert page.get_attribute(".language button[lang=zh-hans]", "aria-pressed") == "true"
    assert untranslated(page.evaluate(UI_TEXT)) == []
    # A run's status and its last line come in Chinese too.
    set_code(page, "print('你好')\n")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    assert page.inner_text("#run-status") == "成功"
    assert page.inner_text(".output .finished").startswith("成功，用时")
    page.screenshot(path=str(ARTIFACTS / "i18n-playground-zh.png"), full_page=True)
    # Remembered: other pages, and a page opened later, are in Chinese.
    for path in ("/dashboard/", "/dashboard/train/", "/docs/engine/", "/no-such-page/",
                 "/notebooks/", "/notebooks/new"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == "zh-hans", path
        assert untranslated(page.evaluate(UI_TEXT)) == [], path
    page.goto("/dashboard/train/")
    page.wait_for_selector("#data-preview .main-svg")
    page.screenshot(path=str(ARTIFACTS / "i18n-train-zh.png"), full_page=True)
    page.click(".language button[lang=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("#start") == "Start"


def test_a_browser_asking_for_chinese_gets_it(browser, daphne_server):
    context = browser.new_context(base_url=daphne_server, locale="zh-CN")
    page = context.new_page()
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert page.inner_text("h2 >> nth=0") == "输出"
    context.close()
