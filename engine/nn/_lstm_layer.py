"""One nn.LSTM layer, its input projection, every time step and both directions, as one
graph node.

Run step by step (engine/nn/_lstm_cell.py) a layer records a node per step, whose backward
makes the weight gradient of that step alone (a (4H x batch) @ (batch x H) GEMM) and the
autograd engine adds them up, and the steps' input projections are split apart and stacked
back. Here the forward projects the whole sequence, loops over time on arrays and keeps each
step's gates, cell state and hidden state in (T, batch, ...) arrays; the backward loops back
over time for the gates' gradients (T, batch, 4H), then makes the input's gradient and each
weight's as one GEMM over all steps and each bias's as one sum.

Threads: the batch rows are independent through the whole recurrence, and so are the
directions, so each (direction, span of rows) runs its projection and its time loop on its
own thread (engine/_parallel.py); the backward's big GEMMs are shared the same way (spans of
time for the input's gradient, of gate rows for the weights').

Under create_graph the backward runs the layer again as engine ops and differentiates that,
so higher derivatives stay exact. Gate order is PyTorch's (i, f, g, o).
"""
import numpy

from .. import _parallel
from .._backend import xp_of
from ..autograd import grad_mode
from ..ops._base import Node, record, wrap

_grad_state = grad_mode._state

# A layer's time loops run split only when each thread's share of a step's recurrent GEMM is
# at least this many multiply-adds (rows x 4H x H): below it the threads' Python calls and
# their hand-offs of the GIL cost more than the second core saves (measured: no gain at
# batch 32, H 128 with the batch cut in two; 1.5x at batch 50 and more).
MIN_SPLIT_WORK = 5 << 18
# The backward's GEMMs over all steps are shared when they make this many multiply-adds.
MIN_GEMM_WORK = 1 << 22


def _work_items(xp, dirs, batch, hidden):
    """[(direction, (row_start, row_stop))] and the threads to run them on."""
    threads = _parallel.threads() if xp is numpy else 1
    parts = -(-threads // dirs)
    if threads <= 1 or -(-batch // parts) * 4 * hidden * hidden < MIN_SPLIT_WORK:
        return [(d, (0, batch)) for d in range(dirs)], 1
    items = [(d, ab) for d in range(dirs) for ab in _parallel.spans(batch, parts)]
    return items, min(threads, len(items))


def _gemm_items(xp, dirs, seq_len, batch, gate, size, need_x):
    """Phase two of the backward: ("x", time span) for the input's gradient, (d, gate-row
    span) for direction d's weights and biases; and the threads to run them on."""
    threads = _parallel.threads() if xp is numpy else 1
    if threads <= 1 or seq_len * batch * gate * (gate // 4 + 2 * size) < MIN_GEMM_WORK:
        return ([("x", (0, seq_len))] if need_x else []) + \
            [(d, (0, gate)) for d in range(dirs)], 1
    items = [("x", ab) for ab in _parallel.spans(seq_len, threads)] if need_x else []
    items += [(d, ab) for d in range(dirs) for ab in _parallel.spans(gate, threads)]
    return items, threads


class LstmLayerBackward(Node):
    """Inputs: x, then (w_ih, b_ih, h0, c0, w_hh, b_hh) per direction; outputs: (output,
    then h_n, c_n per direction)."""

    def backward(self, gout, *gfinal):
        saved = self.saved_tensors
        if _grad_state[0]:
            return self._recorded(gout, gfinal)
        return self._on_arrays(gout, gfinal, saved)

    def _on_arrays(self, gout, gfinal, saved):
        dirs = self.dirs
        acts, cs, tcs, hs = self.acts, self.cs, self.tcs, self.hs
        xp = xp_of(acts[0])
        seq_len, batch, gate = acts[0].shape
        hidden = gate // 4
        need = self.needs_input_grad
        like = next(g for g in (gout, *gfinal) if g is not None)
        go = gout._data if gout is not None else None
        dgates = [xp.empty(a.shape, a.dtype) for a in acts]
        dh0 = [xp.empty((batch, hidden), acts[0].dtype) for _ in range(dirs)]
        dc0 = [xp.empty((batch, hidden), acts[0].dtype) for _ in range(dirs)]

        def span(d, ab):
            a, b = ab
            rev = d == 1
            w = saved[1 + 6 * d + 4]._data
            act = acts[d][:, a:b]
            i, f, g, o = (act[..., k * hidden:(k + 1) * hidden] for k in range(4))
            tc = tcs[d][:, a:b]
            c_prev = cs[d][1:, a:b] if rev else cs[d][:seq_len, a:b]
            # every step's factors at once: dgates = [dc, dc, dc, dh] * coef
            shape = act.shape
            n = b - a
            coef = xp.empty(shape, act.dtype)
            t1, through, fgate = (xp.empty(shape[:2] + (hidden,), act.dtype) for _ in range(3))
            xp.multiply(g, g, out=t1)
            xp.subtract(1, t1, out=t1)
            xp.multiply(t1, i, out=coef[..., 2 * hidden:3 * hidden])   # i tanh'(g)
            xp.subtract(1, i, out=t1)
            t1 *= i
            xp.multiply(t1, g, out=coef[..., :hidden])                 # g sigmoid'(i)
            xp.subtract(1, f, out=t1)
            t1 *= f
            xp.multiply(t1, c_prev, out=coef[..., hidden:2 * hidden])  # c sigmoid'(f)
            xp.subtract(1, o, out=t1)
            t1 *= o
            xp.multiply(t1, tc, out=coef[..., 3 * hidden:])            # tanh(c) sigmoid'(o)
            xp.multiply(tc, tc, out=through)                           # dh -> dc: o tanh'(c)
            xp.subtract(1, through, out=through)
            through *= o
            fgate[...] = f
            dh = xp.empty((n, hidden), act.dtype)
            dc = xp.empty((n, hidden), act.dtype)
            gh, gc = gfinal[2 * d], gfinal[2 * d + 1]
            if gh is not None:
                dh[...] = gh._data[a:b]
            else:
                dh[...] = 0
            if gc is not None:
                dc[...] = gc._data[a:b]
            else:
                dc[...] = 0
            tmp = xp.empty_like(dh)
            dgs = dgates[d]
            out_cols = slice(d * hidden, (d + 1) * hidden)
            for t in (range(seq_len) if rev else range(seq_len - 1, -1, -1)):
                if go is not None:
                    dh += go[t, a:b, out_cols]
                xp.multiply(dh, through[t], out=tmp)
                dc += tmp
                dg = dgs[t, a:b]
                xp.multiply(dh, coef[t, :, 3 * hidden:], out=dg[:, 3 * hidden:])
                xp.multiply(dc[:, None, :], coef[t, :, :3 * hidden].reshape(n, 3, hidden),
                            out=dg[:, :3 * hidden].reshape(n, 3, hidden))
                dc *= fgate[t]
                xp.matmul(dg, w, out=dh)
            dh0[d][a:b] = dh
            dc0[d][a:b] = dc

        items, threads = _work_items(xp, dirs, batch, hidden)
        _parallel.map_spans(span, items, threads, blas=True)

        x2d = self.x2d
        dtype = x2d.dtype
        dx = xp.empty((seq_len, batch, x2d.shape[1]), dtype) if need[0] else None
        grads = [[None] * 6 for _ in range(dirs)]
        for d in range(dirs):
            base = 1 + 6 * d
            if need[base]:
                grads[d][0] = xp.empty((gate, x2d.shape[1]), dtype)
            if need[base + 4]:
                grads[d][4] = xp.empty((gate, hidden), dtype)
            if need[base + 1] or need[base + 5]:
                grads[d][1] = xp.empty(gate, dtype)

        def gemms(kind, ab):
            a, b = ab
            if kind == "x":  # dx = sum over directions of dgates @ w_ih
                out = dx[a:b].reshape((b - a) * batch, -1)
                for d in range(dirs):
                    dg = dgates[d][a:b].reshape((b - a) * batch, gate)
                    w_ih = saved[1 + 6 * d]._data
                    if d == 0:
                        xp.matmul(dg, w_ih, out=out)
                    else:
                        out += dg @ w_ih
                return
            d = kind
            g = grads[d]
            dg = dgates[d].reshape(seq_len * batch, gate)[:, a:b]
            if g[0] is not None:
                xp.matmul(dg.T, x2d, out=g[0][a:b])
            if g[4] is not None:
                prev = hs[d][1:] if d == 1 else hs[d][:seq_len]
                xp.matmul(dg.T, prev.reshape(seq_len * batch, hidden), out=g[4][a:b])
            if g[1] is not None:
                dg.sum(0, out=g[1][a:b])

        items, threads = _gemm_items(xp, dirs, seq_len, batch, gate, x2d.shape[1], need[0])
        _parallel.map_spans(gemms, items, threads, blas=True)
        result = [wrap(dx, like) if dx is not None else None]
        for d in range(dirs):
            base = 1 + 6 * d
            g = grads[d]
            db = g[1]
            result += [wrap(g[0], like) if g[0] is not None else None,
                       wrap(db, like) if need[base + 1] else None,
                       wrap(dh0[d], like) if need[base + 2] else None,
                       wrap(dc0[d], like) if need[base + 3] else None,
                       wrap(g[4], like) if g[4] is not None else None,
                       wrap(db.copy() if need[base + 1] else db, like) if need[base + 5]
                       else None]
        return tuple(result)

    def _recorded(self, gout, gfinal):
        """create_graph: the layer as engine ops on the saved inputs, differentiated."""
        from .. import autograd
        inputs = self.saved_tensors
        with grad_mode.enable_grad():
            outs = _layer_ops(inputs, self.dirs)
        pairs = [(t, g) for t, g in zip(outs, (gout, *gfinal)) if g is not None]
        wanted = [(k, t) for k, t in enumerate(inputs)
                  if t is not None and self.needs_input_grad[k]]
        grads = autograd.grad([t for t, _ in pairs], [t for _, t in wanted],
                              [g for _, g in pairs], create_graph=True, allow_unused=True)
        result = [None] * len(inputs)
        for (k, _), grad in zip(wanted, grads):
            result[k] = grad
        return tuple(result)


def _layer_ops(inputs, dirs):
    """(output, h_n, c_n per direction) of the layer built from engine ops, step by step."""
    from .modules.rnn import _rnn_cell, layer_by_steps
    per_dir = [inputs[1 + 6 * d:7 + 6 * d] for d in range(dirs)]
    weights = [(w_ih, w_hh, b_ih, b_hh) for w_ih, b_ih, _, _, w_hh, b_hh in per_dir]
    states = [(h, c) for _, _, h, c, _, _ in per_dir]
    output, finals = layer_by_steps(_rnn_cell("LSTM"), inputs[0], weights, states, True)
    return (output, *[t for state in finals for t in state])


def lstm_layer(inputs, dirs):
    """(output (T, batch, dirs * H), then h_n and c_n of each direction) of one layer;
    ``inputs`` holds x (T, batch, in), then (w_ih, b_ih, h0, c0, w_hh, b_hh) per direction
    (biases may be None); the second direction runs backward in time."""
    x = inputs[0]
    xp = xp_of(x._data)
    seq_len, batch = x._data.shape[:2]
    gate, hidden = inputs[5]._data.shape
    dtype = x._data.dtype
    x_c = xp.ascontiguousarray(x._data)
    x2d = x_c.reshape(seq_len * batch, x_c.shape[2])
    acts = [xp.empty((seq_len, batch, gate), dtype) for _ in range(dirs)]
    cs = [xp.empty((seq_len + 1, batch, hidden), dtype) for _ in range(dirs)]
    tcs = [xp.empty((seq_len, batch, hidden), dtype) for _ in range(dirs)]
    hs = [xp.empty((seq_len + 1, batch, hidden), dtype) for _ in range(dirs)]

    def span(d, ab):
        a, b = ab
        rev = d == 1
        h0, c0 = inputs[3 + 6 * d:5 + 6 * d]
        w_t = w_ts[d]
        n = b - a
        xs = x2d if n == batch else xp.ascontiguousarray(x_c[:, a:b]).reshape(seq_len * n, -1)
        xb = xp.empty((seq_len, n, gate), dtype)        # the input's projection
        xp.matmul(xs, w_its[d], out=xb.reshape(seq_len * n, gate))
        if biases[d] is not None:
            xb += biases[d]
        act, c_all, tc_all, h_all = acts[d][:, a:b], cs[d][:, a:b], tcs[d][:, a:b], \
            hs[d][:, a:b]
        first = seq_len if rev else 0
        h_all[first] = h0._data[a:b]
        c_all[first] = c0._data[a:b]
        if xp is numpy:
            with numpy.errstate(over="ignore"):  # per thread: NumPy keeps it in a context var
                steps(rev, w_t, xb, act, c_all, tc_all, h_all, b - a)
        else:
            steps(rev, w_t, xb, act, c_all, tc_all, h_all, b - a)

    def steps(rev, w_t, xb, act, c_all, tc_all, h_all, n):
        z = xp.empty((n, gate), dtype)
        gsl = slice(2 * hidden, 3 * hidden)
        for t in (range(seq_len - 1, -1, -1) if rev else range(seq_len)):
            prev, new = (t + 1, t) if rev else (t, t + 1)
            xp.matmul(h_all[prev], w_t, out=z)
            z += xb[t]
            at = act[t]
            xp.negative(z, out=at)                # sigmoid: 1 / (1 + exp(-z)), as PyTorch
            xp.exp(at, out=at)                    # (inf for z < -88 in float32: then 0)
            at += 1
            xp.reciprocal(at, out=at)
            xp.tanh(z[:, gsl], out=at[:, gsl])
            c = c_all[new]
            xp.multiply(at[:, hidden:2 * hidden], c_all[prev], out=c)
            xp.multiply(at[:, :hidden], at[:, gsl], out=z[:, :hidden])
            c += z[:, :hidden]
            tc = tc_all[t]
            xp.tanh(c, out=tc)
            xp.multiply(at[:, 3 * hidden:], tc, out=h_all[new])

    # W_hh^T laid out row-major: OpenBLAS multiplies by it ~20% faster than by a transposed view
    w_ts = [xp.ascontiguousarray(inputs[5 + 6 * d]._data.T) for d in range(dirs)]
    w_its = [xp.ascontiguousarray(inputs[1 + 6 * d]._data.T) for d in range(dirs)]
    biases = []
    for d in range(dirs):
        b_ih, b_hh = inputs[2 + 6 * d], inputs[6 + 6 * d]
        biases.append(None if b_ih is None and b_hh is None else
                      b_ih._data if b_hh is None else
                      b_hh._data if b_ih is None else b_ih._data + b_hh._data)
    items, threads = _work_items(xp, dirs, batch, hidden)
    _parallel.map_spans(span, items, threads, blas=True)

    output = xp.empty((seq_len, batch, dirs * hidden), dtype)
    finals = []
    for d in range(dirs):
        rev = d == 1
        output[..., d * hidden:(d + 1) * hidden] = hs[d][:seq_len] if rev else hs[d][1:]
        last = 0 if rev else seq_len
        finals += [wrap(hs[d][last].copy(), x), wrap(cs[d][last].copy(), x)]
    outs = (wrap(output, x), *finals)
    node = record(LstmLayerBackward, outs, inputs)
    if node is not None:
        node.save(*inputs)
        node.dirs = dirs
        node.acts, node.cs, node.tcs, node.hs = acts, cs, tcs, hs
        node.x2d = x2d  # x as (T * batch, in), for w_ih's gradient
    return outs
