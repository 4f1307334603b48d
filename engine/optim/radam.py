"""RAdam: Adam with the variance of the adaptive lr rectified (L2 or decoupled weight decay,
maximize), PyTorch's algorithm."""
from .optimizer import (Optimizer, _to_scalar, check_options, lerp_moments, step_tensor,
                        zeros_state)


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_options(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["exp_avg"] = zeros_state(p)
        state["exp_avg_sq"] = zeros_state(p)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = group["betas"]
            weight_decay, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
            for p, grad, state, step_t in self._steps(group):
                step = float(step_t)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
                # The variance is tractable (rho_t > 5): rectify the adaptive lr; else SGD
                # with momentum.
                rect = (((rho_t - 4) * (rho_t - 2) * rho_inf /
                         ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                        if rho_t > 5.0 else None)
                decay = 1 - lr * weight_decay if decoupled and weight_decay != 0 else 1
                self._update(p, _radam_kernel, (grad._data, state["exp_avg"]._data,
                                                state["exp_avg_sq"]._data), 3,
                             beta1, beta2, bias_correction1, bias_correction2 ** 0.5, lr,
                             group["eps"], rect, decay, 0 if decoupled else weight_decay,
                             group["maximize"])
        return loss


def _radam_kernel(xp, param, grad, exp_avg, exp_avg_sq, update, adaptive, tmp_grad, beta1,
                  beta2, bias_correction1, bias_correction2_sqrt, lr, eps, rect, decay, l2,
                  maximize):
    lerp_moments(xp, param, grad, exp_avg, exp_avg_sq, update, tmp_grad, beta1, beta2, decay,
                 l2, maximize)
    xp.divide(exp_avg, bias_correction1, out=update)   # bias-corrected exp_avg
    update *= lr
    if rect is not None:                        # * sqrt(bc2) / (sqrt(v) + eps) * rect
        xp.sqrt(exp_avg_sq, out=adaptive)
        adaptive += eps
        xp.divide(bias_correction2_sqrt, adaptive, out=adaptive)
        update *= adaptive
        update *= rect
    param -= update
