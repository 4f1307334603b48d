"""engine.utils: data loading (engine.utils.data) and, imported on demand, tensorboard."""
from . import data  # noqa: F401  (torch.utils.data is reachable after `import torch`)

__all__ = ["data"]
