"""torch.distributed: importable, with is_available() False. Multi-process training (process
groups, collectives) is not part of this playground's engine."""
import sys


def is_available():
    return False


def is_initialized():
    return False


def init_process_group(*args, **kwargs):
    raise RuntimeError("torch.distributed is not available in this playground's engine "
                       "(torch.distributed.is_available() is False): run the script in one "
                       "process")


def _missing_names():
    from . import _missing
    _missing.install(sys.modules[__name__], "torch.distributed")


_missing_names()
