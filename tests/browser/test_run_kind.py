"""The playground's "Limits" control: the kind a run asks for comes from it (an example sets
it), never from what the code looks like."""
import pytest

from tests.browser.conftest import open_playground, set_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TRAINING_LOOKING = "# loss.backward(); optimizer.step()\nprint('hi')\n"


def run_kind(page):
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    run_id = page.get_attribute("#permalink", "href").split("/")[2]
    return page.evaluate(f"fetch('/api/runs/{run_id}/').then(r => r.json()).then(r => r.kind)")


def test_the_limits_control_picks_the_kind_and_an_example_sets_it(page):
    open_playground(page)
    assert page.input_value("#kind") == "snippet"
    set_code(page, TRAINING_LOOKING)
    assert run_kind(page) == "snippet"          # the code's look changes nothing
    page.select_option("#kind", "training")
    assert run_kind(page) == "training"
    page.select_option("#examples", "view")
    assert page.input_value("#kind") == "snippet"
    page.once("dialog", lambda dialog: dialog.accept())
    page.select_option("#examples", "lenet-training")
    assert page.input_value("#kind") == "training"
