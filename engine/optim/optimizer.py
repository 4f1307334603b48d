"""Optimizer: parameter groups, per-parameter state, zero_grad and state_dict, as PyTorch has.

Subclasses update parameters through ``Optimizer._update``: a kernel writes straight into
the arrays behind them with in-place ufuncs (``out=``), so a step costs a few array passes
per parameter and no autograd bookkeeping, and the parameter's version counter moves on, as
PyTorch's in-place ops do, so a graph that saved the old value refuses a stale backward.
"""
import copy
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

from .._backend import xp_of
from .._dtype import float32, float64, get_default_dtype
from ..tensor import Tensor, _legacy_type_name, _make
from ..utils.hooks import RemovableHandle, add_hook


class _RequiredParameter:
    """The default of an option every parameter group must set (SGD's lr in old PyTorch)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    return _legacy_type_name(obj) if isinstance(obj, Tensor) else type(obj).__qualname__


def _to_scalar(value):
    """A Python float for an option given as a number or a one-element tensor."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        return float(value.item())
    return value


def check_options(**options):
    """Raise PyTorch's ValueError for the first option out of range, in the order given.

    lr is also checked to be a number or a one-element tensor; betas must each lie in
    [0, 1), rho in [0, 1], every other option be >= 0. The messages are PyTorch's word for
    word ("Invalid learning rate: -1", "Invalid beta parameter at index 1: 1.0"), and the
    order is each constructor's own, so the same bad call names the same option.
    """
    for name, value in options.items():
        if name == "betas":
            for i in (0, 1):
                if not 0.0 <= value[i] < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {value[i]}")
            continue
        if name == "lr":
            _to_scalar(value)
        in_range = 0.0 <= value <= 1.0 if name == "rho" else 0.0 <= value
        if not in_range:
            raise ValueError(f"Invalid {_OPTION_LABELS.get(name, name + ' value')}: {value}")


_OPTION_LABELS = {"lr": "learning rate", "eps": "epsilon value"}


# Hooks of every optimizer's step (torch.optim.optimizer.register_optimizer_step_*_hook):
# global pre hooks run before an optimizer's own, global post hooks after its own.
_global_step_pre_hooks = OrderedDict()
_global_step_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before every
    optimizer's step. Returns a handle whose ``remove()`` unregisters it."""
    return add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """hook(optimizer, args, kwargs), after every optimizer's step."""
    return add_hook(_global_step_post_hooks, hook)


def _with_step_hooks(step):
    """Wrap a subclass's step so registered pre/post hooks (its own and the global ones) run
    around it (a plain call when none are registered)."""
    def wrapper(*args, **kwargs):
        self = args[0]
        hooks = self.__dict__.get("_hooks")
        own = hooks and (hooks["step_pre"] or hooks["step_post"])
        if not own and not _global_step_pre_hooks and not _global_step_post_hooks:
            return step(*args, **kwargs)
        pre = [*_global_step_pre_hooks.values(), *(hooks["step_pre"].values() if hooks else ())]
        post = [*(hooks["step_post"].values() if hooks else ()), *_global_step_post_hooks.values()]
        # As PyTorch's hooks: args holds the optimizer itself first, and a pre-hook's
        # (new_args, new_kwargs) is what step is called with.
        for hook in pre:
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in post:
            hook(self, args, kwargs)
        return out
    wrapper.__name__, wrapper.__doc__ = step.__name__, step.__doc__
    wrapper.__qualname__ = step.__qualname__
    return wrapper


class Optimizer:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def _register(self, kind, hook, prepend=False):
        hooks = self.__dict__.setdefault("_hooks", {
            name: OrderedDict() for name in ("step_pre", "step_post", "state_dict_pre",
                                             "state_dict_post", "load_state_dict_pre",
                                             "load_state_dict_post")})
        table = hooks[kind]
        handle = RemovableHandle(table)
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        return handle

    def _hooks_of(self, kind):
        hooks = self.__dict__.get("_hooks")
        return list(hooks[kind].values()) if hooks else []

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before step."""
        return self._register("step_pre", hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs), after step."""
        return self._register("step_post", hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return self._register("state_dict_pre", hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) -> None or a replacement state_dict."""
        return self._register("state_dict_post", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) -> None or a replacement state_dict to load."""
        return self._register("load_state_dict_pre", hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return self._register("load_state_dict_post", hook, prepend)

    def __init__(self, params, defaults):
        if defaults.get("differentiable"):
            raise NotImplementedError(
                "differentiable=True is not supported: the engine's optimizers write the new "
                "values straight into the parameters without recording an autograd graph")
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch = {}  # work arrays for _run, by dtype (never part of state_dict)
        self._views = {}    # views of them shaped like small parameters
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        # What copy.deepcopy carries over, as in PyTorch: no work arrays, no hooks, and no
        # step wrapper a scheduler put on this instance (it points back at this object).
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._scratch = {}
        self._views = {}

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ---- groups ----------------------------------------------------------------------------
    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        if "params" not in param_group:
            raise KeyError("param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and \
                    not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- gradients -------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad._data.fill(0)
                    grad._bump_version()

    def step(self, closure=None):
        raise NotImplementedError

    def _steps(self, group):
        """(p, grad, state, step) for each of the group's parameters that has a gradient
        (PyTorch's steps skip the others), its step count already advanced: ``step`` is the
        0-d array behind state["step"] (counted in its own dtype, as PyTorch counts it).
        A parameter's first step sets its state up with _init_state."""
        for p in group["params"]:
            grad = p.grad
            if grad is not None:
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(state, p, group)
                step = state["step"]._data
                step += 1
                yield p, grad, state, step

    def _init_state(self, state, p, group):
        """Fill a parameter's empty state dict before its first step (each optimizer's own)."""
        raise NotImplementedError

    def _closure_loss(self, closure):
        """Run the closure (with grad enabled, as PyTorch does) and return its loss."""
        if closure is None:
            return None
        from ..autograd import enable_grad
        with enable_grad():
            return closure()

    # ---- state_dict ------------------------------------------------------------------------
    def state_dict(self):
        """{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}.

        Parameters are numbered in the order the groups list them, as PyTorch does; the
        state's tensors are the live ones (not copies), again as in PyTorch.
        """
        for hook in self._hooks_of("state_dict_pre"):
            hook(self)
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._hooks_of("state_dict_post"):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict):
        if not isinstance(state_dict, dict) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and "
                             "'param_groups' entries (what Optimizer.state_dict() returns)")
        state_dict = dict(state_dict)
        for hook in self._hooks_of("load_state_dict_pre"):
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = {}
        for g, s in zip(groups, saved_groups):
            id_map.update(zip(s["params"], g["params"]))
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast_state(param, v)
            else:
                state[k] = v
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
        self.state = state
        self.param_groups = saved_groups
        for hook in self._hooks_of("load_state_dict_post"):
            hook(self)

    # ---- running an update kernel ----------------------------------------------------------
    def _update(self, p, kernel, arrays, n_tmp, *consts):
        """Update parameter ``p`` in place: ``kernel(xp, p's array, *arrays, *tmps,
        *consts)`` writes it (and its state arrays), then p's version counter moves on, as
        after PyTorch's in-place ops, so a graph that saved the old value refuses a stale
        backward. ``arrays`` are arrays of p's shape (its gradient, its state) or None."""
        self._run(kernel, (p._data,) + arrays, n_tmp, consts)
        p._bump_version()

    def _run(self, kernel, arrays, n_tmp, consts):
        """Call ``kernel(xp, *arrays, *tmps, *consts)``, which updates arrays in place.

        NumPy is memory-bound on a long chain of whole-array passes, so contiguous NumPy
        arrays are updated in cache-sized pieces: every pass of the kernel then reads data
        that the previous pass left in cache. The work arrays (``tmps``) are shared by all
        parameters, sized to one piece, so a step allocates nothing.
        """
        data = arrays[0]
        if type(data) is _ndarray:  # NumPy (a CuPy array is another type)
            n = data.size
            if n <= _CHUNK:  # one piece: views of the work arrays shaped like the parameter
                key = (data.dtype, data.shape, n_tmp)
                tmps = self._views.get(key)
                if tmps is None:
                    tmps = self._views[key] = [t[:n].reshape(data.shape)
                                               for t in self._tmps(data.dtype, n_tmp)]
                kernel(np, *arrays, *tmps, *consts)
                return
            if all(a is None or a.flags.c_contiguous for a in arrays):
                flat = [None if a is None else a.reshape(-1) for a in arrays]
                tmps = self._tmps(data.dtype, n_tmp)
                for start in range(0, n, _CHUNK):
                    stop = min(start + _CHUNK, n)
                    kernel(np, *[None if a is None else a[start:stop] for a in flat],
                           *[t[:stop - start] for t in tmps], *consts)
                return
        xp = xp_of(data)
        kernel(xp, *arrays, *[xp.empty_like(data) for _ in range(n_tmp)], *consts)

    def _tmps(self, dtype, count):
        bufs = self._scratch.get(dtype)
        if bufs is None or len(bufs) < count:
            bufs = self._scratch[dtype] = [np.empty(_CHUNK, dtype) for _ in range(count)]
        return bufs[:count]


# Elements per piece in Optimizer._run: 32K float32s is 128 KiB, so a kernel's handful of
# arrays stays in a core's L2 cache between passes.
_CHUNK = 32768
_ndarray = np.ndarray


def effective_grad(xp, param, grad, out, weight_decay, maximize):
    """grad (negated when maximizing) plus weight_decay * param, as PyTorch's steps begin."""
    if weight_decay != 0:
        xp.multiply(param, weight_decay, out=out)
        if maximize:
            out -= grad
        else:
            out += grad
        return out
    if maximize:
        return xp.negative(grad, out=out)
    return grad


def lerp_moments(xp, param, grad, exp_avg, exp_avg_sq, tmp, tmp_grad, beta1, beta2, decay, l2,
                 maximize):
    """The start of NAdam's and RAdam's steps, as PyTorch writes them: decoupled weight decay
    (param *= decay), the effective gradient, then exp_avg.lerp_(grad, 1 - beta1) and
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2). Returns the gradient."""
    if decay != 1:                          # decoupled: param.mul_(1 - lr * wd)
        param *= decay
    grad = effective_grad(xp, param, grad, tmp_grad, l2, maximize)
    xp.subtract(grad, exp_avg, out=tmp)
    tmp *= 1 - beta1
    exp_avg += tmp
    exp_avg_sq *= beta2
    xp.multiply(grad, 1 - beta2, out=tmp)
    tmp *= grad
    exp_avg_sq += tmp
    return grad


def _cast_state(param, value, key=None):
    """A loaded state value moved to the parameter's device (and float dtype), as PyTorch's
    _process_value_according_to_param_policy does; "step" keeps its own dtype."""
    if key == "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
        step = step_tensor()  # older checkpoints kept the step as a number
        step._data[...] = value
        return step
    if isinstance(value, Tensor):
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value


def zeros_state(p, fill=0):
    """A state tensor shaped like p, on p's device, filled with ``fill``."""
    data = p._data
    arr = xp_of(data).full_like(data, fill) if fill else xp_of(data).zeros_like(data)
    return _make(arr, device=p._device)


def step_tensor():
    """PyTorch keeps the step count as a 0-d float32 tensor (float64 under that default)."""
    dt = float64 if get_default_dtype() is float64 else float32
    return _make(np.zeros((), dtype=dt.np))
