"""One LSTM time step as one graph node: the gates' GEMM, activations and state update in
one forward, their gradients in one backward.

Built from separate engine ops a step records ~15 nodes (linear, add, chunk, 3 sigmoids,
2 tanh, 3 products, a sum) and its backward makes as many small arrays; nn.LSTM runs it
seq_len x layers x directions times per call, so that bookkeeping was most of its time.
The gate order is PyTorch's (i, f, g, o). Under create_graph the backward runs the same
step again as engine ops and differentiates that, so higher derivatives stay exact.
"""
from .._backend import xp_of
from ..autograd import grad_mode
from ..ops._base import Node, record, wrap
from ..ops.unary import _sigmoid

_grad_state = grad_mode._state


class LstmCellBackward(Node):
    _n_outputs = 2

    def backward(self, gh, gc):
        x_proj, h, c, w_hh, b_hh = self.saved_tensors
        if _grad_state[0]:
            return self._recorded(gh, gc)
        return self._on_arrays(gh, gc, h, c, w_hh, b_hh)

    def _on_arrays(self, gh, gc, h, c, w_hh, b_hh):
        acts, tc = self.acts, self.tc
        xp = xp_of(acts)
        hidden = tc.shape[-1]
        i, f, g, o = (acts[:, k * hidden:(k + 1) * hidden] for k in range(4))
        dgates = xp.empty_like(acts)
        di, df, dg, do = (dgates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        dc = gc._data.copy() if gc is not None else xp.zeros_like(tc)
        if gh is not None:
            ghd = gh._data
            xp.multiply(ghd, tc, out=do)                  # h = o * tanh(c)
            through = tc * tc
            xp.subtract(1, through, out=through)
            through *= o
            through *= ghd
            dc += through
        else:
            do[...] = 0
        xp.multiply(dc, g, out=di)
        xp.multiply(dc, c._data, out=df)
        xp.multiply(dc, i, out=dg)
        dc *= f                                           # gradient of the previous c
        slope = 1 - acts                                  # sigmoid' = s (1 - s) ...
        slope *= acts
        gate_g = slope[:, 2 * hidden:3 * hidden]
        xp.multiply(g, g, out=gate_g)                     # ... and tanh' = 1 - t^2
        xp.subtract(1, gate_g, out=gate_g)
        dgates *= slope
        need = self.needs_input_grad
        like = gh if gh is not None else gc
        return (wrap(dgates, like) if need[0] else None,
                wrap(dgates @ w_hh._data, like) if need[1] else None,
                wrap(dc, like) if need[2] else None,
                wrap(dgates.T @ h._data, like) if need[3] else None,
                wrap(dgates.sum(0), like) if need[4] and b_hh is not None else None)

    def _recorded(self, gh, gc):
        """create_graph: the step as engine ops on the saved inputs, differentiated."""
        from .. import autograd
        inputs = self.saved_tensors
        with grad_mode.enable_grad():
            h2, c2 = _lstm_step_ops(*inputs)
        outs = [(t, g) for t, g in ((h2, gh), (c2, gc)) if g is not None]
        wanted = [(k, t) for k, t in enumerate(inputs)
                  if t is not None and self.needs_input_grad[k]]
        grads = autograd.grad([t for t, _ in outs], [t for _, t in wanted],
                              [g for _, g in outs], create_graph=True, allow_unused=True)
        result = [None] * 5
        for (k, _), grad in zip(wanted, grads):
            result[k] = grad
        return tuple(result)


def _lstm_step_ops(x_proj, h, c, w_hh, b_hh):
    from . import functional as F
    gates = x_proj + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def lstm_cell(x_proj, h, c, w_hh, b_hh):
    """(h', c') of one step; ``x_proj`` is the input's projection (x @ w_ih^T + b_ih)."""
    xp = xp_of(x_proj._data)
    gates = h._data @ w_hh._data.T
    gates += x_proj._data
    if b_hh is not None:
        gates += b_hh._data
    hidden = h._data.shape[-1]
    acts = _sigmoid(xp, gates)
    acts[:, 2 * hidden:3 * hidden] = xp.tanh(gates[:, 2 * hidden:3 * hidden])
    i, f, g, o = (acts[:, k * hidden:(k + 1) * hidden] for k in range(4))
    c_new = f * c._data
    c_new += i * g
    tc = xp.tanh(c_new)
    h_new = wrap(o * tc, x_proj)
    c_new = wrap(c_new, x_proj)
    node = record(LstmCellBackward, (h_new, c_new), (x_proj, h, c, w_hh, b_hh))
    if node is not None:
        node.save(x_proj, h, c, w_hh, b_hh)
        node.acts, node.tc = acts, tc
    return h_new, c_new
