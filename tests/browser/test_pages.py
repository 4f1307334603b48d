"""Pages without a run: the 404 page says nothing about a connection it does not have."""
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_404_page_has_no_connection_badge(page):
    response = page.goto("/runs/00000000-0000-0000-0000-000000000000/")
    assert response.status == 404
    page.wait_for_load_state("networkidle")
    assert page.locator("#connection").count() == 0
    assert "connecting" not in page.inner_text("body")
    assert "this run does not exist" in page.inner_text("main")
    page.click("main a.button")                                  # the way back
    page.wait_for_selector("#connection[data-state=open]")
