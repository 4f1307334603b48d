"""Markdown cells as HTML that is safe to put in a page: CommonMark through markdown-it-py
with raw HTML off (any tag in the text is shown as text, escaped) and its link check on
(no javascript:, vbscript:, file: or non-image data: URLs)."""
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(text):
    return _md.render(text)
