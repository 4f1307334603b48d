"""Grad mode: whether ops record the graph. Context managers that also work as decorators."""
import functools

# A plain module global: the sandbox runs user code on one thread, and a global read is the
# cheapest check on the hot path of every op.
_state = [True]
_inference = [False]  # inside inference_mode: tensors made now are inference tensors


def is_grad_enabled():
    return _state[0]


def is_inference_mode_enabled():
    return _inference[0]


class _GradModeContext:
    """Base for no_grad / enable_grad / set_grad_enabled."""
    _target = True
    _bare_decorator = False  # no_grad, enable_grad, inference_mode: @torch.no_grad works too

    def __new__(cls, *args, **kwargs):
        if cls._bare_decorator and len(args) == 1 and not kwargs and callable(args[0]) \
                and not isinstance(args[0], bool):
            return cls()(args[0])
        return super().__new__(cls)

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
    __module__ = "torch.autograd.grad_mode"
    _target = False
    _bare_decorator = True


class enable_grad(_GradModeContext):
    __module__ = "torch.autograd.grad_mode"
    _target = True
    _bare_decorator = True


class set_grad_enabled(_GradModeContext):
    __module__ = "torch.autograd.grad_mode"

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


class inference_mode(_GradModeContext):
    """no_grad that also marks the tensors made inside it (Tensor.is_inference())."""
    __module__ = "torch.autograd.grad_mode"
    _bare_decorator = True

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self._target = not mode

    def __enter__(self):
        self._prev, self._prev_inference = _state[0], _inference[0]
        _state[0], _inference[0] = self._target, self.mode

    def __exit__(self, *exc):
        _state[0], _inference[0] = self._prev, self._prev_inference
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(self.mode):
                return fn(*args, **kwargs)
        return wrapper
