"""Pages that miss live events (what a Redis outage does: published while Redis was away,
they never reach the socket): the websocket frames of a few events are dropped between the
server and the page, and the page, seeing their sequence numbers skipped, watches the run
again and ends with every line, each once."""
import json
import re

import pytest

from tests.browser.conftest import open_playground, set_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LINES = 12
CODE = (f"import time\nfor i in range({LINES}):\n    print(f'tick {{i}}', flush=True)\n"
        "    time.sleep(0.15)\n")


def drop_live_frames(page, lost):
    """Forward the server's frames to the page, except the live ones ``lost(event)`` picks."""
    dropped = []

    def route(ws):
        server = ws.connect_to_server()

        def from_server(frame):
            event = json.loads(frame)
            if not event.get("replay") and lost(event):
                dropped.append(event)
                return
            ws.send(frame)

        server.on_message(from_server)

    page.route_web_socket(re.compile(r".*/ws/runs/$"), route)
    return dropped


def every_tick():
    return " ".join(f"tick {i}" for i in range(LINES)).split()


@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_page_that_misses_events_watches_again_and_shows_every_line(page, where):
    if where == "middle":   # later events show the hole
        dropped = drop_live_frames(page, lambda e: e.get("text", "").strip() in
                                   {"tick 3", "tick 4", "tick 5"})
    else:                   # the hole shows only in the seq of "finished"
        dropped = drop_live_frames(page, lambda e: e.get("text", "").strip() == f"tick {LINES - 1}")
    open_playground(page)
    set_code(page, CODE)
    page.click("#run")
    page.wait_for_selector("#run-status[data-status=succeeded]")
    assert dropped
    assert page.inner_text(".output .stream.stdout").split() == every_tick()
