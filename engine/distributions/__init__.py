"""engine.distributions (torch.distributions): the probability distributions tutorials use
(REINFORCE's Categorical, VAEs' Normal and kl_divergence, ...), with PyTorch's constructors,
shapes, validation messages, reparameterized rsample and closed-form KL divergences.

Samples come from the engine's random generator (engine.manual_seed makes them repeatable;
they are not PyTorch's random streams). Not here yet: transforms and TransformedDistribution,
and the rarer families (see the coverage list in docs/engine.md)."""
from . import constraints  # noqa: F401
from .discrete import (Bernoulli, Binomial, Categorical, Geometric,  # noqa: F401
                       OneHotCategorical, OneHotCategoricalStraightThrough, Poisson)
from .distribution import Distribution, ExponentialFamily  # noqa: F401
from .gamma import Beta, Chi2, Dirichlet, Gamma  # noqa: F401
from .independent import Independent  # noqa: F401
from .kl import kl_divergence, register_kl  # noqa: F401
from .multivariate_normal import MultivariateNormal  # noqa: F401
from .univariate import (Cauchy, Exponential, HalfNormal, Laplace, LogNormal,  # noqa: F401
                         Normal, Uniform)

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet",
           "Distribution", "Exponential", "ExponentialFamily", "Gamma", "Geometric",
           "HalfNormal", "Independent", "Laplace", "LogNormal", "MultivariateNormal", "Normal",
           "OneHotCategorical", "OneHotCategoricalStraightThrough", "Poisson", "Uniform",
           "kl_divergence", "register_kl"]




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
             "Uniform": "uniform"}
    for name, home in homes.items():
        globals()[name].__module__ = f"torch.distributions.{home}"


_as_torch_names()
