"""MultivariateNormal (torch.distributions.MultivariateNormal): a normal distribution over
vectors, given by its covariance, precision or lower Cholesky factor of the covariance."""
import math

from .._size import Size
from . import constraints
from .distribution import Distribution
from .utils import lazy_property

__all__ = ["MultivariateNormal"]


def _batch_mv(bmat, bvec):
    return (bmat @ bvec.unsqueeze(-1)).squeeze(-1)


def batch_mahalanobis(L, x):
    """x^T (L L^T)^-1 x for each vector x (batches of L and x broadcast)."""
    import engine
    y = engine.linalg.solve_triangular(L, x.unsqueeze(-1), upper=False).squeeze(-1)
    return y.pow(2).sum(-1)


def _precision_to_scale_tril(P):
    """The lower Cholesky factor of P^-1 (PyTorch's flip trick keeps it triangular)."""
    import engine
    Lf = engine.linalg.cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).mT
    eye = engine.eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return engine.linalg.solve_triangular(L_inv, eye, upper=False)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) with exactly one of covariance_matrix, precision_matrix or scale_tril."""
    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        import engine
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + \
                (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        given = next(m for m in (scale_tril, covariance_matrix, precision_matrix)
                     if m is not None)
        if given.dim() < 2:
            name = ("scale_tril" if scale_tril is not None else "covariance_matrix"
                    if covariance_matrix is not None else "precision_matrix")
            raise ValueError(f"{name} matrix must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        batch_shape = Size(engine.broadcast_shapes(tuple(given.shape[:-2]),
                                                   tuple(loc.shape[:-1])))
        matrix_shape = tuple(batch_shape) + tuple(given.shape[-2:])
        if scale_tril is not None:
            self.scale_tril = scale_tril.expand(*matrix_shape)
        elif covariance_matrix is not None:
            self.covariance_matrix = covariance_matrix.expand(*matrix_shape)
        else:
            self.precision_matrix = precision_matrix.expand(*matrix_shape)
        self.loc = loc.expand(*(tuple(batch_shape) + (-1,)))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = engine.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape, _instance=None):
        n = tuple(self.event_shape)
        new = self._expanded(MultivariateNormal, batch_shape, _instance,
                             ("covariance_matrix", "scale_tril", "precision_matrix"), n * 2,
                             share=("_unbroadcasted_scale_tril",))
        new.loc = self.loc.expand(*Size(batch_shape), *n)
        return new

    @lazy_property
    def scale_tril(self):
        shape = tuple(self._batch_shape) + tuple(self._event_shape) * 2
        return self._unbroadcasted_scale_tril.expand(*shape)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        shape = tuple(self._batch_shape) + tuple(self._event_shape) * 2
        return (L @ L.mT).expand(*shape)

    @lazy_property
    def precision_matrix(self):
        import engine
        shape = tuple(self._batch_shape) + tuple(self._event_shape) * 2
        return engine.cholesky_inverse(self._unbroadcasted_scale_tril).expand(*shape)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        shape = tuple(self._batch_shape) + tuple(self._event_shape)
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(*shape)

    def rsample(self, sample_shape=Size()):
        import engine
        shape = self._extended_shape(sample_shape)
        eps = engine.randn(*shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self):
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return H if len(self._batch_shape) == 0 else H.expand(*self._batch_shape)
