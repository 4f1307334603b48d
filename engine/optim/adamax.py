"""Adamax: Adam with the infinity norm (weight decay, maximize), PyTorch's algorithm."""
from .optimizer import (Optimizer, _to_scalar, check_options, effective_grad, step_tensor,
                        zeros_state)


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_options(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["exp_avg"] = zeros_state(p)
        state["exp_inf"] = zeros_state(p)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = group["betas"]
            for p, grad, state, step_t in self._steps(group):
                clr = lr / (1 - beta1 ** float(step_t))
                self._update(p, _adamax_kernel, (grad._data, state["exp_avg"]._data,
                                                 state["exp_inf"]._data), 2,
                             beta1, beta2, group["eps"], clr, group["weight_decay"],
                             group["maximize"])
        return loss


def _adamax_kernel(xp, param, grad, exp_avg, exp_inf, tmp, tmp_grad, beta1, beta2, eps, clr,
                   weight_decay, maximize):
    grad = effective_grad(xp, param, grad, tmp_grad, weight_decay, maximize)
    xp.subtract(grad, exp_avg, out=tmp)     # exp_avg.lerp_(grad, 1 - beta1)
    tmp *= 1 - beta1
    exp_avg += tmp
    exp_inf *= beta2                        # exp_inf = max(beta2 exp_inf, |grad| + eps)
    xp.abs(grad, out=tmp)
    tmp += eps
    xp.maximum(exp_inf, tmp, out=exp_inf)
    xp.multiply(exp_avg, -clr, out=tmp)     # param.addcdiv_(exp_avg, exp_inf, value=-clr)
    tmp /= exp_inf
    param += tmp
