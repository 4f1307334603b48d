"""NAdam: Adam with Nesterov momentum (momentum decay, L2 or decoupled weight decay,
maximize), PyTorch's algorithm."""
from .optimizer import (Optimizer, _to_scalar, check_options, lerp_moments, step_tensor,
                        zeros_state)


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_options(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay,
                      momentum_decay=momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        mu_product = step_tensor()
        mu_product._data[...] = 1.0
        state["mu_product"] = mu_product
        state["exp_avg"] = zeros_state(p)
        state["exp_avg_sq"] = zeros_state(p)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            beta1, beta2 = group["betas"]
            weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]
            decoupled = group["decoupled_weight_decay"]
            for p, grad, state, step_t in self._steps(group):
                step = float(step_t)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
                mu_product = state["mu_product"]._data
                mu_product *= mu  # kept in the step tensor's dtype, as PyTorch keeps it
                product = float(mu_product)
                grad_scale = -lr * (1.0 - mu) / (1.0 - product)
                avg_scale = -lr * mu_next / (1.0 - product * mu_next)
                decay = 1 - lr * weight_decay if decoupled and weight_decay != 0 else 1
                self._update(p, _nadam_kernel, (grad._data, state["exp_avg"]._data,
                                                state["exp_avg_sq"]._data), 3,
                             beta1, beta2, 1 - beta2 ** step, group["eps"], grad_scale,
                             avg_scale, decay, 0 if decoupled else weight_decay,
                             group["maximize"])
        return loss


def _nadam_kernel(xp, param, grad, exp_avg, exp_avg_sq, denom, tmp, tmp_grad, beta1, beta2,
                  bias_correction2, eps, grad_scale, avg_scale, decay, l2, maximize):
    grad = lerp_moments(xp, param, grad, exp_avg, exp_avg_sq, tmp, tmp_grad, beta1, beta2,
                        decay, l2, maximize)
    xp.divide(exp_avg_sq, bias_correction2, out=denom)  # denom = (v / bc2).sqrt() + eps
    xp.sqrt(denom, out=denom)
    denom += eps
    xp.multiply(grad, grad_scale, out=tmp)      # param.addcdiv_(grad, denom, value=...)
    tmp /= denom
    param += tmp
    xp.multiply(exp_avg, avg_scale, out=tmp)    # param.addcdiv_(exp_avg, denom, value=...)
    tmp /= denom
    param += tmp


