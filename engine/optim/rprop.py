"""Rprop: per-element step sizes grown or shrunk by the sign of successive gradients
(full-batch learning), PyTorch's algorithm."""
from .optimizer import Optimizer, _to_scalar, check_options, step_tensor, zeros_state


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_options(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _init_state(self, state, p, group):
        state["step"] = step_tensor()
        state["prev"] = zeros_state(p)
        state["step_size"] = zeros_state(p, _to_scalar(group["lr"]))

    def step(self, closure=None):
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p, grad, state, _ in self._steps(group):
                self._update(p, _rprop_kernel, (grad._data, state["prev"]._data,
                                                state["step_size"]._data), 2,
                             etaminus, etaplus, step_size_min, step_size_max, group["maximize"])
        return loss


def _rprop_kernel(xp, param, grad, prev, step_size, factor, tmp_grad, etaminus, etaplus,
                  step_size_min, step_size_max, maximize):
    if maximize:
        grad = xp.negative(grad, out=tmp_grad)
    xp.multiply(grad, prev, out=factor)         # sign = grad.mul(prev).sign(), then
    agree, disagree = factor > 0, factor < 0    # etaplus where > 0, etaminus where < 0,
    factor.fill(1)                              # 1 where 0
    factor[agree] = etaplus
    factor[disagree] = etaminus
    step_size *= factor                         # step_size.mul_(sign).clamp_(min, max)
    xp.clip(step_size, step_size_min, step_size_max, out=step_size)
    xp.copyto(prev, grad)                       # grad = grad.clone(); where the sign
    prev[disagree] = 0                          # flipped the gradient counts as 0
    xp.sign(prev, out=factor)                   # param.addcmul_(grad.sign(), step_size,
    factor *= step_size                         #                value=-1)
    param -= factor                             # prev.copy_(grad) (done above)
