"""engine.distributions (torch.distributions): the probability distributions tutorials use
(REINFORCE's Categorical, VAEs' Normal and kl_divergence, ...), with PyTorch's constructors,
shapes, validation messages, reparameterized rsample and closed-form KL divergences.

Samples come from the engine's random generator (engine.manual_seed makes them repeatable;
they are not PyTorch's random streams). Not here yet: the rarer families (see the coverage
list in docs/engine.md)."""
from . import constraints  # noqa: F401
from .discrete import (Bernoulli, Binomial, Categorical, Geometric,  # noqa: F401
                       OneHotCategorical, OneHotCategoricalStraightThrough, Poisson)
from .distribution import Distribution, ExponentialFamily  # noqa: F401
from .gamma import Beta, Chi2, Dirichlet, Gamma  # noqa: F401
from .independent import Independent  # noqa: F401
from .kl import kl_divergence, register_kl  # noqa: F401
from .more_families import (MixtureSameFamily, Multinomial, NegativeBinomial,  # noqa: F401
                            StudentT)
from . import transforms  # noqa: F401
from .transformed_distribution import (TransformedDistribution, biject_to,  # noqa: F401
                                       transform_to)
from .transformed_families import (Gumbel, HalfCauchy, InverseGamma,  # noqa: F401
                                   Kumaraswamy, LogisticNormal, Pareto, RelaxedBernoulli,
                                   RelaxedOneHotCategorical, Weibull)
from .transforms import (AbsTransform, AffineTransform, CatTransform,  # noqa: F401
                         ComposeTransform, CumulativeDistributionTransform, ExpTransform,
                         IndependentTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, PowerTransform, ReshapeTransform,
                         SigmoidTransform, SoftmaxTransform, SoftplusTransform, StackTransform,
                         StickBreakingTransform, TanhTransform, Transform, identity_transform)
from .multivariate_normal import MultivariateNormal  # noqa: F401
from .univariate import (Cauchy, Exponential, HalfNormal, Laplace, LogNormal,  # noqa: F401
                         Normal, Uniform)

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "CatTransform",
           "Categorical", "Cauchy", "Chi2", "ComposeTransform",
           "CumulativeDistributionTransform", "Dirichlet", "Distribution", "ExpTransform",
           "Exponential", "ExponentialFamily", "Gamma", "Geometric", "Gumbel", "HalfCauchy",
           "HalfNormal", "Independent", "IndependentTransform", "InverseGamma", "Kumaraswamy",
           "Laplace", "LogNormal", "LogisticNormal", "LowerCholeskyTransform",
           "MixtureSameFamily", "Multinomial", "MultivariateNormal", "NegativeBinomial",
           "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Pareto",
           "Poisson", "PositiveDefiniteTransform", "PowerTransform", "RelaxedBernoulli",
           "RelaxedOneHotCategorical", "ReshapeTransform", "SigmoidTransform",
           "SoftmaxTransform", "SoftplusTransform", "StackTransform", "StickBreakingTransform",
           "StudentT", "TanhTransform", "Transform", "TransformedDistribution", "Uniform",
           "Weibull", "biject_to", "identity_transform", "kl_divergence", "register_kl",
           "transform_to"]




def _as_torch_names():
    """Classes print under PyTorch's module names (torch.distributions.normal.Normal...); the
    modules of those names here re-export them (engine/distributions/normal.py, ...)."""
    homes = {"Bernoulli": "bernoulli", "Beta": "beta", "Binomial": "binomial",
             "Categorical": "categorical", "Cauchy": "cauchy", "Chi2": "chi2",
             "Dirichlet": "dirichlet", "Distribution": "distribution",
             "Exponential": "exponential", "ExponentialFamily": "exp_family", "Gamma": "gamma",
             "Geometric": "geometric", "HalfNormal": "half_normal",
             "Independent": "independent", "Laplace": "laplace", "LogNormal": "log_normal",
             "MultivariateNormal": "multivariate_normal", "Normal": "normal",
             "OneHotCategorical": "one_hot_categorical",
             "OneHotCategoricalStraightThrough": "one_hot_categorical", "Poisson": "poisson",
             "Uniform": "uniform", "Gumbel": "gumbel", "HalfCauchy": "half_cauchy",
             "InverseGamma": "inverse_gamma", "Kumaraswamy": "kumaraswamy",
             "LogisticNormal": "logistic_normal", "MixtureSameFamily": "mixture_same_family",
             "Multinomial": "multinomial", "NegativeBinomial": "negative_binomial",
             "Pareto": "pareto", "RelaxedBernoulli": "relaxed_bernoulli",
             "RelaxedOneHotCategorical": "relaxed_categorical", "StudentT": "studentT",
             "TransformedDistribution": "transformed_distribution", "Weibull": "weibull"}
    homes.update({name: "transforms" for name in transforms.__all__
                  if name != "identity_transform"})
    for name, home in homes.items():
        globals()[name].__module__ = f"torch.distributions.{home}"


_as_torch_names()
