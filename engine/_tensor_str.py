"""repr()/str() of tensors, character for character like PyTorch 2.13.

The layout rules (precision, integer-valued floats as ``1.``, the switch to scientific
notation, summarisation with ``...`` past ``threshold`` elements, wrapping at ``linewidth``,
suffix order and wrapping) follow ``torch/_tensor_str.py``. The formatter works on a host
NumPy array plus a few facts about the tensor, so it can be tested without a Tensor class.

Large tensors are never copied whole: when summarising, only the edge blocks
(``edgeitems`` from each end of every long axis) are sliced out as views and brought to the
host, for CuPy arrays too.
"""
import contextlib
import dataclasses
import math

import numpy as np

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()


def _check_int_option(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"set_printoptions(): {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"set_printoptions(): {name} must be >= {minimum}, got {value}")
    return int(value)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set the options for printing tensors, like ``torch.set_printoptions``.

    ``profile`` ("default", "short", "full") sets the first four options, which the other
    arguments then override. As in PyTorch, ``sci_mode`` is always assigned, so leaving it
    out returns it to automatic (None).
    """
    # Validate everything before assigning anything, so a bad call changes nothing.
    if profile is not None and profile not in _PROFILES:
        raise ValueError(f"set_printoptions(): unknown profile {profile!r}; "
                         f"expected one of {', '.join(map(repr, _PROFILES))}")
    if precision is not None:
        precision = _check_int_option("precision", precision, 0)
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
            raise TypeError(f"set_printoptions(): threshold must be a number, got {type(threshold).__name__}")
        if math.isnan(threshold):
            raise ValueError("set_printoptions(): threshold must not be nan")
    if edgeitems is not None:
        edgeitems = _check_int_option("edgeitems", edgeitems, 0)
    if linewidth is not None:
        linewidth = _check_int_option("linewidth", linewidth, 1)
    if sci_mode is not None and not isinstance(sci_mode, (bool, np.bool_)):
        raise TypeError(f"set_printoptions(): sci_mode must be True, False or None, got {sci_mode!r}")

    if profile is not None:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = None if sci_mode is None else bool(sci_mode)


def get_printoptions() -> dict:
    """The current print options, as a dict that ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same arguments as ``set_printoptions``)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses one width and notation for every element, from the values that will be shown."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = PRINT_OPTS.precision

        if not self.floating:
            # ints and bools print as Python prints them; width covers every element
            self.max_width = max([1] + [len(str(v)) for v in values.ravel().tolist()])
            return

        flat = values.ravel()
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return  # only zeros, nan and inf: int mode, width 1, never scientific

        # float64 as PyTorch does: float16 would overflow in max / min
        magnitudes = np.abs(nonzero_finite.astype(np.float64))
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):  # 1e300 / 1e-300 is inf, and inf > 1000 as in PyTorch
                ratio = largest / smallest
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        shown = nonzero_finite.tolist()  # Python floats, exactly what .item() gives
        if self.sci_mode:
            widths = [len(f"{v:.{precision}e}") for v in shown]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in shown]  # + 1 for the trailing "."
        else:
            widths = [len(f"{v:.{precision}f}") for v in shown]
        self.max_width = max(widths)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


class _ComplexFormatter:
    """Formats complex values with one formatter for the real parts, one for the imaginary."""

    def __init__(self, values: np.ndarray):
        self.real = _Formatter(np.ascontiguousarray(values.real))
        self.imag = _Formatter(np.ascontiguousarray(values.imag))

    def width(self):
        # real part, imaginary part and its "j" (PyTorch's element length, before the ", ")
        return self.real.width() + self.imag.width() + 1

    def format(self, value):
        real_text = self.real.format(value.real)
        imag_text = (self.imag.format(value.imag) + "j").lstrip()
        if imag_text[0] in "+-":  # handles negative numbers and -0.0
            return real_text + imag_text
        return real_text + "+" + imag_text


def _edge_blocks(array, axis, edgeitems, to_numpy):
    """The summarised data: each axis longer than 2*edgeitems cut to its first and last
    edgeitems entries. Only views are sliced from `array`; the small corner blocks are
    copied to the host and joined there."""
    if axis == array.ndim:
        return np.asarray(to_numpy(array))
    if array.shape[axis] > 2 * edgeitems:
        head = (slice(None),) * axis
        parts = [array[head + (slice(None, edgeitems),)], array[head + (slice(-edgeitems, None),)]]
        return np.concatenate([_edge_blocks(p, axis + 1, edgeitems, to_numpy) for p in parts], axis=axis)
    return _edge_blocks(array, axis + 1, edgeitems, to_numpy)


def _vector_str(values, length, indent, summarize, formatter):
    """One innermost row; `values` are the shown entries, `length` the row's real length."""
    edgeitems = PRINT_OPTS.edgeitems
    element_length = formatter.width() + 2  # ", " between elements
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    if summarize and length > 2 * edgeitems:
        data = ([formatter.format(v) for v in values[:edgeitems]] + [" ..."]
                + [formatter.format(v) for v in values[edgeitems:]])
    else:
        data = [formatter.format(v) for v in values]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values, shape, indent, summarize, formatter):
    """`values` is the nested list of shown entries, `shape` the true shape at this level."""
    if len(shape) == 1:
        return _vector_str(values, shape[0], indent, summarize, formatter)
    edgeitems = PRINT_OPTS.edgeitems
    slices = [_nested_str(v, shape[1:], indent + 1, summarize, formatter) for v in values]
    if summarize and shape[0] > 2 * edgeitems:
        slices = slices[:edgeitems] + ["..."] + slices[edgeitems:]
    return "[" + ("," + "\n" * (len(shape) - 1) + " " * (indent + 1)).join(slices) + "]"


def format_values(array, indent, to_numpy=np.asarray):
    """The bracketed contents of a non-empty tensor, like ``torch._tensor_str._tensor_str``.

    `array` is a NumPy or CuPy array; `to_numpy` copies a (small) array to the host.
    """
    shape = tuple(array.shape)
    numel = math.prod(shape)
    if numel == 0:
        return "[]"
    summarize = numel > PRINT_OPTS.threshold
    if summarize and PRINT_OPTS.edgeitems == 0 and shape:
        return "[...]"  # nothing at all is shown, PyTorch prints a bare ellipsis
    if summarize:
        shown = _edge_blocks(array, 0, PRINT_OPTS.edgeitems, to_numpy)
    else:
        shown = np.asarray(to_numpy(array))
    formatter = _ComplexFormatter(shown) if shown.dtype.kind == "c" else _Formatter(shown)
    if not shape:
        return formatter.format(shown.item())
    return _nested_str(shown.tolist(), shape, indent, summarize, formatter)


def _add_suffixes(text, suffixes, indent):
    # PyTorch's own arithmetic: the last line counts 2 more characters than it has
    last_line_len = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(array, *, dtype_name, default_dtype_name="torch.float32", device="cpu",
                  grad_fn_name=None, requires_grad=False, to_numpy=np.asarray):
    """The full ``tensor(...)`` text of an array with the given tensor facts.

    dtype_name: like "torch.int32"; default_dtype_name: the engine's default float dtype;
    device: like "cpu" or "cuda:0"; grad_fn_name: like "MulBackward0" or None.
    """
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if device != "cpu":
        suffixes.append(f"device='{device}'")

    shape = tuple(array.shape)
    if math.prod(shape) == 0:
        if len(shape) != 1:
            suffixes.append("size=" + str(shape))
        # no element shows what kind of number it is, so any non-default dtype is named
        if dtype_name != default_dtype_name:
            suffixes.append("dtype=" + dtype_name)
        body = "[]"
    else:
        if PRINT_OPTS.edgeitems == 0:
            suffixes.append("size=" + str(shape))
        default_complex = "torch.complex128" if default_dtype_name == "torch.float64" else "torch.complex64"
        if dtype_name not in (default_dtype_name, default_complex, "torch.int64", "torch.bool"):
            suffixes.append("dtype=" + dtype_name)
        body = format_values(array, indent, to_numpy)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def _host_copier():
    try:
        from engine._backend import to_numpy
    except ImportError:  # CPU-only engine without a backend module: data is already NumPy
        return np.asarray
    return to_numpy


def tensor_repr(t) -> str:
    """repr() and str() of an engine Tensor, as PyTorch prints it."""
    import engine

    grad_fn = t.grad_fn
    device = t.device
    # a tensor always lives on a numbered device: PyTorch prints 'cuda:0', never 'cuda'
    device_name = f"{device.type}:{device.index or 0}" if device.type == "cuda" else device.type
    return format_tensor(
        t._data,
        dtype_name=str(t.dtype),
        default_dtype_name=str(engine.get_default_dtype()),
        device=device_name,
        grad_fn_name=None if grad_fn is None else grad_fn.name(),
        requires_grad=bool(t.requires_grad),
        to_numpy=_host_copier(),
    )
