"""engine.special (torch.special): special functions under PyTorch's names.

The ops are engine ops like any other (engine/ops/special.py, engine/ops/trig.py and the
elementwise and reduction modules); this module gives them torch.special's names, so
``import torch.special`` and ``from torch.special import erfinv`` work.
"""
from .ops.reduce import log_softmax as _log_softmax, logsumexp as _logsumexp
from .ops.reduce import softmax as _softmax
from .ops.special import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1,  # noqa: F401
                          chebyshev_polynomial_t, chebyshev_polynomial_u,
                          chebyshev_polynomial_v, chebyshev_polynomial_w, digamma, entr,
                          erfc, erfcx, erfinv, hermite_polynomial_h, hermite_polynomial_he,
                          i0, i0e, i1, i1e, igamma as gammainc, igammac as gammaincc,
                          laguerre_polynomial_l, legendre_polynomial_p, lgamma as gammaln,
                          log_ndtr, logit, modified_bessel_i0, modified_bessel_i1,
                          modified_bessel_k0, modified_bessel_k1, mvlgamma as multigammaln,
                          ndtr, ndtri, polygamma, scaled_modified_bessel_k0,
                          scaled_modified_bessel_k1, shifted_chebyshev_polynomial_t,
                          shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
                          shifted_chebyshev_polynomial_w, spherical_bessel_j0, xlog1py, xlogy,
                          zeta)
from .ops.trig import exp2, sinc  # noqa: F401
from .ops.unary import erf, expm1, log1p, round, sigmoid as expit  # noqa: F401

psi = digamma


def softmax(input, dim, *, dtype=None):
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _log_softmax(input, dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False):
    return _logsumexp(input, dim, keepdim)


__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
           "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv",
           "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e",
           "laguerre_polynomial_l", "legendre_polynomial_p", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "modified_bessel_i0", "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "shifted_chebyshev_polynomial_t",
           "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0",
           "xlog1py", "xlogy", "zeta"]
