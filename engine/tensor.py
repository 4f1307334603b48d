"""The Tensor: an ndarray (NumPy or CuPy) plus what autograd needs to know about it.

The ops themselves live in engine/ops/ (each forward beside its backward) and are attached as
methods at the bottom of engine/__init__.py, so this file holds only state and identity.
"""
import numpy as np

from . import _backend
from ._device import CPU
from ._dtype import _BY_NP, from_numpy_dtype
from ._size import Size
from .autograd.graph import AccumulateGrad, _add_hook, retain_grad_hook, run_backward
from .autograd.grad_mode import _inference, is_grad_enabled as _grad_enabled

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
    _inference = False       # made inside inference_mode
    __array_priority__ = 1000  # numpy scalars defer to our reflected operators
    __module__ = "torch"      # <class 'torch.Tensor'>, as PyTorch prints it

    def __new__(cls, *args, **kwargs):
        """The legacy constructor: torch.Tensor(data), torch.Tensor(*sizes), torch.Tensor()
        (engine/_legacy.py); a subclass's super().__new__(cls, ...) lands here too."""
        from ._legacy import tensor_new
        return tensor_new(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        pass  # __new__ built it

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

    # ---- PyTorch's probes of where and how a tensor is stored ---------------------------------
    # Tensors here are dense and strided, on the CPU or on cuda; the other backends PyTorch
    # names (mps, xpu, meta, ...) never hold one, so their probes answer False.

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    is_mps = is_xpu = is_meta = is_ipu = is_maia = is_mtia = is_xla = is_hpu = \
        is_nested = is_quantized = is_sparse = is_sparse_csr = is_mkldnn = is_vulkan = \
        property(lambda self: False)

    @property
    def layout(self):
        from ._layout import strided
        return strided

    name = None  # named tensors are not supported: every tensor's name is None, as unnamed

    def get_device(self):
        """-1 for a CPU tensor, else the cuda device's index."""
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    def storage_offset(self):
        """Elements between the start of the storage and this tensor's first element."""
        return _backend.storage_offset(self._data)

    @property
    def nbytes(self):
        return self._data.nbytes

    @property
    def grad_dtype(self):
        """The dtype .grad must have: the tensor's own."""
        return self.dtype

    def dim_order(self):
        """Dims from outermost to innermost in memory (by stride, ties in dim order)."""
        strides = self.stride()
        return tuple(sorted(range(len(strides)), key=lambda d: -strides[d]))

    def is_inference(self):
        return self._inference

    def is_pinned(self, device=None):
        return False

    def pin_memory(self, device=None):
        from . import accelerator
        accelerator.require_available()
        return self.clone()  # a host copy: pages are not locked here, a copy is what it gives

    def is_complex(self):
        return False  # the engine has no complex dtypes

    def is_conj(self):
        return False

    def is_neg(self):
        return False

    def is_signed(self):
        return self.dtype.is_signed

    def is_same_size(self, other):
        return self._data.shape == other._data.shape

    def is_nonzero(self):
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size > 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def is_set_to(self, tensor):
        """Same storage, offset, sizes and strides."""
        return self.data_ptr() == tensor.data_ptr() and self.dtype is tensor.dtype and \
            self._data.shape == tensor._data.shape and self.stride() == tensor.stride()

    def to_dense(self, dtype=None, *, masked_grad=None):
        return self if dtype is None else self.to(dtype)

    def as_subclass(self, cls):
        """A tensor of class ``cls`` sharing this one's data, without its autograd history."""
        t = _view(self, self._data, track_base=False)
        t.__class__ = cls
        return t

    def module_load(self, other, assign=False):
        """How load_state_dict turns a state_dict value into this parameter's new value."""
        return other.detach() if assign else self.copy_(other).detach()

    def xpu(self, device=None, non_blocking=False, memory_format=None):
        return self.to(device="xpu" if device is None else device)

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

    const_data_ptr = data_ptr

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """'torch.FloatTensor', or a cast to a dtype or legacy type (engine/_legacy.py)."""
        from ._legacy import type_method
        return type_method(self, dtype, non_blocking, **kwargs)

    def new(self, *args, **kwargs):
        """The legacy t.new(...): like torch.Tensor(...), in t's dtype and device."""
        from ._legacy import new
        return new(self, *args, **kwargs)

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

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) after a backward pass has accumulated into this leaf's .grad."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        hooks = self.__dict__.get("_post_accumulate_grad_hooks")
        if hooks is None:
            from collections import OrderedDict
            hooks = self._post_accumulate_grad_hooks = OrderedDict()
        return _add_hook(hooks, hook)

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
        # np.asarray(t) (matplotlib's plt.plot(t), plt.imshow(t)) is t.numpy(), as PyTorch's:
        # it refuses a tensor that requires grad and one on the GPU, with numpy()'s message.
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return _backend.to_numpy(self._data).tolist()

    def __float__(self):
        if self._rg and _grad_enabled():  # PyTorch 2.13 warns (not in int() or .item())
            import warnings
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                          "unexpected behavior.\nConsider using tensor.detach() first.",
                          stacklevel=2)
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

    # ---- copy and pickle, as PyTorch's tensors do ---------------------------------------------
    # copy.copy shares the data (a new leaf over the same storage); deepcopy copies data, grad
    # and attributes; pickle writes the values (engine.save writes PyTorch's checkpoint format).

    def _user_attributes(self):
        """The Python attributes user code set on this tensor (PyTorch copies them too)."""
        return {k: v for k, v in self.__dict__.items() if k not in _INTERNAL}

    def __copy__(self):
        new = _make(self._data, self._rg, self._device)
        new.__class__ = type(self)
        new.__dict__.update(self._user_attributes())
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor, (_class_ref(type(self)), _backend.to_numpy(self._data),
                                  str(self._device), self._rg, self._user_attributes()))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        import copy
        new = _make(self._data.copy(), self._rg, self._device)
        memo[id(self)] = new
        new.__class__ = type(self)
        new.__dict__.update(copy.deepcopy(self._user_attributes(), memo))
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        return new


# What the engine itself keeps in a tensor's __dict__ (everything else is the user's).
_INTERNAL = frozenset(("_data", "_version_box", "_rg", "grad", "grad_fn", "_output_nr", "_base",
                       "_acc", "_device", "_retains_grad", "_inference", "_output_of",
                       "_post_accumulate_grad_hooks"))


def _class_ref(cls):
    """A tensor class as pickle can name it without a ``torch`` module: None for Tensor, the
    engine's (module, name) for a class that shows itself under a torch.* path."""
    if cls is Tensor:
        return None
    if cls.__module__.split(".")[0] == "torch":
        return (cls.__module__, cls.__qualname__)
    return cls


def _rebuild_tensor(cls, array, device, requires_grad, state):
    """Unpickle a tensor written by Tensor.__reduce_ex__."""
    from ._device import as_device
    device = as_device(device)
    t = _make(array if device.type == "cpu" else _backend.to_device(array, device),
              device=device)
    if isinstance(cls, tuple):
        from ._torch_names import engine_object
        cls = engine_object(*cls)
    if cls is not None:
        t.__class__ = cls
    t._rg = bool(requires_grad)
    t.__dict__.update(state)
    return t


# ---- construction helpers (used by every op; keep them tiny) -------------------------------

_new = object.__new__
_ndarray = np.ndarray


def _make(data, requires_grad=False, device=None):
    """Wrap an array in a fresh leaf tensor. ``data`` must be an ndarray of a known dtype."""
    t = _new(Tensor)
    t._data = data
    t._version_box = [0]
    if _inference[0]:
        t._inference = True
    if requires_grad:
        t._rg = True
    if device is not None and device.type != "cpu":
        if device.index is None and device.type == "cuda":  # as PyTorch: always cuda:N
            device = type(device)("cuda", data.device.id)
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
    if src._inference or _inference[0]:
        t._inference = True
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

