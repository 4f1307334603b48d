"""The event vocabulary of playground/events.py as an ES module, /protocol.js, for the pages.

Statuses, event types, display mimes and the progress metric are named once, in Python; every
script imports them from here (``import { STATUS, EVENT } from "/protocol.js"``), so a new
status or event reaches the pages without a JavaScript change. The module is data only and
generated once per process; it is a file of the site's own origin, as the
Content-Security-Policy ("script-src 'self'") asks, and caches like a static file.
"""
import hashlib
import json

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_GET

from playground import events
from playground.sandbox.displays import GRAPH_MIME, TENSOR_MIME

# How a page colours a status: CSS keys on data-tone, never on a status's name. A final
# status not named here is "bad" (it ended without doing what was asked), so a new one needs
# no change at all; name it here only to give it another tone.
TONES = {events.SUCCEEDED: "ok", events.CANCELLED: "warn", events.RUNNING: "active"}


def tone(status):
    return TONES.get(status, "bad" if status in events.FINAL_STATUSES else "")


def vocabulary():
    """The exports of /protocol.js: name -> JSON value."""
    return {
        "STATUS": {s.upper(): s for s in events.STATUSES},
        "STATUSES": list(events.STATUSES),
        "FINAL_STATUSES": list(events.FINAL_STATUSES),
        "STATUS_TONE": {s: tone(s) for s in events.STATUSES if tone(s)},
        "EVENT": {t.upper(): t for t in events.EVENT_FIELDS},
        "KERNEL_STATE": {s.upper(): s for s in events.KERNEL_STATES},
        "RUN_STATE": {s.upper(): s for s in events.RUN_STATES},
        "MIME": {"TENSOR": TENSOR_MIME, "GRAPH": GRAPH_MIME,
                 "HISTOGRAM": events.HISTOGRAM_MIME, "HEATMAP": events.HEATMAP_MIME,
                 "PNG": events.PNG_MIME},
        "PROGRESS_METRIC": events.PROGRESS_METRIC,
    }


def _module_source():
    lines = ["// Generated from playground/events.py by playground/protocol_js.py: edit those."]
    for name, value in vocabulary().items():
        literal = json.dumps(value)
        lines.append(f"export const {name} = "
                     f"{literal if isinstance(value, str) else f'Object.freeze({literal})'};")
    return "\n".join(lines) + "\n"


SOURCE = _module_source()
ETAG = hashlib.sha256(SOURCE.encode()).hexdigest()[:16]


@require_GET
@condition(etag_func=lambda request: ETAG)
@cache_control(public=True, max_age=60)   # as WhiteNoise serves the modules that import it
def protocol_js(request):
    return HttpResponse(SOURCE, content_type="text/javascript; charset=utf-8")
