"""Adam (with amsgrad, L2 or decoupled weight decay, maximize), PyTorch's algorithm.

The update is the one in PyTorch's documentation,
    m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2,
    param -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps),   bc_i = 1 - beta_i^step,
computed as param -= (lr / bc1 * sqrt(bc2)) * m / (sqrt(v) + eps * sqrt(bc2)): the same
value with two fewer passes over the arrays.
"""
from .optimizer import (Optimizer, _to_scalar, check_options, effective_grad, step_tensor,
                        zeros_state)


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_options(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        betas = tuple(_to_scalar(b) for b in betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["exp_avg"] = zeros_state(p)
        state["exp_avg_sq"] = zeros_state(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_state(p)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = group["betas"]
            eps, weight_decay = group["eps"], group["weight_decay"]
            amsgrad, maximize = group["amsgrad"], group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p, grad, state, step_t in self._steps(group):
                step = float(step_t)
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                step_size = lr / (1 - beta1 ** step) * bias_correction2_sqrt
                arrays = (grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data)
                if amsgrad:
                    arrays += (state["max_exp_avg_sq"]._data,)
                    kernel = _amsgrad_kernel
                else:
                    kernel = _adam_kernel
                decay = 1 - lr * weight_decay if decoupled and weight_decay != 0 else 1
                l2 = 0 if decoupled else weight_decay
                self._update(p, kernel, arrays, 2, beta1, beta2, eps * bias_correction2_sqrt,
                             step_size, decay, l2, maximize)
        return loss


def _moments(xp, param, grad, exp_avg, exp_avg_sq, tmp, tmp_grad, beta1, beta2, decay, l2,
             maximize):
    if decay != 1:                                  # AdamW: param.mul_(1 - lr * wd)
        param *= decay
    grad = effective_grad(xp, param, grad, tmp_grad, l2, maximize)
    exp_avg *= beta1                                # m = beta1 m + (1 - beta1) g
    xp.multiply(grad, 1 - beta1, out=tmp)
    exp_avg += tmp
    exp_avg_sq *= beta2                             # v = beta2 v + (1 - beta2) g^2
    xp.multiply(grad, grad, out=tmp)
    tmp *= 1 - beta2
    exp_avg_sq += tmp


def _apply(xp, param, exp_avg, second, tmp, eps, step_size):
    xp.sqrt(second, out=tmp)                        # param -= step_size m / (sqrt(v) + eps)
    tmp += eps
    xp.divide(exp_avg, tmp, out=tmp)
    tmp *= step_size
    param -= tmp


def _adam_kernel(xp, param, grad, exp_avg, exp_avg_sq, tmp, tmp_grad, beta1, beta2, eps,
                 step_size, decay, l2, maximize):
    _moments(xp, param, grad, exp_avg, exp_avg_sq, tmp, tmp_grad, beta1, beta2, decay, l2,
             maximize)
    _apply(xp, param, exp_avg, exp_avg_sq, tmp, eps, step_size)


def _amsgrad_kernel(xp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, tmp, tmp_grad,
                    beta1, beta2, eps, step_size, decay, l2, maximize):
    _moments(xp, param, grad, exp_avg, exp_avg_sq, tmp, tmp_grad, beta1, beta2, decay, l2,
             maximize)
    xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
    _apply(xp, param, exp_avg, max_exp_avg_sq, tmp, eps, step_size)
