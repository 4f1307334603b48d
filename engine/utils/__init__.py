"""engine.utils: hook handles, data loading (engine.utils.data) and, imported on demand,
tensorboard.

Only ``hooks`` is imported here: autograd needs it while engine itself is still loading.
engine/__init__.py imports ``data`` once the ops exist, so ``torch.utils.data`` is reachable
after ``import torch``, as in PyTorch.
"""
from . import hooks  # noqa: F401

__all__ = ["data", "hooks"]
