"""How values become "display" events (the value of a cell's final bare expression).

Runs inside the sandbox child. Tensors get a structured display; anything else its repr.
Helpers that user code calls to show something (e.g. a later ``show_graph(t)``) belong here.
"""
from playground import events

TENSOR_MIME = "application/vnd.playground.tensor+json"
TEXT_MIME = "text/plain"
MAX_TENSOR_VALUES = 10_000
MAX_REPR_CHARS = 100_000


def is_tensor(value):
    """Duck-typed engine tensor: no import of the engine needed to recognise one."""
    return (type(value).__module__.startswith("engine")
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
        "values": values,
    }
    if truncated:
        data["truncated"] = True
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
