"""The engine's objects under PyTorch's names, both ways, for checkpoints.

A checkpoint names classes and functions by module path: PyTorch writes
``torch.nn.modules.linear.Linear``, and a checkpoint the engine writes must say the same so
that PyTorch can read it. The public names come from engine/_torch_api.json (PyTorch 2.13's
API, with each class's defining module); anything else maps ``engine.x.y`` <-> ``torch.x.y``.
"""
import functools
import importlib

from . import _missing


def _engine_module(namespace):
    try:
        return importlib.import_module("engine" + namespace[len("torch"):])
    except ImportError:
        return None


@functools.lru_cache(maxsize=1)
def _public():
    """({id(engine object): (torch module, name)}, {(torch module, name): engine object})."""
    by_id, by_name = {}, {}
    for namespace, entries in _missing.torch_api().items():
        holder = None if namespace == "torch.Tensor" else _engine_module(namespace)
        if holder is None:
            continue
        for name, entry in entries.items():
            kind, _, module = entry.partition(" ")
            obj = vars(holder).get(name)
            if obj is None or kind not in ("class", "function"):
                continue
            # A class is pickled under its defining module, unless that module is private
            # (torch._C...); a function under the namespace that shows it.
            public_module = kind == "class" and not any(
                part.startswith("_") for part in module.split("."))
            home = module if public_module else namespace
            by_id.setdefault(id(obj), (home, name))
            by_name.setdefault((home, name), obj)
            by_name.setdefault((namespace, name), obj)
    return by_id, by_name


def _is_ours(module):
    return isinstance(module, str) and (module in ("engine", "torch")
                                        or module.startswith(("engine.", "torch.")))


def torch_name_of(obj, name=None):
    """(module, qualified name) under which PyTorch knows this engine class or function, or
    None for objects that are not the engine's (pickled under their own names)."""
    module = getattr(obj, "__module__", None)
    if not _is_ours(module):
        return None
    known = _public()[0].get(id(obj))
    if known is not None:
        return known
    if module.startswith("engine"):
        module = "torch" + module[len("engine"):]
    return module, name or obj.__qualname__


def engine_object(module, name):
    """The engine's object for PyTorch's ``module.name``; AttributeError saying the engine
    lacks it otherwise."""
    obj = _public()[1].get((module, name))
    if obj is not None:
        return obj
    holder = _engine_module(module)
    try:
        if holder is None:
            raise AttributeError(name)
        for part in name.split("."):
            holder = getattr(holder, part)
    except AttributeError:
        raise _missing.not_implemented(f"{module}.{name}") from None
    return holder
