"""The discrete distributions of jax.scipy.stats: poisson, bernoulli and
binom, with SciPy's signatures (shape parameters, then loc). A k outside
the support (or not a whole number) has log-probability -inf. The float
parameters (mu, p) are differentiable; n and k are counts."""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from .. import special


def _counts(k, loc):
    k = fnp.asarray(k) - loc
    return k, k == fnp.floor(k)


def _pmf(logpmf):
    def pmf(*args, **kwargs):
        return fnp.exp(logpmf(*args, **kwargs))
    pmf.__doc__ = "exp(logpmf)."
    return pmf


class poisson:
    """The Poisson distribution with mean mu."""

    @staticmethod
    def logpmf(k, mu, loc=0):
        k, whole = _counts(k, loc)
        mu = fnp.asarray(mu)
        inside = whole & (k >= 0)
        safe = fnp.where(inside, k, 0.0)
        return fnp.where(inside, special.xlogy(safe, mu) - special.gammaln(safe + 1.0) - mu, -np.inf)

    @staticmethod
    def cdf(k, mu, loc=0):
        k = fnp.floor(fnp.asarray(k) - loc)
        return fnp.where(k >= 0, special.gammaincc(fnp.maximum(k, 0.0) + 1.0, mu), 0.0)


poisson.pmf = staticmethod(_pmf(poisson.logpmf))


class bernoulli:
    """The Bernoulli distribution: 1 with probability p, else 0."""

    @staticmethod
    def logpmf(k, p, loc=0):
        k = fnp.asarray(k) - loc
        p = fnp.asarray(p)
        inside = (k == 0) | (k == 1)
        safe = fnp.where(inside, k, 0.0)
        return fnp.where(inside, special.xlogy(safe, p) + special.xlog1py(1.0 - safe, -p), -np.inf)

    @staticmethod
    def cdf(k, p, loc=0):
        k = fnp.asarray(k) - loc
        return fnp.where(k < 0, 0.0, fnp.where(k < 1, 1.0 - fnp.asarray(p), 1.0))

    @staticmethod
    def ppf(q, p):
        q, p = fnp.asarray(q), fnp.asarray(p)
        return fnp.where((q < 0) | (q > 1), np.nan, fnp.where(q <= 1.0 - p, 0.0, 1.0))


bernoulli.pmf = staticmethod(_pmf(bernoulli.logpmf))


class binom:
    """The binomial distribution of n trials with success probability p."""

    @staticmethod
    def logpmf(k, n, p, loc=0):
        k, whole = _counts(k, loc)
        n, p = fnp.asarray(n), fnp.asarray(p)
        inside = whole & (k >= 0) & (k <= n)
        safe = fnp.where(inside, k, 0.0)
        log_choose = special.gammaln(n + 1.0) - special.gammaln(safe + 1.0) - special.gammaln(n - safe + 1.0)
        return fnp.where(inside, log_choose + special.xlogy(safe, p) + special.xlog1py(n - safe, -p), -np.inf)


binom.pmf = staticmethod(_pmf(binom.logpmf))
