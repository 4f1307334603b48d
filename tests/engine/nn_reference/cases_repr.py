"""What printing prints: the repr of every public torch.nn class built with typical
arguments, of the containers (nested, with runs of equal modules, with parameters), and the
class paths print(type(m)) shows."""
from . import case

# class name: constructor arguments to print it with (several where options change the repr)
BUILD = {
    "AdaptiveAvgPool1d": [(3,)], "AdaptiveAvgPool2d": [((2, None),)],
    "AdaptiveAvgPool3d": [(2,)], "AdaptiveMaxPool1d": [(3,)], "AdaptiveMaxPool2d": [(2, True)],
    "AdaptiveMaxPool3d": [((1, 2, 3),)], "AlphaDropout": [(), (0.2, True)],
    "AvgPool1d": [(3,), (3, 2, 1, True, False)], "AvgPool2d": [(2,), ((2, 3), 1, 1)],
    "AvgPool3d": [(2,)], "BCELoss": [()], "BCEWithLogitsLoss": [()],
    "BatchNorm1d": [(4,), (4, 1e-3, None, False, False)], "BatchNorm2d": [(8,)],
    "BatchNorm3d": [(2,)], "Bilinear": [(2, 3, 4), (2, 3, 4, False)], "CELU": [(), (2.0,)],
    "CTCLoss": [()], "ChannelShuffle": [(2,)], "CircularPad1d": [(1,)],
    "CircularPad2d": [((1, 0, 2, 1),)], "CircularPad3d": [(1,)],
    "ConstantPad1d": [(2, 1.5)], "ConstantPad2d": [(1, 0.0)], "ConstantPad3d": [(1, -1)],
    "Conv1d": [(2, 4, 3), (2, 4, 3, 2, 1, 2, 2, False, "circular")],
    "Conv2d": [(3, 8, 3), (3, 8, (3, 5), 1, "same", 2, 1, True, "reflect")],
    "Conv3d": [(2, 4, 2)], "ConvTranspose1d": [(2, 4, 3, 2, 1, 1)],
    "ConvTranspose2d": [(4, 2, 4, 2, 1), (4, 2, 3, 1, 0, 0, 2, False, 2)],
    "ConvTranspose3d": [(2, 2, 3)], "CosineEmbeddingLoss": [()], "CosineSimilarity": [()],
    "CrossEntropyLoss": [()], "CrossMapLRN2d": [(3,)], "Dropout": [(), (0.3, True)],
    "Dropout1d": [()], "Dropout2d": [(0.1,)], "Dropout3d": [()], "ELU": [(), (0.5, True)],
    "Embedding": [(10, 3), (10, 3, 0, 1.0, 1.0, True, True)], "EmbeddingBag": [(10, 3)],
    "FeatureAlphaDropout": [()], "Flatten": [(), (0, 2)], "Fold": [((4, 5), 2)],
    "FractionalMaxPool2d": [(2, 3)], "FractionalMaxPool3d": [(2, None, 0.5)], "GELU": [()],
    "GLU": [()], "GRU": [(3, 4), (3, 4, 2, False, True, 0.5, True)], "GRUCell": [(3, 4)],
    "GaussianNLLLoss": [()], "GroupNorm": [(2, 4)], "Hardshrink": [()], "Hardsigmoid": [()],
    "Hardswish": [()], "Hardtanh": [(), (-2.0, 2.0, True)], "HingeEmbeddingLoss": [()],
    "HuberLoss": [()], "Identity": [(), (3, 4)], "InstanceNorm1d": [(3,)],
    "InstanceNorm2d": [(3, 1e-5, 0.1, True, True)], "InstanceNorm3d": [(3,)],
    "KLDivLoss": [()], "L1Loss": [()], "LPPool1d": [(2, 3)], "LPPool2d": [(1.5, 2, 1)],
    "LPPool3d": [(2, 2)], "LSTM": [(3, 4), (3, 4, 2, True, False, 0.0, True)],
    "LSTMCell": [(3, 4, False)], "LayerNorm": [(4,), ((2, 3), 1e-6, False)],
    "LazyBatchNorm1d": [()], "LazyBatchNorm2d": [()], "LazyBatchNorm3d": [()],
    "LazyConv1d": [(4, 3)], "LazyConv2d": [(4, 3)], "LazyConv3d": [(4, 3)],
    "LazyConvTranspose1d": [(4, 3)], "LazyConvTranspose2d": [(4, 3)],
    "LazyConvTranspose3d": [(4, 3)], "LazyInstanceNorm1d": [()], "LazyInstanceNorm2d": [()],
    "LazyInstanceNorm3d": [()], "LazyLinear": [(3,)], "LeakyReLU": [(), (0.2, True)],
    "Linear": [(3, 4), (3, 4, False)], "LinearCrossEntropyLoss": [(4, 3)],
    "LocalResponseNorm": [(2,)], "LogSigmoid": [()], "LogSoftmax": [(1,)],
    "MSELoss": [()], "MarginRankingLoss": [()], "MaxPool1d": [(2,)],
    "MaxPool2d": [(2,), (3, 2, 1, 1, True, True)], "MaxPool3d": [(2,)],
    "MaxUnpool1d": [(2,)], "MaxUnpool2d": [(2,)], "MaxUnpool3d": [(2,)], "Mish": [()],
    "Module": [()], "MultiLabelMarginLoss": [()], "MultiLabelSoftMarginLoss": [()],
    "MultiMarginLoss": [()], "MultiheadAttention": [(8, 2)], "NLLLoss": [()],
    "PReLU": [(), (3,)], "PairwiseDistance": [()], "PixelShuffle": [(2,)],
    "PixelUnshuffle": [(2,)], "PoissonNLLLoss": [()], "RMSNorm": [(4,)],
    "RNN": [(3, 4), (3, 4, 1, "relu")], "RNNCell": [(3, 4), (3, 4, True, "relu")],
    "RReLU": [()], "ReLU": [(), (True,)], "ReLU6": [()], "ReflectionPad1d": [(1,)],
    "ReflectionPad2d": [(1,)], "ReflectionPad3d": [(1,)], "ReplicationPad1d": [(1,)],
    "ReplicationPad2d": [(1,)], "ReplicationPad3d": [(1,)], "SELU": [()], "SiLU": [()],
    "Sigmoid": [()], "SmoothL1Loss": [()], "SoftMarginLoss": [()], "Softmax": [(), (-1,)],
    "Softmax2d": [()], "Softmin": [(0,)], "Softplus": [(), (2, 10)], "Softshrink": [()],
    "Softsign": [()], "Tanh": [()], "Tanhshrink": [()], "Threshold": [(0.5, 1.0)],
    "Transformer": [(8, 2, 1, 1, 16)], "TransformerDecoderLayer": [(8, 2, 16)],
    "TransformerEncoderLayer": [(8, 2, 16)], "TripletMarginLoss": [()],
    "TripletMarginWithDistanceLoss": [()], "Unflatten": [(1, (2, 3))], "Unfold": [(2,)],
    "Upsample": [(None, 2.0), ((4, 5), None, "bilinear", True)], "ZeroPad1d": [(1,)],
    "ZeroPad2d": [((1, 1, 2, 0),)], "ZeroPad3d": [(1,)],
}


@case
def repr_every_module(lib):
    nn = lib.nn
    res = {}
    for name, variants in BUILD.items():
        for i, args in enumerate(variants):
            module, _ = lib.warnings(getattr(nn, name), *args)
            res[f"{name}.{i}"] = repr(module)
            res[f"{name}.{i}.type"] = str(type(module))
    res["AdaptiveLogSoftmaxWithLoss"] = repr(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6]))
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    res["TransformerEncoder"] = repr(lib.warnings(nn.TransformerEncoder, layer, 2)[0])
    res["TransformerDecoder"] = repr(nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16),
                                                           2, nn.LayerNorm(8)))
    return res


@case
def repr_containers_and_types(lib):
    nn, torch = lib.nn, lib.torch
    from collections import OrderedDict
    res = {}

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
            self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)] + [nn.ReLU()])
            self.heads = nn.ModuleDict({"cls": nn.Linear(4, 2), "box": nn.Linear(4, 4)})
            self.scales = nn.ParameterList([nn.Parameter(torch.ones(4, 4)), torch.zeros(3)])
            self.named = nn.ParameterDict({"b": torch.zeros(2), "a": nn.Parameter(torch.ones(1))})
            self.empty = nn.Sequential()

    res["net"] = repr(Net())
    res["sequential_dict"] = repr(nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)),
                                                             ("act", nn.Tanh())])))
    res["modulelist_runs"] = repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh(), nn.ReLU()]))
    res["paramlist_mixed"] = repr(nn.ParameterList([nn.Parameter(torch.ones(2, 3,
                                                                            dtype=torch.float64)),
                                                    5, "x"]))
    res["paramdict_empty"] = repr(nn.ParameterDict())
    p = nn.Parameter(torch.ones(2))
    res["types"] = [str(type(x)) for x in (p, nn.Linear(1, 1), nn.Sequential(),
                                            nn.ParameterList(), nn.UninitializedParameter())]
    res["modules"] = [c.__module__ for c in (nn.Parameter, nn.Linear, nn.BatchNorm2d,
                                             nn.InstanceNorm1d, nn.LayerNorm, nn.LSTM,
                                             nn.MultiheadAttention, nn.Transformer,
                                             nn.CrossEntropyLoss, nn.Module, nn.EmbeddingBag,
                                             nn.Buffer, nn.ZeroPad2d, nn.utils.rnn.PackedSequence)]
    res["param_repr"] = repr(p)
    return res


@case
def deprecated_spellings(lib):
    nn, F = lib.nn, lib.F
    res = {}
    for name, args in (("UpsamplingNearest2d", (None, 2)), ("UpsamplingBilinear2d", ((4, 5),))):
        module = getattr(nn, name)(*args)
        res[name] = repr(module)
        res.update(lib.run(module, lib.rand(1, 2, 3, 3), prefix=name + "."))
    res["nll2d"] = lib.warnings(nn.NLLLoss2d)[1]
    container, res["container.warn"] = lib.warnings(nn.Container, a=nn.Linear(1, 1))
    res["container"] = repr(container)
    for name in ("upsample", "upsample_nearest", "upsample_bilinear"):
        out, res[name + ".warn"] = lib.warnings(getattr(F, name), lib.rand(1, 1, 2, 2, grad=False),
                                                scale_factor=2)
        res[name] = out
    return res


@case
def init_sparse_and_old_names(lib):
    init, torch = lib.nn.init, lib.torch
    w = torch.empty(10, 6)
    init.sparse_(w, 0.3, std=0.5)
    res = {"zeros_per_column": (w == 0).sum(0), "error": lib.error(init.sparse_,
                                                                   torch.empty(2, 2, 2), 0.1)}
    for name in ("uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                 "kaiming_normal", "orthogonal"):
        _, res[name] = lib.warnings(getattr(init, name), torch.empty(3, 3))
    _, res["constant"] = lib.warnings(init.constant, torch.empty(3), 0.5)
    _, res["eye"] = lib.warnings(init.eye, torch.empty(3, 3))
    _, res["sparse"] = lib.warnings(init.sparse, torch.empty(3, 3), 0.5)
    return res
