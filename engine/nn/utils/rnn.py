"""torch.nn.utils.rnn: PackedSequence and the functions that pack, pad and unpad sequences of
different lengths, and the packed forward of RNN / LSTM / GRU.

A PackedSequence holds the time steps of a batch sorted by decreasing length, step by step:
``data`` is (sum of lengths, *features), ``batch_sizes[t]`` says how many sequences are still
running at step t. Packing and padding move elements only, so each is a linear map (with its
adjoint) in the graph.
"""
from collections import namedtuple

import numpy as np

from ... import creation
from ...ops._base import Tensor, apply_linear, const, linear_node
from ...ops.shape import cat, stack

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

PackPaddedSequenceBackward0, _ = linear_node("PackPaddedSequenceBackward0")
_PadPacked, _ = linear_node("CopySlices")  # PyTorch pads by slice assignments
_PadPacked.name = lambda self: "torch::autograd::CopySlices"


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                                   "unsorted_indices"])):
    __slots__ = ()
    __module__ = "torch.nn.utils.rnn"  # what type(packed) prints, as in PyTorch

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence "
                             "should never be created manually. They should be instantiated "
                             "by functions like pack_sequence and pack_padded_sequences in "
                             "nn.utils.rnn. https://pytorch.org/docs/stable/nn.html"
                             "#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        return self.to(*args, device="cuda", **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to(*args, device="cpu", **kwargs)

    def double(self):
        from ..._dtype import float64
        return self.to(dtype=float64)

    def float(self):
        from ..._dtype import float32
        return self.to(dtype=float32)

    def half(self):
        from ..._dtype import float16
        return self.to(dtype=float16)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    if permutation is None:
        return None
    out = creation.empty_like(permutation)
    return out.scatter_(0, permutation, creation.arange(permutation.numel(),
                                                        device=permutation.device))


def _positions(batch_sizes, batch):
    """Flat (step * batch + sequence) positions of the packed elements, in packed order."""
    sizes = np.asarray(batch_sizes, np.int64)
    steps = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)  # where each step's run begins
    return steps * batch + (np.arange(len(steps)) - starts)


def _pack_time_major(padded, lengths):
    """(T, B, *) time-major input, lengths sorted decreasing -> (data, batch_sizes)."""
    t_max, batch = padded.shape[:2]
    steps = int(lengths[0]) if len(lengths) else 0
    batch_sizes = (lengths[None, :] > np.arange(steps)[:, None]).sum(1)
    flat = _positions(batch_sizes, batch)
    rest = tuple(padded.shape[2:])
    in_shape = tuple(padded.shape)

    def forward(a):
        return a.reshape((t_max * batch,) + rest)[flat]

    def adjoint(g):
        out = _zeros_like_backend(g, (t_max * batch,) + rest)
        out[flat] = g
        return out.reshape(in_shape)

    data = apply_linear(padded, forward, adjoint, PackPaddedSequenceBackward0)
    return data, batch_sizes


def _zeros_like_backend(like, shape):
    from ..._backend import xp_of
    return xp_of(like).zeros(shape, like.dtype)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    lengths = np.asarray(lengths.tolist() if isinstance(lengths, Tensor) else lengths,
                         np.int64).reshape(-1)
    batch_dim = 0 if batch_first else 1
    if len(lengths) != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={input.shape[batch_dim]})")
    sorted_indices = None
    if enforce_sorted:
        if (np.diff(lengths) > 0).any():
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = creation.tensor(order, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if len(lengths) and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if len(lengths) and lengths[0] > input.shape[1 - batch_dim]:
        raise RuntimeError(f"Expected lengths to be at most the sequence length "
                           f"{input.shape[1 - batch_dim]}, but got {int(lengths[0])}")
    padded = input.transpose(0, 1) if batch_first else input
    data, batch_sizes = _pack_time_major(padded, lengths)
    return PackedSequence(data, creation.tensor(batch_sizes), sorted_indices, None)


def _lengths_of(batch_sizes):
    sizes = np.asarray(batch_sizes, np.int64)
    batch = int(sizes[0]) if len(sizes) else 0
    return (sizes[None, :] > np.arange(batch)[:, None]).sum(1)


def _padded_sorted(sequence, total_length, padding_value):
    """(T, B, *) time-major padded tensor in the packed (sorted) order."""
    sizes = np.asarray(sequence.batch_sizes.tolist(), np.int64)
    batch = int(sizes[0]) if len(sizes) else 0
    data = sequence.data
    rest = tuple(data.shape[1:])
    flat = _positions(sizes, batch)
    out_shape = (total_length, batch) + rest

    def forward(a):
        out = _zeros_like_backend(a, (total_length * batch,) + rest)
        if padding_value:
            out += padding_value
        out[flat] = a
        return out.reshape(out_shape)

    def adjoint(g):
        return g.reshape((total_length * batch,) + rest)[flat]

    return apply_linear(data, forward, adjoint, _PadPacked)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    max_len = sequence.batch_sizes.shape[0]
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        max_len = total_length
    padded = _padded_sorted(sequence, max_len, padding_value)
    if batch_first:
        padded = padded.transpose(0, 1)
    lengths = creation.tensor(_lengths_of(sequence.batch_sizes.tolist()))
    if sequence.unsorted_indices is not None:
        return (padded.index_select(0 if batch_first else 1, sequence.unsorted_indices),
                lengths[sequence.unsorted_indices.cpu()])
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    if not hasattr(sequences, "__iter__"):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    first = sequences[0]
    out = creation.full((len(sequences), longest) + tuple(first.shape[1:]), padding_value,
                        dtype=first.dtype, device=first.device)
    for i, seq in enumerate(sequences):
        n = seq.shape[0]
        if padding_side == "right":
            out[i, :n] = seq
        else:
            out[i, longest - n:] = seq
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lengths.tolist())]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = creation.tensor([v.shape[0] for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


# ---- RNN / LSTM / GRU on a PackedSequence ----------------------------------------------------

def packed_forward(module, packed, hx):
    """RNNBase.forward for a PackedSequence: every sequence runs for its own length (its
    state stops moving after its last step; the reverse direction starts at its last step),
    the output is packed the same way, the final states come back in the caller's order."""
    from .. import functional as F
    from ..modules.rnn import _rnn_cell
    sizes = np.asarray(packed.batch_sizes.tolist(), np.int64)
    lengths = _lengths_of(sizes)
    steps, batch = len(sizes), int(sizes[0])
    x = _padded_sorted(packed, steps, 0.0)
    lstm = module.mode == "LSTM"
    dirs = 2 if module.bidirectional else 1
    shape = (module.num_layers * dirs, batch, module.hidden_size)
    if hx is None:
        zeros = creation.zeros(*shape, dtype=x.dtype, device=x.device)
        h0, c0 = zeros, zeros
    else:
        hx = hx if lstm else (hx,)
        if packed.sorted_indices is not None:  # the caller's order -> the packed order
            hx = tuple(h.index_select(1, packed.sorted_indices) for h in hx)
        for h in hx:
            if tuple(h.shape) != shape:
                raise RuntimeError(f"Expected hidden size {shape}, got {list(h.shape)}")
        h0, c0 = (hx[0], hx[1]) if lstm else (hx[0], None)
    live = [const((t < lengths).reshape(-1, 1), x) for t in range(steps)]
    step = _rnn_cell(module.mode)
    finals_h, finals_c = [], []
    layer_input = x
    for layer in range(module.num_layers):
        outputs = []
        for d in range(dirs):
            w_ih, w_hh, b_ih, b_hh = module._weights(layer, d)
            k = layer * dirs + d
            proj = F.linear(layer_input.reshape(steps * batch, -1), w_ih, b_ih) \
                .view(steps, batch, -1)
            state = (h0[k], c0[k]) if lstm else h0[k]
            outs = [None] * steps
            for t in (range(steps - 1, -1, -1) if d else range(steps)):
                new = step(proj[t], state, w_hh, b_hh)
                if lstm:
                    state = tuple(n.where(live[t], s) for n, s in zip(new, state))
                else:
                    state = new.where(live[t], state)
                outs[t] = state[0] if lstm else state
            outputs.append(stack(outs, 0))
            finals_h.append(state[0] if lstm else state)
            if lstm:
                finals_c.append(state[1])
        layer_input = outputs[0] if dirs == 1 else cat(outputs, 2)
        if module.dropout and module.training and layer < module.num_layers - 1:
            layer_input = F.dropout(layer_input, module.dropout, True)
    data, _ = _pack_time_major(layer_input, lengths)
    output = PackedSequence(data, packed.batch_sizes, packed.sorted_indices,
                            packed.unsorted_indices)
    h_n = stack(finals_h, 0)
    c_n = stack(finals_c, 0) if lstm else None
    if packed.unsorted_indices is not None:  # back to the caller's order
        h_n = h_n.index_select(1, packed.unsorted_indices)
        c_n = c_n.index_select(1, packed.unsorted_indices) if lstm else None
    return (output, (h_n, c_n)) if lstm else (output, h_n)
