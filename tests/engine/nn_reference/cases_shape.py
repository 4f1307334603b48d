"""Padding layers, pixel/channel shuffles, Fold and Unfold: every rank they accept, reprs,
rank and size errors."""
from . import case

PADS = {1: ((2,), ((1, 2),)), 2: ((1,), ((1, 0, 2, 1),)), 3: ((1,), ((1, 0, 0, 1, 1, 0),))}


@case
def padding_modules(lib):
    res = {}
    nn = lib.nn
    for dims, paddings in PADS.items():
        for i, padding in enumerate(paddings):
            for kind in ("Constant", "Zero", "Reflection", "Replication", "Circular"):
                cls = getattr(nn, f"{kind}Pad{dims}d")
                module = cls(*padding, 2.5) if kind == "Constant" else cls(*padding)
                key = f"{kind}{dims}.{i}"
                res[f"{key}.repr"] = repr(module)
                res[f"{key}.padding"] = module.padding
                for rank in (dims + 1, dims + 2):
                    x = lib.rand(*(2, 2, 3, 4, 4)[5 - rank:])
                    res.update(lib.run(module, x, prefix=f"{key}.{rank}."))
                x = lib.rand(*(2, 3, 4, 4)[4 - dims:])
                res[f"{key}.lowrank"] = lib.error(module, x)
    return res


@case
def padding_errors(lib):
    nn, F = lib.nn, lib.F
    x = lib.rand(2, 5, grad=False)
    return {
        "refl_4d": lib.error(nn.ReflectionPad1d(1), lib.rand(1, 2, 3, 4)),
        "refl2_5d": lib.error(nn.ReflectionPad2d(1), lib.rand(1, 1, 3, 4, 5)),
        "circ3_6d": lib.error(nn.CircularPad3d(1), lib.rand(1, 1, 1, 3, 4, 5)),
        "zero2_1d": lib.error(nn.ZeroPad2d(1), lib.rand(4)),
        "refl_big": lib.error(nn.ReflectionPad1d(5), x),
        "circ_big": lib.error(nn.CircularPad1d(6), x),
        "odd": lib.error(F.pad, x, (1,)),
        "mode": lib.error(F.pad, x, (1, 1), mode="foo"),
        "value": lib.error(F.pad, x, (1, 1), mode="reflect", value=1.0),
        "negative": lib.error(nn.ConstantPad1d((-3, -3), 0.0), x),
        "refl_neg": nn.ReflectionPad1d((-1, 2))(x),
        "const_neg": nn.ConstantPad1d((-1, 2), 1.0)(x),
        "const_int": nn.ConstantPad1d(1, 3)(lib.torch.tensor([[1, 2]])),
    }


@case
def pixel_and_channel_shuffle(lib):
    res = {}
    nn, F = lib.nn, lib.F
    for r in (1, 2, 3):
        res[f"ps{r}.repr"] = repr(nn.PixelShuffle(r))
        res[f"pu{r}.repr"] = repr(nn.PixelUnshuffle(r))
    for shape in ((8, 2, 3), (2, 8, 2, 3), (2, 1, 8, 2, 3)):
        res.update(lib.run(nn.PixelShuffle(2), lib.rand(*shape), prefix=f"ps{len(shape)}."))
    for shape in ((2, 4, 6), (2, 2, 4, 6), (1, 2, 1, 4, 6)):
        res.update(lib.run(nn.PixelUnshuffle(2), lib.rand(*shape), prefix=f"pu{len(shape)}."))
    for shape in ((2, 6, 3), (2, 6, 2, 2), (1, 6, 1, 2, 2)):
        module = nn.ChannelShuffle(3)
        res.update(lib.run(module, lib.rand(*shape), prefix=f"cs{len(shape)}."))
    res["cs.repr"] = repr(nn.ChannelShuffle(3))
    res["ps2d"] = lib.error(F.pixel_shuffle, lib.rand(4, 4), 2)
    res["psdiv"] = lib.error(F.pixel_shuffle, lib.rand(5, 4, 4), 2)
    res["ps0"] = lib.error(F.pixel_shuffle, lib.rand(2, 8, 2, 2), 0)
    res["puh"] = lib.error(F.pixel_unshuffle, lib.rand(1, 5, 4), 2)
    res["puw"] = lib.error(F.pixel_unshuffle, lib.rand(1, 4, 5), 2)
    res["pu2d"] = lib.error(F.pixel_unshuffle, lib.rand(4, 4), 2)
    res["csdiv"] = lib.error(F.channel_shuffle, lib.rand(2, 5, 3), 2)
    res["cs2d"] = lib.error(nn.ChannelShuffle(2), lib.rand(4, 4))
    res["cs0"] = lib.error(F.channel_shuffle, lib.rand(2, 4, 3), 0)
    return res


@case
def fold_unfold(lib):
    res = {}
    nn, F = lib.nn, lib.F
    specs = (((2,), {}), (((2, 3),), {"dilation": (1, 2), "padding": (1, 0), "stride": 2}),
             ((3,), {"padding": 1, "stride": (1, 2)}))
    for i, (args, kwargs) in enumerate(specs):
        unfold = nn.Unfold(*args, **kwargs)
        res[f"unfold{i}.repr"] = repr(unfold)
        res.update(lib.run(unfold, lib.rand(2, 3, 5, 6), prefix=f"unfold{i}.4."))
        res.update(lib.run(unfold, lib.rand(3, 5, 6), prefix=f"unfold{i}.3."))
        cols = unfold(lib.rand(2, 3, 5, 6, grad=False))
        fold = nn.Fold((5, 6), *args, **kwargs)
        res[f"fold{i}.repr"] = repr(fold)
        res.update(lib.run(fold, lib.rand(*cols.shape), prefix=f"fold{i}.3."))
        res.update(lib.run(fold, lib.rand(*cols.shape[1:]), prefix=f"fold{i}.2."))
    res["unf2d"] = lib.error(F.unfold, lib.rand(4, 4), 2)
    res["unf5d"] = lib.error(F.unfold, lib.rand(1, 1, 4, 4, 4), 2)
    res["unfbig"] = lib.error(F.unfold, lib.rand(1, 1, 2, 2), 3)
    res["fold4d"] = lib.error(F.fold, lib.rand(1, 4, 4, 1), (3, 3), 2)
    res["foldC"] = lib.error(F.fold, lib.rand(1, 5, 4), (3, 3), 2)
    res["foldL"] = lib.error(F.fold, lib.rand(1, 4, 5), (3, 3), 2)
    return res
