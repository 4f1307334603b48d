"""Activation modules and functions: values, gradients, node names, reprs, in-place forms."""
from . import case

# (module constructor, its arguments); each is run on a 0-d, a 1-d and a 3-d input.
ELEMENTWISE = {
    "CELU": ((), (2.0,)), "SELU": ((),), "Hardshrink": ((), (0.3,)), "Softshrink": ((), (0.3,)),
    "Hardsigmoid": ((),), "Hardswish": ((),), "LogSigmoid": ((),), "Mish": ((),),
    "Softsign": ((),), "Tanhshrink": ((),), "Threshold": ((0.1, 20.0), (-0.2, -3)),
    "ELU": ((), (0.5,)), "LeakyReLU": ((0.2,),), "ReLU6": ((),), "Hardtanh": ((-0.5, 0.5),),
    "Softplus": ((2.0, 1.0),), "GELU": ((), ("tanh",)), "SiLU": ((),),
}


def _elementwise(lib, name, args):
    module = getattr(lib.nn, name)(*args)
    res = {"repr": repr(module)}
    for shape in ((), (5,), (2, 3, 4)):
        # spread over [-4, 4] so every branch (hard sigmoid's +-3, the shrinks' lambda) is hit
        x = lib.rand(*shape, low=-4, high=4)
        res.update(lib.run(module, x, prefix=f"{len(shape)}d."))
    x32 = lib.rand(3, 4, low=-4, high=4, dtype=lib.torch.float32)
    res.update(lib.run(module, x32, prefix="f32."))
    return res


def _make(name, index, args):
    def fn(lib):
        return _elementwise(lib, name, args)
    fn.__name__ = f"activation_{name}_{index}"
    return case(fn)


for _name, _variants in ELEMENTWISE.items():
    for _i, _args in enumerate(_variants):
        _make(_name, _i, _args)


@case
def activation_inplace_modules(lib):
    """inplace=True returns the input, holds the result and still differentiates."""
    res = {}
    for name, args in (("CELU", (1.5, True)), ("SELU", (True,)), ("Hardsigmoid", (True,)),
                       ("Hardswish", (True,)), ("Mish", (True,)), ("Threshold", (0.1, 2.0, True)),
                       ("RReLU", (0.1, 0.3, True))):
        module = getattr(lib.nn, name)(*args).eval()
        res[f"{name}.repr"] = repr(module)
        x = lib.rand(2, 5, low=-4, high=4)
        y = x * 1
        out = module(y)
        res[f"{name}.same"] = out is y
        out.backward(lib.torch.ones_like(out))
        res[f"{name}.out"] = out
        res[f"{name}.dx"] = x.grad
    return res


@case
def activation_inplace_functions(lib):
    F = lib.F
    res = {}
    fns = {"celu_": lambda t: F.celu_(t, 2.0), "selu_": F.selu_,
           "threshold_": lambda t: F.threshold_(t, 0.2, -1.0), "elu_": F.elu_,
           "hardtanh_": lambda t: F.hardtanh_(t, -0.5, 0.5),
           "leaky_relu_": lambda t: F.leaky_relu_(t, 0.3),
           "rrelu_": lambda t: F.rrelu_(t, 0.1, 0.3)}
    for name, fn in fns.items():
        x = lib.rand(6, low=-3, high=3, grad=False)
        out = fn(x)
        res[f"{name}.same"] = out is x
        res[f"{name}.out"] = x
    return res


@case
def activation_glu(lib):
    res = {"repr": repr(lib.nn.GLU()), "repr1": repr(lib.nn.GLU(1))}
    res.update(lib.run(lib.nn.GLU(), lib.rand(6), prefix="1d."))
    res.update(lib.run(lib.nn.GLU(1), lib.rand(2, 4, 3), prefix="3d."))
    res.update(lib.run(lambda t: lib.F.glu(t, 0), lib.rand(4, 3), prefix="dim0."))
    res["odd"] = lib.error(lib.F.glu, lib.rand(3, 5))
    res["scalar"] = lib.error(lib.F.glu, lib.rand())
    return res


@case
def activation_prelu(lib):
    res = {}
    one = lib.init(lib.nn.PReLU())
    three = lib.init(lib.nn.PReLU(3, 0.1))
    res["repr"], res["repr3"] = repr(lib.nn.PReLU()), repr(lib.nn.PReLU(3, 0.1))
    res["init3"] = lib.nn.PReLU(3, 0.1).weight
    for shape in ((), (5,), (2, 3), (2, 3, 4), (2, 3, 2, 2)):
        one.zero_grad()
        res.update(lib.run(one, lib.rand(*shape), module=one, prefix=f"one{len(shape)}."))
    for shape in ((2, 3), (2, 3, 4), (2, 3, 2, 2), (1, 3, 2, 2, 2)):
        three.zero_grad()
        res.update(lib.run(three, lib.rand(*shape), module=three,
                           prefix=f"three{len(shape)}."))
    res["mismatch"] = lib.error(three, lib.rand(2, 4))
    res["f"] = lib.F.prelu(lib.rand(2, 2, grad=False), lib.torch.tensor([0.5, 0.1],
                                                                          dtype=lib.torch.float64))
    return res


@case
def activation_rrelu(lib):
    module = lib.nn.RReLU(0.1, 0.3)
    res = {"repr": repr(module), "repr_default": repr(lib.nn.RReLU())}
    module.eval()
    res.update(lib.run(module, lib.rand(3, 4, low=-2, high=2), prefix="eval."))
    res["bounds"] = lib.error(lib.F.rrelu, lib.rand(3), 0.5, 0.2)
    # training: negative inputs get a random slope in [lower, upper], positive ones pass
    module.train()
    x = lib.rand(2000, low=-1, high=1)
    out = module(x)
    slopes = (out / x)[x < 0]
    res["train_pos"] = bool(((out == x) | (x < 0)).all())
    res["train_range"] = bool(((slopes >= 0.1 - 1e-12) & (slopes <= 0.3 + 1e-12)).all())
    res["train_spread"] = bool(slopes.std() > 0.04)
    out.backward(lib.torch.ones_like(out))
    res["train_grad"] = bool(lib.torch.allclose(x.grad, (out / x).detach()))
    res["grad_fn"] = out.grad_fn.name()
    return res


@case
def activation_errors_and_dtypes(lib):
    F = lib.F
    x = lib.rand(3, 4, grad=False)
    res = {
        "softshrink_neg": lib.error(F.softshrink, x.float(), -1.0),
        "softshrink_neg64": lib.error(F.softshrink, x, -0.5),
        "hardshrink_neg": lib.error(lib.nn.Hardshrink(-1.0), x.float()),
        "celu0": lib.error(F.celu, x, 0.0),
        "softmax2d_1d": lib.error(lib.nn.Softmax2d(), lib.rand(3)),
        "softmax2d_2d": lib.error(lib.nn.Softmax2d(), lib.rand(3, 4)),
        "threshold_int": F.threshold(lib.torch.tensor([1, 2, 3]), 1, 0),
        "threshold_repr": repr(lib.nn.Threshold(0.1, 20)),
    }
    res.update(lib.run(lib.nn.Softmax2d(), lib.rand(2, 3, 2), prefix="sm3."))
    res.update(lib.run(lib.nn.Softmax2d(), lib.rand(2, 3, 2, 2), prefix="sm4."))
    return res
