"""Loss modules and functions: every reduction, batched and unbatched inputs, options,
argument errors, and the distance modules they build on."""
from . import case

REDUCTIONS = ("none", "mean", "sum")


def _each_reduction(lib, make_module, make_inputs, res, prefix=""):
    for reduction in REDUCTIONS:
        module = make_module(reduction)
        res[f"{prefix}{reduction}.repr"] = repr(module)
        res.update(lib.run(module, *make_inputs(), prefix=f"{prefix}{reduction}."))


@case
def loss_kl_div(lib):
    nn, res = lib.nn, {}
    for log_target in (False, True):
        for reduction in REDUCTIONS + ("batchmean",):
            module = nn.KLDivLoss(reduction=reduction, log_target=log_target)
            x = lib.rand(3, 4).log_softmax(1).detach().requires_grad_()
            t = lib.rand(3, 4, low=0, high=1)
            t = t.log() if log_target else t
            t.retain_grad()
            _, warned = lib.warnings(lambda: lib.run(module, x, t,
                                                     prefix=f"{log_target}.{reduction}."))
            res.update(lib.run(module, x.detach().requires_grad_(), t.detach().requires_grad_(),
                               prefix=f"{log_target}.{reduction}.b."))
            res[f"{log_target}.{reduction}.warned"] = warned
    # zeros in the target contribute nothing; 1-d input with batchmean divides by its size
    t0 = lib.torch.tensor([0.0, 0.5, 0.5], dtype=lib.torch.float64)
    res.update(lib.run(lambda x: lib.F.kl_div(x, t0, reduction="batchmean"), lib.rand(3),
                       prefix="zeros."))
    res["bad"] = lib.error(lib.F.kl_div, lib.rand(2), lib.rand(2), reduction="x")
    res["legacy"] = lib.F.kl_div(lib.rand(2, 2), lib.rand(2, 2, low=0.1), size_average=False)
    return res


@case
def loss_poisson_nll(lib):
    res = {}
    for log_input in (True, False):
        for full in (False, True):
            _each_reduction(
                lib, lambda r: lib.nn.PoissonNLLLoss(log_input=log_input, full=full,
                                                     reduction=r),
                lambda: (lib.rand(3, 4, low=0.1, high=2), lib.rand(3, 4, low=0, high=4)),
                res, prefix=f"{log_input}.{full}.")
    res["bad"] = lib.error(lib.F.poisson_nll_loss, lib.rand(2), lib.rand(2), reduction="x")
    return res


@case
def loss_gaussian_nll(lib):
    res = {}
    nn = lib.nn
    _each_reduction(lib, lambda r: nn.GaussianNLLLoss(reduction=r),
                    lambda: (lib.rand(3, 4), lib.rand(3, 4), lib.rand(3, 4, low=0.1, high=2)),
                    res, "same.")
    _each_reduction(lib, lambda r: nn.GaussianNLLLoss(full=True, eps=0.3, reduction=r),
                    lambda: (lib.rand(3, 4), lib.rand(3, 4), lib.rand(3, low=0.0, high=2)),
                    res, "short.")
    _each_reduction(lib, lambda r: nn.GaussianNLLLoss(reduction=r),
                    lambda: (lib.rand(3, 4), lib.rand(3, 4), lib.rand(3, 1, low=0.1, high=2)),
                    res, "hetero.")
    res.update(lib.run(lambda a, b: lib.F.gaussian_nll_loss(a, b, 0.5), lib.rand(4),
                       lib.rand(4), prefix="float."))
    F = lib.F
    res["neg"] = lib.error(F.gaussian_nll_loss, lib.rand(2, 2), lib.rand(2, 2),
                           -lib.rand(2, 2, low=0.1))
    res["negf"] = lib.error(F.gaussian_nll_loss, lib.rand(2, 2), lib.rand(2, 2), -1.0)
    res["size"] = lib.error(F.gaussian_nll_loss, lib.rand(4, 5), lib.rand(4, 5), lib.rand(3))
    res["red"] = lib.error(F.gaussian_nll_loss, lib.rand(2), lib.rand(2), lib.rand(2),
                           reduction="x")
    return res


@case
def loss_margin_ranking_and_hinge(lib):
    res = {}
    sign = lambda *s: lib.torch.tensor(lib.rng.choice([-1.0, 1.0], s))  # noqa: E731
    _each_reduction(lib, lambda r: lib.nn.MarginRankingLoss(0.3, reduction=r),
                    lambda: (lib.rand(5), lib.rand(5), sign(5)), res, "mr1.")
    _each_reduction(lib, lambda r: lib.nn.MarginRankingLoss(reduction=r),
                    lambda: (lib.rand(2, 3), lib.rand(2, 3), sign(2, 3)), res, "mr2.")
    _each_reduction(lib, lambda r: lib.nn.HingeEmbeddingLoss(0.5, reduction=r),
                    lambda: (lib.rand(5), sign(5)), res, "h1.")
    _each_reduction(lib, lambda r: lib.nn.HingeEmbeddingLoss(reduction=r),
                    lambda: (lib.rand(2, 3, 2), sign(2, 3, 2)), res, "h3.")
    res.update(lib.run(lambda x: lib.F.hinge_embedding_loss(x, sign()), lib.rand(),
                       prefix="h0."))
    res["mr_dims"] = lib.error(lib.F.margin_ranking_loss, lib.rand(5), lib.rand(4, 5),
                               lib.rand(4, 5))
    res["legacy"] = lib.F.margin_ranking_loss(lib.rand(3), lib.rand(3), sign(3), reduce=False)
    return res


@case
def loss_cosine_embedding(lib):
    res = {}
    y = lib.torch.tensor([1.0, -1.0, 1.0, -1.0])
    _each_reduction(lib, lambda r: lib.nn.CosineEmbeddingLoss(0.2, reduction=r),
                    lambda: (lib.rand(4, 3), lib.rand(4, 3), y), res, "2d.")
    _each_reduction(lib, lambda r: lib.nn.CosineEmbeddingLoss(-0.5, reduction=r),
                    lambda: (lib.rand(3), lib.rand(3), lib.torch.tensor(-1.0)), res, "1d.")
    F = lib.F
    res["t2"] = lib.error(F.cosine_embedding_loss, lib.rand(4, 5), lib.rand(4, 5),
                          lib.torch.ones(4, 1))
    res["d1"] = lib.error(F.cosine_embedding_loss, lib.rand(5), lib.rand(5),
                          lib.torch.ones(4))
    res["d0"] = lib.error(F.cosine_embedding_loss, lib.rand(4, 5), lib.rand(4, 5),
                          lib.torch.tensor(1.0))
    return res


@case
def loss_soft_margin_and_multilabel_soft(lib):
    res = {}
    sign = lambda *s: lib.torch.tensor(lib.rng.choice([-1.0, 1.0], s))  # noqa: E731
    for shape in ((), (5,), (2, 3)):
        _each_reduction(lib, lambda r: lib.nn.SoftMarginLoss(reduction=r),
                        lambda: (lib.rand(*shape, low=-3, high=3), sign(*shape)), res,
                        f"sm{len(shape)}.")
    binary = lambda *s: lib.torch.tensor(lib.rng.integers(0, 2, s).astype(float))  # noqa
    weight = lib.torch.tensor([0.5, 1.0, 2.0], dtype=lib.torch.float64)
    _each_reduction(lib, lambda r: lib.nn.MultiLabelSoftMarginLoss(reduction=r),
                    lambda: (lib.rand(4, 3, low=-3, high=3), binary(4, 3)), res, "mls2.")
    _each_reduction(lib, lambda r: lib.nn.MultiLabelSoftMarginLoss(weight, reduction=r),
                    lambda: (lib.rand(3, low=-3, high=3), binary(3)), res, "mls1.")
    res["mls_bad"] = lib.error(lib.F.multilabel_soft_margin_loss, lib.rand(2, 2),
                               binary(2, 2), reduction="x")
    return res


@case
def loss_multi_margin(lib):
    res = {}
    nn, F = lib.nn, lib.F
    weight = lib.torch.tensor([0.5, 1.0, 2.0, 1.5], dtype=lib.torch.float64)
    for p in (1, 2):
        _each_reduction(lib, lambda r: nn.MultiMarginLoss(p=p, margin=0.7, reduction=r),
                        lambda: (lib.rand(5, 4), lib.ints(0, 4, 5)), res, f"p{p}.2d.")
        _each_reduction(lib, lambda r: nn.MultiMarginLoss(p=p, weight=weight, reduction=r),
                        lambda: (lib.rand(4), lib.ints(0, 4)), res, f"p{p}.1d.")
    x = lib.rand(4, 5)
    res["range"] = lib.error(F.multi_margin_loss, x, lib.torch.tensor([1, 2, 5, 0]))
    res["size"] = lib.error(F.multi_margin_loss, x, lib.torch.tensor([1, 2, 3]))
    res["3d"] = lib.error(F.multi_margin_loss, lib.rand(2, 3, 4), lib.torch.tensor([1, 2]))
    res["p3"] = lib.error(F.multi_margin_loss, x, lib.torch.tensor([1, 2, 3, 0]), p=3)
    res["w2d"] = lib.error(F.multi_margin_loss, x, lib.torch.tensor([1, 2, 3, 0]),
                           weight=lib.torch.ones(2, 2))
    res["float"] = lib.error(F.multi_margin_loss, x, lib.torch.tensor([1.0, 2, 3, 0]))
    res["module_p"] = lib.error(nn.MultiMarginLoss, p=3)
    res["module_w"] = lib.error(nn.MultiMarginLoss, weight=lib.torch.ones(2, 2))
    return res


@case
def loss_multilabel_margin(lib):
    res = {}
    F = lib.F
    target2 = lib.torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1], [2, -1, 0, 0]])
    _each_reduction(lib, lambda r: lib.nn.MultiLabelMarginLoss(reduction=r),
                    lambda: (lib.rand(3, 4), target2), res, "2d.")
    _each_reduction(lib, lambda r: lib.nn.MultiLabelMarginLoss(reduction=r),
                    lambda: (lib.rand(4), lib.torch.tensor([2, 2, -1, 0])), res, "1d.")
    x = lib.rand(4, 5)
    res["size"] = lib.error(F.multilabel_margin_loss, x, lib.torch.tensor([[1, 2, -1, 0, 0]] * 3))
    res["range"] = lib.error(F.multilabel_margin_loss, x,
                             lib.torch.tensor([[1, 7, -1, 0, 0]] * 4))
    res["3d"] = lib.error(F.multilabel_margin_loss, lib.rand(2, 3, 4),
                          lib.torch.zeros(2, 3, 4, dtype=lib.torch.int64))
    res["float"] = lib.error(F.multilabel_margin_loss, x, x)
    return res


@case
def loss_triplet_margin(lib):
    res = {}
    nn, F = lib.nn, lib.F
    for p, swap in ((2.0, False), (1.0, True), (3.0, False)):
        _each_reduction(lib, lambda r: nn.TripletMarginLoss(0.5, p, swap=swap, reduction=r),
                        lambda: (lib.rand(4, 3), lib.rand(4, 3), lib.rand(4, 3)), res,
                        f"{p}.{swap}.2d.")
    _each_reduction(lib, lambda r: nn.TripletMarginLoss(reduction=r),
                    lambda: (lib.rand(3), lib.rand(3), lib.rand(3)), res, "1d.")
    cos = lambda a, b: 1 - F.cosine_similarity(a, b)  # noqa: E731
    for swap in (False, True):
        _each_reduction(
            lib, lambda r: nn.TripletMarginWithDistanceLoss(distance_function=cos, margin=0.4,
                                                            swap=swap, reduction=r),
            lambda: (lib.rand(4, 3), lib.rand(4, 3), lib.rand(4, 3)), res, f"d{swap}.")
    _each_reduction(lib, lambda r: nn.TripletMarginWithDistanceLoss(reduction=r),
                    lambda: (lib.rand(4, 3), lib.rand(4, 3), lib.rand(4, 3)), res, "dpd.")
    x = lib.rand(4, 5)
    res["dims"] = lib.error(F.triplet_margin_loss, x, x, x[0])
    res["margin"] = lib.error(F.triplet_margin_loss, x, x, x, margin=0)
    res["dmargin"] = lib.error(F.triplet_margin_with_distance_loss, x, x, x, margin=-1)
    res["ddims"] = lib.error(F.triplet_margin_with_distance_loss, x, x, x[0])
    res["module_margin"] = lib.error(nn.TripletMarginLoss, margin=0)
    res["module_dmargin"] = lib.error(nn.TripletMarginWithDistanceLoss, margin=0)
    return res


@case
def loss_ctc(lib):
    res = {}
    nn, F, torch = lib.nn, lib.F, lib.torch
    lp = lib.rand(7, 3, 5).log_softmax(2).detach().requires_grad_()
    padded = lib.torch.tensor([[1, 2, 2], [3, 1, 0], [4, 4, 4]])
    il = torch.tensor([7, 6, 7])
    tl = torch.tensor([3, 2, 3])
    for reduction in REDUCTIONS:
        for zero_inf in (False, True):
            module = nn.CTCLoss(reduction=reduction, zero_infinity=zero_inf)
            res[f"{reduction}.{zero_inf}.repr"] = repr(module)
            lp.grad = None
            res.update(lib.run(module, lp, padded, il, tl, prefix=f"{reduction}.{zero_inf}."))
    # concatenated targets, tuple lengths, another blank, an impossible alignment (inf)
    lp.grad = None
    res.update(lib.run(lambda x: F.ctc_loss(x, torch.tensor([1, 2, 3, 1, 3]), (7, 2, 5),
                                            (2, 2, 1), reduction="none"), lp, prefix="cat."))
    no_fours = lib.torch.tensor([[1, 2, 2], [3, 1, 0], [0, 3, 3]])
    for zero_inf in (False, True):  # the second sequence cannot fit its labels: inf
        lp.grad = None
        res.update(lib.run(lambda x: F.ctc_loss(x, no_fours, (7, 2, 5), (3, 3, 1), blank=4,
                                                reduction="sum", zero_infinity=zero_inf),
                           lp, prefix=f"inf{zero_inf}."))
    res.update(lib.run(lambda x: F.ctc_loss(x, torch.tensor([1, 2]), torch.tensor(6),
                                            torch.tensor(2)),
                       lib.rand(6, 4).log_softmax(1).detach().requires_grad_(),
                       prefix="unbatched."))
    x = lib.rand(6, 2, 5, grad=False).log_softmax(2)
    two = torch.tensor([[1, 2], [2, 3]])
    res["il_big"] = lib.error(F.ctc_loss, x, two, torch.tensor([7, 6]), torch.tensor([2, 2]))
    res["tl_big"] = lib.error(F.ctc_loss, x, two, torch.tensor([6, 6]), torch.tensor([3, 2]))
    res["il_size"] = lib.error(F.ctc_loss, x, two, torch.tensor([6]), torch.tensor([2, 2]))
    res["tl_size"] = lib.error(F.ctc_loss, x, two, torch.tensor([6, 6]), torch.tensor([2]))
    res["blank"] = lib.error(F.ctc_loss, x, two, torch.tensor([6, 6]), torch.tensor([2, 2]),
                             blank=5)
    res["dim4"] = lib.error(F.ctc_loss, x[None], two, torch.tensor([6, 6]),
                            torch.tensor([2, 2]))
    return res


@case
def distance_modules(lib):
    res = {}
    nn, F = lib.nn, lib.F
    for args in ((), (1.0, 1e-3, True), (3.0,), (float("inf"),)):
        module = nn.PairwiseDistance(*args)
        res[f"pd{args}.repr"] = repr(module)
        for shape in ((5,), (3, 5)):
            res.update(lib.run(module, lib.rand(*shape), lib.rand(*shape),
                               prefix=f"pd{args}.{len(shape)}."))
    res.update(lib.run(nn.PairwiseDistance(), lib.rand(3, 5), lib.rand(5), prefix="pd.bc."))
    res.update(lib.run(nn.PairwiseDistance(), lib.rand(), lib.rand(), prefix="pd.0."))
    for dim, shapes in ((1, ((3, 4), (3, 4))), (0, ((5,), (5,))), (-1, ((2, 3, 4), (3, 4))),
                        (2, ((2, 3, 4), (2, 3, 4)))):
        module = nn.CosineSimilarity(dim, 1e-6)
        res[f"cs{dim}.repr"] = repr(module)
        res.update(lib.run(module, *[lib.rand(*s) for s in shapes], prefix=f"cs{dim}."))
    zero = lib.torch.zeros(2, 3, dtype=lib.torch.float64, requires_grad=True)
    res.update(lib.run(F.cosine_similarity, zero, lib.rand(2, 3), prefix="cs.zero."))
    for p in (2.0, 1.0, 3.0, 0.0, float("inf")):
        res.update(lib.run(lambda x: F.pdist(x, p), lib.rand(4, 3), prefix=f"pdist{p}."))
    res["pdist3d"] = lib.error(F.pdist, lib.rand(2, 2, 2))
    res["pdistneg"] = lib.error(F.pdist, lib.rand(2, 2), -1.0)
    return res
