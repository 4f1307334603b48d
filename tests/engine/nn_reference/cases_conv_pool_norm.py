"""3-d convolution, pooling (3-d, adaptive max, LP, unpooling, fractional) and the
normalisation layers (BatchNorm3d, GroupNorm, InstanceNorm, RMSNorm, LocalResponseNorm,
CrossMapLRN2d): batched and unbatched inputs, options, reprs, errors."""
from . import case


def _module_runs(lib, module, shapes, res, prefix, **rand):
    lib.init(module)
    res[f"{prefix}repr"] = repr(module)
    for shape in shapes:
        module.zero_grad()
        res.update(lib.run(module, lib.rand(*shape, **rand), module=module,
                           prefix=f"{prefix}{len(shape)}."))


@case
def conv3d_modules(lib):
    res = {}
    nn = lib.nn
    specs = [((4, 6, 2), {}),
             ((4, 2, (2, 1, 2)), {"stride": (1, 2, 1), "padding": (1, 0, 1), "dilation": (2, 1, 1),
                                  "groups": 2, "bias": False}),
             ((4, 3, 3), {"padding": "same"}),
             ((4, 3, 2), {"padding": 1, "padding_mode": "reflect"}),
             ((4, 3, 2), {"padding": (1, 0, 1), "padding_mode": "circular"}),
             ((4, 3, 2), {"padding": 1, "padding_mode": "replicate", "stride": 2})]
    for i, (args, kwargs) in enumerate(specs):
        _module_runs(lib, nn.Conv3d(*args, **kwargs), ((4, 4, 3, 5), (2, 4, 4, 3, 5)), res,
                     f"conv{i}.")
    tspecs = [((4, 3, 2), {}),
              ((4, 2, (2, 3, 2)), {"stride": 2, "padding": 1, "output_padding": (1, 0, 1),
                                   "groups": 2, "bias": False}),
              ((4, 3, 3), {"stride": (1, 2, 1), "dilation": 2})]
    for i, (args, kwargs) in enumerate(tspecs):
        _module_runs(lib, nn.ConvTranspose3d(*args, **kwargs), ((4, 3, 2, 2), (2, 4, 3, 2, 2)),
                     res, f"convt{i}.")
    m = lib.init(nn.ConvTranspose3d(4, 3, 3, stride=2))
    res.update(lib.run(lambda x: m(x, output_size=(8, 6, 7)), lib.rand(1, 4, 3, 2, 3),
                       prefix="convt.size."))
    res["conv_rank"] = lib.error(nn.Conv3d(4, 3, 2).double(), lib.rand(4, 5, 4))
    res["conv_channels"] = lib.error(nn.Conv3d(4, 3, 2).double(), lib.rand(1, 3, 5, 4, 4))
    res["conv_small"] = lib.error(nn.Conv3d(4, 3, 3).double(), lib.rand(1, 4, 2, 4, 4))
    F = lib.F
    res.update(lib.run(lambda x, w, b: F.conv_tbc(x, w, b, 1), lib.rand(5, 2, 3),
                       lib.rand(3, 3, 4), lib.rand(4), prefix="tbc."))
    return res


@case
def pool3d_modules(lib):
    res = {}
    nn = lib.nn
    for i, kwargs in enumerate(({"kernel_size": 2},
                                {"kernel_size": (2, 1, 2), "stride": 1, "padding": (1, 0, 1),
                                 "dilation": (2, 1, 1), "ceil_mode": True},
                                {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True})):
        module = nn.MaxPool3d(**kwargs)
        _module_runs(lib, module, ((2, 5, 4, 6), (2, 2, 5, 4, 6)), res, f"max{i}.")
        out, idx = nn.MaxPool3d(return_indices=True, **kwargs)(lib.rand(1, 2, 5, 4, 6))
        res[f"max{i}.indices"] = idx
    for i, kwargs in enumerate(({"kernel_size": 2},
                                {"kernel_size": 3, "stride": 2, "padding": 1,
                                 "count_include_pad": False},
                                {"kernel_size": (2, 3, 2), "stride": 1, "padding": (1, 1, 0),
                                 "ceil_mode": True, "divisor_override": 5},
                                {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                                 "count_include_pad": False})):
        _module_runs(lib, nn.AvgPool3d(**kwargs), ((2, 5, 4, 6), (2, 2, 5, 4, 6)), res,
                     f"avg{i}.")
    for size in (2, (3, None, 2), (1, 1, 1), (5, 4, 6)):
        _module_runs(lib, nn.AdaptiveAvgPool3d(size), ((2, 5, 4, 6), (1, 2, 5, 4, 6)), res,
                     f"aavg{size}.")
    F = lib.F
    res["max_rank"] = lib.error(F.max_pool3d, lib.rand(3, 4, 5), 2)
    res["avg_rank"] = lib.error(F.avg_pool3d, lib.rand(3, 4, 5), 2)
    res["aavg_rank"] = lib.error(F.adaptive_avg_pool3d, lib.rand(3, 4, 5), 2)
    res["max_small"] = lib.error(F.max_pool3d, lib.rand(1, 1, 2, 2, 2), 3)
    res["max_pad"] = lib.error(F.max_pool3d, lib.rand(1, 1, 4, 4, 4), 2, padding=2)
    # ties: the first maximum in row-major order wins
    ones = lib.torch.ones(1, 1, 2, 2, 2, dtype=lib.torch.float64, requires_grad=True)
    res.update(lib.run(lambda x: F.max_pool3d(x, 2), ones, prefix="ties."))
    return res


@case
def adaptive_max_pool(lib):
    res = {}
    nn, F = lib.nn, lib.F
    for dims, shapes, sizes in ((1, ((3, 7), (2, 3, 7)), (3, 1, 7, 4)),
                                (2, ((3, 5, 7), (2, 3, 5, 7)), (2, (None, 3), (5, 7), (4, 3))),
                                (3, ((2, 4, 5, 3), (2, 2, 4, 5, 3)), (2, (None, 3, 1)))):
        cls = getattr(nn, f"AdaptiveMaxPool{dims}d")
        for size in sizes:
            _module_runs(lib, cls(size), shapes, res, f"{dims}.{size}.")
            out, idx = cls(size, return_indices=True)(lib.rand(*shapes[1]))
            res[f"{dims}.{size}.indices"] = idx
            res[f"{dims}.{size}.repr_idx"] = repr(cls(size, return_indices=True))
    ones = lib.torch.ones(1, 1, 3, 3, dtype=lib.torch.float64, requires_grad=True)
    res.update(lib.run(lambda x: F.adaptive_max_pool2d(x, 2), ones, prefix="ties."))
    res["amp1_1d"] = lib.error(F.adaptive_max_pool1d, lib.rand(5), 2)
    res["amp1_4d"] = lib.error(F.adaptive_max_pool1d, lib.rand(1, 2, 3, 5), 2)
    res["amp2_2d"] = lib.error(F.adaptive_max_pool2d, lib.rand(3, 5), 2)
    res["amp3_3d"] = lib.error(F.adaptive_max_pool3d, lib.rand(3, 5, 4), 2)
    res["with_indices2"] = F.adaptive_max_pool2d_with_indices(lib.rand(1, 2, 4, 4), 2)[1]
    res["with_indices1"] = F.adaptive_max_pool1d_with_indices(lib.rand(2, 5), 2)[1]
    res["with_indices3"] = F.adaptive_max_pool3d_with_indices(lib.rand(1, 2, 3, 4, 4), 2)[1]
    return res


@case
def lp_pool(lib):
    res = {}
    nn = lib.nn
    for p in (1, 2, 1.5, float("inf")):
        _module_runs(lib, nn.LPPool1d(p, 3, 2), ((2, 7), (2, 2, 7)), res, f"1.{p}.",
                     low=0.1, high=1)
        _module_runs(lib, nn.LPPool2d(p, (2, 3), 1, True),
                     ((2, 2, 4, 5),) if p == float("inf") else ((2, 4, 5), (2, 2, 4, 5)), res,
                     f"2.{p}.", low=0.1, high=1)
        _module_runs(lib, nn.LPPool3d(p, 2), ((2, 4, 4, 5), (2, 2, 4, 4, 5)), res, f"3.{p}.",
                     low=0.1, high=1)
    return res


@case
def max_unpool(lib):
    res = {}
    nn, F = lib.nn, lib.F
    for dims, shape, kwargs, out_size in (
            (1, (2, 3, 8), {"kernel_size": 2}, None),
            (1, (3, 9), {"kernel_size": 3, "stride": 2, "padding": 1}, (9,)),
            (2, (2, 3, 6, 5), {"kernel_size": 2}, (6, 5)),
            (2, (3, 6, 5), {"kernel_size": (2, 3), "stride": 1, "padding": (1, 0)}, None),
            (3, (2, 2, 4, 4, 5), {"kernel_size": 2}, (4, 4, 5)),
            (3, (2, 4, 6, 4), {"kernel_size": 2, "stride": 2}, None)):
        pool = getattr(nn, f"MaxPool{dims}d")(return_indices=True, **kwargs)
        unpool = getattr(nn, f"MaxUnpool{dims}d")(**kwargs)
        key = f"{dims}.{len(shape)}.{out_size}."
        res[key + "repr"] = repr(unpool)
        out, idx = pool(lib.rand(*shape, grad=False))
        res[key + "idx"] = idx
        res.update(lib.run(lambda x: unpool(x, idx, output_size=out_size),
                           out.detach().requires_grad_(), prefix=key))
    x = lib.rand(1, 1, 2, 2)
    res["bad_index"] = lib.error(F.max_unpool2d, x, lib.torch.tensor([[[[0, 1], [2, 99]]]]), 2)
    zeros = lib.torch.zeros(1, 1, 2, 2, dtype=lib.torch.int64)
    res["bad_size"] = lib.error(F.max_unpool2d, x, zeros, 2, output_size=(7, 4))
    res["bad_len"] = lib.error(F.max_unpool2d, x, zeros, 2, output_size=(4, 4, 4))
    res["rank"] = lib.error(F.max_unpool2d, lib.rand(2, 2), lib.torch.zeros(2, 2,
                                                                          dtype=lib.torch.int64), 2)
    res["float_idx"] = lib.error(F.max_unpool2d, x, lib.torch.zeros(1, 1, 2, 2), 2)
    res["shape"] = lib.error(F.max_unpool2d, x, lib.torch.zeros(1, 1, 2, 3,
                                                                dtype=lib.torch.int64), 2)
    return res


@case
def fractional_max_pool(lib):
    res = {}
    nn, F, torch = lib.nn, lib.F, lib.torch
    samples2 = torch.tensor(lib.array(2, 3, 2, low=0, high=1))
    samples3 = torch.tensor(lib.array(2, 3, 3, low=0, high=1))
    for i, kwargs in enumerate(({"kernel_size": 2, "output_size": (4, 5)},
                                {"kernel_size": (3, 2), "output_ratio": (0.5, 0.7)},
                                {"kernel_size": 2, "output_size": 1})):
        module = nn.FractionalMaxPool2d(_random_samples=samples2, **kwargs)
        _module_runs(lib, module, ((3, 9, 11), (2, 3, 9, 11)), res, f"2.{i}.")
        res[f"2.{i}.indices"] = nn.FractionalMaxPool2d(
            _random_samples=samples2, return_indices=True, **kwargs)(lib.rand(2, 3, 9, 11))[1]
    for i, kwargs in enumerate(({"kernel_size": 2, "output_size": (3, 2, 4)},
                                {"kernel_size": (2, 3, 2), "output_ratio": 0.5})):
        module = nn.FractionalMaxPool3d(_random_samples=samples3, **kwargs)
        _module_runs(lib, module, ((3, 7, 5, 6), (2, 3, 7, 5, 6)), res, f"3.{i}.")
    x32 = lib.rand(2, 3, 9, 11, dtype=torch.float32)
    res.update(lib.run(lambda x: F.fractional_max_pool2d(
        x, 2, output_size=(4, 5), _random_samples=samples2.float()), x32, prefix="f32."))
    out, idx = F.fractional_max_pool2d_with_indices(lib.rand(1, 2, 6, 6), 2, output_size=3)
    res["random.shape"] = tuple(out.shape)
    res["random.valid"] = bool((idx >= 0).all() and (idx < 36).all())
    res["none"] = lib.error(F.fractional_max_pool2d, lib.rand(1, 1, 5, 5), 2)
    res["big"] = lib.error(F.fractional_max_pool2d, lib.rand(1, 1, 5, 5), 2, output_size=5)
    res["rank"] = lib.error(F.fractional_max_pool2d, lib.rand(5, 5), 2, output_size=2)
    res["samples"] = lib.error(F.fractional_max_pool2d, lib.rand(2, 3, 5, 5), 2, output_size=2,
                               _random_samples=torch.rand(1, 3, 2, dtype=torch.float64))
    res["samples_dtype"] = lib.error(F.fractional_max_pool2d, lib.rand(2, 3, 5, 5), 2,
                                     output_size=2, _random_samples=torch.rand(2, 3, 2))
    res["module_none"] = lib.error(nn.FractionalMaxPool2d, 2)
    res["module_both"] = lib.error(nn.FractionalMaxPool2d, 2, output_size=2, output_ratio=0.5)
    res["module_ratio"] = lib.error(nn.FractionalMaxPool2d, 2, output_ratio=1.5)
    res["repr"] = repr(nn.FractionalMaxPool3d(2, output_ratio=0.5))
    return res


@case
def with_indices_functions(lib):
    F, res = lib.F, {}
    for name, shape in (("max_pool1d_with_indices", (2, 3, 8)),
                        ("max_pool2d_with_indices", (2, 3, 6, 6)),
                        ("max_pool3d_with_indices", (2, 4, 4, 6))):
        out, idx = getattr(F, name)(lib.rand(*shape), 2)
        res[name] = (out, idx)
    return res


@case
def norm_batch3d_group(lib):
    res = {}
    nn = lib.nn
    bn = nn.BatchNorm3d(3, momentum=0.2)
    _module_runs(lib, bn, ((2, 3, 3, 2, 2),), res, "bn.")
    res["bn.stats"] = (bn.running_mean, bn.running_var, bn.num_batches_tracked)
    bn.eval()
    res.update(lib.run(bn, lib.rand(2, 3, 3, 2, 2), module=bn, prefix="bn.eval."))
    res["bn.rank"] = lib.error(bn, lib.rand(2, 3, 4, 4))
    for i, args in enumerate(((2, 4), (1, 4, 1e-3, False), (4, 4))):
        _module_runs(lib, nn.GroupNorm(*args), ((3, 4), (2, 4, 5), (2, 4, 3, 2),
                                                (2, 4, 2, 2, 2)), res, f"gn{i}.")
    res["gn.nobias"] = repr(nn.GroupNorm(2, 4, bias=False))
    res["gn.init"] = lib.error(nn.GroupNorm, 3, 4)
    res["gn.channels"] = lib.error(nn.GroupNorm(2, 4), lib.rand(2, 5))
    res["gn.rank"] = lib.error(nn.GroupNorm(2, 4), lib.rand(4))
    res["gn.one"] = lib.error(nn.GroupNorm(4, 4), lib.rand(1, 4))
    return res


@case
def norm_instance(lib):
    res = {}
    nn = lib.nn
    for dims in (1, 2, 3):
        cls = getattr(nn, f"InstanceNorm{dims}d")
        batched = (2, 3) + (4, 3, 2)[:dims]
        for i, kwargs in enumerate(({}, {"affine": True}, {"track_running_stats": True,
                                                           "momentum": 0.3},
                                    {"affine": True, "track_running_stats": True,
                                     "momentum": None, "bias": False})):
            module = cls(3, **kwargs)
            key = f"{dims}.{i}."
            _module_runs(lib, module, (batched[1:], batched), res, key)
            res[key + "buffers"] = tuple(b for _, b in module.named_buffers())
            module.eval()
            res.update(lib.run(module, lib.rand(*batched), prefix=key + "eval."))
        res[f"{dims}.rank"] = lib.error(cls(3), lib.rand(*batched[:1]))
        res[f"{dims}.affine_mismatch"] = lib.error(cls(4, affine=True), lib.rand(*batched))
        _, res[f"{dims}.warn"] = lib.warnings(cls(4), lib.rand(*batched))
    res["one_spatial"] = lib.error(nn.InstanceNorm1d(3), lib.rand(2, 3, 1))
    F = lib.F
    res.update(lib.run(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), lib.rand(2, 3, 5),
                       lib.rand(3), lib.rand(3), prefix="f."))
    return res


@case
def norm_rms_lrn(lib):
    res = {}
    nn, F = lib.nn, lib.F
    for i, args in enumerate(((4,), ((2, 4), 1e-4, False), ((4,), 0.5))):
        _module_runs(lib, nn.RMSNorm(*args), ((4,), (3, 4), (2, 2, 4)) if i != 1 else
                     ((2, 4), (3, 2, 4)), res, f"rms{i}.")
    res.update(lib.run(lambda x: F.rms_norm(x, (4,)), lib.rand(3, 4, dtype=lib.torch.float32),
                       prefix="rms.f32."))
    res["rms.shape"] = lib.error(nn.RMSNorm(4), lib.rand(2, 5))
    res["rms.shape2"] = lib.error(F.rms_norm, lib.rand(2, 5), (2, 3))
    for i, args in enumerate(((3,), (2, 1e-3, 0.5, 2.0), (4, 0.1))):
        _module_runs(lib, nn.LocalResponseNorm(*args), ((2, 5, 3), (2, 5, 3, 2), (1, 5, 2, 2, 2)),
                     res, f"lrn{i}.")
    res["lrn.rank"] = lib.error(nn.LocalResponseNorm(2), lib.rand(2, 5))
    for i, args in enumerate(((3,), (5, 1e-2, 0.5, 2), (2,), (4, 0.1, 0.9))):
        _module_runs(lib, nn.CrossMapLRN2d(*args), ((2, 7, 2, 3),), res, f"cm{i}.")
    res["cm.rank"] = lib.error(nn.CrossMapLRN2d(2), lib.rand(2, 5, 3))
    return res
