"""Lazy modules and uninitialized parameters: reprs and classes before and after the first
forward, inferred shapes, what an uninitialized parameter refuses, loading a state_dict into
a lazy module, and nn.Buffer."""
import copy

from . import case

LAZY = {  # lazy class: (constructor args, a batched input shape, an unbatched one or None)
    "LazyLinear": ((3,), (2, 5), (5,)),
    "LazyConv1d": ((4, 3), (2, 3, 7), (3, 7)),
    "LazyConv2d": ((4, 3, 2, 1), (2, 3, 6, 5), (3, 6, 5)),
    "LazyConv3d": ((4, 2), (1, 2, 4, 3, 3), (2, 4, 3, 3)),
    "LazyConvTranspose1d": ((2, 3), (2, 4, 5), (4, 5)),
    "LazyConvTranspose2d": ((2, 3, 2), (2, 4, 3, 3), (4, 3, 3)),
    "LazyConvTranspose3d": ((2, 2), (1, 4, 2, 3, 2), None),
    "LazyBatchNorm1d": ((), (4, 3), None),
    "LazyBatchNorm2d": ((1e-3, 0.2), (2, 3, 2, 2), None),
    "LazyBatchNorm3d": ((), (2, 3, 2, 2, 2), None),
    "LazyInstanceNorm1d": ((), (2, 3, 5), None),
    "LazyInstanceNorm2d": ((1e-5, 0.1, False, False), (2, 3, 4, 4), None),
    "LazyInstanceNorm3d": ((), (2, 3, 2, 3, 2), None),
}


def _lazy(lib, name, args, batched, unbatched):
    nn = lib.nn
    res = {}
    module = getattr(nn, name)(*args, dtype=lib.torch.float64)
    res["repr"] = repr(module)
    res["class"] = type(module).__name__
    res["params"] = [(n, repr(p), type(p).__name__) for n, p in module.named_parameters()]
    res["buffers"] = [(n, repr(b), type(b).__name__) for n, b in module.named_buffers()]
    res["state_keys"] = list(module.state_dict())
    res["has_uninit"] = module.has_uninitialized_params()
    fresh = getattr(nn, name)(*args, dtype=lib.torch.float64)
    out = module(lib.rand(*batched, grad=False))
    res["after.repr"] = repr(module)
    res["after.class"] = type(module).__name__
    res["after.shapes"] = [(n, tuple(p.shape), type(p).__name__) for n, p in
                           module.named_parameters()]
    res["after.buffers"] = [(n, tuple(b.shape), type(b).__name__) for n, b in
                            module.named_buffers()]
    res["out.shape"] = tuple(out.shape)
    lib.init(module)
    res.update(lib.run(module, lib.rand(*batched), module=module, prefix="batched."))
    if unbatched is not None:
        res["unbatched.shape"] = tuple(fresh(lib.rand(*unbatched)).shape)
        res["unbatched.repr"] = repr(fresh)
    return res


def _make(name, spec):
    def fn(lib):
        return _lazy(lib, name, *spec)
    fn.__name__ = f"lazy_{name}"
    return case(fn)


for _name, _spec in LAZY.items():
    _make(_name, _spec)


@case
def lazy_refusals(lib):
    nn, torch = lib.nn, lib.torch
    p = nn.UninitializedParameter()
    b = nn.UninitializedBuffer()
    res = {"repr": (repr(p), repr(b), str(p)), "class": (type(p).__name__, type(b).__name__),
           "size": tuple(p.size()), "dtype": str(p.dtype), "requires_grad": (p.requires_grad,
                                                                             b.requires_grad)}
    res["shape"] = lib.error(lambda: p.shape)
    res["bshape"] = lib.error(lambda: b.shape)
    res["add"] = lib.error(lambda: p + 1)
    res["radd"] = lib.error(lambda: 1 + p)
    res["mul"] = lib.error(lambda: p * 2)
    res["numel"] = lib.error(p.numel)
    res["bnumel"] = lib.error(b.numel)
    res["dim"] = lib.error(p.dim)
    res["sum"] = lib.error(p.sum)
    res["count"] = lib.error(lambda: sum(q.numel() for q in nn.LazyLinear(2).parameters()))
    p.materialize((2, 3))
    res["materialized"] = (type(p).__name__, tuple(p.shape), p.requires_grad)
    b.materialize((4,), dtype=torch.float64)
    res["bmaterialized"] = (type(b).__name__, tuple(b.shape), str(b.dtype))
    conv = nn.LazyConv2d(4, 3)
    res["conv_rank"] = lib.error(conv, lib.rand(5, 5))
    res["conv_groups"] = lib.error(nn.LazyConv2d(4, 3, groups=2), lib.rand(1, 3, 5, 5))
    # a checkpoint's shapes materialise a lazy module; it becomes Linear on its first forward
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(lib.init(nn.Linear(4, 3)).state_dict())
    res["loaded"] = (repr(lazy), type(lazy).__name__, tuple(lazy.weight.shape))
    res["loaded.out"] = lazy(lib.rand(2, 4, grad=False).float())
    res["loaded.after"] = repr(lazy)
    # casting before the first forward carries over to the materialised parameters
    cast = nn.LazyLinear(2).double()
    res["cast"] = str(cast(lib.rand(1, 3, grad=False)).dtype)
    clone = copy.deepcopy(nn.LazyLinear(2))
    res["deepcopy"] = (repr(clone), repr(clone.weight), repr(clone(lib.rand(1, 3).float())
                                                             .shape))
    return res


@case
def buffers(lib):
    nn, torch = lib.nn, lib.torch

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.kept = nn.Buffer(torch.ones(2))
            self.scratch = nn.Buffer(torch.zeros(3), persistent=False)
            self.lazy = nn.UninitializedBuffer()

    h = Holder()
    b = nn.Buffer(torch.ones(2, requires_grad=True))
    return {
        "buffers": [n for n, _ in h.named_buffers()],
        "state": lib.error(h.state_dict),
        "types": (type(h.kept).__name__, isinstance(h.kept, nn.Buffer),
                  isinstance(torch.ones(1), nn.Buffer), isinstance(b, torch.Tensor)),
        "grad": b.requires_grad,
        "default": tuple(nn.Buffer().shape),
        "repr": repr(h),
    }
