"""Notebooks over REST, under /api/notebooks/ (the site's one Django Ninja API and schema).
Anyone holding a notebook's id may read and export it; only its owner may change, delete or
run it. Pages save through PUT (autosave)."""
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from playground.runs.api import caller, json_object, refuse_cross_site

from . import ipynb
from .cells import (CELL_ID, CELL_TYPES, MAX_CELLS, MAX_NAME, NotebookInvalid, clean_cells,
                    clean_name)
from .markdown import render
from .models import Notebook
from .tutorial import tutorial_cells, tutorial_name

router = Router(tags=["notebooks"])
MAX_LISTED = 100
MAX_PER_OWNER = 500   # notebooks one visitor may keep


class NotebookSummary(Schema):
    id: uuid.UUID
    name: str
    url: str
    updated_at: datetime


class NotebookDetail(NotebookSummary):
    cells: list
    created_at: datetime
    editable: bool


class NotebookList(Schema):
    notebooks: list[NotebookSummary]


class Created(Schema):
    id: uuid.UUID
    url: str


class Saved(Schema):
    id: uuid.UUID
    updated_at: datetime


class MarkdownOut(Schema):
    html: str


class Detail(Schema):
    detail: str


# -- request bodies, as exact as cells.py checks them ----------------------------------------------
NO_NUL = r"^[^\x00]*$"
CELL = {
    "type": "object", "description": "a cell; other keys (an .ipynb's metadata) are ignored",
    "properties": {
        "id": {"type": ["string", "null"], "pattern": CELL_ID.pattern,
               "description": "nbformat 4.5's cell id; missing, null or used before: a new one"},
        "cell_type": {"type": "string", "enum": list(CELL_TYPES), "default": "code"},
        "source": {"oneOf": [{"type": "string", "pattern": NO_NUL},
                             {"type": "array", "items": {"type": "string", "pattern": NO_NUL}}],
                   "description": "the text, or its lines as .ipynb keeps them; no NUL, at "
                                  "most PLAYGROUND_MAX_CODE_BYTES of UTF-8"},
        "execution_count": {"description": "a positive integer; anything else is kept as null"},
        "outputs": {"type": ["array", "null"],
                    "description": "code cells: the kernel's events (stdout, stderr, display, "
                                   "metrics, error); others are dropped"}}}
NOTEBOOK_IN = {
    "type": "object", "additionalProperties": False,
    "properties": {"name": {"type": "string", "pattern": NO_NUL,
                            "description": f"cut at {MAX_NAME} characters; blank: Untitled"},
                   "cells": {"type": "array", "maxItems": MAX_CELLS, "items": CELL}}}
# What nbformat accepts cannot be said here in full (its own JSON schema, per minor version,
# and then the cells' checks above): the top level only.
IPYNB = {"type": "object", "required": ["nbformat", "nbformat_minor", "metadata", "cells"],
         "description": "a Jupyter notebook (.ipynb), nbformat 4, as nbformat validates it",
         "properties": {"nbformat": {"type": "integer", "enum": [4]},
                        "nbformat_minor": {"type": "integer", "minimum": 0},
                        "metadata": {"type": "object"}, "cells": {"type": "array"}}}
MARKDOWN_IN = {"type": "object", "additionalProperties": False, "required": ["text"],
               "properties": {"text": {"type": "string"}}}


def json_body(schema, required=True):
    """openapi_extra stating an endpoint's JSON body."""
    return {"requestBody": {"required": required,
                            "content": {"application/json": {"schema": schema}}}}


# -- helpers -------------------------------------------------------------------------------------
def _body(request, required=(), allowed=None, empty_ok=False):
    """The request's JSON object, with the ``required`` keys and no key outside ``allowed``;
    with ``empty_ok``, no body at all is ``{}``."""
    if empty_ok and not request.body:
        return {}
    body = json_object(request, "a JSON object")
    unknown = sorted(set(body) - set(allowed)) if allowed is not None else []
    if unknown:
        raise HttpError(400, f"unknown field(s): {', '.join(unknown)[:200]}; it takes "
                             f"{', '.join(allowed)}")
    for key in required:
        if key not in body:
            raise HttpError(400, f'missing field: "{key}"')
    return body


def get_notebook(notebook_id):
    try:
        key = uuid.UUID(str(notebook_id))
    except ValueError:
        raise HttpError(404, f"{notebook_id!r} is not a notebook id") from None
    notebook = Notebook.objects.filter(pk=key).first()
    if notebook is None:
        raise Http404(f"no notebook with id {notebook_id}")
    return notebook


def own_notebook(request, notebook_id):
    notebook = get_notebook(notebook_id)
    if notebook.owner != caller(request):
        raise HttpError(403, "only the person who made a notebook can change it; open it and "
                             "use Copy to get your own")
    return notebook


def create(request, name, cells):
    try:
        name, cells = clean_name(name), clean_cells(cells)
    except NotebookInvalid as exc:
        raise HttpError(400, str(exc)) from None
    owner = caller(request)
    if Notebook.objects.filter(owner=owner).count() >= MAX_PER_OWNER:
        raise HttpError(429, f"you already have {MAX_PER_OWNER} notebooks; delete some first")
    user = request.user if request.user.is_authenticated else None
    notebook = Notebook.objects.create(owner=owner, user=user, name=name, cells=cells)
    return 201, {"id": notebook.id, "url": notebook.get_absolute_url()}


def summary(notebook):
    return {"id": notebook.id, "name": notebook.name, "url": notebook.get_absolute_url(),
            "updated_at": notebook.updated_at}


def detail(request, notebook):
    return {**summary(notebook), "cells": notebook.cells, "created_at": notebook.created_at,
            "editable": notebook.owner == caller(request)}


ERRORS = {400: Detail, 403: Detail, 404: Detail, 413: Detail, 415: Detail, 429: Detail}


# -- endpoints -----------------------------------------------------------------------------------
@router.get("/", response=NotebookList, summary="List your notebooks")
def list_notebooks(request):
    mine = Notebook.objects.filter(owner=caller(request)).only("id", "name", "updated_at")
    return {"notebooks": [summary(n) for n in mine[:MAX_LISTED]]}


@router.post("/", response={201: Created, **ERRORS}, summary="Create a notebook",
             openapi_extra=json_body(NOTEBOOK_IN, required=False))
def create_notebook(request):
    """Body: `{"name"?: str, "cells"?: [{"cell_type": "code"|"markdown", "source", ...}]}`;
    none at all: an empty notebook called Untitled."""
    refuse_cross_site(request)
    body = _body(request, allowed=("name", "cells"), empty_ok=True)
    return create(request, body.get("name", "Untitled"), body.get("cells", []))


@router.post("/import/", response={201: Created, **ERRORS}, summary="Import a .ipynb",
             openapi_extra=json_body(IPYNB))
def import_notebook(request, filename: str = ""):
    """Body: the .ipynb file itself (nbformat 4), sent as application/json."""
    refuse_cross_site(request)
    if request.content_type != "application/json":
        raise HttpError(415, "send the .ipynb file as the body, Content-Type: application/json")
    try:
        name, cells = ipynb.from_ipynb(request.body.decode("utf-8", "replace"), filename)
    except RequestDataTooBig:
        raise HttpError(413, f"the file is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} "
                             f"bytes") from None
    except NotebookInvalid as exc:
        raise HttpError(400, str(exc)) from None
    return create(request, name, cells)


@router.post("/tutorial/", response={201: Created, 403: Detail, 404: Detail, 429: Detail},
             summary="The seed tutorial as a new notebook")
def tutorial_notebook(request):
    refuse_cross_site(request)
    cells = tutorial_cells()
    if cells is None:
        raise HttpError(404, "the tutorial is not installed on this server")
    return create(request, tutorial_name(cells), cells)


@router.post("/markdown/", response={200: MarkdownOut, **ERRORS},
             summary="Render a Markdown cell", openapi_extra=json_body(MARKDOWN_IN))
def render_markdown(request):
    """Body: `{"text": str}`. Raw HTML in the text is escaped, never passed through."""
    text = _body(request, ["text"], allowed=("text",))["text"]
    if not isinstance(text, str):
        raise HttpError(400, '"text" must be a string')
    return {"html": render(text)}


@router.get("/{notebook_id}/", response={200: NotebookDetail, 404: Detail},
            summary="A notebook in full")
def notebook_detail(request, notebook_id: str):
    return detail(request, get_notebook(notebook_id))


@router.put("/{notebook_id}/", response={200: Saved, **ERRORS}, summary="Save a notebook",
            openapi_extra=json_body(NOTEBOOK_IN))
def save_notebook(request, notebook_id: str):
    """Body: `{"name"?: str, "cells"?: [...]}`: what is given replaces what was stored."""
    refuse_cross_site(request)
    notebook = own_notebook(request, notebook_id)
    body = _body(request, allowed=("name", "cells"))
    try:
        if "name" in body:
            notebook.name = clean_name(body["name"])
        if "cells" in body:
            notebook.cells = clean_cells(body["cells"])
    except NotebookInvalid as exc:
        raise HttpError(400, str(exc)) from None
    notebook.save()
    return {"id": notebook.id, "updated_at": notebook.updated_at}


@router.delete("/{notebook_id}/", response={204: None, 403: Detail, 404: Detail},
               summary="Delete a notebook")
def delete_notebook(request, notebook_id: str):
    refuse_cross_site(request)
    own_notebook(request, notebook_id).delete()
    return 204, None


@router.post("/{notebook_id}/copy/", response={201: Created, 403: Detail, 404: Detail,
                                               429: Detail},
             summary="Copy a notebook into your own")
def copy_notebook(request, notebook_id: str):
    refuse_cross_site(request)
    notebook = get_notebook(notebook_id)
    return create(request, f"Copy of {notebook.name}", notebook.cells)


@router.get("/{notebook_id}/export.ipynb", response={200: None, 404: Detail},
            summary="Export as .ipynb (nbformat 4)")
def export_notebook(request, notebook_id: str):
    notebook = get_notebook(notebook_id)
    response = HttpResponse(ipynb.to_ipynb(notebook), content_type="application/x-ipynb+json")
    safe = "".join(c if c.isalnum() or c in "-_ " else "_" for c in notebook.name)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe.strip() or "notebook"}.ipynb"'
    return response
