"""The Tensor: an ndarray (NumPy or CuPy) plus what autograd needs to know about it.

The ops themselves live in engine/ops/ (each forward beside its backward) and are attached as
methods at the bottom of engine/__init__.py, so this file holds only state and identity.
"""
import numpy as np

from . import _backend
from ._device import CPU
from ._dtype import _BY_NP, ALL as ALL_DTYPES, from_numpy_dtype
from ._size import Size
from .autograd.graph import AccumulateGrad, retain_grad_hook, run_backward

def _legacy_type_name(t):
    """'torch.FloatTensor' / 'torch.cuda.FloatTensor', as Tensor.type() and errors name it."""
    prefix = "torch.cuda." if t.device.type == "cuda" else "torch."
    return f"{prefix}{t.dtype.legacy}Tensor"


class Tensor:
    # Class-level defaults keep construction cheap: a new tensor sets only what differs.
    _rg = False              # requires_grad
    grad = None
    grad_fn = None
    _output_nr = 0           # which output of grad_fn this tensor is
    _base = None             # the tensor whose storage this view shares
    _acc = None              # AccumulateGrad node of a leaf, made on first use
    _device = CPU
    _retains_grad = False
    __array_priority__ = 1000  # numpy scalars defer to our reflected operators

    def __init__(self, *args, **kwargs):
        raise TypeError("create tensors with engine.tensor(...), engine.zeros(...), etc.")

    # ---- identity ------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _BY_NP[self._data.dtype]

    @staticmethod
    def _dtype_of_np(np_dtype):
        return from_numpy_dtype(np_dtype)

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def data_ptr(self):
        return self._data.__array_interface__["data"][0] if self._device is CPU else \
            self._data.data.ptr

    def type(self, dtype=None):
        if dtype is None:
            return _legacy_type_name(self)
        if isinstance(dtype, str):
            for d in ALL_DTYPES:
                if dtype.endswith(f".{d.legacy}Tensor"):
                    return self.to(dtype=d)
            raise ValueError(f"invalid type: '{dtype}'")
        return self.to(dtype=dtype)

    @property
    def _version(self):
        return self._version_box[0]

    def _bump_version(self):
        """Count a write into the storage (shared with every view of it): tensors saved for
        a backward before the write are then refused as stale, as in PyTorch. Whatever
        writes ``_data`` in place calls this (ops, optimizers, init, load_state_dict)."""
        self._version_box[0] += 1

    # ---- autograd state -----------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if flag and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = flag

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def _grad_edge(self):
        """(node, output index) that gradients for this tensor flow into."""
        if self.grad_fn is not None:
            return (self.grad_fn, self._output_nr)
        acc = self._acc
        if acc is None:
            acc = self._acc = AccumulateGrad(self)
        return (acc, 0)

    def retain_grad(self):
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self.grad_fn._add_tensor_hook(self._output_nr, retain_grad_hook(self))

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """hook(grad) -> new grad or None, called when this tensor's gradient is computed."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, idx = self._grad_edge()
        return node._add_tensor_hook(idx, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        fn = self.grad_fn
        if gradient is None and inputs is None and fn is not None and self._data.size == 1 \
                and self._device is CPU:
            # The usual loss.backward(): skip the general argument handling.
            seed = _make(np.ones(self._data.shape, self._data.dtype))
            run_backward([((fn, self._output_nr), seed)],
                         create_graph if retain_graph is None else retain_graph, create_graph)
            return
        _autograd().backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        # Shares storage and version counter, but is no autograd view: in-place is allowed.
        return _view(self, self._data, track_base=False)

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        return self

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data
        self._device = value._device

    # ---- conversion ---------------------------------------------------------------------
    def numpy(self, force=False):
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(f"can't convert {self._device} device type tensor to numpy. "
                                "Use Tensor.cpu() to copy the tensor to host memory first.")
            return _backend.to_numpy(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = _backend.to_numpy(self._data) if self._device.type != "cpu" else self._data
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return _backend.to_numpy(self._data).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):
        return id(self)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and type(self) is Tensor:  # f"{loss}" is "2.5", as in PyTorch
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __reduce_ex__(self, protocol):
        raise TypeError("tensors are saved with engine.save(), which writes a safe format")

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = _make(self._data.copy(), self._rg)
        if type(self) is not Tensor:
            new.__class__ = type(self)
            new.__dict__.update({k: v for k, v in self.__dict__.items()
                                 if k not in new.__dict__})
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new


# ---- construction helpers (used by every op; keep them tiny) -------------------------------

_new = object.__new__
_ndarray = np.ndarray


def _make(data, requires_grad=False, device=None):
    """Wrap an array in a fresh leaf tensor. ``data`` must be an ndarray of a known dtype."""
    t = _new(Tensor)
    t._data = data
    t._version_box = [0]
    if requires_grad:
        t._rg = True
    if device is not None and device.type != "cpu":
        t._device = device
    return t


def _view(src, data, track_base=True):
    """A tensor sharing ``src``'s storage (and version counter)."""
    t = _new(Tensor)
    t._data = data
    t._version_box = src._version_box
    if track_base:
        t._base = src._base if src._base is not None else src
    if src._device is not CPU:
        t._device = src._device
    return t


def _wrap_dim(dim, ndim):
    lo, hi = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim + ndim if dim < 0 and ndim > 0 else (0 if dim < 0 else dim)


def _autograd():
    from . import autograd
    return autograd


def is_tensor(obj):
    return isinstance(obj, Tensor)

