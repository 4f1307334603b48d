"""Adadelta (with weight decay, maximize), PyTorch's algorithm."""
from .optimizer import (Optimizer, _to_scalar, check_options, effective_grad, step_tensor,
                        zeros_state)


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_options(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["square_avg"] = zeros_state(p)
        state["acc_delta"] = zeros_state(p)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            for p, grad, state, _ in self._steps(group):
                self._update(p, _adadelta_kernel, (grad._data, state["square_avg"]._data,
                                                   state["acc_delta"]._data), 3,
                             lr, group["rho"], group["eps"], group["weight_decay"],
                             group["maximize"])
        return loss


def _adadelta_kernel(xp, param, grad, square_avg, acc_delta, std, delta, tmp_grad, lr, rho,
                     eps, weight_decay, maximize):
    grad = effective_grad(xp, param, grad, tmp_grad, weight_decay, maximize)
    square_avg *= rho                       # square_avg.mul_(rho).addcmul_(g, g, value=1-rho)
    xp.multiply(grad, 1 - rho, out=std)
    std *= grad
    square_avg += std
    xp.add(square_avg, eps, out=std)        # std = square_avg.add(eps).sqrt_()
    xp.sqrt(std, out=std)
    xp.add(acc_delta, eps, out=delta)       # delta = acc_delta.add(eps).sqrt_()
    xp.sqrt(delta, out=delta)
    delta /= std                            # delta.div_(std).mul_(grad)
    delta *= grad
    acc_delta *= rho                        # acc_delta.mul_(rho).addcmul_(d, d, value=1-rho)
    xp.multiply(delta, 1 - rho, out=std)
    std *= delta
    acc_delta += std
    delta *= lr                             # param.add_(delta, alpha=-lr)
    param -= delta
