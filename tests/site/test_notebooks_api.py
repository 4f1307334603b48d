"""Notebooks over REST: create, read, save (autosave), delete, copy, .ipynb export and
import checked by nbformat, the seed tutorial as a notebook, safe Markdown."""
import json
import os
from pathlib import Path

import nbformat
import pytest
from django.conf import settings
from django.test import Client

from playground.notebooks.models import Notebook
from playground.notebooks.tutorial import cells_from_markdown
from playground.sandbox.displays import TENSOR_MIME

pytestmark = pytest.mark.django_db

CELLS = [
    {"id": "intro", "cell_type": "markdown", "source": "# Title\n\nSome *words*."},
    {"id": "one", "cell_type": "code", "source": "x = 1\nprint(x)", "execution_count": 1,
     "outputs": [{"type": "stdout", "text": "1\n"}]},
    {"id": "two", "cell_type": "code", "source": "import torch\ntorch.ones(2)",
     "execution_count": 2, "outputs": [
         {"type": "display", "mime": TENSOR_MIME,
          "data": {"shape": [2], "dtype": "torch.float32", "device": "cpu",
                   "requires_grad": False, "grad_fn": None, "repr": "tensor([1., 1.])",
                   "values": [1.0, 1.0]}},
         {"type": "stderr", "text": "careful\n"}]},
    {"id": "three", "cell_type": "code", "source": "1/0", "execution_count": 3, "outputs": [
        {"type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
         "traceback": "Traceback (most recent call last):\n  File \"<cell [3]>\", line 1",
         "line": 1}]},
]


def post(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def put(client, path, body):
    return client.put(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def owner():
    """A browser that opened a page first: it has a session, and owns by it."""
    client = Client()
    client.get("/notebooks/")
    return client


def make(client, cells=CELLS, name="Mine"):
    response = post(client, "/api/notebooks/", {"name": name, "cells": cells})
    assert response.status_code == 201, response.content
    return response.json()


def test_create_read_save_and_delete(owner):
    made = make(owner)
    assert made["url"] == f"/notebooks/{made['id']}/"
    got = owner.get(f"/api/notebooks/{made['id']}/").json()
    assert got["name"] == "Mine" and got["cells"] == CELLS and got["editable"] is True
    saved = put(owner, f"/api/notebooks/{made['id']}/", {"cells": CELLS[:1], "name": "Renamed"})
    assert saved.status_code == 200
    got = owner.get(f"/api/notebooks/{made['id']}/").json()
    assert got["name"] == "Renamed" and len(got["cells"]) == 1
    assert [n["name"] for n in owner.get("/api/notebooks/").json()["notebooks"]] == ["Renamed"]
    assert owner.delete(f"/api/notebooks/{made['id']}/").status_code == 204
    assert owner.get(f"/api/notebooks/{made['id']}/").status_code == 404


def test_others_read_a_notebook_but_cannot_change_it(owner):
    made = make(owner)
    other = Client(REMOTE_ADDR="10.0.0.9")
    got = other.get(f"/api/notebooks/{made['id']}/").json()
    assert got["editable"] is False and got["cells"] == CELLS
    refused = put(other, f"/api/notebooks/{made['id']}/", {"name": "mine now"})
    assert refused.status_code == 403 and "only the person who made" in refused.json()["detail"]
    assert other.delete(f"/api/notebooks/{made['id']}/").status_code == 403
    copy = post(other, f"/api/notebooks/{made['id']}/copy/", {})
    assert copy.status_code == 201
    assert other.get(copy.json()["url"].replace("/notebooks/", "/api/notebooks/")).json()[
        "editable"] is True


@pytest.mark.parametrize("body, words", [
    ({"cells": "no"}, '"cells" must be a list'),
    ({"cells": [{"cell_type": "raw"}]}, '"cell_type" must be "code" or "markdown"'),
    ({"cells": [{"id": "a b"}]}, '"id" must be 1-64 letters'),
    ({"cells": [{"id": ""}]}, '"id" must be 1-64 letters'),
    ({"cells": [{"source": ["x", 3]}]}, '"source" must be a string or a list of strings'),
    ({"cells": [{"outputs": 0}]}, '"outputs" must be a list'),
    ({"cells": [], "title": "x"}, "unknown field(s): title; it takes name, cells"),
    ({"cells": [{"source": 3}]}, '"source" must be a string'),
    ({"cells": [{"source": "x\x00"}]}, "NUL"),
    ({"cells": [{"source": "x" * 70_000}]}, "longer than 64 KiB"),
    ({"name": 5}, '"name" must be a string'),
])
def test_bad_notebooks_are_refused_with_a_reason(owner, body, words):
    response = post(owner, "/api/notebooks/", body)
    assert response.status_code == 400 and words in response.json()["detail"], response.json()


def test_outputs_keep_only_their_protocol_fields_and_a_cap(owner, monkeypatch):
    monkeypatch.setattr("playground.notebooks.cells.MAX_OUTPUT_BYTES", 2000)
    cells = [{"cell_type": "code", "source": "x", "outputs": [
        {"type": "stdout", "text": "a" * 500, "kernel_id": "k", "extra": 1},
        {"type": "display", "mime": "text/plain", "data": float("nan")},
        {"type": "finished", "status": "x"},     # not an output: dropped
        {"type": "stdout", "text": "b" * 3000}]}]
    made = make(owner, cells)
    outputs = owner.get(f"/api/notebooks/{made['id']}/").json()["cells"][0]["outputs"]
    assert outputs[0] == {"type": "stdout", "text": "a" * 500}
    assert outputs[1] == {"type": "display", "mime": "text/plain", "data": None}
    assert "cut at" in outputs[2]["text"] and len(outputs) == 3


def test_export_is_a_valid_ipynb_and_imports_back_the_same(owner):
    made = make(owner)
    response = owner.get(f"/api/notebooks/{made['id']}/export.ipynb")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Mine.ipynb"'
    nb = nbformat.reads(response.content.decode(), as_version=4)
    nbformat.validate(nb)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code"]
    assert nb.cells[1].outputs[0] == {"output_type": "stream", "name": "stdout", "text": "1\n"}
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "tensor([1., 1.])"
    assert nb.cells[3].outputs[0]["ename"] == "ZeroDivisionError"
    back = post(owner, "/api/notebooks/import/?filename=Mine.ipynb", json.loads(response.content))
    assert back.status_code == 201, back.content
    imported = owner.get(f"/api/notebooks/{back.json()['id']}/").json()
    assert imported["name"] == "Mine"
    assert imported["cells"][:3] == CELLS[:3]
    assert imported["cells"][3]["outputs"][0]["traceback"] == CELLS[3]["outputs"][0]["traceback"]


def test_a_jupyter_notebook_from_elsewhere_imports(owner):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Hi <b>there</b>"),
                nbformat.v4.new_code_cell("print(1)", execution_count=4, outputs=[
                    nbformat.v4.new_output("execute_result", data={"text/plain": "1",
                                                                   "text/html": "<b>1</b>"},
                                           execution_count=4),
                    nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})])]
    response = post(owner, "/api/notebooks/import/?filename=lesson.ipynb", nb)
    assert response.status_code == 201
    cells = owner.get(f"/api/notebooks/{response.json()['id']}/").json()["cells"]
    assert cells[1]["execution_count"] == 4
    assert cells[1]["outputs"] == [{"type": "display", "mime": "text/plain", "data": "1"},
                                   {"type": "display", "mime": "image/png", "data": "iVBOR"}]


def test_a_figure_exports_as_jupyters_image_png_and_imports_back(owner):
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAAB"
           "JRU5ErkJggg==")  # a 1x1 PNG
    made = make(owner, [{"cell_type": "code", "source": "plt.show()", "outputs": [
        {"type": "display", "mime": "image/png", "data": png}]}])
    exported = json.loads(owner.get(f"/api/notebooks/{made['id']}/export.ipynb").content)
    data = exported["cells"][0]["outputs"][0]["data"]
    assert data["image/png"] == png and "".join(data["text/plain"]) == "<Figure>"
    exported["cells"][0]["outputs"].append(nbformat.v4.new_output(
        "display_data", data={"image/png": "not base64 <img onerror=x>"}))  # dropped
    exported["cells"][0]["outputs"][0]["data"]["image/png"] = png[:40] + "\n" + png[40:]
    back = post(owner, "/api/notebooks/import/?filename=f.ipynb", exported)
    assert back.status_code == 201, back.content
    cells = owner.get(f"/api/notebooks/{back.json()['id']}/").json()["cells"]
    assert cells[0]["outputs"] == [{"type": "display", "mime": "image/png", "data": png}]


@pytest.mark.parametrize("body, words", [
    ({"cells": []}, "not a valid Jupyter notebook"),
    ({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]},
     "not a valid Jupyter notebook"),
])
def test_what_is_not_a_notebook_is_refused(owner, body, words):
    response = post(owner, "/api/notebooks/import/", body)
    assert response.status_code == 400 and words in response.json()["detail"], response.json()


def test_markdown_is_rendered_without_raw_html_or_script_links(owner):
    html = post(owner, "/api/notebooks/markdown/", {
        "text": "# Hi\n\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
                "[click](javascript:alert(1)) [ok](https://pytorch.org)"}).json()["html"]
    assert "<h1>Hi</h1>" in html
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and 'href="https://pytorch.org"' in html


SEED = """# Title

Prose with `code`.

```
for _ in range(T):
    h = torch.matmul(W, h) + b
```

```python
import torch
x = 1
```
More prose.
 ```python
output = net(input) 
  indented = 2
 ```
```linux
conda install pytorch
```
"""


def test_the_tutorial_splits_into_markdown_and_its_python_blocks_verbatim():
    cells = cells_from_markdown(SEED)
    assert [c["cell_type"] for c in cells] == ["markdown", "code", "markdown", "code",
                                               "markdown"]
    assert cells[0]["source"].startswith("# Title") and "torch.matmul" in cells[0]["source"]
    assert cells[1]["source"] == "import torch\nx = 1"
    assert cells[2]["source"] == "More prose."
    assert cells[3]["source"] == "output = net(input) \n indented = 2"
    assert cells[4]["source"] == "```linux\nconda install pytorch\n```"


def seed_path():
    for path in (Path(settings.BASE_DIR).parent / "shared" / "seed" / "pytorch-tutorial.md",
                 Path(os.environ.get("PLAYGROUND_TUTORIAL_PATH", "/nonexistent"))):
        if path.is_file():
            return path
    pytest.skip("the seed tutorial is not beside this checkout")


def test_open_the_seed_tutorial_as_a_notebook(owner, settings):
    settings.PLAYGROUND_TUTORIAL_PATH = str(seed_path())
    made = post(owner, "/api/notebooks/tutorial/", {})
    assert made.status_code == 201
    cells = owner.get(made.json()["url"].replace("/notebooks/", "/api/notebooks/")).json()["cells"]
    code = [c["source"] for c in cells if c["cell_type"] == "code"]
    text = seed_path().read_text()
    assert len(code) == text.count("```python")
    assert all(source in text for source in code)  # verbatim
    prose = "".join(c["source"] for c in cells if c["cell_type"] == "markdown")
    assert "Torch 是一个用于机器学习和科学计算的模块化开源库" in prose
    assert code[0] == "import torch\ntorch.__version__\n# 得到结果'1.3.0'"


def test_without_the_tutorial_the_server_says_so(owner, settings, tmp_path):
    settings.PLAYGROUND_TUTORIAL_PATH = str(tmp_path / "missing.md")
    response = post(owner, "/api/notebooks/tutorial/", {})
    assert response.status_code == 404 and "not installed" in response.json()["detail"]


def test_the_pages_show_the_editor_to_the_owner_and_a_read_only_view_to_others(owner):
    made = make(owner)
    mine = owner.get(made["url"]).content.decode()
    assert 'id="notebook-data"' in mine and '"editable": true' in mine
    assert "\\u003Ch1\\u003ETitle\\u003C/h1\\u003E" in mine  # Markdown rendered here
    theirs = Client(REMOTE_ADDR="10.0.0.9").get(made["url"]).content.decode()
    assert '"editable": false' in theirs
    assert owner.get("/notebooks/new").status_code == 200
    assert "Mine" in owner.get("/notebooks/").content.decode()
    assert owner.get("/notebooks/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert Notebook.objects.count() == 1


def test_open_as_notebook_is_a_form_post_that_lands_on_the_new_notebook(owner, settings):
    settings.PLAYGROUND_TUTORIAL_PATH = str(seed_path())
    assert owner.get("/notebooks/tutorial").status_code == 405
    response = owner.post("/notebooks/tutorial")
    assert response.status_code == 302 and response["Location"].startswith("/notebooks/")
    notebook = Notebook.objects.get()
    assert notebook.name == "Pytorch tutorial" and response["Location"] == notebook.get_absolute_url()
    assert owner.get(response["Location"]).content.decode().count('"editable": true') == 1


def test_a_repeated_cell_id_gets_a_new_one_as_nbformat_repairs_it(owner):
    made = make(owner, cells=[{"id": "a", "source": "1"}, {"id": "a", "source": "2"}])
    cells = owner.get(f"/api/notebooks/{made['id']}/").json()["cells"]
    assert cells[0]["id"] == "a" and cells[1]["id"] not in ("a", "") and cells[1]["source"] == "2"


def test_no_body_creates_an_empty_notebook_as_the_schema_allows(owner):
    response = owner.generic("POST", "/api/notebooks/")   # no body, no Content-Type
    assert response.status_code == 201, response.content
    got = owner.get(response.json()["url"].replace("/notebooks/", "/api/notebooks/")).json()
    assert got["name"] == "Untitled" and got["cells"] == []


@pytest.mark.parametrize("path, body, status, words", [
    ("/api/notebooks/markdown/", {"text": "x", "html": 1}, 400, "unknown field(s): html"),
    ("/api/notebooks/markdown/", {}, 400, 'missing field: "text"'),
    ("/api/notebooks/markdown/", None, 415, "Content-Type: application/json"),
    ("/api/notebooks/import/", None, 415, "Content-Type: application/json"),
    ("/api/notebooks/import/", {"nbformat": 4, "nbformat_minor": 5, "cells": [],
                                "metadata": {"playground": 7}}, 201, ""),
])
def test_bodies_the_schema_refuses_are_refused_with_a_reason(owner, path, body, status, words):
    response = owner.generic("POST", path) if body is None else post(owner, path, body)
    assert response.status_code == status, response.content
    assert words in response.json().get("detail", "")


def test_the_schema_states_each_body_exactly():
    from tests.site.test_api_validation import openapi
    paths = openapi()["paths"]

    def body(path, method="post"):
        return paths[path][method]["requestBody"]
    create, save = body("/api/notebooks/"), body("/api/notebooks/{notebook_id}/", "put")
    assert create["required"] is False and save["required"] is True
    assert create["content"] == save["content"]
    notebook = create["content"]["application/json"]["schema"]
    assert notebook["additionalProperties"] is False and set(notebook["properties"]) == {
        "name", "cells"}
    assert notebook["properties"]["cells"]["maxItems"] == 1000
    markdown = body("/api/notebooks/markdown/")["content"]["application/json"]["schema"]
    assert markdown["required"] == ["text"] and markdown["additionalProperties"] is False
    assert body("/api/notebooks/import/")["required"] is True
