"""engine.nn: modules, layers, losses, functional and init, as ``torch.nn``."""
from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import module as _module_mod
from .parameter import Parameter  # noqa: F401

register_module_forward_hook = _module_mod.register_module_forward_hook
register_module_forward_pre_hook = _module_mod.register_module_forward_pre_hook
from . import parallel  # noqa: E402,F401
from .parallel import DataParallel  # noqa: E402,F401
