"""The in-place matrix: a layer (LAYERS), an in-place op (OPS) applied to the layer's output or
to its input after the forward (POSITIONS), then backward. What PyTorch allows depends on what
each op saves for its backward: an in-place write to a saved tensor must fail with the
version-counter error, any other must succeed with the right gradients.

The same code runs under PyTorch (tests/fixtures/make_inplace_matrix.py records
inplace_matrix.json) and under the engine (tests/engine/test_inplace_matrix.py), so inputs
and parameters are built from arange, never from a random generator.
"""
ACT_SHAPE = (2, 4, 3, 4)

# name: (constructor expression over `nn`, input shape)
LAYERS = {
    "Conv2d": ("nn.Conv2d(3, 4, 3)", (2, 3, 5, 5)),
    "ConvTranspose2d": ("nn.ConvTranspose2d(3, 4, 3)", (2, 3, 4, 4)),
    "BatchNorm2d": ("nn.BatchNorm2d(4)", ACT_SHAPE),
    "BatchNorm2d.eval": ("nn.BatchNorm2d(4).eval()", ACT_SHAPE),
    "Linear": ("nn.Linear(4, 5)", (3, 4)),
    # layers often followed by an in-place activation in public models
    "MaxPool2d": ("nn.MaxPool2d(2)", ACT_SHAPE),
    "AvgPool2d": ("nn.AvgPool2d(2)", ACT_SHAPE),
    "LayerNorm": ("nn.LayerNorm(4)", ACT_SHAPE),
    "GroupNorm": ("nn.GroupNorm(2, 4)", ACT_SHAPE),
}
for _act in ("ReLU()", "ReLU6()", "LeakyReLU(0.2)", "ELU()", "SELU()", "CELU()", "GELU()",
             "GELU('tanh')", "SiLU()", "Sigmoid()", "Tanh()", "Softplus()", "Hardtanh()",
             "Hardsigmoid()", "Hardswish()", "Mish()", "LogSigmoid()", "Softsign()",
             "Tanhshrink()", "Softshrink()", "Hardshrink()", "PReLU()", "RReLU().eval()",
             "Threshold(0.1, 20.0)", "GLU()", "Softmax(1)", "LogSoftmax(1)", "Softmin(1)",
             "Softmax2d()"):
    LAYERS[_act] = (f"nn.{_act}", ACT_SHAPE)

# the in-place activations, as layers and as ops
INPLACE_ACTIVATIONS = (
    "ReLU(inplace=True)", "ReLU6(inplace=True)", "LeakyReLU(0.2, inplace=True)",
    "ELU(inplace=True)", "SELU(inplace=True)", "CELU(inplace=True)", "SiLU(inplace=True)",
    "Hardtanh(inplace=True)", "Hardsigmoid(inplace=True)", "Hardswish(inplace=True)",
    "Mish(inplace=True)", "RReLU(inplace=True).eval()", "Threshold(0.1, 20.0, inplace=True)")
for _act in INPLACE_ACTIVATIONS:
    LAYERS[_act] = (f"nn.{_act}", ACT_SHAPE)

# name: a statement changing `t` in place (`nn` and `torch` in scope)
OPS = {f"nn.{a}": f"nn.{a}(t)" for a in INPLACE_ACTIVATIONS}
OPS.update({
    "add_": "t.add_(1.0)",
    "mul_": "t.mul_(2.0)",
    "clamp_": "t.clamp_(-0.5, 0.5)",
    "relu_": "t.relu_()",
    "sigmoid_": "t.sigmoid_()",
    "tanh_": "t.tanh_()",
    "setitem": "t[0] = 0.5",
    "setitem_slice": "t[..., :1] = t[..., 1:2] * 2",
})

POSITIONS = ("output", "input")


def _pattern(torch, shape, step, scale):
    n = 1
    for s in shape:
        n *= s
    return (((torch.arange(n, dtype=torch.float32) * step) % 2.0 - 1.0) * scale).reshape(shape)


def fingerprint(t):
    """Two numbers that change with any change of a gradient: the sum of its absolute values
    and a sum weighted by position (6 significant digits)."""
    if t is None:
        return None
    a = t.detach().reshape(-1).double()
    w = a.new_tensor([(i * 0.731) % 1.0 + 0.5 for i in range(a.numel())])
    return [float(f"{float(a.abs().sum()):.6g}"), float(f"{float((a * w).sum()):.6g}")]


def run_case(torch, layer_name, op_name, position):
    """{"ok": {gradient name: fingerprint}} or {"error": [type name, message]}."""
    nn = torch.nn
    expr, shape = LAYERS[layer_name]
    layer = eval(expr, {"nn": nn})
    with torch.no_grad():
        for i, (_, p) in enumerate(sorted(layer.named_parameters())):
            p.copy_(_pattern(torch, tuple(p.shape), 0.61 + 0.1 * i, 0.8))
    x = _pattern(torch, shape, 0.37, 2.0).requires_grad_()
    try:
        a = x * 1.0  # not a leaf, so in-place writes to it are allowed
        y = layer(a)
        t = y if position == "output" else a
        exec(OPS[op_name], {"nn": nn, "torch": torch, "t": t})
        weights = _pattern(torch, tuple(y.shape), 0.53, 1.5)
        (y * weights).sum().backward()
    except Exception as exc:  # noqa: BLE001 - every error is an outcome to record
        return {"error": [type(exc).__name__, str(exc)]}
    grads = {"x": fingerprint(x.grad)}
    grads.update((n, fingerprint(p.grad)) for n, p in sorted(layer.named_parameters()))
    return {"ok": grads}


def all_cases():
    return [(layer, op, pos) for layer in LAYERS for op in OPS for pos in POSITIONS]
