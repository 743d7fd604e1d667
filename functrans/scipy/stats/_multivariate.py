"""The multivariate distributions of jax.scipy.stats: dirichlet and
multivariate_normal (logpdf and pdf), SciPy's signatures."""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from ...ops.matrix import diagonal
from .. import special
from ..linalg import cholesky, solve_triangular


class multivariate_normal:
    """The normal distribution N(mean, cov) on vectors of length d."""

    @staticmethod
    def logpdf(x, mean=None, cov=1.0, allow_singular=False):
        """x (..., d): the log-density of each row, through cov's Cholesky factor."""
        if allow_singular:
            raise NotImplementedError("multivariate_normal.logpdf(allow_singular=True) is not supported")
        x = fnp.asarray(x)
        d = fnp.shape(x)[-1] if fnp.ndim(x) else 1
        mean = fnp.zeros(d) if mean is None else fnp.asarray(mean)
        cov = fnp.asarray(cov)
        if fnp.ndim(cov) < 2:   # a variance, or the variances of each coordinate
            cov = fnp.eye(d) * cov
        factor = cholesky(cov, lower=True)
        centered = fnp.reshape(x - mean, (-1, d))
        y = solve_triangular(factor, fnp.transpose(centered), lower=True)
        log_det = fnp.sum(fnp.log(fnp.abs(diagonal(factor))))
        out = -0.5 * fnp.sum(y * y, axis=0) - log_det - 0.5 * d * float(np.log(2 * np.pi))
        return fnp.reshape(out, fnp.shape(x)[:-1]) if fnp.ndim(x) > 1 else out[0]

    @staticmethod
    def pdf(x, mean=None, cov=1.0, allow_singular=False):
        return fnp.exp(multivariate_normal.logpdf(x, mean, cov, allow_singular))


class dirichlet:
    """The Dirichlet distribution with concentrations alpha (K,), over the
    simplex; x is (K,) or (K, N) (points as columns), as SciPy's."""

    @staticmethod
    def logpdf(x, alpha):
        x, alpha = fnp.asarray(x), fnp.asarray(alpha)
        a = alpha if fnp.ndim(x) == 1 else fnp.reshape(alpha, (-1, 1))
        log_norm = special.gammaln(fnp.sum(alpha)) - fnp.sum(special.gammaln(alpha))
        return fnp.sum(special.xlogy(a - 1.0, x), axis=0) + log_norm

    @staticmethod
    def pdf(x, alpha):
        return fnp.exp(dirichlet.logpdf(x, alpha))
