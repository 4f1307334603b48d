"""The seed tutorial as a notebook: its Markdown and its Python blocks, in order and
verbatim. A fenced block marked python (or py) becomes a code cell; everything else,
other fenced blocks included (shell commands, pasted output), stays in the Markdown."""
import re
from pathlib import Path

from django.conf import settings

from .cells import new_cell_id

PYTHON = ("python", "py", "python3")
OPENING = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$")


def tutorial_path():
    """Where the seed tutorial is on this server, or None when it is not here."""
    path = Path(settings.PLAYGROUND_TUTORIAL_PATH)
    return path if path.is_file() else None


def _closes(line, fence):
    stripped = line.rstrip("\r\n")
    indent = len(stripped) - len(stripped.lstrip(" "))
    body = stripped.strip()
    return (indent <= 3 and body.startswith(fence[0] * len(fence))
            and set(body) == {fence[0]})


def cells_from_markdown(text):
    """[cell]: Markdown between the Python blocks, each Python block a code cell."""
    lines = text.splitlines(keepends=True)
    cells, prose, i = [], [], 0

    def flush():
        chunk = "".join(prose).strip("\n")
        if chunk.strip():
            cells.append({"id": new_cell_id(), "cell_type": "markdown", "source": chunk})
        prose.clear()

    while i < len(lines):
        match = OPENING.match(lines[i].rstrip("\r\n"))
        if not match:
            prose.append(lines[i])
            i += 1
            continue
        indent, fence, lang = len(match[1]), match[2], match[3].lower()
        end = next((j for j in range(i + 1, len(lines)) if _closes(lines[j], fence)),
                   len(lines))
        if lang not in PYTHON:
            prose.extend(lines[i:end + 1])
            i = end + 1
            continue
        # CommonMark: each line of the block loses up to the opening fence's indentation.
        body = [line[min(indent, len(line) - len(line.lstrip(" "))):]
                for line in lines[i + 1:end]]
        flush()
        cells.append({"id": new_cell_id(), "cell_type": "code",
                      "source": "".join(body).rstrip("\n"), "execution_count": None,
                      "outputs": []})
        i = end + 1
    flush()
    return cells


def tutorial_cells():
    path = tutorial_path()
    if path is None:
        return None
    return cells_from_markdown(path.read_text(encoding="utf-8"))


def tutorial_name(cells):
    for cell in cells:
        if cell["cell_type"] == "markdown":
            first = cell["source"].lstrip("# ").splitlines()[0].strip()
            if first:
                return f"{first} tutorial"[:200]
    return "Tutorial"
