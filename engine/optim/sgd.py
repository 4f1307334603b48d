"""SGD with momentum, dampening, Nesterov, weight decay and maximize (PyTorch's algorithm)."""
from .optimizer import Optimizer, _to_scalar, effective_grad, zeros_state


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _to_scalar(lr)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            momentum, dampening = group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if momentum == 0:
                    self._update(p, _plain_kernel, (grad._data,), 2, lr, weight_decay,
                                 maximize)
                else:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    first = buf is None
                    if first:  # PyTorch starts the buffer as a copy of the first gradient
                        buf = state["momentum_buffer"] = zeros_state(p)
                    self._update(p, _momentum_kernel, (grad._data, buf._data), 2, lr,
                                 weight_decay, maximize, momentum, dampening, nesterov, first)
        return loss


def _plain_kernel(xp, param, grad, tmp, tmp_grad, lr, weight_decay, maximize):
    grad = effective_grad(xp, param, grad, tmp_grad, weight_decay, maximize)
    xp.multiply(grad, lr, out=tmp)                  # param.add_(grad, alpha=-lr)
    param -= tmp


def _momentum_kernel(xp, param, grad, buf, tmp, tmp_grad, lr, weight_decay, maximize,
                     momentum, dampening, nesterov, first):
    grad = effective_grad(xp, param, grad, tmp_grad, weight_decay, maximize)
    if first:
        xp.copyto(buf, grad)                        # buf = grad.clone()
    else:
        buf *= momentum                             # buf.mul_(momentum)
        if dampening == 0:                          #    .add_(grad, alpha=1 - dampening)
            buf += grad
        else:
            xp.multiply(grad, 1 - dampening, out=tmp)
            buf += tmp
    if nesterov:                                    # grad = grad.add(buf, alpha=momentum)
        xp.multiply(buf, momentum, out=tmp)
        tmp += grad
        tmp *= lr
    else:                                           # grad = buf
        xp.multiply(buf, lr, out=tmp)
    param -= tmp                                    # param.add_(grad, alpha=-lr)
