"""torch.autograd.Variable: since PyTorch 0.4 a Tensor; ``Variable(t)`` returns a tensor
sharing t's data, detached from its graph, that requires grad when asked to."""
import warnings


class VariableMeta(type):
    def __instancecheck__(cls, other):
        from ..tensor import Tensor
        return isinstance(other, Tensor)


class Variable(metaclass=VariableMeta):
    __module__ = "torch.autograd.variable"

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        from ..tensor import Tensor, _view
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "torch.no_grad():` instead.", UserWarning, stacklevel=2)
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        t = _view(data, data._data, track_base=False)
        if requires_grad:
            t.requires_grad_(True)
        return t
