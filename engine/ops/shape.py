"""Views and shape ops. Views share storage and the version counter with their base."""
from math import prod

import numpy as np

from .._backend import xp_of
from .._dtype import result_type
from .._size import Size
from ._base import (Node, Tensor, _grad_state, _view, _wrap_dim, broadcast_error, record, wrap,
                    write_out, zeros)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:  # plain ints (the common case) need no conversion: every view passes here
        if s.__class__ is not int:
            break
    else:
        return tuple(shape)
    out = []
    for s in shape:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"shape must be a sequence of ints, got {type(s).__name__}")
        out.append(int(s))
    return tuple(out)


def _infer_shape(shape, numel):
    """Resolve a single -1 and check the element count, with PyTorch's messages."""
    if -1 not in shape and (not shape or min(shape) >= 0):
        if prod(shape) != numel:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                                   f"{list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               "because the unspecified dimension size -1 can be any value and "
                               "is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class ViewBackward0(Node):
    def backward(self, g):
        return (g.reshape(self.in_shape),)


class UnsafeViewBackward0(ViewBackward0):
    pass


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, Tensor, np.integer)):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    try:
        data = input._data.reshape(shape, copy=False)
    except (ValueError, TypeError):
        data = _no_copy_reshape(input._data, shape)
    out = _view(input, data)
    node = record(ViewBackward0, out, (input,))
    if node is not None:
        node.in_shape = input._data.shape
    return out


def _no_copy_reshape(arr, shape):
    """NumPy < 2.1 has no reshape(copy=False): assign the shape, which never copies."""
    view_ = arr.view()
    try:
        view_.shape = shape
    except AttributeError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride "
                           "(at least one dimension spans across two contiguous subspaces). "
                           "Use .reshape(...) instead.") from None
    return view_


def _view_dtype(input, dtype):
    """The same bytes read as another dtype (torch's view(dtype)): shares storage, and, as in
    torch, is not differentiable."""
    from .._dtype import to_dtype
    dtype = to_dtype(dtype)
    data = input._data
    src, size = data.itemsize, dtype.itemsize
    if size != src:
        names = f"{input.dtype.legacy} as {dtype.legacy} (different element sizes)"
        if data.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to view {names}")
        stride = data.strides[-1] // src
        if stride != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 to view {names}, but got {stride}")
        if size > src and (data.shape[-1] * src) % size:
            raise RuntimeError(f"self.size(-1) must be divisible by {size // src} to view "
                               f"{names}, but got {data.shape[-1]}")
    return _view(input, data.view(dtype.np))


def reshape(input, *shape):
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    try:
        return view(input, shape)
    except RuntimeError:
        pass
    out = wrap(input._data.reshape(shape), input)  # needs a copy: no longer a view
    node = record(UnsafeViewBackward0, out, (input,))
    if node is not None:
        node.in_shape = input._data.shape
    return out


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (-1,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    d = _wrap_dim(dim, input._data.ndim)
    shape = input._data.shape
    sizes = tuple(sizes)
    known = 1
    for n in sizes:
        known *= n if n != -1 else 1
    if (-1 not in sizes and known != shape[d]) or (-1 in sizes and known and shape[d] % known):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + sizes + shape[d + 1:])


class SqueezeBackward0(Node):
    def backward(self, g):
        return (g.reshape(self.in_shape),)


class SqueezeBackward1(SqueezeBackward0):
    pass


def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
        cls = SqueezeBackward0
    else:
        listed = [_wrap_dim(d, len(shape)) for d in (dim if isinstance(dim, (tuple, list))
                                                     else (dim,))]
        dims = set(listed)
        if len(dims) != len(listed):
            dup = next(d for i, d in enumerate(listed) if d in listed[:i])
            raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
        cls = SqueezeBackward1
    out = _view(input, input._data.reshape(new))
    node = record(cls, out, (input,))
    if node is not None:
        node.in_shape = shape
    return out


class UnsqueezeBackward0(Node):
    def backward(self, g):
        return (g.squeeze(self.dim),)


def unsqueeze(input, dim):
    d = _wrap_dim(dim, input._data.ndim + 1)
    out = _view(input, xp_of(input._data).expand_dims(input._data, d))
    node = record(UnsqueezeBackward0, out, (input,))
    if node is not None:
        node.dim = d
    return out


class PermuteBackward0(Node):
    def backward(self, g):
        return (g.permute(*np.argsort(self.dims).tolist()),)


def permute(input, *dims):
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = _view(input, input._data.transpose(dims))
    node = record(PermuteBackward0, out, (input,))
    if node is not None:
        node.dims = dims
    return out


class TransposeBackward0(Node):
    def backward(self, g):
        return (g.transpose(self.d0, self.d1),)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    out = _view(input, xp_of(input._data).swapaxes(input._data, d0, d1))
    node = record(TransposeBackward0, out, (input,))
    if node is not None:
        node.d0, node.d1 = d0, d1
    return out


swapaxes = swapdims = transpose


class TBackward0(Node):
    def backward(self, g):
        return (g.t(),)


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    out = _view(input, input._data.T)
    record(TBackward0, out, (input,))
    return out


def _T(input):
    return permute(input, *range(input._data.ndim - 1, -1, -1))


def _mT(input):
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


class ExpandBackward0(Node):
    def backward(self, g):
        return (g.sum_to_size(self.in_shape),)


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        from ..tensor import _legacy_type_name
        raise RuntimeError(f"expand({_legacy_type_name(input)}{{[{', '.join(map(str, shape))}]}}, "
                           f"size=[{', '.join(map(str, sizes))}]): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        cur = shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a "
                                   "leading, non-existing dimension " + str(i))
            s = cur
        elif cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"[{', '.join(map(str, sizes))}].  Tensor sizes: "
                               f"[{', '.join(map(str, shape))}]")
        target.append(s)
    out = _view(input, _broadcast_view(input._data, shape, tuple(target)))
    node = record(ExpandBackward0, out, (input,))
    if node is not None:
        node.in_shape = shape
    return out


def _broadcast_view(data, shape, target):
    """A writable zero-stride view (NumPy's broadcast_to is read-only; PyTorch writes
    through expanded tensors)."""
    if tuple(target) == shape:
        return data.view()
    lead = len(target) - len(shape)
    strides = [0] * lead + [0 if s == 1 and t != 1 else st
                            for s, t, st in zip(shape, target[lead:], data.strides)]
    return xp_of(data).lib.stride_tricks.as_strided(data, target, strides)


def expand_as(input, other):
    return expand(input, other.shape)


def sum_to_size(input, *size):
    """Sum over the dimensions that broadcasting would have expanded (SumBackward1)."""
    size = _shape_arg(size)
    shape = input._data.shape
    if tuple(size) == shape:
        return input
    lead = len(shape) - len(size)
    if lead < 0:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size "
                           f"{{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(size)
                                      if s == 1 and shape[i + lead] != 1)
    for i, s in enumerate(size):
        if s != 1 and s != shape[i + lead]:
            raise RuntimeError(f"size {{{list(size)}}} is not expandable to size "
                               f"{{{list(shape)}}}.")
    from .reduce import sum as sum_
    out = sum_(input, dims, keepdim=True)
    return out.reshape(size) if lead else out


class CloneBackward0(Node):
    def backward(self, g):
        return (g,)


def clone(input, *, memory_format=None):
    out = wrap(input._data.copy(), input)
    record(CloneBackward0, out, (input,))
    return out


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    out = wrap(xp_of(input._data).ascontiguousarray(input._data), input)
    record(CloneBackward0, out, (input,))
    return out


# ---- joining and splitting -----------------------------------------------------------------

def _tensor_list(tensors, fn_name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn_name}(): argument 'tensors' (position 1) must be tuple of "
                        f"Tensors, not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn_name}(): argument 'tensors' (position 1) must be tuple of "
                            f"Tensors, but found element of type {type(t).__name__} at pos {i}")
    return list(tensors)


def _common_arrays(tensors):
    """The tensors' arrays cast to their promoted dtype (cat and stack promote like + does)."""
    first = tensors[0]
    arrays = [t._data for t in tensors]
    dt_np = arrays[0].dtype
    if all(a.dtype is dt_np for a in arrays) and all(t._device is first._device
                                                     for t in tensors):
        return arrays
    dt = first.dtype
    for t in tensors[1:]:
        if t._device != first._device:
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {first._device} and {t._device}!")
        if t.dtype is not dt:
            dt = result_type(dt, False, t.dtype, False)
    return [a if a.dtype == dt.np else a.astype(dt.np) for a in arrays]


class CatBackward0(Node):
    def backward(self, g):
        grads, start = [], 0
        lead = (slice(None),) * self.dim
        plain = not _grad_state[0]  # no graph of the gradient: plain array slices suffice
        for size in self.sizes:
            if size is None:  # a skipped legacy empty 1-D input
                grads.append(None)
                continue
            grads.append(wrap(g._data[lead + (slice(start, start + size),)], g) if plain
                         else narrow(g, self.dim, start, size))
            start += size
        return tuple(grads)


def cat(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch still skips 1-D empty tensors whatever the others' shapes (legacy behaviour).
    skip = [t._data.ndim == 1 and t._data.size == 0 for t in tensors]
    kept = [t for t, s in zip(tensors, skip) if not s] if any(skip) and not all(skip) \
        else tensors
    ref = kept[0]._data
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    d = _wrap_dim(dim, ref.ndim)
    ref_rest = ref.shape[:d] + ref.shape[d + 1:]
    for t in kept:
        shape = t._data.shape
        if len(shape) != ref.ndim or shape[:d] + shape[d + 1:] != ref_rest:
            _cat_shape_error(tensors, skip, ref, d)
    arrays = _common_arrays(kept)
    result = wrap(xp_of(arrays[0]).concatenate(arrays, axis=d), kept[0])
    node = record(CatBackward0, result, tensors)
    if node is not None:
        node.dim = d
        node.sizes = [None if s and kept is not tensors else t._data.shape[d]
                      for t, s in zip(tensors, skip)]
    return write_out(out, result)


def _cat_shape_error(tensors, skip, ref, d):
    for i, (t, s) in enumerate(zip(tensors, skip)):
        shape = t._data.shape
        if s and len(shape) != ref.ndim:
            continue
        if len(shape) != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} "
                               f"and {len(shape)}")
        for k in range(ref.ndim):
            if k != d and shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {shape[k]} for "
                                   f"tensor number {i} in the list.")


concat = concatenate = cat


class StackBackward0(Node):
    def backward(self, g):
        if not _grad_state[0]:
            lead = (slice(None),) * self.dim
            return tuple(wrap(g._data[lead + (i,)], g) for i in range(g._data.shape[self.dim]))
        return unbind(g, self.dim)


def stack(tensors, dim=0, *, out=None):
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(shape) + 1)
    arrays = _common_arrays(tensors)
    result = wrap(xp_of(arrays[0]).stack(arrays, axis=d), tensors[0])
    node = record(StackBackward0, result, tensors)
    if node is not None:
        node.dim = d
    return write_out(out, result)


def hstack(tensors):
    tensors = _tensor_list(tensors, "hstack")
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    tensors = _tensor_list(tensors, "vstack")
    return cat([t.reshape(1, -1) if t._data.ndim < 2 else t for t in tensors], 0)


class SplitBackward0(Node):
    def backward(self, *grads):
        like = next((g for g in grads if g is not None), None)
        if like is None:  # no output received a gradient
            return (None,)
        shape = list(self.in_shape)
        parts = []
        for g, size in zip(grads, self.sizes):
            if g is None:
                shape[self.dim] = size
                g = zeros(tuple(shape), like)
            parts.append(g)
        if not _grad_state[0]:
            return wrap(xp_of(like._data).concatenate([p._data for p in parts], self.dim), like)
        return cat(parts, self.dim)


class SplitWithSizesBackward0(SplitBackward0):
    pass


class UnbindBackward0(Node):
    def backward(self, *grads):
        like = next((g for g in grads if g is not None), None)
        if like is None:
            return (None,)
        parts = [g if g is not None else zeros(like._data.shape, like) for g in grads]
        if not _grad_state[0]:
            return wrap(xp_of(like._data).stack([p._data for p in parts], self.dim), like)
        return stack(parts, self.dim)


def _split_views(input, d, sizes, node_cls):
    data = input._data
    lead = (slice(None),) * d
    outs, start = [], 0
    for size in sizes:
        outs.append(_view(input, data[lead + (slice(start, start + size),)]))
        start += size
    node = record(node_cls, tuple(outs), (input,))
    if node is not None:
        node.in_shape, node.dim, node.sizes = data.shape, d, list(sizes)
    return tuple(outs)


def split(input, split_size_or_sections, dim=0):
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        return _split_views(input, d, sizes, SplitWithSizesBackward0)
    size = int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if n != 0:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        return _split_views(input, d, [0], SplitBackward0)
    sizes = [size] * (n // size) + ([n % size] if n % size else [])
    return _split_views(input, d, sizes or [0], SplitBackward0)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        return _split_views(input, d, [0] * chunks, SplitBackward0)
    return split(input, -(-n // chunks), d)


def unbind(input, dim=0):
    data = input._data
    d = _wrap_dim(dim, data.ndim)
    lead = (slice(None),) * d
    outs = [_view(input, data[lead + (i,)]) for i in range(data.shape[d])]
    if outs:
        node = record(UnbindBackward0, tuple(outs), (input,))
        if node is not None:
            node.dim = d
    return tuple(outs)


def select(input, dim, index):
    from .index import getitem
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, len(shape))
    if not -shape[d] <= index < shape[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(shape)} at dimension {d}")
    return getitem(input, (slice(None),) * d + (int(index),))


def narrow(input, dim, start, length):
    """A view of ``length`` entries from ``start`` along dim (SliceBackward0, as PyTorch)."""
    from .index import getitem
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    n = shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


# ---- repeating and reordering --------------------------------------------------------------

class RepeatBackward0(Node):
    def backward(self, g):
        # Each output dim is (repeat, size) blocks: view it that way and sum the repeats.
        padded, reps = self.padded, self.repeats
        interleaved = [n for pair in zip(reps, padded) for n in pair]
        from .reduce import sum as sum_
        g = sum_(g.reshape(interleaved), tuple(range(0, 2 * len(reps), 2)))
        return (g.reshape(self.in_shape),)


def repeat(input, *sizes):
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(sizes) - len(shape)) + shape
    if any(s < 0 for s in sizes):
        target = [p * s for p, s in zip(padded, sizes)]
        bad = next(t for t in target if t < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {target}")
    data = xp_of(input._data).tile(input._data.reshape(padded), sizes)
    out = wrap(data, input)
    node = record(RepeatBackward0, out, (input,))
    if node is not None:
        node.padded, node.repeats, node.in_shape = padded, sizes, shape
    return out


def tile(input, *dims):
    dims = _shape_arg(dims)
    nd = input._data.ndim
    return repeat(input, (1,) * (nd - len(dims)) + dims)


def _dims_arg(dims, ndim):
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    wrapped = tuple(_wrap_dim(d, ndim) for d in dims)
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


class FlipBackward0(Node):
    def backward(self, g):
        return (flip(g, self.dims),)


def flip(input, *dims):
    dims = _dims_arg(dims, input._data.ndim)
    data = xp_of(input._data).flip(input._data, dims) if dims else input._data
    out = wrap(data.copy(), input)  # PyTorch's flip copies
    node = record(FlipBackward0, out, (input,))
    if node is not None:
        node.dims = dims
    return out


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


class RollBackward0(Node):
    def backward(self, g):
        return (roll(g, tuple(-s for s in self.shifts), self.dims),)


def roll(input, shifts, dims=None):
    shifts = tuple(shifts) if isinstance(shifts, (list, tuple)) else (shifts,)
    data = input._data
    xp = xp_of(data)
    if dims is None or dims == ():
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               "dims:0")
        out = wrap(xp.roll(data, shifts[0]), input)
        dims_t = None
    else:
        dims_t = tuple(dims) if isinstance(dims, (list, tuple)) else (dims,)
        if len(shifts) != len(dims_t):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:{len(dims_t)}")
        dims_t = tuple(_wrap_dim(d, data.ndim) for d in dims_t)
        out = wrap(xp.roll(data, shifts, dims_t), input)
    node = record(RollBackward0, out, (input,))
    if node is not None:
        node.shifts, node.dims = shifts, dims_t
    return out


def movedim(input, source, destination):
    nd = input._data.ndim
    src = tuple(source) if isinstance(source, (list, tuple)) else (source,)
    dst = tuple(destination) if isinstance(destination, (list, tuple)) else (destination,)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = _dims_arg(src, nd)
    dst = _dims_arg(dst, nd)
    order = [None] * nd
    for s, t_ in zip(src, dst):
        order[t_] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(input, order)


moveaxis = movedim


# ---- triangles and diagonals ---------------------------------------------------------------

class TrilBackward0(Node):
    def backward(self, g):
        return (tril(g, self.diagonal),)


class TriuBackward0(Node):
    def backward(self, g):
        return (triu(g, self.diagonal),)


def _triangle(name, node_cls, lower):
    def op(input, diagonal=0):
        data = input._data
        if data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        xp = xp_of(data)
        out = wrap(xp.tril(data, diagonal) if lower else xp.triu(data, diagonal), input)
        node = record(node_cls, out, (input,))
        if node is not None:
            node.diagonal = diagonal
        return out
    op.__name__ = name
    return op


tril = _triangle("tril", TrilBackward0, True)
triu = _triangle("triu", TriuBackward0, False)


def _diag_coords(n1, n2, offset):
    """Row and column positions of the ``offset`` diagonal of an n1 x n2 matrix."""
    start_r, start_c = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(n1 - start_r, n2 - start_c))
    return start_r, start_c, length


class DiagonalBackward0(Node):
    def backward(self, g):
        # Place g on the diagonal of zeros whose two diagonal dims are moved last, then move
        # them back: written with index_put and permute, so it is differentiable again.
        from .index import index_put
        shape, d1, d2 = self.in_shape, self.dim1, self.dim2
        rest = [i for i in range(len(shape)) if i not in (d1, d2)]
        order = rest + [d1, d2]
        xp = xp_of(g._data)
        r0, c0, n = _diag_coords(shape[d1], shape[d2], self.offset)
        rows = wrap(xp.arange(r0, r0 + n), g)
        cols = wrap(xp.arange(c0, c0 + n), g)
        zeros = wrap(xp.zeros(tuple(shape[i] for i in order), dtype=g._data.dtype), g)
        placed = index_put(zeros, (Ellipsis, rows, cols), g)
        return (placed.permute(*np.argsort(order).tolist()),)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal as a writable view (the diagonal becomes the last dimension)."""
    data = input._data
    nd = data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    view_data = xp_of(data).diagonal(data, offset, d1, d2)
    if type(view_data) is np.ndarray and not view_data.flags.writeable and \
            data.flags.writeable:
        view_data.flags.writeable = True  # NumPy marks it read-only; torch writes through it
    out = _view(input, view_data)
    node = record(DiagonalBackward0, out, (input,))
    if node is not None:
        node.in_shape, node.offset, node.dim1, node.dim2 = data.shape, offset, d1, d2
    return out


class DiagEmbedBackward0(Node):
    dim1, dim2 = 0, 1  # diag() of a vector; diag_embed sets its own

    def backward(self, g):
        return (diagonal(g, self.offset, self.dim1, self.dim2),)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Input's last dim placed on the ``offset`` diagonal of dims (dim1, dim2) of a new
    tensor with one more dimension."""
    data = input._data
    nd = data.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    xp = xp_of(data)
    n = data.shape[-1] if data.ndim else 1
    m = n + abs(offset)
    rest = data.shape[:-1]
    placed = xp.zeros(rest + (m, m), dtype=data.dtype)
    r0, c0 = (0, offset) if offset >= 0 else (-offset, 0)
    placed[..., xp.arange(r0, r0 + n), xp.arange(c0, c0 + n)] = data
    others = iter(range(len(rest)))
    order = [len(rest) if p == d1 else len(rest) + 1 if p == d2 else next(others)
             for p in range(nd)]
    out = wrap(xp.ascontiguousarray(placed.transpose(order)), input)
    node = record(DiagEmbedBackward0, out, (input,))
    if node is not None:
        node.offset, node.dim1, node.dim2 = offset, d1, d2
    return out


def diag(input, diagonal=0):
    data = input._data
    if data.ndim == 1:
        out = wrap(xp_of(data).diag(data, diagonal), input)
        node = record(DiagEmbedBackward0, out, (input,))
        if node is not None:
            node.offset = diagonal
        return out
    if data.ndim == 2:
        return globals()["diagonal"](input, diagonal).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {data.ndim}D")


# ---- broadcasting --------------------------------------------------------------------------

def broadcast_shapes(*shapes):
    result = []
    for i, shape in enumerate(shapes):
        shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for k in range(1, len(shape) + 1):
            have, new = result[-k], shape[-k]
            if new == 1 or new == have:
                continue
            if have != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {new} at "
                                   f"{-k}! Mismatching argument at index {i} had {shape}; but "
                                   f"expected shape should be broadcastable to {result}")
            result[-k] = new
    return Size(result)


def broadcast_to(input, size):
    return expand(input, size)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shapes = [t._data.shape for t in tensors]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise broadcast_error(shapes[0], shapes[1] if len(shapes) > 1 else ()) from None
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def meshgrid(*tensors, indexing="ij"):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
    ts = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.shape[0] for t in ts)
    n = len(ts)
    grids = [t.reshape((1,) * i + (-1,) + (1,) * (n - i - 1)).expand(shape)
             for i, t in enumerate(ts)]
    if swap:  # "xy": the first two inputs index columns then rows
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# ---- more NumPy-style splitting, stacking and reshaping ------------------------------------

def ravel(input):
    return contiguous(input).view(-1)


def tensor_split(input, indices_or_sections, dim=0):
    """Pieces as views (SliceBackward0 each): n near-equal sections, or split at indices."""
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (list, tuple)):
        bounds = [0] + [min(max(int(i) if i >= 0 else int(i) + n, 0), n)
                        for i in indices_or_sections] + [n]
    else:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        size, extra = divmod(n, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + size + (1 if i < extra else 0))
    # piece i is x[a:b] along d, Python-slice style: empty when b <= a
    return tuple(narrow(input, d, a, max(0, b - a)) for a, b in zip(bounds[:-1], bounds[1:]))


def _numpy_split(name, dim, min_dims):
    def op(input, indices_or_sections):
        nd = input._data.ndim
        if nd < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} "
                               f"dimension, but got a tensor with {nd} dimensions!")
        d = 0 if (name == "hsplit" and nd == 1) else dim
        if not isinstance(indices_or_sections, (list, tuple, Tensor)):
            size = input._data.shape[d]
            if indices_or_sections == 0 or size % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {size} is not divisible by the "
                                   f"split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)
    op.__name__ = name
    return op


hsplit = _numpy_split("hsplit", 1, 1)
vsplit = _numpy_split("vsplit", 0, 2)
dsplit = _numpy_split("dsplit", 2, 3)


def atleast_1d(*tensors):
    return _atleast(tensors, lambda t: t.reshape(1) if t._data.ndim == 0 else t)


def atleast_2d(*tensors):
    return _atleast(tensors, lambda t: t.reshape(1, -1) if t._data.ndim < 2 else t)


def atleast_3d(*tensors):
    def lift(t):
        nd = t._data.ndim
        if nd == 0:
            return t.reshape(1, 1, 1)
        if nd == 1:
            return t.reshape(1, -1, 1)
        return t.unsqueeze(-1) if nd == 2 else t
    return _atleast(tensors, lift)


def _atleast(tensors, lift):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return lift(tensors[0])
    if len(tensors) == 1:
        tensors = tuple(tensors[0])
    return tuple(lift(t) for t in tensors)


def column_stack(tensors):
    tensors = _tensor_list(tensors, "column_stack")
    return cat([t.reshape(-1, 1) if t._data.ndim < 2 else t for t in tensors], 1)


def dstack(tensors):
    tensors = _tensor_list(tensors, "dstack")
    return cat([atleast_3d(t) for t in tensors], 2)


row_stack = vstack


class Rot90Backward0(Node):
    def backward(self, g):
        return (rot90(g, -self.k, self.dims),)


def rot90(input, k=1, dims=(0, 1)):
    nd = input._data.ndim
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _wrap_dim(dims[0], nd), _wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    data = input._data
    out = wrap(xp_of(data).ascontiguousarray(xp_of(data).rot90(data, k, (d0, d1))), input)
    node = record(Rot90Backward0, out, (input,))
    if node is not None:
        node.k, node.dims = k, (d0, d1)
    return out


class UnfoldBackward0(Node):
    def backward(self, g):
        # Every window element goes back to its source position; overlapping windows add up.
        d, size, step = self.dim, self.size, self.step
        n_win = g._data.shape[d]
        xp = xp_of(g._data)
        positions = (xp.arange(n_win)[:, None] * step + xp.arange(size)[None, :]).reshape(-1)
        moved = g.movedim(-1, d + 1)
        merged = moved.reshape(moved.shape[:d] + (n_win * size,) + moved.shape[d + 2:])
        zeros = wrap(xp.zeros(self.in_shape, dtype=g._data.dtype), g)
        from .gather_scatter import index_add
        return (index_add(zeros, d, wrap(positions, g), merged),)


def unfold(input, dimension, size, step):
    """Sliding windows of ``size`` every ``step`` along a dim, as a view; windows last."""
    data = input._data
    nd = data.ndim
    d = _wrap_dim(dimension, nd) if nd else 0
    n = data.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if nd == 0:
        return _view(input, data.reshape(1))
    shape = list(data.shape)
    strides = list(data.strides)
    shape[d] = (n - size) // step + 1
    strides[d] = data.strides[d] * step
    windows = xp_of(data).lib.stride_tricks.as_strided(
        data, tuple(shape) + (size,), tuple(strides) + (data.strides[d],))
    out = _view(input, windows)
    node = record(UnfoldBackward0, out, (input,))
    if node is not None:
        node.in_shape, node.dim, node.size, node.step = data.shape, d, size, step
    return out


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, dtype, device, lower=True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, dtype, device, lower=False)


def _tri_indices(row, col, offset, dtype, device, lower):
    from ..creation import tensor
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return tensor(np.stack([rows, cols]).astype(np.int64), dtype=dtype, device=device)


__all__ = ["view", "reshape", "view_as", "reshape_as", "flatten", "unflatten", "squeeze",
           "unsqueeze", "permute", "transpose", "swapaxes", "swapdims", "t", "expand",
           "expand_as", "sum_to_size", "clone", "contiguous", "cat", "concat", "concatenate",
           "stack", "hstack", "vstack", "split", "chunk", "unbind", "select", "narrow",
           "repeat", "tile", "flip", "fliplr", "flipud", "roll", "movedim", "moveaxis", "tril",
           "triu", "diagonal", "diag", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
           "meshgrid", "diag_embed", "ravel", "tensor_split", "hsplit", "vsplit", "dsplit",
           "atleast_1d", "atleast_2d", "atleast_3d", "column_stack", "dstack", "row_stack",
           "rot90", "unfold", "tril_indices", "triu_indices"]
NOT_FUNCTIONS = {"view", "view_as", "reshape_as", "expand", "expand_as", "sum_to_size",
                 "contiguous", "repeat", "unfold"}
NOT_METHODS = {"cat", "concat", "concatenate", "stack", "hstack", "vstack", "broadcast_tensors",
               "broadcast_shapes", "meshgrid", "atleast_1d", "atleast_2d", "atleast_3d",
               "column_stack", "dstack", "row_stack", "tril_indices", "triu_indices"}
