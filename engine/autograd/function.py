"""User-defined autograd functions, as torch.autograd.Function."""
from .graph import Node
from . import grad_mode


class FunctionCtx:
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
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args)
        outs = out if isinstance(out, tuple) else (out,)
        tensor_inputs = tuple(a if isinstance(a, Tensor) else None for a in args)
        if grad_mode.is_grad_enabled() and any(a is not None and a.requires_grad
                                               for a in tensor_inputs):
            node_cls = type(cls.__name__ + "Backward", (_FunctionNode,), {})
            node = node_cls(tensor_inputs)
            node.ctx, node.fn_cls = ctx, cls
            node.save(*getattr(ctx, "to_save", ()))
            node._n_outputs = len(outs)
            skip = {id(t) for t in getattr(ctx, "non_differentiable", ())}
            for i, o in enumerate(outs):
                if isinstance(o, Tensor) and id(o) not in skip and o.dtype.is_floating_point:
                    o.grad_fn, o._output_nr, o._rg = node, i, True
        return out
