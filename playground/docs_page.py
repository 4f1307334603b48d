"""/docs/engine/: what ``torch`` is on this site, docs/engine.md served as a page (the
coverage list the playground's note links to). The file is ours, so its HTML is trusted:
the same Markdown library as notebook cells (markdown-it-py), with raw HTML on here."""
import functools

from django.conf import settings
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt

import engine

_md = MarkdownIt("commonmark", {"html": True}).enable("table")


@functools.lru_cache(maxsize=1)
def _engine_html(mtime):
    text = (settings.BASE_DIR / "docs" / "engine.md").read_text()
    return mark_safe(_md.render(text))


@require_GET
def engine_docs(request):
    path = settings.BASE_DIR / "docs" / "engine.md"
    return render(request, "docs/engine.html", {"body": _engine_html(path.stat().st_mtime),
                                                "torch_version": engine.__version__})
