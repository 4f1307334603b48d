"""User-defined autograd functions, as torch.autograd.Function."""
from . import grad_mode
from .graph import Node, record


class FunctionCtx:
    __module__ = "torch.autograd.function"

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors


class _FunctionNode(Node):
    """The grad_fn of a custom Function's output; named '<Name>Backward'."""
    _fresh_grads = False  # user code may return arrays it keeps, so .grad must copy them

    def backward(self, *grads):
        ctx = self.ctx
        ctx.saved_tensors = self.saved_tensors
        out = self.fn_cls.backward(ctx, *grads)
        return out if isinstance(out, tuple) else (out,)


class Function:
    __module__ = "torch.autograd.function"

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    @classmethod
    def apply(cls, *args):
        from ..tensor import Tensor
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args)
        outs = out if isinstance(out, tuple) else (out,)
        skip = {id(t) for t in getattr(ctx, "non_differentiable", ())}
        differentiable = tuple(o if isinstance(o, Tensor) and id(o) not in skip and
                               o.dtype.is_floating_point else None for o in outs)
        node = record(_node_class(cls), differentiable,
                      tuple(a if isinstance(a, Tensor) else None for a in args),
                      getattr(ctx, "to_save", ()))
        if node is not None:
            node.ctx, node.fn_cls = ctx, cls
        return out


def _node_class(fn_cls):
    """The grad_fn class of a Function's outputs, '<Name>Backward', made once per Function."""
    node_cls = fn_cls.__dict__.get("_node_cls")
    if node_cls is None:
        node_cls = type(fn_cls.__name__ + "Backward", (_FunctionNode,),
                        {"__module__": "torch.autograd.function"})
        fn_cls._node_cls = node_cls
    return node_cls
