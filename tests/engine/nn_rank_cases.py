"""The input-rank audit: every module class of torch.nn, built one way (MODULES), and the
functional dropouts, fed inputs of rank 1 to 5, each dim of size 4, and what comes out: the
output's shape (nested for tuples), or the error's type and first line, and the warnings
raised on the way.

The same code runs under PyTorch (tests/fixtures/make_nn_ranks.py records nn_ranks.json) and
under the engine (tests/engine/test_nn_ranks.py replays it), so the inputs are built from
arange, never from a random generator.
"""
import warnings

SIZE = 4
RANKS = (1, 2, 3, 4, 5)

# name: (constructor expression over `nn`, input kind). Dims are all SIZE, so features,
# channels and embeddings are SIZE too.
MODULES = {
    "AdaptiveAvgPool1d": ("nn.AdaptiveAvgPool1d(2)", "x"),
    "AdaptiveAvgPool2d": ("nn.AdaptiveAvgPool2d(2)", "x"),
    "AdaptiveAvgPool3d": ("nn.AdaptiveAvgPool3d(2)", "x"),
    "AdaptiveLogSoftmaxWithLoss": ("nn.AdaptiveLogSoftmaxWithLoss(4, 8, [4])", "x,class_last"),
    "AdaptiveMaxPool1d": ("nn.AdaptiveMaxPool1d(2)", "x"),
    "AdaptiveMaxPool2d": ("nn.AdaptiveMaxPool2d(2)", "x"),
    "AdaptiveMaxPool3d": ("nn.AdaptiveMaxPool3d(2)", "x"),
    "AlphaDropout": ("nn.AlphaDropout()", "x"),
    "AvgPool1d": ("nn.AvgPool1d(2)", "x"),
    "AvgPool2d": ("nn.AvgPool2d(2)", "x"),
    "AvgPool3d": ("nn.AvgPool3d(2)", "x"),
    "BCELoss": ("nn.BCELoss()", "prob,prob"),
    "BCEWithLogitsLoss": ("nn.BCEWithLogitsLoss()", "x,prob"),
    "BatchNorm1d": ("nn.BatchNorm1d(4)", "x"),
    "BatchNorm2d": ("nn.BatchNorm2d(4)", "x"),
    "BatchNorm3d": ("nn.BatchNorm3d(4)", "x"),
    "Bilinear": ("nn.Bilinear(4, 4, 3)", "x,x"),
    "CELU": ("nn.CELU()", "x"),
    "ChannelShuffle": ("nn.ChannelShuffle(2)", "x"),
    "CircularPad1d": ("nn.CircularPad1d(1)", "x"),
    "CircularPad2d": ("nn.CircularPad2d(1)", "x"),
    "CircularPad3d": ("nn.CircularPad3d(1)", "x"),
    "ConstantPad1d": ("nn.ConstantPad1d(1, 0.5)", "x"),
    "ConstantPad2d": ("nn.ConstantPad2d(1, 0.5)", "x"),
    "ConstantPad3d": ("nn.ConstantPad3d(1, 0.5)", "x"),
    "Conv1d": ("nn.Conv1d(4, 2, 3)", "x"),
    "Conv2d": ("nn.Conv2d(4, 2, 3)", "x"),
    "Conv3d": ("nn.Conv3d(4, 2, 3)", "x"),
    "ConvTranspose1d": ("nn.ConvTranspose1d(4, 2, 3)", "x"),
    "ConvTranspose2d": ("nn.ConvTranspose2d(4, 2, 3)", "x"),
    "ConvTranspose3d": ("nn.ConvTranspose3d(4, 2, 3)", "x"),
    "CosineEmbeddingLoss": ("nn.CosineEmbeddingLoss()", "x,x,pm1_rows"),
    "CosineSimilarity": ("nn.CosineSimilarity()", "x,x"),
    "CrossEntropyLoss": ("nn.CrossEntropyLoss()", "x,class"),
    "CrossMapLRN2d": ("nn.CrossMapLRN2d(3)", "x"),
    "Dropout": ("nn.Dropout()", "x"),
    "Dropout1d": ("nn.Dropout1d()", "x"),
    "Dropout2d": ("nn.Dropout2d()", "x"),
    "Dropout3d": ("nn.Dropout3d()", "x"),
    "ELU": ("nn.ELU()", "x"),
    "Embedding": ("nn.Embedding(4, 3)", "idx"),
    "EmbeddingBag": ("nn.EmbeddingBag(4, 3)", "idx"),
    "FeatureAlphaDropout": ("nn.FeatureAlphaDropout()", "x"),
    "Flatten": ("nn.Flatten()", "x"),
    "Fold": ("nn.Fold((3, 3), 2)", "x"),
    "FractionalMaxPool2d": ("nn.FractionalMaxPool2d(2, output_size=2)", "x"),
    "FractionalMaxPool3d": ("nn.FractionalMaxPool3d(2, output_size=2)", "x"),
    "GELU": ("nn.GELU()", "x"),
    "GLU": ("nn.GLU()", "x"),
    "GRU": ("nn.GRU(4, 3)", "x"),
    "GRUCell": ("nn.GRUCell(4, 3)", "x"),
    "GaussianNLLLoss": ("nn.GaussianNLLLoss()", "x,x,prob"),
    "GroupNorm": ("nn.GroupNorm(2, 4)", "x"),
    "Hardshrink": ("nn.Hardshrink()", "x"),
    "Hardsigmoid": ("nn.Hardsigmoid()", "x"),
    "Hardswish": ("nn.Hardswish()", "x"),
    "Hardtanh": ("nn.Hardtanh()", "x"),
    "HingeEmbeddingLoss": ("nn.HingeEmbeddingLoss()", "x,pm1"),
    "HuberLoss": ("nn.HuberLoss()", "x,x"),
    "Identity": ("nn.Identity()", "x"),
    "InstanceNorm1d": ("nn.InstanceNorm1d(4)", "x"),
    "InstanceNorm2d": ("nn.InstanceNorm2d(4)", "x"),
    "InstanceNorm3d": ("nn.InstanceNorm3d(4)", "x"),
    "KLDivLoss": ("nn.KLDivLoss(reduction='batchmean')", "x,prob"),
    "L1Loss": ("nn.L1Loss()", "x,x"),
    "LPPool1d": ("nn.LPPool1d(2, 2)", "x"),
    "LPPool2d": ("nn.LPPool2d(2, 2)", "x"),
    "LPPool3d": ("nn.LPPool3d(2, 2)", "x"),
    "LSTM": ("nn.LSTM(4, 3)", "x"),
    "LSTMCell": ("nn.LSTMCell(4, 3)", "x"),
    "LayerNorm": ("nn.LayerNorm(4)", "x"),
    "LazyBatchNorm1d": ("nn.LazyBatchNorm1d()", "x"),
    "LazyBatchNorm2d": ("nn.LazyBatchNorm2d()", "x"),
    "LazyBatchNorm3d": ("nn.LazyBatchNorm3d()", "x"),
    "LazyConv1d": ("nn.LazyConv1d(2, 3)", "x"),
    "LazyConv2d": ("nn.LazyConv2d(2, 3)", "x"),
    "LazyConv3d": ("nn.LazyConv3d(2, 3)", "x"),
    "LazyConvTranspose1d": ("nn.LazyConvTranspose1d(2, 3)", "x"),
    "LazyConvTranspose2d": ("nn.LazyConvTranspose2d(2, 3)", "x"),
    "LazyConvTranspose3d": ("nn.LazyConvTranspose3d(2, 3)", "x"),
    "LazyInstanceNorm1d": ("nn.LazyInstanceNorm1d()", "x"),
    "LazyInstanceNorm2d": ("nn.LazyInstanceNorm2d()", "x"),
    "LazyInstanceNorm3d": ("nn.LazyInstanceNorm3d()", "x"),
    "LazyLinear": ("nn.LazyLinear(3)", "x"),
    "LeakyReLU": ("nn.LeakyReLU()", "x"),
    "Linear": ("nn.Linear(4, 3)", "x"),
    "LinearCrossEntropyLoss": ("nn.LinearCrossEntropyLoss(4, 4)", "x,class_last"),
    "LocalResponseNorm": ("nn.LocalResponseNorm(3)", "x"),
    "LogSigmoid": ("nn.LogSigmoid()", "x"),
    "LogSoftmax": ("nn.LogSoftmax(dim=-1)", "x"),
    "MSELoss": ("nn.MSELoss()", "x,x"),
    "MarginRankingLoss": ("nn.MarginRankingLoss()", "x,x,pm1"),
    "MaxPool1d": ("nn.MaxPool1d(2)", "x"),
    "MaxPool2d": ("nn.MaxPool2d(2)", "x"),
    "MaxPool3d": ("nn.MaxPool3d(2)", "x"),
    "MaxUnpool1d": ("nn.MaxUnpool1d(2)", "x,pool_idx1"),
    "MaxUnpool2d": ("nn.MaxUnpool2d(2)", "x,pool_idx2"),
    "MaxUnpool3d": ("nn.MaxUnpool3d(2)", "x,pool_idx3"),
    "Mish": ("nn.Mish()", "x"),
    "MultiLabelMarginLoss": ("nn.MultiLabelMarginLoss()", "x,labels"),
    "MultiLabelSoftMarginLoss": ("nn.MultiLabelSoftMarginLoss()", "x,prob"),
    "MultiMarginLoss": ("nn.MultiMarginLoss()", "x,class"),
    "MultiheadAttention": ("nn.MultiheadAttention(4, 2)", "x,x,x"),
    "NLLLoss": ("nn.NLLLoss()", "x,class"),
    "NLLLoss2d": ("nn.NLLLoss2d()", "x,class"),
    "PReLU": ("nn.PReLU()", "x"),
    "PairwiseDistance": ("nn.PairwiseDistance()", "x,x"),
    "PixelShuffle": ("nn.PixelShuffle(2)", "x"),
    "PixelUnshuffle": ("nn.PixelUnshuffle(2)", "x"),
    "PoissonNLLLoss": ("nn.PoissonNLLLoss()", "x,prob"),
    "RMSNorm": ("nn.RMSNorm(4)", "x"),
    "RNN": ("nn.RNN(4, 3)", "x"),
    "RNNCell": ("nn.RNNCell(4, 3)", "x"),
    "RReLU": ("nn.RReLU()", "x"),
    "ReLU": ("nn.ReLU()", "x"),
    "ReLU6": ("nn.ReLU6()", "x"),
    "ReflectionPad1d": ("nn.ReflectionPad1d(1)", "x"),
    "ReflectionPad2d": ("nn.ReflectionPad2d(1)", "x"),
    "ReflectionPad3d": ("nn.ReflectionPad3d(1)", "x"),
    "ReplicationPad1d": ("nn.ReplicationPad1d(1)", "x"),
    "ReplicationPad2d": ("nn.ReplicationPad2d(1)", "x"),
    "ReplicationPad3d": ("nn.ReplicationPad3d(1)", "x"),
    "SELU": ("nn.SELU()", "x"),
    "SiLU": ("nn.SiLU()", "x"),
    "Sigmoid": ("nn.Sigmoid()", "x"),
    "SmoothL1Loss": ("nn.SmoothL1Loss()", "x,x"),
    "SoftMarginLoss": ("nn.SoftMarginLoss()", "x,pm1"),
    "Softmax": ("nn.Softmax(dim=-1)", "x"),
    "Softmax2d": ("nn.Softmax2d()", "x"),
    "Softmin": ("nn.Softmin(dim=-1)", "x"),
    "Softplus": ("nn.Softplus()", "x"),
    "Softshrink": ("nn.Softshrink()", "x"),
    "Softsign": ("nn.Softsign()", "x"),
    "Tanh": ("nn.Tanh()", "x"),
    "Tanhshrink": ("nn.Tanhshrink()", "x"),
    "Threshold": ("nn.Threshold(0.1, 20.0)", "x"),
    "Transformer": ("nn.Transformer(4, 2, 1, 1, 8, 0.0)", "x,x"),
    "TransformerDecoder": (
        "nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8, 0.0), 1)", "x,x"),
    "TransformerDecoderLayer": ("nn.TransformerDecoderLayer(4, 2, 8, 0.0)", "x,x"),
    "TransformerEncoder": (
        "nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, 0.0), 1, "
        "enable_nested_tensor=False)", "x"),
    "TransformerEncoderLayer": ("nn.TransformerEncoderLayer(4, 2, 8, 0.0)", "x"),
    "TripletMarginLoss": ("nn.TripletMarginLoss()", "x,x,x"),
    "TripletMarginWithDistanceLoss": ("nn.TripletMarginWithDistanceLoss()", "x,x,x"),
    "Unflatten": ("nn.Unflatten(-1, (2, 2))", "x"),
    "Unfold": ("nn.Unfold(2)", "x"),
    "Upsample": ("nn.Upsample(scale_factor=2)", "x"),
    "UpsamplingBilinear2d": ("nn.UpsamplingBilinear2d(scale_factor=2)", "x"),
    "UpsamplingNearest2d": ("nn.UpsamplingNearest2d(scale_factor=2)", "x"),
    "ZeroPad1d": ("nn.ZeroPad1d(1)", "x"),
    "ZeroPad2d": ("nn.ZeroPad2d(1)", "x"),
    "ZeroPad3d": ("nn.ZeroPad3d(1)", "x"),
}

# The functional dropouts, in training and eval mode and in place ("F." names: callables).
for _fn in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
            "feature_alpha_dropout"):
    for _args in ("training=True", "training=False", "training=True, inplace=True"):
        MODULES[f"F.{_fn}({_args})"] = (f"lambda x: F.{_fn}(x, 0.5, {_args})", "x")

# Module classes of torch.nn left out of the audit, and why.
NOT_AUDITED = {
    "Container": "deprecated container, no forward of its own",
    "Module": "the base class, no forward",
    "ModuleDict": "container, no forward",
    "ModuleList": "container, no forward",
    "ParameterDict": "container, no forward",
    "ParameterList": "container, no forward",
    "Sequential": "container: its rank rules are those of what it holds",
    "RNNBase": "base class of RNN/LSTM/GRU, audited through them",
    "RNNCellBase": "base class of the cells, audited through them",
    "DataParallel": "wraps a module for several GPUs; on CPU it is the module itself",
    "SyncBatchNorm": "needs a process group (distributed) to run forward",
    "CTCLoss": "needs four correlated inputs (log-probs, targets and two length lists); "
               "its shapes are checked in test_nn_losses.py",
}


def _arange(torch, rank):
    n = SIZE ** rank
    return ((torch.arange(n, dtype=torch.float32) * 0.37) % 2.0 - 1.0).reshape((SIZE,) * rank)


def _pool_indices(torch, rank, dims):
    """Indices as MaxPool{dims}d(2, return_indices=True) gives them for a rank-`rank` input
    (built from an input one size larger in the spatial dims, so they are in range)."""
    pool = getattr(torch.nn.functional, f"max_pool{dims}d")
    try:
        return pool(_arange(torch, rank), 2, return_indices=True)[1]
    except Exception:  # noqa: BLE001 - a rank pooling refuses: unpool gets the same shape
        return (torch.arange(SIZE ** rank) % 2).reshape((SIZE,) * rank)


def make_inputs(torch, kind, rank):
    x = _arange(torch, rank)
    args = []
    for part in kind.split(","):
        if part == "x":
            args.append(x if not args else x.flip(-1))
        elif part == "prob":
            args.append(torch.sigmoid(x))
        elif part == "idx":
            args.append((torch.arange(SIZE ** rank) % SIZE).reshape((SIZE,) * rank))
        elif part == "pm1":
            args.append(torch.where(x > 0, 1.0, -1.0))
        elif part == "pm1_rows":
            args.append(torch.where(x.sum(-1) > 0, 1.0, -1.0))
        elif part == "class":  # the class dim is dim 1 (dim 0 for a 1-d input)
            shape = () if rank == 1 else (SIZE,) + (SIZE,) * (rank - 2)
            args.append((torch.arange(SIZE ** (rank - 1)) % SIZE).reshape(shape))
        elif part == "class_last":
            args.append((torch.arange(SIZE ** (rank - 1)) % SIZE).reshape((SIZE,) * (rank - 1)))
        elif part == "labels":
            args.append((torch.arange(SIZE ** rank) % SIZE - 1).reshape((SIZE,) * rank))
        elif part.startswith("pool_idx"):
            args.append(_pool_indices(torch, rank, int(part[-1])))
        else:
            raise ValueError(part)
    if kind.startswith("x,pool_idx"):  # unpool the pooled values, not the raw input
        pool = getattr(torch.nn.functional, f"max_pool{kind[-1]}d")
        try:
            args[0] = pool(x, 2)
        except Exception:  # noqa: BLE001 - the module's own check then speaks
            pass
    return args


def describe(out, torch):
    if isinstance(out, torch.Tensor):
        return [list(out.shape), str(out.dtype)]
    if isinstance(out, (tuple, list)):
        return [describe(o, torch) for o in out]
    if out is None:
        return None
    return repr(out)


def run_case(torch, name, rank):
    """What module `name` does with a rank-`rank` input: a dict with "out" (see describe) or
    "error" ([type name, first line]), and "warnings" (messages, in order)."""
    expr, kind = MODULES[name]
    torch.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            module = eval(expr, {"nn": torch.nn, "F": torch.nn.functional})
            result = {"out": describe(module(*make_inputs(torch, kind, rank)), torch)}
        except Exception as exc:  # noqa: BLE001 - every error is an outcome to record
            result = {"error": [type(exc).__name__, str(exc).split("\n")[0]]}
    result["warnings"] = [str(w.message).split("\n")[0] for w in caught
                          if not issubclass(w.category, (DeprecationWarning,
                                                         PendingDeprecationWarning))]
    return result
