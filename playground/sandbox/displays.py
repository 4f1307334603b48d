"""How values become "display" events (the value of a cell's final bare expression).

Runs inside the sandbox child. Tensors get a structured display; anything else its repr.
Helpers that user code calls to show something (``show_graph(t)``) belong here too.
"""
import math

from playground import events

TENSOR_MIME = "application/vnd.playground.tensor+json"
TEXT_MIME = "text/plain"
MAX_TENSOR_VALUES = 10_000
MAX_REPR_CHARS = 100_000


def is_tensor(value):
    """Duck-typed engine tensor: no import of the engine needed to recognise one (its class
    shows PyTorch's path, torch.Tensor, as PyTorch's does)."""
    return (type(value).__module__.split(".")[0] in ("engine", "torch")
            and all(hasattr(value, a) for a in ("shape", "dtype", "device", "tolist")))


def _clip(text):
    if len(text) > MAX_REPR_CHARS:
        return text[:MAX_REPR_CHARS] + f"... [{len(text) - MAX_REPR_CHARS} more characters]"
    return text


def _dtype_name(dtype):
    name = str(dtype)
    return name if name.startswith("torch.") else "torch." + name.rsplit(".", 1)[-1]


def _truncated_values(tensor):
    """Nested list of at most MAX_TENSOR_VALUES elements, and whether it was cut."""
    shape = tuple(tensor.shape)
    total = 1
    for n in shape:
        total *= n
    if total <= MAX_TENSOR_VALUES:
        return tensor.tolist(), False
    # Keep whole leading rows: slice along the first dims until the rest fits.
    index = []
    remaining = MAX_TENSOR_VALUES
    for dim, n in enumerate(shape):
        inner = 1
        for m in shape[dim + 1:]:
            inner *= m
        keep = max(1, min(n, remaining // max(inner, 1)))
        index.append(slice(0, keep))
        if keep * inner <= remaining:
            break
        remaining //= keep
    return tensor[tuple(index)].tolist(), True


def _json_safe(values):
    """NaN and infinities as the strings JavaScript's Number() reads ("NaN", "Infinity")."""
    if isinstance(values, list):
        return [_json_safe(v) for v in values]
    if isinstance(values, float) and not math.isfinite(values):
        return "NaN" if math.isnan(values) else ("Infinity" if values > 0 else "-Infinity")
    return values


def tensor_data(tensor):
    values, truncated = _truncated_values(tensor)
    grad_fn = getattr(tensor, "grad_fn", None)
    data = {
        "shape": [int(n) for n in tensor.shape],
        "dtype": _dtype_name(tensor.dtype),
        "device": str(tensor.device),
        "requires_grad": bool(getattr(tensor, "requires_grad", False)),
        "grad_fn": type(grad_fn).__name__ if grad_fn is not None else None,
        "repr": _clip(repr(tensor)),
        "values": _json_safe(values),
    }
    if truncated:
        data["truncated"] = True
    if grad_fn is not None:
        try:  # the page's "Graph" button draws it; a broken graph must not hide the tensor
            data["graph"] = graph_data(tensor)
        except Exception:
            pass
    return data


def display_event(value):
    """The display event for ``value``, or None for None (as a notebook shows nothing)."""
    if value is None:
        return None
    if is_tensor(value):
        try:
            return events.event("display", mime=TENSOR_MIME, data=tensor_data(value))
        except Exception:  # a half-built engine tensor must still show something
            pass
    return events.event("display", mime=TEXT_MIME, data=_clip(repr(value)))


# -- show_graph(t): the autograd graph behind a tensor -------------------------------------------
GRAPH_MIME = "application/vnd.playground.graph+json"
MAX_GRAPH_NODES = 300


def graph_data(tensor):
    """The graph PyTorch's ``grad_fn.next_functions`` walk sees, as
    ``{"root", "nodes": [{"id", "name", "kind", "shape"?}], "edges": [{"from", "to"}]}``:
    a "tensor" node for ``tensor``, a "function" node per backward node (MulBackward0, ...),
    a "leaf" node per AccumulateGrad with its variable's shape; edges point along the forward
    pass (input -> output)."""
    fn = getattr(tensor, "grad_fn", None)
    if fn is None:
        raise ValueError("show_graph() needs a tensor with a grad_fn (one computed from a tensor "
                         "with requires_grad=True); this one has grad_fn=None")
    nodes = [{"id": "t", "name": "tensor", "kind": "tensor",
              "shape": [int(n) for n in tensor.shape]}]
    edges = [{"from": "n0", "to": "t"}]
    ids, todo, cut = {id(fn): "n0"}, [fn], False
    while todo:
        node = todo.pop(0)
        nid = ids[id(node)]
        name = node.name() if callable(getattr(node, "name", None)) else type(node).__name__
        entry = {"id": nid, "name": name, "kind": "function"}
        variable = getattr(node, "variable", None)
        if variable is not None:
            entry.update(kind="leaf", shape=[int(n) for n in variable.shape])
        nodes.append(entry)
        for nxt, _ in getattr(node, "next_functions", ()):
            if nxt is None:
                continue
            if id(nxt) not in ids:
                if len(ids) >= MAX_GRAPH_NODES:
                    cut = True
                    continue
                ids[id(nxt)] = f"n{len(ids)}"
                todo.append(nxt)
            edges.append({"from": ids[id(nxt)], "to": nid})
    data = {"root": "t", "nodes": nodes, "edges": edges}
    if cut:
        data["truncated"] = True
    return data


def user_helpers(emit):
    """Functions user code can call, bound to the child's event writer ``emit``."""
    def show_graph(tensor):
        """Draw the autograd graph behind ``tensor`` in the page."""
        emit(events.event("display", mime=GRAPH_MIME, data=graph_data(tensor)))

    return {"show_graph": show_graph}
