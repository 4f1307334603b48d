"""Process-wide switches of torch.*: determinism, threads, matmul precision, warnings,
anomaly detection, and torch.compile.

What each does here: set_num_threads sets the threads the engine's kernels are shared among
(NumPy's BLAS itself runs on one, pinned through threadpoolctl); the deterministic switches
are recorded and answered (every engine op is deterministic already); the matmul precision
is recorded and read by torch.backends.cuda.matmul.allow_tf32 (the engine's arithmetic is
not changed by it); torch.compile returns what it is given, as a no-op backend would.
"""
import warnings

_state = {"deterministic": False, "deterministic_warn_only": False, "warn_always": False,
          "matmul_precision": "highest", "interop_threads": 1}


# ---- determinism ----------------------------------------------------------------------------

def use_deterministic_algorithms(mode, *, warn_only=False):
    if not isinstance(mode, bool):
        raise TypeError("_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    _state["deterministic"] = mode
    _state["deterministic_warn_only"] = bool(warn_only) and mode


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["deterministic_warn_only"]


_DEBUG_MODES = ("default", "warn", "error")


def set_deterministic_debug_mode(debug_mode):
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif not isinstance(debug_mode, int) or isinstance(debug_mode, bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _state["deterministic"]:
        return 0
    return 1 if _state["deterministic_warn_only"] else 2


# ---- threads --------------------------------------------------------------------------------

def _blas_limits():
    import threadpoolctl
    return threadpoolctl


_CONTROLLER = []


def blas_controller():
    """threadpoolctl's handle on NumPy's BLAS, made once (finding the libraries costs ms)."""
    if not _CONTROLLER:
        _CONTROLLER.append(_blas_limits().ThreadpoolController().select(user_api="blas"))
    return _CONTROLLER[0]


# The engine runs NumPy's BLAS on one thread and shares its large kernels, GEMMs included,
# among its own threads (engine/_parallel.py). A BLAS that threads its GEMMs leaves its idle
# threads spinning for ~0.1 s after each call, and those took the cores from the engine's
# split kernels: the seed Net step took 7.2 ms at two threads against 6.4 at one, and 5.4
# with the BLAS on one thread and the convolutions split by the engine.
_threads = []  # [the engine's thread count], set when the BLAS is pinned


def engine_threads():
    """The threads the engine's kernels run on: NumPy's BLAS's count when the engine first
    ran (its environment variables decide it), or what set_num_threads set since."""
    if not _threads:
        _pin_blas()
    return _threads[0]


def _pin_blas():
    controller = blas_controller()
    _threads.append(_blas_now(controller))
    if _threads[0] > 1:
        controller.limit(limits=1)  # kept: the limit holds until restored


def _blas_now(controller=None):
    """The threads NumPy's BLAS runs a call on now (1 unless someone raised it since)."""
    controller = controller or blas_controller()
    return max((lib.num_threads for lib in controller.lib_controllers), default=1)


class one_blas_thread:
    """Run the block's BLAS calls on one thread, should anything have threaded the BLAS
    again (threadpoolctl in user code): the engine's split kernels call BLAS from several
    threads at once, and each call sharing the cores again would oversubscribe them."""
    __slots__ = ("_limiter",)

    def __enter__(self):
        self._limiter = blas_controller().limit(limits=1) if _blas_now() > 1 else None

    def __exit__(self, *exc):
        if self._limiter is not None:
            self._limiter.restore_original_limits()


def get_num_threads():
    """The threads the engine's kernels (GEMMs, convolutions, large elementwise) run on."""
    return engine_threads()


def set_num_threads(num):
    if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    engine_threads()  # the BLAS pinned first
    _threads[0] = num


def get_num_interop_threads():
    """The engine runs ops one after another: its inter-op pool is one thread, unless
    set_num_interop_threads recorded another number."""
    return _state["interop_threads"]


def set_num_interop_threads(num):
    if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
        raise RuntimeError("Expected positive number of threads")
    _state["interop_threads"] = num


def init_num_threads():
    """PyTorch initialises its thread pools here; NumPy's are ready already."""


# ---- numerics and warnings ------------------------------------------------------------------

_PRECISIONS = ("highest", "high", "medium")


def set_float32_matmul_precision(precision):
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision():
    return _state["matmul_precision"]


def set_flush_denormal(mode):
    """False: NumPy offers no switch to flush denormals (PyTorch answers False too where the
    CPU cannot)."""
    return False


def set_warn_always(b):
    _state["warn_always"] = bool(b)


def is_warn_always_enabled():
    return _state["warn_always"]


# ---- torch.compile --------------------------------------------------------------------------

_COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, disable=False):
    """A no-op backend: returns the module or function unchanged (used as a decorator, with
    or without arguments, too). The engine runs every op eagerly; there is nothing to fuse."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode is not None and mode not in _COMPILE_MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(_COMPILE_MODES)}")
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError("Model must be callable")
    return model


# ---- device modules and generators ---------------------------------------------------------

def get_device_module(device=None):
    """torch.cuda for a cuda device, torch.cpu for the CPU (None: the current accelerator's)."""
    from . import cpu, cuda
    from ._device import as_device
    from .accelerator import current_accelerator
    d = as_device(device) if device is not None else (current_accelerator() or as_device("cpu"))
    if d.type == "cuda":
        return cuda
    if d.type == "cpu":
        return cpu
    raise RuntimeError(f"Device '{d.type}' does not have a corresponding module registered as "
                       f"'torch.{d.type}'.")


def thread_safe_generator():
    """None: the engine's DataLoader runs no thread workers, so the global generator serves
    (PyTorch returns None outside a thread worker too)."""
    return None
