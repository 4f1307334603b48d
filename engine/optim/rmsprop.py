"""RMSprop (with momentum, centered, weight decay, maximize), PyTorch's algorithm."""
from .optimizer import (Optimizer, _to_scalar, check_options, effective_grad, step_tensor,
                        zeros_state)


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_options(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                      alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["square_avg"] = zeros_state(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_state(p)
        if group["centered"]:
            state["grad_avg"] = zeros_state(p)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            alpha, eps = group["alpha"], group["eps"]
            weight_decay, momentum = group["weight_decay"], group["momentum"]
            centered, maximize = group["centered"], group["maximize"]
            for p, grad, state, _ in self._steps(group):
                arrays = (grad._data, state["square_avg"]._data,
                          state["grad_avg"]._data if centered else None,
                          state["momentum_buffer"]._data if momentum > 0 else None)
                self._update(p, _rmsprop_kernel, arrays, 3, lr, alpha, eps, weight_decay,
                             momentum, maximize)
        return loss


def _rmsprop_kernel(xp, param, grad, square_avg, grad_avg, buf, avg, tmp, tmp_grad, lr,
                    alpha, eps, weight_decay, momentum, maximize):
    grad = effective_grad(xp, param, grad, tmp_grad, weight_decay, maximize)
    square_avg *= alpha                     # square_avg.mul_(alpha)
    xp.multiply(grad, 1 - alpha, out=tmp)   #     .addcmul_(grad, grad, value=1 - alpha)
    tmp *= grad
    square_avg += tmp
    if grad_avg is not None:                # centered
        xp.subtract(grad, grad_avg, out=tmp)    # grad_avg.lerp_(grad, 1 - alpha)
        tmp *= 1 - alpha
        grad_avg += tmp
        xp.negative(grad_avg, out=tmp)          # avg = square_avg.addcmul(grad_avg,
        tmp *= grad_avg                         #     grad_avg, value=-1).sqrt_()
        xp.add(square_avg, tmp, out=avg)
        xp.sqrt(avg, out=avg)
    else:
        xp.sqrt(square_avg, out=avg)        # avg = square_avg.sqrt()
    avg += eps                              # avg.add_(eps)
    if buf is not None:                     # momentum > 0
        buf *= momentum                     # buf.mul_(momentum).addcdiv_(grad, avg)
        xp.divide(grad, avg, out=tmp)
        buf += tmp
        xp.multiply(buf, lr, out=tmp)       # param.add_(buf, alpha=-lr)
        param -= tmp
    else:
        xp.multiply(grad, -lr, out=tmp)     # param.addcdiv_(grad, avg, value=-lr)
        tmp /= avg
        param += tmp
