"""Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly): while on, a backward
node that returns NaN stops the backward pass naming the node, as PyTorch's does."""
import warnings

_state = [False, True]  # [enabled, check_nan]; read by graph.run_backward once per node

_ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime "
                    "and should only be enabled for debugging.")


def is_anomaly_enabled():
    return _state[0]


def is_anomaly_check_nan_enabled():
    return _state[1]


def set_anomaly_enabled(enabled, check_nan=True):
    _state[0], _state[1] = bool(enabled), bool(check_nan)


class detect_anomaly:
    """Context manager (and decorator) turning anomaly detection on inside it."""
    __module__ = "torch.autograd.anomaly_mode"

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn(_ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev = tuple(_state)
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(*self.prev)
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Sets anomaly detection on or off now; as a context manager, restores it on exit."""
    __module__ = "torch.autograd.anomaly_mode"

    def __init__(self, mode, check_nan=True):
        self.prev = tuple(_state)
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        set_anomaly_enabled(*self.prev)
        return False


def check_nan(node, results):
    """Raise PyTorch's error if a node's backward returned NaN (called by run_backward)."""
    for i, g in enumerate(results):
        if g is not None and g._data.dtype.kind == "f" and bool(
                (g._data != g._data).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               "output.")
