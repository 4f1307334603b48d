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


def test_status_tells_a_visitor_who_is_not_staff_where_to_sign_in(page):
    response = page.goto("/status/")
    assert response.status == 403
    assert "staff" in page.inner_text("main")
    page.click("text=Sign in as staff")
    page.wait_for_selector("#id_username")                       # the admin's login form
    assert "next=/status/" in page.url


def test_an_examples_run_is_named_after_it_and_its_owner_renames_it(page):
    page.goto("/")
    page.wait_for_selector("#connection[data-state=open]")
    page.select_option("#examples", "net")
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]", timeout=60_000)
    page.wait_for_selector("#history li a")
    assert page.inner_text("#history li a >> nth=0") == "Neural networks: define a Net"
    page.click("#permalink")
    page.wait_for_selector("#rename")
    assert page.inner_text("#run-title") == "Neural networks: define a Net"
    page.click("#rename")
    page.fill("#rename-input", "LeNet, first try")
    page.press("#rename-input", "Enter")
    page.wait_for_function("document.getElementById('run-title').textContent === 'LeNet, first try'")
    assert page.title().startswith("LeNet, first try ·")
    page.goto("/")
    page.wait_for_function("(document.querySelector('#history li a') || {}).textContent === 'LeNet, first try'")
