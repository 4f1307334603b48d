"""A notebook's cells as they are stored, sent to pages and exported: one checked shape, so
neither a page's autosave nor an imported .ipynb stores what the site cannot show, or more
than it should keep.

A cell is {"id", "cell_type": "code"|"markdown", "source", "execution_count", "outputs"};
outputs are the kernel's events as pages render them (stdout, stderr, display, metrics,
error), without their kernel and cell ids.
"""
import json
import re
import uuid

from playground import events, policy

MAX_CELLS = 1000
MAX_OUTPUT_BYTES = 4 << 20          # the outputs of all cells of one notebook, as JSON
MAX_NAME = 200
CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")   # nbformat 4.5's cell ids
CELL_TYPES = ("code", "markdown")
OUTPUT_TYPES = ("stdout", "stderr", "display", "metrics", "error")
OUTPUT_CUT = "[the stored outputs of this notebook were cut at {} MiB]\n"


class NotebookInvalid(ValueError):
    """A notebook the site will not store; the message says what is wrong."""


def new_cell_id():
    return uuid.uuid4().hex[:12]


def clean_name(name):
    if not isinstance(name, str):
        raise NotebookInvalid('"name" must be a string')
    name = name.strip()[:MAX_NAME]
    _check_text("name", name)
    return name or "Untitled"


def clean_cells(cells):
    """``cells`` checked and normalised; raises NotebookInvalid saying what is wrong."""
    if not isinstance(cells, list):
        raise NotebookInvalid('"cells" must be a list of cells')
    if len(cells) > MAX_CELLS:
        raise NotebookInvalid(f"a notebook holds at most {MAX_CELLS} cells, not {len(cells)}")
    budget = [MAX_OUTPUT_BYTES]
    seen, out = set(), []
    for index, cell in enumerate(cells):
        cleaned = _clean_cell(index, cell, budget)
        if cleaned["id"] in seen:   # as nbformat repairs it: the later cell gets a new id
            cleaned["id"] = new_cell_id()
        seen.add(cleaned["id"])
        out.append(cleaned)
    return out


def _clean_cell(index, cell, budget):
    where = f"cell {index}"
    if not isinstance(cell, dict):
        raise NotebookInvalid(f"{where} must be an object")
    kind = cell.get("cell_type", "code")
    if kind not in CELL_TYPES:
        raise NotebookInvalid(f'{where}: "cell_type" must be "code" or "markdown", not {kind!r}')
    cell_id = cell.get("id")
    if cell_id is None:
        cell_id = new_cell_id()
    if not isinstance(cell_id, str) or not CELL_ID.match(cell_id):
        raise NotebookInvalid(f'{where}: "id" must be 1-64 letters, digits, "-" or "_"')
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        source = "".join(source)  # as .ipynb stores it: a list of lines
    if not isinstance(source, str):
        raise NotebookInvalid(f'{where}: "source" must be a string or a list of strings')
    _check_text(f"{where} source", source)
    cap = policy.current().max_code_bytes
    if len(source.encode()) > cap:
        raise NotebookInvalid(f"{where}: the source is longer than {cap // 1024} KiB")
    cleaned = {"id": cell_id, "cell_type": kind, "source": source}
    if kind == "code":
        count = cell.get("execution_count")
        cleaned["execution_count"] = (count if isinstance(count, int) and not
                                      isinstance(count, bool) and 0 < count < 2 ** 31 else None)
        outputs = cell.get("outputs")
        cleaned["outputs"] = _clean_outputs([] if outputs is None else outputs, budget)
    return cleaned


def _clean_outputs(outputs, budget):
    if not isinstance(outputs, list):
        raise NotebookInvalid('"outputs" must be a list')
    kept = []
    for output in outputs:
        output = clean_output(output)
        if output is None:
            continue
        size = len(json.dumps(output))
        if size > budget[0]:
            if budget[0] >= 0:
                kept.append({"type": "stderr", "text": OUTPUT_CUT.format(MAX_OUTPUT_BYTES >> 20)})
            budget[0] = -1
            break
        budget[0] -= size
        kept.append(output)
    return kept


def clean_output(output):
    """One output event with only its protocol fields, storable as JSON; None if it is not
    one (an unknown type, a missing field)."""
    if not isinstance(output, dict) or output.get("type") not in OUTPUT_TYPES:
        return None
    kind = output["type"]
    fields = events.EVENT_FIELDS[kind]
    if any(k not in output for k in fields):
        return None
    cleaned = {"type": kind, **{k: storable(output[k]) for k in fields}}
    if kind in ("stdout", "stderr") and not isinstance(cleaned["text"], str):
        return None
    return cleaned


# NaN, NUL, lone surrogates, huge ints, deep nesting: a display's data is the user's.
storable = events.strict_json


def _check_text(field, text):
    try:
        text.encode()
    except UnicodeEncodeError:
        raise NotebookInvalid(f"{field} has a character that is not valid Unicode") from None
    if "\x00" in text:
        raise NotebookInvalid(f"{field} contains a NUL character")
