"""nn.Parameter: a leaf tensor that a Module registers as learnable when assigned to it."""
from ..tensor import Tensor


class Parameter(Tensor):
    """Shares ``data``'s storage (as PyTorch does) and requires grad by default."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, not {type(data).__name__}")
        p = object.__new__(cls)
        p._data = data._data
        p._version_box = data._version_box
        if data._device.type != "cpu":
            p._device = data._device
        p.requires_grad = requires_grad
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


