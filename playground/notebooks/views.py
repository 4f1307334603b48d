"""The notebook pages: your notebooks, a new one, one notebook (its owner edits and runs it;
anyone else holding the link reads it)."""
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from ninja.errors import HttpError

from playground.runs.api import caller
from playground.runs.views import _page_context

from . import api
from .markdown import render as render_markdown
from .models import Notebook
from .tutorial import tutorial_cells, tutorial_name, tutorial_path


def _document(notebook, editable):
    """What the page's script starts from: the cells, Markdown rendered safely here."""
    cells = [dict(c, html=render_markdown(c["source"])) if c["cell_type"] == "markdown" else c
             for c in (notebook.cells if notebook else [])]
    return {"id": str(notebook.id) if notebook else None,
            "name": notebook.name if notebook else "Untitled",
            "cells": cells, "editable": editable}


@require_GET
def notebook_list(request):
    context = _page_context(request)
    context["notebooks"] = Notebook.objects.filter(owner=caller(request)).only(
        "id", "name", "updated_at")[:100]
    context["tutorial"] = tutorial_path() is not None
    return render(request, "notebooks/list.html", context)


@require_GET
def new_notebook(request):
    context = _page_context(request)
    context.update(document=_document(None, editable=True))
    return render(request, "notebooks/notebook.html", context)


@require_GET
def notebook_page(request, notebook_id):
    notebook = Notebook.objects.filter(pk=notebook_id).first()
    if notebook is None:
        raise Http404("No such notebook.")
    context = _page_context(request)
    editable = notebook.owner == caller(request)
    context.update(notebook=notebook, document=_document(notebook, editable))
    return render(request, "notebooks/notebook.html", context)


@require_POST
def open_tutorial(request):
    """"Open as notebook": the seed tutorial as a new notebook of this visitor (a form post,
    CSRF-checked, so it works without the page's script)."""
    _page_context(request)  # the notebook belongs to this browser's session
    cells = tutorial_cells()
    if cells is None:
        raise Http404("The tutorial is not installed on this server.")
    try:
        _, made = api.create(request, tutorial_name(cells), cells)
    except HttpError as exc:  # too many notebooks
        return HttpResponse(str(exc), status=exc.status_code, content_type="text/plain")
    return redirect(made["url"], permanent=False)
