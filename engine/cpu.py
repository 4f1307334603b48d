"""torch.cpu: the device-module API (as torch.cuda has it) for the CPU, which is always there."""
import sys

from . import _missing


def is_available():
    return True


def is_initialized():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    """There is one CPU device: nothing to switch."""


def synchronize(device=None):
    """CPU ops finish before they return: nothing to wait for."""


_missing.install(sys.modules[__name__], "torch.cpu")  # PyTorch names it lacks say so
