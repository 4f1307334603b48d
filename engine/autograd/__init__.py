"""engine.autograd: backward(), grad(), grad-mode switches and custom Functions."""
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,  # noqa: F401
                        set_grad_enabled)
from .graph import AccumulateGrad, Node, run_backward  # noqa: F401
from .function import Function  # noqa: F401,E402


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _roots(tensors, grad_tensors):
    from ..tensor import Tensor, _make
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} tensors and {len(tensors)} gradients")
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = _make(t._data.__class__(t._data.shape, t._data.dtype), device=t._device)
            g._data.fill(1)
        elif not isinstance(g, Tensor):
            from ..creation import tensor
            g = tensor(g, dtype=t.dtype, device=t.device)
        elif g.shape != t.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} "
                               f"and output[{i}] has a shape of {t.shape}.")
        roots.append((t._grad_edge(), g))
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             inputs=None):
    """Accumulate d(tensors)/d(leaf) into every reachable leaf's .grad."""
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(tensors, grad_tensors)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        captured = run_backward(roots, retain_graph, create_graph,
                                capture={t._grad_edge(): t for t in inputs})
        for t in inputs:
            g = captured.get(t._grad_edge())
            if g is not None:
                edge_node = t._grad_edge()[0]
                if isinstance(edge_node, AccumulateGrad):
                    edge_node.accumulate(g, create_graph)
                else:
                    t.grad = g if t.grad is None else t.grad + g
        return
    run_backward(roots, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """Gradients of outputs with respect to inputs, returned (leaves' .grad untouched)."""
    from ..creation import zeros_like
    if retain_graph is None:
        retain_graph = create_graph
    inputs_t = _as_tuple(inputs)
    for i, t in enumerate(inputs_t):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors does not require grad")
    roots = _roots(outputs, grad_outputs)
    edges = [t._grad_edge() for t in inputs_t]
    captured = run_backward(roots, retain_graph, create_graph, capture=set(edges))
    result = []
    for i, (t, e) in enumerate(zip(inputs_t, edges)):
        g = captured.get(e)
        if g is None:
            if materialize_grads:
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
        result.append(g)
    return tuple(result)


from .variable import Variable  # noqa: E402,F401
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402,F401
