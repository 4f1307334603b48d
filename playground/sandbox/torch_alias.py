"""``import torch`` (and any ``torch.xxx``) gives the engine (``engine`` / ``engine.xxx``).

A meta-path finder rather than a fixed table of sys.modules entries, so submodules the
engine grows later (engine.nn, engine.optim, engine.utils.data...) work without a change here.
"""
import importlib
import importlib.abc
import importlib.util
import sys

ALIAS, TARGET = "torch", "engine"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.original_spec = module.__spec__
        return module

    def exec_module(self, module):
        # Already executed; only undo importlib's rebinding of __spec__ to the alias, so the
        # engine module keeps its own name and reprs.
        module.__spec__ = self.original_spec


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS):]
        if importlib.util.find_spec(real) is None:
            return None  # ModuleNotFoundError names the torch module the user asked for
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real))


def install():
    """Put the finder first so the real PyTorch, if installed, is never picked up."""
    if not any(isinstance(f, TorchAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchAliasFinder())
    for name in [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]:
        if not getattr(sys.modules[name], "__name__", "").startswith(TARGET):
            del sys.modules[name]  # a real torch imported earlier must not leak through
