"""dropout, embedding, pad and one_hot."""
import numpy as np

from .. import _backend
from .._backend import xp_of
from ..ops._base import Tensor, apply_linear, linear_node, wrap
from ..random import default_generator


# ---- dropout -------------------------------------------------------------------------------

def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(input, p, shape):
    """Keep-mask scaled by 1/(1-p) (all zeros for p == 1), on the input's device."""
    x = input._data
    if p == 1.0:
        return xp_of(x).zeros(shape, x.dtype)
    keep = default_generator.numpy.random(shape, dtype=np.float32) >= p
    scaled = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), x.dtype)
    return xp_of(x).asarray(scaled)


def dropout(input, p=0.5, training=True, inplace=False, mask_shape=None):
    _check_p(p)
    if not training or p == 0.0:
        return input
    mask = wrap(_mask(input, p, mask_shape or input._data.shape), input)
    if inplace:
        return input.mul_(mask)
    return input * mask


def _scatter_add(out, index, values):
    """out[index[k]] += values[k], repeated indices adding up (NumPy's add.at, or CuPy's)."""
    _backend.scatter_add(out, index, values)


# ---- embedding -----------------------------------------------------------------------------

EmbeddingBackward0, _EmbeddingAdjoint = linear_node("EmbeddingBackward0")


def _index_array(input, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}(): argument 'indices' must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dtype.is_floating_point or input.dtype.name == "bool":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {_legacy(input)} "
                           "instead (while checking arguments for embedding)")
    return input._data


def _legacy(t):
    return f"torch.{t.dtype.legacy}Tensor"


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    idx = _index_array(input, "embedding")
    num, dim = weight._data.shape
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    xp = xp_of(weight._data)
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    flat = idx.reshape(-1)
    if scale_grad_by_freq:
        counts = xp.bincount(flat, minlength=num)

    def forward_map(w):
        return w[idx]

    def adjoint(g):
        out = xp.zeros((num, dim), g.dtype)
        rows = g.reshape(-1, dim)
        if scale_grad_by_freq:
            rows = rows / counts[flat].reshape(-1, 1)
        _scatter_add(out, flat, rows)
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    return apply_linear(weight, forward_map, adjoint, EmbeddingBackward0)


def _renorm_rows(weight, idx, max_norm, norm_type):
    """Rescale, in place and without a graph, the looked-up rows whose norm exceeds max_norm."""
    xp = xp_of(weight._data)
    rows = xp.unique(idx.reshape(-1))
    w = weight._data
    norms = (xp.abs(w[rows]) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    w[rows] *= scale.reshape(-1, 1).astype(w.dtype)
    weight._bump_version()


def one_hot(tensor, num_classes=-1):
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    xp = xp_of(idx)
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (idx[..., None] == xp.arange(num_classes)).astype(np.int64)
    return wrap(out, tensor)


# ---- pad -----------------------------------------------------------------------------------

ConstantPadNdBackward0, _ConstantPadAdjoint = linear_node("ConstantPadNdBackward0")
_PAD_NODES = {}


def _pad_node(mode, n):
    if mode == "circular":  # PyTorch pads circularly by slice assignments: CopySlices
        name = "CopySlices"
    else:
        name = {"reflect": "ReflectionPad", "replicate": "ReplicationPad"}[mode] + \
            f"{n}DBackward0"
    if name not in _PAD_NODES:
        _PAD_NODES[name] = linear_node(name)[0]
        if mode == "circular":
            _PAD_NODES[name].name = lambda self: "torch::autograd::CopySlices"
    return _PAD_NODES[name]


def pad(input, pad, mode="constant", value=None):
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    if len(pad) // 2 > nd:
        raise RuntimeError("Padding length should be less than or equal to two times the "
                           "input dimension but got padding length "
                           f"{len(pad)} and input of dimension {nd}")
    # pad lists (before, after) from the last dimension backwards
    spec = [(nd - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]
    if mode == "constant":
        return _constant_pad(input, spec, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if len(pad) not in (2, 4, 6) or nd not in (len(pad) // 2 + 1, len(pad) // 2 + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    return _index_pad(input, spec, mode)


def _constant_pad(input, spec, value):
    x = input._data
    xp = xp_of(x)
    out_shape = list(x.shape)
    src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for d, lo, hi in spec:
        n = x.shape[d]
        out_shape[d] = n + lo + hi
        if n - max(0, -lo) - max(0, -hi) < 0:  # PyTorch crops with narrow() first
            raise RuntimeError("narrow(): length must be non-negative.")
        src[d] = slice(max(0, -lo), n - max(0, -hi))
        dst[d] = slice(max(0, lo), max(0, lo) + max(0, n - max(0, -lo) - max(0, -hi)))
    src, dst = tuple(src), tuple(dst)
    in_shape = x.shape

    def forward_map(a, fill=0):
        out = xp.full(tuple(out_shape), fill, a.dtype)
        out[dst] = a[src]
        return out

    def adjoint(g):
        out = xp.zeros(in_shape, g.dtype)
        out[src] = g[dst]
        return out

    return apply_linear(input, forward_map, adjoint, ConstantPadNdBackward0,
                        out_data=forward_map(x, value))


def _pad_index(n, lo, hi, mode, d, shape):
    """Source index of each padded position along one dimension."""
    pos = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "circular":
        if lo > n or hi > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        return pos % n
    if lo >= n or hi >= n:
        raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                           f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} "
                           f"of input {list(shape)}")
    period = 2 * (n - 1)
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= n, period - pos, pos)


def _index_pad(input, spec, mode):
    x = input._data
    xp = xp_of(x)
    maps = [(d, xp.asarray(_pad_index(x.shape[d], lo, hi, mode, d, x.shape)))
            for d, lo, hi in spec]
    in_shape = x.shape

    def forward_map(a):
        for d, idx in maps:
            a = xp.take(a, idx, axis=d)
        return a

    def adjoint(g):
        for d, idx in reversed(maps):
            moved = xp.moveaxis(g, d, 0)
            out = xp.zeros((in_shape[d],) + moved.shape[1:], g.dtype)
            _scatter_add(out, idx, moved)
            g = xp.moveaxis(out, 0, d)
        return xp.ascontiguousarray(g)

    return apply_linear(input, forward_map, adjoint, _pad_node(mode, len(spec)))

