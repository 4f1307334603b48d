"""The notebook pages: your notebooks, a new one, one notebook (its owner edits and runs it;
anyone else holding the link reads it)."""
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from playground.runs.api import caller
from playground.runs.views import _page_context

from .markdown import render as render_markdown
from .models import Notebook
from .tutorial import tutorial_path


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
    context["document"] = _document(None, editable=True)
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
