"""torch.nn.parallel: DataParallel as PyTorch runs it on one device, and
DistributedDataParallel, which needs torch.distributed (not available here)."""
import sys

from ... import _missing
from .data_parallel import DataParallel, data_parallel  # noqa: F401
from .distributed import DistributedDataParallel  # noqa: F401


_missing.install(sys.modules[__name__], "torch.nn.parallel")  # PyTorch names it lacks say so
