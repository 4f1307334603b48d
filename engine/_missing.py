"""What a PyTorch name the engine lacks says: "torch.X is not implemented by this
playground's engine (see the coverage list)", as the AttributeError PyTorch would raise for a
name it lacks (so ``hasattr`` probing still answers False).

PyTorch's public names come from engine/_torch_api.json, the snapshot that
bench/api_coverage.py reads from PyTorch 2.13 (and measures the engine against). A name
PyTorch does not have either gets PyTorch's own wording, with the module called ``torch...``:
never an internal path such as ``engine.linalg``.
"""
import functools
import json
import pkgutil


@functools.lru_cache(maxsize=1)
def torch_api():
    """{namespace: {name: "kind" or "class defining.module"}}, read on first use."""
    # Through the loader: the sandbox imports the engine from a zip file (isolation.py).
    return json.loads(pkgutil.get_data("engine", "_torch_api.json"))["namespaces"]


def in_torch(namespace, name):
    return not name.startswith("_") and name in torch_api().get(namespace, ())


def not_implemented(qualified_name):
    return AttributeError(f"{qualified_name} is not implemented by this playground's engine "
                          "(see the coverage list)")


def missing_name(namespace, name):
    """The AttributeError for ``<namespace>.<name>`` (namespace as PyTorch spells it)."""
    if in_torch(namespace, name):
        return not_implemented(f"{namespace}.{name}")
    return AttributeError(f"module '{namespace}' has no attribute '{name}'")


def install(module, namespace):
    """Give ``module`` a module-level ``__getattr__`` that answers as ``missing_name``
    (a package that needs its own ``__getattr__`` calls ``missing_name`` from it instead)."""
    if "__getattr__" in vars(module):
        return

    def __getattr__(name):
        raise missing_name(namespace, name)

    module.__getattr__ = __getattr__


def tensor_getattr(self, name):
    """Tensor.__getattr__: Python calls it only after normal lookup failed."""
    for klass in type(self).__mro__:
        if name in vars(klass):  # a property that raised AttributeError itself: re-raise it
            return object.__getattribute__(self, name)
    if in_torch("torch.Tensor", name):
        raise not_implemented(f"torch.Tensor.{name}")
    raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
