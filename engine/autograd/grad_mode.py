"""Grad mode: whether ops record the graph. Context managers that also work as decorators."""
import functools

# A plain module global: the sandbox runs user code on one thread, and a global read is the
# cheapest check on the hot path of every op.
_state = [True]


def is_grad_enabled():
    return _state[0]


class _GradModeContext:
    """Base for no_grad / enable_grad / set_grad_enabled."""
    _target = True

    def __enter__(self):
        self._prev = _state[0]
        _state[0] = self._target

    def __exit__(self, *exc):
        _state[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _state[0]
            _state[0] = self._target
            try:
                return fn(*args, **kwargs)
            finally:
                _state[0] = prev
        return wrapper


class no_grad(_GradModeContext):
    _target = False


class enable_grad(_GradModeContext):
    _target = True


class set_grad_enabled(_GradModeContext):
    def __init__(self, mode):
        self._target = bool(mode)
        # Like PyTorch, calling it as a function sets the mode immediately.
        self._prev = _state[0]
        _state[0] = self._target

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state[0] = self._prev
        return False


class inference_mode(no_grad):
    def __init__(self, mode=True):
        self._target = not mode
