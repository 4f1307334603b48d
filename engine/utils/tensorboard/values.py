"""Checking what user code logs: tags, steps and values, with errors that say what is wrong.

Values may be Python numbers, NumPy scalars or one-element arrays, or one-element engine
tensors (any object with ``numel()`` and ``item()``). NaN and infinity are kept.
"""
import math
import numbers

import numpy as np

MAX_TAG_LENGTH = 100          # what the playground stores (Metric.name)
STEP_RANGE = (-2**31, 2**31 - 1)  # a 32-bit integer column on PostgreSQL


def check_tag(tag, what="tag"):
    if not isinstance(tag, str):
        raise TypeError(f"{what} must be a str, not {type(tag).__name__}")
    if not tag.strip():
        raise ValueError(f"{what} must not be empty")
    if len(tag) > MAX_TAG_LENGTH:
        raise ValueError(f"{what} is {len(tag)} characters long; the limit is {MAX_TAG_LENGTH}")
    if any(ord(c) < 32 for c in tag):
        raise ValueError(f"{what} {tag!r} contains control characters")
    return tag


def _is_tensor_like(value):
    return hasattr(value, "numel") and hasattr(value, "item") and callable(value.item)


def to_float(value, what="scalar_value"):
    """``value`` as a Python float (NaN and infinity kept), or a TypeError/ValueError."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        return float(value)
    if isinstance(value, numbers.Real):  # int, float, NumPy scalars, Fraction...
        return float(value)
    if isinstance(value, numbers.Complex):
        raise TypeError(f"{what} must be a real number, not complex ({value!r})")
    if isinstance(value, np.ndarray) or _is_tensor_like(value):
        size = value.size if isinstance(value, np.ndarray) else value.numel()
        if size != 1:
            shape = tuple(value.shape)
            raise ValueError(f"{what} must be a single number: got a tensor with {size} "
                             f"elements (shape {shape}); log one element, e.g. .mean() or [0]")
        item = value.item()
        if isinstance(item, complex):
            raise TypeError(f"{what} must be a real number, not complex ({item!r})")
        return float(item)
    raise TypeError(f"{what} must be a number or a one-element tensor, "
                    f"not {type(value).__name__} ({value!r:.60})")


def to_step(step, what="global_step"):
    """``step`` as an int: ints, integral floats and one-element tensors are accepted."""
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(f"{what} must be an integer, not bool")
    if isinstance(step, numbers.Integral):
        out = int(step)
    elif isinstance(step, numbers.Real) or isinstance(step, np.ndarray) or _is_tensor_like(step):
        value = to_float(step, what)
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{what} must be a whole number, not {value!r}")
        out = int(value)
    else:
        raise TypeError(f"{what} must be an integer, not {type(step).__name__} ({step!r:.60})")
    if not STEP_RANGE[0] <= out <= STEP_RANGE[1]:
        raise ValueError(f"{what} {out} is out of range; steps must fit in 32 bits "
                         f"({STEP_RANGE[0]} to {STEP_RANGE[1]})")
    return out


def to_walltime(walltime):
    if walltime is None:
        return None
    value = to_float(walltime, "walltime")
    if not math.isfinite(value):
        raise ValueError(f"walltime must be a finite number of seconds, not {value!r}")
    return value


def to_array(values, what="values"):
    """Histogram input as a flat float64 NumPy array (tensors, arrays, lists, numbers)."""
    if hasattr(values, "detach"):  # an engine tensor: leave the graph, come to the host
        values = values.detach()
    if hasattr(values, "cpu") and not isinstance(values, np.ndarray):
        values = values.cpu()
    if hasattr(values, "numpy") and not isinstance(values, np.ndarray):
        values = values.numpy()
    try:
        array = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a tensor, an array or a list of numbers, "
                        f"not {type(values).__name__}") from None
    return array
