"""Adagrad (with lr decay, weight decay, initial accumulator, maximize), PyTorch's algorithm."""
from .optimizer import (Optimizer, _to_scalar, check_options, effective_grad, step_tensor,
                        zeros_state)


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        check_options(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                      initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        # Like PyTorch, Adagrad's state exists from construction on (so state_dict has it).
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["sum"] = zeros_state(p, group["initial_accumulator_value"])

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            lr_decay, eps = group["lr_decay"], group["eps"]
            weight_decay, maximize = group["weight_decay"], group["maximize"]
            # (a parameter added later with add_param_group gets its state on its first step)
            for p, grad, state, step_t in self._steps(group):
                clr = lr / (1 + (float(step_t) - 1) * lr_decay)
                self._update(p, _adagrad_kernel, (grad._data, state["sum"]._data), 3,
                             clr, eps, weight_decay, maximize)
        return loss


def _adagrad_kernel(xp, param, grad, state_sum, std, tmp, tmp_grad, clr, eps, weight_decay,
                    maximize):
    grad = effective_grad(xp, param, grad, tmp_grad, weight_decay, maximize)
    xp.multiply(grad, grad, out=tmp)        # state_sum.addcmul_(grad, grad, value=1)
    state_sum += tmp
    xp.sqrt(state_sum, out=std)             # std = state_sum.sqrt().add_(eps)
    std += eps
    xp.multiply(grad, -clr, out=tmp)        # param.addcdiv_(grad, std, value=-clr)
    tmp /= std
    param += tmp
