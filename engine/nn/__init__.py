"""engine.nn: modules, layers, losses, functional and init, as ``torch.nn``."""
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import module as _module_mod
from .parameter import Parameter  # noqa: F401
from .parameter import Buffer, UninitializedBuffer, UninitializedParameter  # noqa: F401

register_module_forward_hook = _module_mod.register_module_forward_hook
register_module_forward_pre_hook = _module_mod.register_module_forward_pre_hook
from . import parallel  # noqa: E402,F401
from .parallel import DataParallel  # noqa: E402,F401


def _torch_class_names():
    """Public classes carry PyTorch's module path, so ``print(type(p))`` shows
    ``<class 'torch.nn.parameter.Parameter'>`` and ``type(m).__module__`` reads
    ``torch.nn.modules.linear``, as in PyTorch (engine/_torch_names.py maps the names back
    when a checkpoint is loaded)."""
    from .._missing import torch_api
    for name, entry in torch_api()["torch.nn"].items():
        kind, _, module = entry.partition(" ")
        cls = globals().get(name)
        if kind == "class" and isinstance(cls, type) and cls.__module__.startswith("engine."):
            cls.__module__ = module


_torch_class_names()
