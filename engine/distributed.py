"""torch.distributed: importable, with is_available() False. Multi-process training (process
groups, collectives) is not part of this playground's engine."""
import sys

from . import _missing


def is_available():
    return False


def is_initialized():
    return False


def init_process_group(*args, **kwargs):
    raise RuntimeError("torch.distributed is not available in this playground's engine "
                       "(torch.distributed.is_available() is False): run the script in one "
                       "process")


_missing.install(sys.modules[__name__], "torch.distributed")  # PyTorch names it lacks say so
