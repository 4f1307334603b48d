"""The gamma family: Gamma, Chi2, Beta and Dirichlet (torch.distributions' classes of those
names), with reparameterized samples. A standard gamma sample x ~ Gamma(alpha, 1) gets its
gradient dx/dalpha by implicit differentiation of the CDF, as PyTorch's _standard_gamma does:
dx/dalpha = -(dP/dalpha) / (dP/dx) at P(alpha, x), the regularized incomplete gamma."""
import numbers

import numpy as np

from .._backend import to_numpy
from .._size import Size
from ..ops._base import Node, const, record, wrap
from . import constraints
from .distribution import ExponentialFamily
from .utils import broadcast_all, draw

__all__ = ["Gamma", "Chi2", "Beta", "Dirichlet"]


def _gamma_sample_slope(alpha, x):
    """dx/dalpha for x ~ Gamma(alpha, 1) (float64 host arrays): dP/dalpha by a central
    difference of SciPy's regularized incomplete gamma, dP/dx = x^(a-1) e^-x / Gamma(a)."""
    from scipy.special import gammainc, gammaln
    h = 1e-6 * np.maximum(alpha, 1.0)
    dP_dalpha = (gammainc(alpha + h, x) - gammainc(alpha - h, x)) / (2 * h)
    log_density = (alpha - 1) * np.log(x) - x - gammaln(alpha)
    return -dP_dalpha / np.exp(log_density)


class StandardGammaBackward0(Node):
    def backward(self, g):
        alpha, x = self.saved_tensors
        slope = _gamma_sample_slope(to_numpy(alpha._data).astype(np.float64),
                                    to_numpy(x._data).astype(np.float64))
        return (g * const(np.asarray(slope, dtype=x._data.dtype), g),)


def standard_gamma(concentration):
    """Samples of Gamma(concentration, 1), differentiable in the concentration."""
    import engine
    tiny = engine.finfo(concentration.dtype).tiny
    alpha = to_numpy(concentration._data)
    sample = draw(lambda gen: np.maximum(gen.standard_gamma(alpha), tiny), concentration)
    out = wrap(sample._data, concentration)
    record(StandardGammaBackward0, out, (concentration,), (concentration.detach(),
                                                           out.detach()))
    return out


class Gamma(ExponentialFamily):
    """The gamma distribution with shape ``concentration`` and ``rate`` (mean
    concentration / rate)."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        super().__init__(Size() if scalar else self.concentration.size(),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(Gamma, batch_shape, _instance, ("concentration", "rate"))

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return (self.concentration - 1).clamp(min=0) / self.rate

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value):
        import engine
        value = _as_tensor(value, self.rate)
        if self._validate_args:
            self._validate_sample(value)
        return (engine.xlogy(self.concentration, self.rate)
                + engine.xlogy(self.concentration - 1, value)
                - self.rate * value - self.concentration.lgamma())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        import engine
        return engine.special.gammainc(self.concentration, self.rate * value)

    def entropy(self):
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: Gamma(df / 2, 1 / 2)."""
    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return super().expand(batch_shape, self._get_checked_instance(Chi2, _instance))

    @property
    def df(self):
        return self.concentration * 2


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution on the simplex, with concentrations along the last dim."""
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expanded(Dirichlet, batch_shape, _instance, ("concentration",),
                              tuple(self.event_shape))

    def rsample(self, sample_shape=Size()):
        """Normalized gamma samples (their gradient flows through the gamma samples)."""
        shape = self._extended_shape(sample_shape)
        g = standard_gamma(self.concentration.expand(*shape))
        return g / g.sum(-1, keepdim=True)

    def log_prob(self, value):
        import engine
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (engine.xlogy(c - 1.0, value).sum(-1) + c.sum(-1).lgamma()
                - c.lgamma().sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        import engine
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, True)
        below_one = (self.concentration < 1).all(-1, keepdim=True)
        # all concentrations below 1: the mode is the vertex of the largest one
        vertex = engine.nn.functional.one_hot(mode.argmax(-1), cm1.shape[-1]).to(mode.dtype)
        return engine.where(below_one, vertex, mode)

    @property
    def variance(self):
        c0 = self.concentration.sum(-1, True)
        return self.concentration * (c0 - self.concentration) / (c0.pow(2) * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return (c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))


class Beta(ExponentialFamily):
    """The beta distribution on [0, 1] (a two-category Dirichlet)."""
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        import engine
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(engine.stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expanded(Beta, batch_shape, _instance)
        new._dirichlet = self._dirichlet.expand(Size(batch_shape))
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        import engine
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(engine.stack([value, 1.0 - value], -1))

    def entropy(self):
        return self._dirichlet.entropy()


def _as_tensor(value, like):
    import engine
    if isinstance(value, engine.Tensor):
        return value
    return engine.tensor(value, dtype=like.dtype, device=like.device)
