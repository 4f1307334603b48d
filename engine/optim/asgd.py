"""ASGD: averaged stochastic gradient descent (weight decay, maximize), PyTorch's
algorithm."""
from .optimizer import (Optimizer, _to_scalar, check_options, effective_grad, step_tensor,
                        zeros_state)


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_options(lr=lr, weight_decay=weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["eta"] = step_tensor()
        state["eta"]._data[...] = _to_scalar(group["lr"])
        state["mu"] = step_tensor()
        state["mu"]._data[...] = 1
        state["ax"] = zeros_state(p)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
            for p, grad, state, step_t in self._steps(group):
                step = float(step_t)
                eta, mu = state["eta"]._data, state["mu"]._data
                self._update(p, _asgd_kernel, (grad._data, state["ax"]._data), 2,
                             float(eta), float(mu), lambd, group["weight_decay"],
                             group["maximize"])
                eta[...] = lr / (1 + lambd * lr * step) ** alpha
                mu[...] = 1 / max(1, step - t0)
        return loss


def _asgd_kernel(xp, param, grad, ax, tmp, tmp_grad, eta, mu, lambd, weight_decay,
                 maximize):
    grad = effective_grad(xp, param, grad, tmp_grad, weight_decay, maximize)
    param *= 1 - lambd * eta                    # param.mul_(1 - lambd * eta)
    xp.multiply(grad, eta, out=tmp)             # param.add_(grad, alpha=-eta)
    param -= tmp
    if mu != 1:                                 # ax.add_(param.sub(ax).mul_(mu))
        xp.subtract(param, ax, out=tmp)
        tmp *= mu
        ax += tmp
    else:
        xp.copyto(ax, param)
