"""RNN, LSTM, GRU (num_layers, batch_first, bidirectional, dropout) and their cells.

RNN and GRU are written with engine ops, so autograd handles the backward through time: the
input projection of a whole sequence is one GEMM per layer and direction; only the recurrent
product runs step by step. An LSTM layer (both directions, every step) is one graph node
(engine/nn/_lstm_layer.py); the step-by-step path stays for inputs it does not take.
"""
import math

from ... import creation
from ...ops.shape import cat, stack
from .. import functional as F, init
from .._lstm_cell import _lstm_step_ops, lstm_cell
from .._lstm_layer import lstm_layer
from ..parameter import Parameter
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rnn_cell(mode):
    """step(x_proj, h, (w_hh, b_hh)) -> new hidden state (h, or (h, c) for LSTM)."""
    def rnn_tanh(xp, h, w_hh, b_hh):
        return (xp + F.linear(h, w_hh, b_hh)).tanh()

    def rnn_relu(xp, h, w_hh, b_hh):
        return F.relu(xp + F.linear(h, w_hh, b_hh))

    def lstm(xp, state, w_hh, b_hh):
        return _lstm_step_ops(xp, state[0], state[1], w_hh, b_hh)

    def gru(xp, h, w_hh, b_hh):
        hp = F.linear(h, w_hh, b_hh)
        xr, xz, xn = xp.chunk(3, 1)
        hr, hz, hn = hp.chunk(3, 1)
        r = (xr + hr).sigmoid()
        z = (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return n + z * (h - n)
    return {"RNN_TANH": rnn_tanh, "RNN_RELU": rnn_relu, "LSTM": lstm, "GRU": gru}[mode]


def _fused_lstm_step(x_proj, state, w_hh, b_hh):
    """nn.LSTM's step: one graph node (engine/nn/_lstm_cell.py). LSTMCell and torch.lstm_cell
    keep the separate ops, whose grad_fn names (MulBackward0, AddBackward0) a user sees."""
    return lstm_cell(x_proj, state[0], state[1], w_hh, b_hh)


def layer_by_steps(step, x, weights, states, lstm):
    """One layer run step by step with engine ops, its second direction backward in time:
    (output (T, batch, dirs * H), each direction's final state). ``weights`` holds each
    direction's (w_ih, w_hh, b_ih, b_hh), ``states`` its initial state."""
    seq_len, batch = x.shape[0], x.shape[1]
    flat = x.reshape(seq_len * batch, x.shape[2])
    outputs, finals = [], []
    for d, ((w_ih, w_hh, b_ih, b_hh), state) in enumerate(zip(weights, states)):
        # unbind: one node whose backward stacks the steps' gradients (indexing proj[t]
        # would scatter each into a zero tensor of the whole sequence)
        proj = F.linear(flat, w_ih, b_ih).view(seq_len, batch, -1).unbind(0)
        outs = [None] * seq_len
        for t in (range(seq_len - 1, -1, -1) if d else range(seq_len)):
            state = step(proj[t], state, w_hh, b_hh)
            outs[t] = state[0] if lstm else state
        outputs.append(stack(outs, 0))
        finals.append(state)
    return (outputs[0] if len(outputs) == 1 else cat(outputs, 2)), finals


def _fits_layer(x, h0, c0, weights):
    """Whether the one-node layer takes these: one floating dtype and device throughout, and
    a non-empty sequence and batch (anything else runs step by step, as before)."""
    data = x._data
    if data.dtype.kind != "f" or data.shape[0] == 0 or data.shape[1] == 0:
        return False
    return all(t._data.dtype == data.dtype and t._device == x._device
               for t in (h0, c0, *weights) if t is not None)


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be an integer greater than zero")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError("num_layers must be an integer greater than zero")
        if proj_size:
            raise NotImplementedError("proj_size is not supported by this engine")
        self.mode = mode
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        gate = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                in_size = input_size if layer == 0 else hidden_size * dirs
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (gate, in_size)), ("weight_hh", (gate, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                for name, shape in shapes:
                    p = Parameter(creation.empty(*shape, device=device, dtype=dtype))
                    setattr(self, name + suffix, p)
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """cuDNN packs RNN weights into one buffer; the engine has nothing to pack."""

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in self._flat_weights_names[i:i + (4 if self.bias
                                                                            else 2)]]
                for i in range(0, len(self._flat_weights_names), 4 if self.bias else 2)]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        get = lambda name: getattr(self, name + suffix) if self.bias or "weight" in name \
            else None  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _check_input(self, input):
        if input.dim() not in (2, 3):
            noun = " tensor" if type(self).__name__ == "RNN" else ""  # PyTorch's wording
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D{noun} instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _initial_state(self, hx, batch, input, batched):
        dirs = 2 if self.bidirectional else 1
        expected = (self.num_layers * dirs, batch, self.hidden_size)
        if hx is None:
            return creation.zeros(*expected, dtype=input.dtype, device=input.device)
        if not batched:
            if hx.dim() != 2:
                raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                   f"{hx.dim()}-D tensor")
            hx = hx.unsqueeze(1)
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(hx.shape)}")
        return hx

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence, packed_forward
        if isinstance(input, PackedSequence):
            return packed_forward(self, input, hx)
        self._check_input(input)
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1)
        if self.batch_first and batched:
            x = x.transpose(0, 1)
        batch = x.shape[1]
        lstm = self.mode == "LSTM"
        if lstm:
            if hx is None:
                h0 = c0 = self._initial_state(None, batch, input, batched)
            else:
                h0 = self._initial_state(hx[0], batch, input, batched)
                c0 = self._initial_state(hx[1], batch, input, batched)
        else:
            h0 = self._initial_state(hx, batch, input, batched)
        step = _fused_lstm_step if lstm else _rnn_cell(self.mode)
        dirs = 2 if self.bidirectional else 1
        finals_h, finals_c = [], []
        layer_input = x
        for layer in range(self.num_layers):
            weights = [self._weights(layer, d) for d in range(dirs)]
            states = [(h0[k], c0[k]) if lstm else h0[k]
                      for k in range(layer * dirs, (layer + 1) * dirs)]
            if lstm and _fits_layer(layer_input, h0, c0, [w for ws in weights for w in ws]):
                # the whole layer, every step and direction, as one node (_lstm_layer.py)
                inputs = [layer_input]
                for (w_ih, w_hh, b_ih, b_hh), (h, c) in zip(weights, states):
                    inputs += [w_ih, b_ih, h, c, w_hh, b_hh]
                layer_input, *finals = lstm_layer(inputs, dirs)
                finals = list(zip(finals[0::2], finals[1::2]))
            else:
                layer_input, finals = layer_by_steps(step, layer_input, weights, states, lstm)
            finals_h += [state[0] if lstm else state for state in finals]
            if lstm:
                finals_c += [state[1] for state in finals]
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        if self.batch_first and batched:
            output = output.transpose(0, 1)
        h_n = stack(finals_h, 0)
        c_n = stack(finals_c, 0) if lstm else None
        if not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        return (output, (h_n, c_n)) if lstm else (output, h_n)


class RNN(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.__dict__["nonlinearity"] = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class _CellBase(Module):
    _mode = "RNN_TANH"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate = _GATES[self._mode] * hidden_size
        self.weight_ih = Parameter(creation.empty(gate, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(gate, hidden_size, device=device,
                                                  dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(gate, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(gate, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _zeros(self, input):
        shape = (input.shape[0], self.hidden_size) if input.dim() == 2 else (self.hidden_size,)
        return creation.zeros(*shape, dtype=input.dtype, device=input.device)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.dim()}D instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        lstm = self._mode == "LSTM"
        if hx is None:
            z = self._zeros(x)
            hx = (z, z) if lstm else z
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if lstm else hx.unsqueeze(0)
        proj = F.linear(x, self.weight_ih, self.bias_ih)
        out = _rnn_cell(self._mode)(proj, hx, self.weight_hh, self.bias_hh)
        if not batched:
            out = tuple(o.squeeze(0) for o in out) if lstm else out.squeeze(0)
        return out


class RNNCell(_CellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity


class LSTMCell(_CellBase):
    _mode = "LSTM"


class GRUCell(_CellBase):
    _mode = "GRU"


# PyTorch's name for the cells' base class (isinstance checks, printing the class)
RNNCellBase = _CellBase
RNNCellBase.__name__ = RNNCellBase.__qualname__ = "RNNCellBase"
