"""Views and shape ops. Views share storage and the version counter with their base."""
import numpy as np

from .._backend import xp_of
from ..autograd.graph import Node
from ._util import Tensor, _view, _wrap_dim, record, wrap


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
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
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
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
        return input.to(dtype=shape[0]) if input.dtype.itemsize == shape[0].itemsize else \
            _bad_view_dtype(input, shape[0])
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


def _bad_view_dtype(input, dtype):
    raise RuntimeError(f"view(dtype) between {input.dtype} and {dtype} of different sizes is "
                       "not supported")


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
    return view(input, shape[:d] + tuple(sizes) + shape[d + 1:])


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
        dims = {_wrap_dim(d, len(shape)) for d in (dim if isinstance(dim, (tuple, list))
                                                   else (dim,))}
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
        raise RuntimeError(f"expand(torch.FloatTensor{{[{', '.join(map(str, shape))}]}}, "
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
    out = _view(input, xp_of(input._data).broadcast_to(input._data, tuple(target)))
    node = record(ExpandBackward0, out, (input,))
    if node is not None:
        node.in_shape = shape
    return out


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


__all__ = ["view", "reshape", "view_as", "reshape_as", "flatten", "unflatten", "squeeze",
           "unsqueeze", "permute", "transpose", "swapaxes", "swapdims", "t", "expand",
           "expand_as", "sum_to_size", "clone", "contiguous"]
NOT_FUNCTIONS = {"view", "view_as", "reshape_as", "expand", "expand_as", "sum_to_size",
                 "contiguous"}
