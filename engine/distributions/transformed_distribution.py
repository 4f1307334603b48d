"""TransformedDistribution (torch.distributions.TransformedDistribution): the distribution
of f(X) for X from a base distribution and f a sequence of transforms; and biject_to /
transform_to, the transforms from unconstrained reals onto a constraint."""
from .._size import Size
from . import constraints
from . import transforms as T
from .distribution import Distribution
from .independent import Independent
from .utils import sum_rightmost

__all__ = ["TransformedDistribution", "biject_to", "transform_to"]


class TransformedDistribution(Distribution):
    """Samples are transforms(base sample); log_prob inverts them and adds each
    log|det Jacobian| (events grow where a transform couples more dims)."""
    arg_constraints = {}

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, T.Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, T.Transform) for t in transforms):
                raise ValueError("transforms must be a Transform or a list of Transforms")
            self.transforms = transforms
        else:
            raise ValueError(f"transforms must be a Transform or list, but was {transforms}")
        base_shape = Size(tuple(base_distribution.batch_shape)
                          + tuple(base_distribution.event_shape))
        base_event_dim = len(base_distribution.event_shape)
        transform = T.ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError("base_distribution needs to have shape with size at least "
                             f"{transform.domain.event_dim}, but got {base_shape}.")
        forward_shape = transform.forward_shape(base_shape)
        expanded = transform.inverse_shape(forward_shape)
        if tuple(base_shape) != tuple(expanded):
            base_distribution = base_distribution.expand(
                Size(tuple(expanded)[:len(expanded) - base_event_dim]))
        reinterpreted = transform.domain.event_dim - base_event_dim
        if reinterpreted > 0:
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        event_dim = max(transform.codomain.event_dim,
                        base_event_dim + transform.codomain.event_dim
                        - transform.domain.event_dim)
        cut = len(forward_shape) - event_dim
        super().__init__(Size(tuple(forward_shape)[:cut]), Size(tuple(forward_shape)[cut:]),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(TransformedDistribution, _instance)
        batch_shape = Size(batch_shape)
        shape = tuple(batch_shape) + tuple(self.event_shape)
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        base_batch = tuple(shape)[:len(shape) - len(self.base_dist.event_shape)]
        new.base_dist = self.base_dist.expand(Size(base_batch))
        new.transforms = self.transforms
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=False)
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape)
                                              - support.event_dim)
        return support

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    def sample(self, sample_shape=Size()):
        import engine
        with engine.no_grad():
            x = self.base_dist.sample(sample_shape)
            for transform in self.transforms:
                x = transform(x)
            return x

    def rsample(self, sample_shape=Size()):
        x = self.base_dist.rsample(sample_shape)
        for transform in self.transforms:
            x = transform(x)
        return x

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self.event_shape)
        log_prob, y = 0.0, value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_prob = log_prob - sum_rightmost(transform.log_abs_det_jacobian(x, y),
                                                event_dim - transform.domain.event_dim)
            y = x
        return log_prob + sum_rightmost(self.base_dist.log_prob(y),
                                        event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value):
        sign = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value):
        for transform in self.transforms[::-1]:
            value = transform.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value):
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for transform in self.transforms:
            value = transform(value)
        return value


# ---- biject_to / transform_to ----------------------------------------------------------------

class ConstraintRegistry:
    """Maps constraints (by their class) to a factory of the transform onto them."""

    def __init__(self):
        self._registry = {}

    def register(self, constraint, factory=None):
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint,
                                                               constraints.Constraint):
            raise TypeError("Expected constraint to be either a Constraint subclass or "
                            f"instance, but got {constraint}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint):
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} "
                                      "constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _both(constraint_type, factory):
    biject_to.register(constraint_type, factory)
    transform_to.register(constraint_type, factory)


_both(constraints._Real, lambda c: T.identity_transform)
_both(constraints._GreaterThan, lambda c: T.ComposeTransform(
    [T.ExpTransform(), T.AffineTransform(c.lower_bound, 1)]))
_both(constraints._GreaterThanEq, lambda c: T.ComposeTransform(
    [T.ExpTransform(), T.AffineTransform(c.lower_bound, 1)]))
_both(constraints._LessThan, lambda c: T.ComposeTransform(
    [T.ExpTransform(), T.AffineTransform(c.upper_bound, -1)]))


def _interval(c):
    lower_is_0 = isinstance(c.lower_bound, (int, float)) and c.lower_bound == 0
    upper_is_1 = isinstance(c.upper_bound, (int, float)) and c.upper_bound == 1
    if lower_is_0 and upper_is_1:
        return T.SigmoidTransform()
    return T.ComposeTransform([T.SigmoidTransform(),
                               T.AffineTransform(c.lower_bound,
                                                 c.upper_bound - c.lower_bound)])


_both(constraints._Interval, _interval)
_both(constraints._HalfOpenInterval, _interval)
_both(constraints._LowerCholesky, lambda c: T.LowerCholeskyTransform())
_both(constraints._PositiveDefinite, lambda c: T.PositiveDefiniteTransform())
biject_to.register(constraints._IndependentConstraint, lambda c: T.IndependentTransform(
    biject_to(c.base_constraint), c.reinterpreted_batch_ndims))
biject_to.register(constraints._Simplex, lambda c: T.StickBreakingTransform())
transform_to.register(constraints._Simplex, lambda c: T.SoftmaxTransform())
biject_to.register(constraints._Cat, lambda c: T.CatTransform(
    [biject_to(p) for p in c.cseq], c.dim, c.lengths))
transform_to.register(constraints._Cat, lambda c: T.CatTransform(
    [transform_to(p) for p in c.cseq], c.dim, c.lengths))
biject_to.register(constraints._Stack, lambda c: T.StackTransform(
    [biject_to(p) for p in c.cseq], c.dim))
transform_to.register(constraints._Stack, lambda c: T.StackTransform(
    [transform_to(p) for p in c.cseq], c.dim))
transform_to.register(constraints._IndependentConstraint, lambda c: T.IndependentTransform(
    transform_to(c.base_constraint), c.reinterpreted_batch_ndims))
