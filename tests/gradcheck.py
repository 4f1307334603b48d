"""One shared gradient check: analytic gradients against central finite differences.

Used by every engine op test. Inputs are float64 so the differences are accurate.
"""
import numpy as np

import engine


def numeric_grad(fn, arrays, i, eps=1e-6):
    """d(sum(fn(*arrays) * w))/d(arrays[i]) by central differences, for a fixed random w."""
    base = [a.copy() for a in arrays]
    out0 = np.asarray(fn(*[engine.tensor(a) for a in base]).detach().numpy())
    w = np.random.default_rng(0).standard_normal(out0.shape)
    grad = np.zeros_like(base[i])
    flat = grad.reshape(-1)
    x = base[i].reshape(-1)
    for k in range(x.size):
        old = x[k]
        x[k] = old + eps
        plus = (fn(*[engine.tensor(a) for a in base]).detach().numpy() * w).sum()
        x[k] = old - eps
        minus = (fn(*[engine.tensor(a) for a in base]).detach().numpy() * w).sum()
        x[k] = old
        flat[k] = (plus - minus) / (2 * eps)
    return grad, w


def gradcheck(fn, *arrays, atol=1e-5, rtol=1e-4, check=None):
    """Assert engine's backward of fn matches finite differences for every input.

    fn takes engine tensors and returns one tensor; ``arrays`` are NumPy float64 arrays.
    ``check`` limits the check to those input indices.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    check = range(len(arrays)) if check is None else check
    for i in check:
        expected, w = numeric_grad(fn, arrays, i)
        inputs = [engine.tensor(a, requires_grad=(j == i)) for j, a in enumerate(arrays)]
        out = fn(*inputs)
        out.backward(engine.tensor(w))
        got = inputs[i].grad
        assert got is not None, f"no gradient reached input {i}"
        np.testing.assert_allclose(got.numpy(), expected, atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i}")
    return True


def gradgradcheck(fn, *arrays, atol=1e-4, rtol=1e-3):
    """Second derivatives: check the gradient function (built with create_graph) itself."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]

    def first_grad(*ts):
        ts = [t.requires_grad_() if not t.requires_grad else t for t in ts]
        out = fn(*ts)
        w = engine.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
        (g,) = engine.autograd.grad(out, ts[0], w, create_graph=True)
        return g

    return gradcheck(first_grad, *arrays, atol=atol, rtol=rtol, check=[0])
