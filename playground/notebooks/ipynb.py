"""Notebooks as Jupyter files (nbformat 4, checked with the nbformat package both ways).

Outputs travel as Jupyter's: stdout/stderr as "stream", errors as "error", a value as
"display_data" with its text/plain, a figure as Jupyter's image/png; the playground's own
displays (tensors, autograd graphs, histograms, heatmaps, metric points) keep their JSON under
their own mime beside a text/plain line, so a round trip gives back what the page showed.
"""
import json
import re

import nbformat

from playground import events
from playground.sandbox.displays import GRAPH_MIME, TENSOR_MIME

from .cells import NotebookInvalid, clean_cells, clean_name

METRICS_MIME = "application/vnd.playground.metrics+json"
OUR_MIMES = (TENSOR_MIME, GRAPH_MIME, events.HISTOGRAM_MIME, events.HEATMAP_MIME)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (tensor playground)",
              "language": "python"}


# -- export ------------------------------------------------------------------------------------
def to_ipynb(notebook):
    """The notebook as .ipynb text; nbformat validates it first."""
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": KERNELSPEC, "language_info": {"name": "python"},
        "playground": {"id": str(notebook.id), "name": notebook.name}})
    for cell in notebook.cells:
        if cell["cell_type"] == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell["source"], id=cell["id"]))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(
                cell["source"], id=cell["id"], execution_count=cell.get("execution_count"),
                outputs=_outputs_out(cell.get("outputs") or [])))
    nbformat.validate(nb)
    return nbformat.writes(nb)


def _outputs_out(outputs):
    out = []
    for o in outputs:
        kind = o["type"]
        if kind in ("stdout", "stderr"):
            if out and out[-1].get("output_type") == "stream" and out[-1].name == kind:
                out[-1].text += o["text"]
            else:
                out.append(nbformat.v4.new_output("stream", name=kind, text=o["text"]))
        elif kind == "error":
            out.append(nbformat.v4.new_output(
                "error", ename=str(o["ename"]), evalue=str(o["evalue"]),
                traceback=str(o["traceback"] or "").splitlines()))
        elif kind == "metrics":
            points = o["points"] if isinstance(o["points"], list) else []
            out.append(nbformat.v4.new_output("display_data", data={
                METRICS_MIME: {"points": points}, "text/plain": f"{len(points)} metric points"}))
        elif kind == "display":
            out.append(nbformat.v4.new_output("display_data", data=_display_data(o)))
    return out


def _display_data(o):
    mime, data = o["mime"], o["data"]
    if mime == events.PNG_MIME and isinstance(data, str):  # a figure, as Jupyter keeps one
        return {mime: data, "text/plain": "<Figure>"}
    if mime in OUR_MIMES and isinstance(data, dict):
        text = data.get("repr") if mime == TENSOR_MIME else f"<{mime.split('.')[-1].split('+')[0]}>"
        return {mime: data, "text/plain": str(text or "")}
    return {"text/plain": data if isinstance(data, str) else json.dumps(data)}


# -- import ------------------------------------------------------------------------------------
def from_ipynb(text, filename=""):
    """(name, cells) of an .ipynb; NotebookInvalid saying why it is not one we can open."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise NotebookInvalid("the file is not JSON: not a Jupyter notebook") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise NotebookInvalid('not a valid Jupyter notebook (nbformat 4): it has no "nbformat"')
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise NotebookInvalid(f"not a valid Jupyter notebook (nbformat 4): "
                              f"{str(exc.message)[:300]}") from None
    except Exception as exc:  # nbformat's other refusals (versions, structure)
        raise NotebookInvalid(f"not a Jupyter notebook we can read: {str(exc)[:300]}") from None
    cells = []
    for cell in nb.cells:
        kind = "code" if cell.cell_type == "code" else "markdown"
        entry = {"id": cell.get("id"), "cell_type": kind, "source": cell.source}
        if kind == "code":
            entry["execution_count"] = cell.get("execution_count")
            entry["outputs"] = [o for o in map(_output_in, cell.get("outputs", [])) if o]
        cells.append(entry)
    ours = nb.metadata.get("playground")   # any JSON: metadata is free-form in nbformat
    name = ours.get("name") if isinstance(ours, dict) else None
    name = (name if isinstance(name, str) else "") or re.sub(r"\.ipynb$", "", filename)
    return clean_name(name or "Imported notebook"), clean_cells(cells)


def _output_in(o):
    kind = o.get("output_type")
    if kind == "stream":
        return {"type": "stderr" if o.get("name") == "stderr" else "stdout",
                "text": _text(o.get("text", ""))}
    if kind == "error":
        return {"type": "error", "ename": o.get("ename", ""), "evalue": o.get("evalue", ""),
                "traceback": ANSI.sub("", "\n".join(o.get("traceback", []))), "line": None}
    if kind in ("display_data", "execute_result"):
        data = o.get("data", {})
        if METRICS_MIME in data and isinstance(data[METRICS_MIME], dict):
            return {"type": "metrics", "points": data[METRICS_MIME].get("points", [])}
        for mime in OUR_MIMES:
            if mime in data:
                return {"type": "display", "mime": mime, "data": data[mime]}
        png = re.sub(r"\s", "", _text(data.get(events.PNG_MIME, "")))
        if png and BASE64.fullmatch(png):  # a figure: the page shows it as an image
            return {"type": "display", "mime": events.PNG_MIME, "data": png}
        if "text/plain" in data:
            return {"type": "display", "mime": "text/plain", "data": _text(data["text/plain"])}
    return None  # HTML, SVG...: not shown by this site (never raw HTML)


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)
