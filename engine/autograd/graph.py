"""The autograd graph: nodes recorded as ops run, and the engine that walks them backward.

A Node is what PyTorch calls a grad_fn. Each op defines its Node subclass next to its
forward (see engine/ops/), named like PyTorch's (MulBackward0, ...), keeping only what its
backward needs, and hands it to ``record``, the one place that attaches nodes to outputs.
``backward`` is written with engine ops, so running it with grad mode on (create_graph=True)
records a graph of the gradient itself: higher-order derivatives.
"""
import re
import weakref
from collections import OrderedDict

from .. import _parallel
from .._backend import xp_of
from ..utils.hooks import RemovableHandle
from . import anomaly_mode, grad_mode

_grad_state = grad_mode._state
_anomaly = anomaly_mode._state

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class Node:
    """``next_functions[i]`` is the edge (node, output index) that input i's gradient flows
    into, (None, 0) when input i needs none; ``needs_input_grad[i]`` says which (PyTorch's
    ctx.needs_input_grad), so a backward computes only the gradients that are used."""
    _n_outputs = 1          # multi-output ops (split, unbind, ...) set this per node
    _post_hooks = None
    _fresh_grads = True     # its backward returns new arrays (user Functions may not)
    __slots__ = ("next_functions", "needs_input_grad", "_in_meta", "_saved", "_versions",
                 "_released", "_tensor_hooks", "_retained", "__dict__", "__weakref__")

    def __init_subclass__(cls, **kwargs):
        # PyTorch's grad_fn classes are C++ classes: type(y.grad_fn) prints
        # <class 'MulBackward0'>, with no module path.
        super().__init_subclass__(**kwargs)
        if "__module__" not in cls.__dict__ or cls.__module__.startswith("engine"):
            cls.__module__ = "builtins"

    def __init__(self, inputs=()):
        edges, needs, meta = [], [], []
        for t in inputs:
            if getattr(t, "_rg", False):
                fn = t.grad_fn
                edges.append((fn, t._output_nr) if fn is not None else t._grad_edge())
                needs.append(True)
                data = t._data
                meta.append((data.shape, data.dtype))
            else:
                edges.append((None, 0))
                needs.append(False)
                meta.append(None)
        self.next_functions = tuple(edges)
        self.needs_input_grad = tuple(needs)
        self._in_meta = meta
        self._saved = ()
        self._versions = ()
        self._released = False
        self._tensor_hooks = None
        self._retained = None

    # -- what the forward keeps for the backward --------------------------------------------
    def save(self, *values, unchecked=()):
        """Keep tensors (or anything else) for backward; tensors are version-checked, but
        for those in ``unchecked``: values PyTorch does not save, kept only to recompute an
        output when the backward is recorded (create_graph), so writes to them are allowed."""
        self._saved = values
        self._versions = tuple((v._version_box, v._version_box[0], v) for v in values
                               if hasattr(v, "_version_box") and
                               not any(v is u for u in unchecked))
        if unchecked:  # checked only when the backward is recorded, which reads them
            self.__dict__["_recompute_versions"] = tuple(
                (u._version_box, u._version_box[0], u) for u in unchecked)

    def resave_output(self, old, new):
        """An in-place op's node keeps, instead of the out-of-place result ``old`` it saved
        (an alias), the tensor written (``new``, after the write): PyTorch saves ``result``,
        so a later write to it is caught on backward."""
        checked = {id(t) for _, _, t in self._versions}
        values, alias = [], None
        for v in self._saved:
            if getattr(v, "_version_box", None) is old._version_box:
                alias = new.detach()
                alias._output_of = type(self).__name__
                v = alias
            values.append(v)
        if alias is not None:
            self.save(*values, unchecked=[v for v in values if hasattr(v, "_version_box")
                                          and id(v) not in checked and v is not alias])

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(_FREED_MSG)
        for box, version, t in self._versions:
            if box[0] != version:
                raise RuntimeError(_modified_msg(t, box[0], version))
        if _grad_state[0] and "_recompute_versions" in self.__dict__:
            for box, version, t in self.__dict__["_recompute_versions"]:
                if box[0] != version:  # PyTorch would differentiate its saved result
                    raise RuntimeError(
                        _modified_msg(t, box[0], version) + " (create_graph=True: this "
                        "engine recomputes the op's output from this input, so it must "
                        "not change in place before the backward)")
        return self._saved

    def release(self):
        self._saved = ()
        self._versions = ()
        self._released = True
        self.__dict__.clear()

    # -- PyTorch's introspection API ---------------------------------------------------------
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def backward(self, *grads):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after this node ran; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = OrderedDict()
        return _add_hook(self._post_hooks, fn)

    def _add_tensor_hook(self, output_nr, fn):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        return _add_hook(self._tensor_hooks.setdefault(output_nr, OrderedDict()), fn)


def _add_hook(hooks, fn):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


def record(node_cls, outputs, inputs, saved=None):
    """The one place a graph node is recorded (DeZero's Function.__call__, Chainer's
    FunctionNode.apply): when grad mode is on and some input requires grad, make a
    ``node_cls`` on ``inputs``, keep ``saved`` for its backward and make it the grad_fn of
    ``outputs``: a tensor, or a tuple whose i-th tensor becomes output i (None entries stay
    out of the graph). Returns the node, or None when nothing was recorded."""
    if _grad_state[0]:
        for t in inputs:
            if getattr(t, "_rg", False):
                node = node_cls(inputs)
                if saved is not None:
                    node.save(*saved)
                if outputs.__class__ is tuple:
                    node._n_outputs = len(outputs)
                    for i, out in enumerate(outputs):
                        if out is not None:
                            set_history(out, node, i)
                else:  # set_history(outputs, node), inlined: every op passes here
                    outputs.grad_fn = node
                    outputs._rg = True
                return node
    return None


def set_history(t, node, output_nr=0):
    """Make ``t`` output ``output_nr`` of ``node``: what record does, and what an in-place
    write or ``out=`` does when it moves a tensor onto the node of the value it received."""
    t.grad_fn, t._output_nr, t._rg = node, output_nr, True


class AccumulateGrad(Node):
    """The sink of a leaf tensor that requires grad: sums incoming gradients into .grad."""
    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__()
        self.variable = variable

    def accumulate(self, grad, create_graph, own=False):
        """``own``: no one else holds this gradient's array, so .grad may keep it."""
        var = self.variable
        if var.grad is None:
            var.grad = grad if create_graph or own else _fresh_copy(grad)
        elif create_graph or grad_mode.is_grad_enabled():
            var.grad = var.grad + grad
        else:
            _add_into(var.grad._data, grad._data)
            var.grad._bump_version()
        hooks = var.__dict__.get("_post_accumulate_grad_hooks")
        if hooks:
            for hook in list(hooks.values()):
                hook(var)


def _add_into(total, grad):
    """total += grad in place; a large same-shaped one on every core (a 1024 x 1024 weight's
    gradient took 2 ms of a 40 ms matmul step on one)."""
    if total.shape == grad.shape and total.dtype == grad.dtype:
        _parallel.pointwise(lambda out, a, b: xp_of(a).add(a, b, out=out), total, total, grad)
    else:
        total += grad


def _fresh_copy(t):
    from ..tensor import _make
    return _make(t._data.copy(), device=t._device)


def _modified_msg(t, now, expected):
    from ..tensor import _legacy_type_name
    desc = f"[{_legacy_type_name(t)} [{', '.join(map(str, t.shape))}]]"
    producer = t.grad_fn.name() if t.grad_fn is not None else getattr(t, "_output_of", None)
    if producer is not None:  # PyTorch's short names: AddBackward0 -> Add, ...1 -> Clamp1
        op = re.sub(r"Backward(\d*)$", lambda m: "" if m.group(1) == "0" else m.group(1),
                    producer)
        desc += f", which is output {t._output_nr} of {op},"
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {desc} is at version {now}; expected version {expected} "
            "instead. Hint: enable anomaly detection to find the operation that failed to "
            "compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


# ---- the engine ---------------------------------------------------------------------------

def _graph_nodes(roots, keep_order):
    """How many edges point at each node reachable from roots (iteratively), and, when
    asked, the nodes in DFS pre-order."""
    deps = {}
    stack = []
    for n in roots:
        if n not in stack:
            stack.append(n)
    seen = set(stack)
    order = [] if keep_order else None
    while stack:
        node = stack.pop()
        if keep_order:
            order.append(node)
        for nxt, _ in node.next_functions:
            if nxt is not None:
                if nxt in deps:
                    deps[nxt] += 1
                else:
                    deps[nxt] = 1
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return order, deps


def _needed_nodes(order, targets):
    """Nodes from which some target is reachable (so autograd.grad runs nothing else)."""
    needed = set(targets)
    changed = True
    # `order` is a DFS pre-order; sweeping it backwards settles most nodes in one pass.
    while changed:
        changed = False
        for node in reversed(order):
            if node not in needed and any(n in needed for n, _ in node.next_functions
                                          if n is not None):
                needed.add(node)
                changed = True
    return needed


def run_backward(roots, retain_graph, create_graph, capture=None):
    """Propagate gradients from ``roots`` [(edge, grad)] through the graph.

    Without ``capture`` gradients accumulate into leaves' ``.grad`` (Tensor.backward).
    With ``capture`` {edge: slot} the gradients arriving at those edges are returned in a
    dict and nothing is accumulated (autograd.grad).
    """
    order, deps = _graph_nodes([edge[0] for edge, _ in roots], capture is not None)
    needed = _needed_nodes(order, {e[0] for e in capture}) if capture is not None else None
    buffers = {}
    # Live holders of each gradient array (a view counts for its base too): AccumulateGrad
    # may keep an array only it holds instead of copying it. The caller's gradients are
    # held by the caller, so they are never kept.
    held = {}
    for (node, idx), grad in roots:
        slot = buffers.setdefault(node, {})
        slot[idx] = slot[idx] + grad if idx in slot else grad
        _hold(held, grad._data, 2)
    ready = []
    for (node, _), _ in roots:
        if node not in deps and node not in ready:
            ready.append(node)
    captured = {}

    prev_mode = grad_mode._state[0]
    grad_mode._state[0] = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or {}
            for g in grads.values():  # this node is their last holder in the walk
                _hold(held, g._data, -1)
            hooked = node._tensor_hooks
            if hooked:
                grads = _apply_tensor_hooks(node, grads)
            if capture is not None:
                for idx, g in grads.items():
                    if (node, idx) in capture:
                        captured[(node, idx)] = g
            if node.__class__ is AccumulateGrad:
                if capture is None and 0 in grads:
                    g = grads[0]
                    data = g._data
                    base = data.base
                    own = not hooked and held.get(id(data)) == 0 and (
                        base is None or held.get(id(base)) == 0) and \
                        data.strides == node.variable._data.strides  # PyTorch's layout
                    node.accumulate(g, create_graph, own)
                continue
            if needed is not None and node not in needed:
                results = ()
            else:
                if node._released:
                    raise RuntimeError(_FREED_MSG)
                results = _call(node, grads)
                if _anomaly[0] and _anomaly[1]:
                    anomaly_mode.check_nan(node, results)
                if not retain_graph:
                    node.release()
            n_results = len(results)
            meta = node._in_meta
            for i, (nxt, idx) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = results[i] if i < n_results else None
                if g is not None:
                    shape, dtype = meta[i]
                    if g._data.shape != shape or g._data.dtype != dtype:
                        g = _fit(g, shape, dtype)
                    slot = buffers.get(nxt)
                    if slot is None:
                        buffers[nxt] = {idx: g}
                    elif idx in slot:
                        old = slot[idx]
                        _hold(held, old._data, -1)
                        g = slot[idx] = old + g
                    else:
                        slot[idx] = g
                    _hold(held, g._data, 1 if node._fresh_grads else 2)
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    ready.append(nxt)
    finally:
        grad_mode._state[0] = prev_mode
    return captured


def _hold(held, data, n):
    key = id(data)
    held[key] = held.get(key, 0) + n
    base = data.base
    if base is not None:
        key = id(base)
        held[key] = held.get(key, 0) + n


def _call(node, grads):
    n_out = node._n_outputs
    if n_out == 1:
        if 0 not in grads:
            return ()
        results = node.backward(grads[0])
    else:
        results = node.backward(*[grads.get(i) for i in range(n_out)])
    if results.__class__ is not tuple:
        results = (results,)
    if node._post_hooks:
        for fn in list(node._post_hooks.values()):
            new = fn(results, tuple(grads.get(i) for i in range(n_out)))
            if new is not None:
                results = tuple(new)
    return results


def _apply_tensor_hooks(node, grads):
    hooks = node._tensor_hooks
    if hooks:
        for idx, fns in hooks.items():
            if idx in grads:
                for fn in list(fns.values()):
                    new = fn(grads[idx])
                    if new is not None:
                        grads[idx] = new
    return grads


def _fit(grad, shape, dtype):
    """Sum a gradient back over broadcast dimensions and cast it to its input's dtype."""
    if grad._data.shape != shape:
        grad = grad.sum_to_size(shape)
    if grad._data.dtype != dtype:
        grad = grad.to(dtype=grad._dtype_of_np(dtype))
    return grad


def retain_grad_hook(tensor):
    ref = weakref.ref(tensor)

    def hook(grad):
        t = ref()
        if t is not None:
            if t.grad is None:
                t.grad = grad if grad_mode.is_grad_enabled() else grad.detach().clone()
            else:
                t.grad = t.grad + grad
    return hook
