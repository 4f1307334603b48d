"""The site's pages, settings and static assets: everything a browser loads before a run."""
import ast
import re
import uuid

import pytest
from django.conf import settings
from django.test import Client

from playground.runs.examples import EXAMPLES
from playground.runs.models import Run

pytestmark = pytest.mark.django_db


def test_playground_page_has_the_editor_controls_and_examples():
    res = Client().get("/")
    assert res.status_code == 200
    html = res.content.decode()
    for needle in ('id="code"', 'id="run"', 'id="stop"', 'id="device"', 'id="examples"',
                   'id="history"', "vendor/codemirror/lib/codemirror.",   # (maybe hashed)
                   "vendor/codemirror/mode/python/python.",
                   'data-plotly-src="/static/vendor/plotly/plotly-cartesian'):
        assert needle in html, needle
    for ex in EXAMPLES:
        assert f'value="{ex["slug"]}"' in html


def test_playground_page_gives_the_browser_a_session_for_its_websocket():
    client = Client()
    client.get("/")
    assert client.session.session_key


def test_gpu_option_is_disabled_with_a_reason_when_there_is_no_gpu(monkeypatch):
    from playground.executors.local import LocalExecutor

    # The page, the API and the socket ask the executor which devices it can serve.
    monkeypatch.setattr(LocalExecutor, "unavailable_reason",
                        lambda self, device: "no CUDA device here" if device == "cuda" else None)
    html = Client().get("/").content.decode()
    assert '<option value="cuda" disabled>' in html
    assert "GPU unavailable: no CUDA device here." in html


def test_vendored_editor_and_page_scripts_are_served_without_collectstatic():
    client = Client()
    for path in ("/static/vendor/codemirror/lib/codemirror.js", "/static/js/playground.js",
                 "/static/js/render.js", "/static/js/socket.js", "/static/css/playground.css"):
        res = client.get(path)
        assert res.status_code == 200, path
        body = b"".join(res.streaming_content) if res.streaming else res.content
        assert len(body) > 500, path


def test_plotly_js_is_the_plotly_packages_version_in_its_cartesian_bundle():
    """The vendored partial bundle (static/vendor/plotly) is the same plotly.js release as the
    full one the plotly Python package ships, with only the cartesian trace types."""
    import re
    from pathlib import Path

    import plotly

    full = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:300]
    res = Client().get("/static/vendor/plotly/plotly-cartesian.min.js")
    assert res.status_code == 200
    head = b"".join(res.streaming_content)[:300].decode()
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", full)[1]
    assert f"plotly.js (cartesian - minified) v{version}" in head


def test_pages_without_an_editor_or_charts_load_neither():
    html = Client().get("/docs/engine/").content.decode()
    assert "codemirror" not in html and "plotly-cartesian.min.js\" defer" not in html
    assert "<script src=\"/static/vendor/plotly" not in html     # fetched only to draw a chart

def test_permalink_page_shows_the_stored_run_read_only():
    run = Run.objects.create(owner="ip:1.2.3.4", code="print('hello <b>')", status="succeeded",
                             stdout="hello <b>\n", message="Finished.", name="hello")
    res = Client().get(f"/runs/{run.id}/")
    assert res.status_code == 200
    html = res.content.decode()
    assert "print(&#x27;hello &lt;b&gt;&#x27;)" in html       # code, escaped
    assert "hello &lt;b&gt;" in html and "<b>" not in html.split("<main")[1].split("</main>")[0].replace(
        "<button", "")  # stdout is escaped too
    assert f'data-run-id="{run.id}"' in html
    assert f"/?from={run.id}" in html                          # open in editor
    assert "readonly" in html


def test_permalink_of_an_unknown_run_is_404_with_a_way_back():
    res = Client().get(f"/runs/{uuid.uuid4()}/")
    assert res.status_code == 404
    assert "this run does not exist" in res.content.decode()
    assert 'href="/"' in res.content.decode()
    assert Client().get("/runs/not-a-uuid/").status_code == 404


def test_debug_is_off_and_the_secret_key_is_not_in_the_repository():
    assert settings.DEBUG is False
    assert len(settings.SECRET_KEY) >= 40
    from pathlib import Path

    tracked = (Path(settings.BASE_DIR) / "playground" / "settings.py").read_text()
    assert settings.SECRET_KEY not in tracked


def test_every_example_is_valid_python_and_names_are_unique():
    slugs = [ex["slug"] for ex in EXAMPLES]
    assert len(slugs) == len(set(slugs))
    for ex in EXAMPLES:
        ast.parse(ex["code"], filename=ex["slug"])
        assert "import torch" in ex["code"], ex["slug"]   # self-contained


def test_examples_cover_every_python_block_of_the_seed_tutorial():
    """Each Python block of the seed has an example holding its code lines (output lines
    pasted into the tutorial aside)."""
    import re
    from pathlib import Path

    seed = Path(settings.BASE_DIR).parent / "shared" / "seed" / "pytorch-tutorial.md"
    if not seed.exists():
        pytest.skip("the seed tutorial is not beside this checkout")
    blocks = re.findall(r"```(\w*)\n(.*?)```", seed.read_text(), flags=re.S)
    python_blocks = [body for lang, body in blocks if lang == "python"
                     or (lang == "" and "torch.matmul" in body)]
    assert len(python_blocks) >= 15
    codes = [ex["code"] for ex in EXAMPLES]
    for body in python_blocks:
        statement = next(line.strip() for line in body.splitlines()
                         if line.strip() and not line.strip().startswith(("#", "import", "tensor")))
        statement = statement.split("#")[0].strip()
        assert any(statement.replace(" ", "") in c.replace(" ", "") for c in codes), statement
    assert any(ex["slug"] == "lenet-training" for ex in EXAMPLES)


def test_runs_and_metrics_are_in_the_admin(admin_client):
    run = Run.objects.create(owner="session:x", code="print(1)", name="in the admin")
    run.metrics.create(name="loss", step=0, value=1.0, wall_time=0.0)
    assert "in the admin" in admin_client.get("/admin/runs/run/").content.decode()
    assert admin_client.get(f"/admin/runs/run/{run.id}/change/").status_code == 200
    assert "loss" in admin_client.get("/admin/runs/metric/").content.decode()


def test_api_docs_page_loads_its_assets_from_this_server():
    client = Client()
    html = client.get("/api/docs").content.decode()
    # (under its hashed name once collectstatic has run, as .ci/setup does)
    src = re.search(r'src="(/static/ninja/swagger-ui-bundle(\.[0-9a-f]{12})?\.js)"', html)
    assert src and "https://" not in html
    assert client.get(src[1]).status_code == 200
