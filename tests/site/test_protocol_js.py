"""The pages' event vocabulary comes from playground/events.py and only from there: /protocol.js
serves it, no script re-declares a status, event type or mime, no style keys on a status's name,
and the ES modules import each other in one direction (socket -> protocol -> run model ->
charts -> pages), with no global back-reference between them."""
import json
import re
from pathlib import Path

import pytest
from django.test import Client

from playground import events
from playground.sandbox.displays import GRAPH_MIME, TENSOR_MIME

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "js"
CSS = ROOT / "static" / "css"
MIMES = {TENSOR_MIME, GRAPH_MIME, events.HISTOGRAM_MIME, events.HEATMAP_MIME, events.PNG_MIME}
PROTOCOL_WORDS = set(events.STATUSES) | set(events.EVENT_FIELDS) | MIMES | {events.PROGRESS_METRIC}
EXPORT = re.compile(r"^export const (\w+) = (?:Object\.freeze\((.*)\)|(.*));$")


def served_exports(response):
    """name -> value of each `export const` line of the served module."""
    exports = {}
    for line in response.content.decode().splitlines():
        if line.startswith("//"):
            continue
        match = EXPORT.match(line)
        assert match, f"not an export of JSON: {line!r}"
        exports[match[1]] = json.loads(match[2] or match[3])
    return exports


@pytest.fixture
def protocol_response():
    return Client().get("/protocol.js")


def test_protocol_js_is_an_es_module_the_policy_allows_and_caches(protocol_response):
    assert protocol_response.status_code == 200
    assert protocol_response["Content-Type"].startswith("text/javascript")
    assert "public" in protocol_response["Cache-Control"]
    assert "max-age=60" in protocol_response["Cache-Control"]
    again = Client().get("/protocol.js", HTTP_IF_NONE_MATCH=protocol_response["ETag"])
    assert again.status_code == 304


def test_protocol_js_serves_the_vocabulary_of_events_py(protocol_response):
    exports = served_exports(protocol_response)
    assert exports["STATUSES"] == list(events.STATUSES)
    assert exports["FINAL_STATUSES"] == list(events.FINAL_STATUSES)
    assert exports["STATUS"] == {"QUEUED": events.QUEUED, "RUNNING": events.RUNNING,
                                 "SUCCEEDED": events.SUCCEEDED, "FAILED": events.FAILED,
                                 "TIMEOUT": events.TIMEOUT, "CPU_LIMIT": events.CPU_LIMIT,
                                 "MEMORY_LIMIT": events.MEMORY_LIMIT,
                                 "OUTPUT_LIMIT": events.OUTPUT_LIMIT, "KILLED": events.KILLED,
                                 "CANCELLED": events.CANCELLED, "REJECTED": events.REJECTED}
    assert sorted(exports["EVENT"].values()) == sorted(events.EVENT_FIELDS)
    assert all(key == value.upper() for key, value in exports["EVENT"].items())
    assert exports["MIME"] == {"TENSOR": TENSOR_MIME, "GRAPH": GRAPH_MIME,
                               "HISTOGRAM": events.HISTOGRAM_MIME, "HEATMAP": events.HEATMAP_MIME,
                               "PNG": events.PNG_MIME}
    assert exports["PROGRESS_METRIC"] == events.PROGRESS_METRIC


def test_every_final_status_has_a_tone_the_styles_colour(protocol_response):
    tones = served_exports(protocol_response)["STATUS_TONE"]
    assert tones[events.SUCCEEDED] == "ok" and tones[events.CANCELLED] == "warn"
    assert tones[events.FAILED] == tones[events.MEMORY_LIMIT] == "bad"
    assert set(events.FINAL_STATUSES) <= set(tones)
    styles = "".join(p.read_text() for p in CSS.glob("*.css"))
    for tone in set(tones.values()):
        assert f'[data-tone="{tone}"]' in styles, f"no style for the tone {tone!r}"


def test_a_new_final_status_gets_a_tone_with_no_other_change(monkeypatch):
    from playground import protocol_js
    monkeypatch.setattr(events, "FINAL_STATUSES", events.FINAL_STATUSES + ("gpu_lost",))
    assert protocol_js.tone("gpu_lost") == "bad"
    assert protocol_js.tone(events.QUEUED) == ""


# --- no script or style re-declares the vocabulary ----------------------------------------

TOKEN = re.compile(r"""/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`""",
                   re.S)


def split_js(source):
    """(string literals, code without comments) of a script: enough for our own scripts
    (a regular expression holding a quote or a slash-star would confuse it)."""
    literals, code = [], []
    last = 0
    for match in TOKEN.finditer(source):
        code.append(source[last:match.start()])
        token = match[0]
        if token[0] in "\"'`":
            literals.extend(re.split(r"\$\{[^}]*\}", token[1:-1]))   # a template's fixed parts
            code.append(token)
        last = match.end()
    code.append(source[last:])
    return literals, "".join(code)


def hard_coded_protocol(source):
    literals, code = split_js(source)
    found = {text for text in literals if text in PROTOCOL_WORDS}
    if "vnd.playground" in code or r"playground\." in code:   # a mime, or a pattern for one
        found.add("a display mime")
    return found


def test_the_scanner_finds_what_it_is_for():
    assert hard_coded_protocol('if (s === "succeeded") go();') == {"succeeded"}
    assert hard_coded_protocol("x = msg.type === 'finished' ? `${a}` : `metrics`;") == {
        "finished", "metrics"}
    assert hard_coded_protocol("if (/playground\\.(histogram)\\+json$/.test(m)) f();") == {
        "a display mime"}
    assert hard_coded_protocol('/* ends "succeeded" */ // "failed"\nif (s === STATUS.FAILED) '
                               'f(`${s} (queued)`, "//not a comment");') == set()


@pytest.mark.parametrize("script", sorted(p.name for p in JS.glob("*.js")))
def test_no_script_hard_codes_a_status_event_type_or_mime(script):
    assert hard_coded_protocol((JS / script).read_text()) == set(), (
        f"static/js/{script}: import these from /protocol.js (playground/events.py) instead")


def test_no_style_keys_on_a_status_name():
    for sheet in CSS.glob("*.css"):
        text = sheet.read_text()
        assert "data-status" not in text, f"{sheet.name}: colour by data-tone, not data-status"
        for status in events.STATUSES:
            assert not re.search(rf"[.\-]{status}\b", text), f"{sheet.name} names {status!r}"


# --- one direction through the modules -------------------------------------------------------

# Each module may import only from layers below its own; a new module is placed here.
LAYERS = [
    {"i18n.js"},                                          # the scripts' translations
    {"/protocol.js", "socket.js", "dom.js"},
    {"status.js"},
    {"run-data.js"},                                      # the run model
    {"chart-grid.js", "histograms.js", "progress.js", "graph.js"},    # charts, the autograd graph
    {"output-charts.js"},
    {"render.js"},                                        # a run's output
    {"playground.js", "permalink.js", "dashboard.js", "train.js", "notebook.js",
     "notebook-list.js"},                                 # pages
]
IMPORT = re.compile(r"""^import\s[^;]*?from\s+"([^"]+)";""", re.M)


def layer_of(name):
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def test_every_script_is_an_es_module_placed_in_a_layer():
    placed = set().union(*LAYERS) - {"/protocol.js"}
    assert {p.name for p in JS.glob("*.js")} == placed


@pytest.mark.parametrize("script", sorted(p.name for p in JS.glob("*.js")))
def test_modules_import_only_from_lower_layers(script):
    source = (JS / script).read_text()
    assert '"use strict"' not in source   # modules are strict: a classic script's leftover
    for target in IMPORT.findall(source):
        name = target if target == "/protocol.js" else target.removeprefix("./")
        assert layer_of(name) < layer_of(script), f"{script} imports {target} from above"


@pytest.mark.parametrize("script", sorted(p.name for p in JS.glob("*.js")))
def test_modules_reach_each_other_by_import_not_through_window(script):
    _, code = split_js((JS / script).read_text())
    for use in re.finditer(r"window\.(\w+)(\s*=(?!=))?", code):
        name, assigned = use[1], use[2]
        # plotly.js and the translations (window.django, /jsi18n/) are classic scripts; a page
        # may hand the browser tests a handle
        assert name in {"Plotly", "django", "addEventListener"} or assigned, \
            f"{script} reads window.{name}"
