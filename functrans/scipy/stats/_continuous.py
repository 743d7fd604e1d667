"""The continuous univariate distributions of jax.scipy.stats, as
compositions of functrans.numpy and functrans.scipy.special: densities
(logpdf, pdf), distribution functions (cdf, logcdf, sf, logsf) and
quantiles (ppf, isf) where JAX has them, SciPy's signatures (shape
parameters, then loc and scale), NumPy broadcasting.

Every float parameter is differentiable, except the shape parameters inside
gamma's, chi2's and beta's distribution functions, which go through
gammainc / betainc (differentiable in x only, as in JAX: they raise saying
so). Outside the support a log-density is -inf and a density 0.
"""
from __future__ import annotations

import numpy as np

from ... import numpy as fnp
from .. import special

_LOG_SQRT_2PI = float(0.5 * np.log(2 * np.pi))
_LOG_PI = float(np.log(np.pi))


def _standardize(x, loc, scale):
    x, loc, scale = (fnp.asarray(v) for v in (x, loc, scale))
    return (x - loc) / scale, fnp.log(scale)


def _log_density(log_standard, support):
    """log f(z) - log(scale) inside `support`, -inf outside."""
    return fnp.where(support, log_standard, -np.inf)


def _pdf(logpdf):
    def pdf(*args, **kwargs):
        return fnp.exp(logpdf(*args, **kwargs))
    pdf.__doc__ = "exp(logpdf)."
    return pdf


# ------------------------------------------------------------------------- norm

class norm:
    """The normal distribution N(loc, scale^2)."""

    @staticmethod
    def logpdf(x, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        return -0.5 * z * z - _LOG_SQRT_2PI - log_scale

    @staticmethod
    def cdf(x, loc=0.0, scale=1.0):
        return special.ndtr(_standardize(x, loc, scale)[0])

    @staticmethod
    def logcdf(x, loc=0.0, scale=1.0):
        return special.log_ndtr(_standardize(x, loc, scale)[0])

    @staticmethod
    def sf(x, loc=0.0, scale=1.0):
        return special.ndtr(-_standardize(x, loc, scale)[0])

    @staticmethod
    def logsf(x, loc=0.0, scale=1.0):
        return special.log_ndtr(-_standardize(x, loc, scale)[0])

    @staticmethod
    def ppf(q, loc=0.0, scale=1.0):
        return special.ndtri(q) * scale + loc

    @staticmethod
    def isf(q, loc=0.0, scale=1.0):
        return -special.ndtri(q) * scale + loc


norm.pdf = staticmethod(_pdf(norm.logpdf))


# ----------------------------------------------------------------------------- t

class t:
    """Student's t distribution with df degrees of freedom."""

    @staticmethod
    def logpdf(x, df, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        df = fnp.asarray(df)
        half = 0.5 * (df + 1.0)
        return (special.gammaln(half) - special.gammaln(0.5 * df) - 0.5 * (fnp.log(df) + _LOG_PI)
                - half * fnp.log1p(z * z / df) - log_scale)


t.pdf = staticmethod(_pdf(t.logpdf))


# ------------------------------------------------------------------------- gamma

class gamma:
    """The gamma distribution with shape a."""

    @staticmethod
    def logpdf(x, a, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        a = fnp.asarray(a)
        inside = z >= 0
        safe = fnp.where(inside, z, 1.0)
        return _log_density(special.xlogy(a - 1.0, safe) - safe - special.gammaln(a) - log_scale, inside)

    @staticmethod
    def cdf(x, a, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        return special.gammainc(a, fnp.maximum(z, 0.0))

    @staticmethod
    def logcdf(x, a, loc=0.0, scale=1.0):
        return fnp.log(gamma.cdf(x, a, loc, scale))

    @staticmethod
    def sf(x, a, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        return special.gammaincc(a, fnp.maximum(z, 0.0))

    @staticmethod
    def logsf(x, a, loc=0.0, scale=1.0):
        return fnp.log(gamma.sf(x, a, loc, scale))


gamma.pdf = staticmethod(_pdf(gamma.logpdf))


class chi2:
    """The chi-squared distribution with df degrees of freedom: gamma(df / 2, scale 2)."""

    @staticmethod
    def logpdf(x, df, loc=0.0, scale=1.0):
        return gamma.logpdf(x, 0.5 * fnp.asarray(df), loc, 2.0 * fnp.asarray(scale))

    @staticmethod
    def cdf(x, df, loc=0.0, scale=1.0):
        return gamma.cdf(x, 0.5 * fnp.asarray(df), loc, 2.0 * fnp.asarray(scale))

    @staticmethod
    def logcdf(x, df, loc=0.0, scale=1.0):
        return gamma.logcdf(x, 0.5 * fnp.asarray(df), loc, 2.0 * fnp.asarray(scale))

    @staticmethod
    def sf(x, df, loc=0.0, scale=1.0):
        return gamma.sf(x, 0.5 * fnp.asarray(df), loc, 2.0 * fnp.asarray(scale))

    @staticmethod
    def logsf(x, df, loc=0.0, scale=1.0):
        return gamma.logsf(x, 0.5 * fnp.asarray(df), loc, 2.0 * fnp.asarray(scale))


chi2.pdf = staticmethod(_pdf(chi2.logpdf))


# -------------------------------------------------------------------------- beta

class beta:
    """The beta distribution with shapes a and b, on [loc, loc + scale]."""

    @staticmethod
    def logpdf(x, a, b, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        a, b = fnp.asarray(a), fnp.asarray(b)
        inside = (z >= 0) & (z <= 1)
        safe = fnp.where(inside, z, 0.5)
        log_standard = special.xlogy(a - 1.0, safe) + special.xlog1py(b - 1.0, -safe) - special.betaln(a, b)
        return _log_density(log_standard - log_scale, inside)

    @staticmethod
    def cdf(x, a, b, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        return special.betainc(a, b, fnp.clip(z, 0.0, 1.0))

    @staticmethod
    def logcdf(x, a, b, loc=0.0, scale=1.0):
        return fnp.log(beta.cdf(x, a, b, loc, scale))

    @staticmethod
    def sf(x, a, b, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        return special.betainc(b, a, 1.0 - fnp.clip(z, 0.0, 1.0))

    @staticmethod
    def logsf(x, a, b, loc=0.0, scale=1.0):
        return fnp.log(beta.sf(x, a, b, loc, scale))


beta.pdf = staticmethod(_pdf(beta.logpdf))


# ------------------------------------------------------------------------ expon

class expon:
    """The exponential distribution, rate 1 / scale, from loc."""

    @staticmethod
    def logpdf(x, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        return _log_density(-z - log_scale, z >= 0)

    @staticmethod
    def cdf(x, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        return -fnp.expm1(-fnp.maximum(z, 0.0))

    @staticmethod
    def logcdf(x, loc=0.0, scale=1.0):
        return fnp.log(expon.cdf(x, loc, scale))

    @staticmethod
    def sf(x, loc=0.0, scale=1.0):
        return fnp.exp(expon.logsf(x, loc, scale))

    @staticmethod
    def logsf(x, loc=0.0, scale=1.0):
        return -fnp.maximum(_standardize(x, loc, scale)[0], 0.0)

    @staticmethod
    def ppf(q, loc=0.0, scale=1.0):
        return -fnp.log1p(-fnp.asarray(q)) * scale + loc


expon.pdf = staticmethod(_pdf(expon.logpdf))


# ----------------------------------------------------------------------- laplace

class laplace:
    """The Laplace (double exponential) distribution."""

    @staticmethod
    def logpdf(x, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        return -fnp.abs(z) - float(np.log(2.0)) - log_scale

    @staticmethod
    def cdf(x, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        return fnp.where(z < 0, 0.5 * fnp.exp(fnp.minimum(z, 0.0)), 1.0 - 0.5 * fnp.exp(-fnp.maximum(z, 0.0)))


laplace.pdf = staticmethod(_pdf(laplace.logpdf))


# ---------------------------------------------------------------------- logistic

class logistic:
    """The logistic distribution."""

    @staticmethod
    def logpdf(x, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        return -fnp.abs(z) - 2.0 * fnp.log1p(fnp.exp(-fnp.abs(z))) - log_scale

    @staticmethod
    def cdf(x, loc=0.0, scale=1.0):
        return special.expit(_standardize(x, loc, scale)[0])

    @staticmethod
    def sf(x, loc=0.0, scale=1.0):
        return special.expit(-_standardize(x, loc, scale)[0])

    @staticmethod
    def ppf(q, loc=0.0, scale=1.0):
        return special.logit(q) * scale + loc

    @staticmethod
    def isf(q, loc=0.0, scale=1.0):
        return -special.logit(q) * scale + loc


logistic.pdf = staticmethod(_pdf(logistic.logpdf))


# ------------------------------------------------------------------------ cauchy

class cauchy:
    """The Cauchy distribution."""

    @staticmethod
    def logpdf(x, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        return -_LOG_PI - fnp.log1p(z * z) - log_scale

    @staticmethod
    def cdf(x, loc=0.0, scale=1.0):
        return 0.5 + fnp.arctan(_standardize(x, loc, scale)[0]) / np.pi

    @staticmethod
    def logcdf(x, loc=0.0, scale=1.0):
        return fnp.log(cauchy.cdf(x, loc, scale))

    @staticmethod
    def sf(x, loc=0.0, scale=1.0):
        return 0.5 - fnp.arctan(_standardize(x, loc, scale)[0]) / np.pi

    @staticmethod
    def logsf(x, loc=0.0, scale=1.0):
        return fnp.log(cauchy.sf(x, loc, scale))

    @staticmethod
    def ppf(q, loc=0.0, scale=1.0):
        return fnp.tan(np.pi * (fnp.asarray(q) - 0.5)) * scale + loc

    @staticmethod
    def isf(q, loc=0.0, scale=1.0):
        return fnp.tan(np.pi * (0.5 - fnp.asarray(q))) * scale + loc


cauchy.pdf = staticmethod(_pdf(cauchy.logpdf))


# ----------------------------------------------------------------------- uniform

class uniform:
    """The uniform distribution on [loc, loc + scale]."""

    @staticmethod
    def logpdf(x, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        return _log_density(fnp.zeros_like(z) - log_scale, (z >= 0) & (z <= 1))

    @staticmethod
    def cdf(x, loc=0.0, scale=1.0):
        return fnp.clip(_standardize(x, loc, scale)[0], 0.0, 1.0)

    @staticmethod
    def ppf(q, loc=0.0, scale=1.0):
        q = fnp.asarray(q)
        return fnp.where((q >= 0) & (q <= 1), q * scale + loc, np.nan)


uniform.pdf = staticmethod(_pdf(uniform.logpdf))


# --------------------------------------------------------------------- truncnorm

class truncnorm:
    """The normal distribution truncated to [a, b] (standardized bounds)."""

    @staticmethod
    def _log_mass(a, b):
        """log(Phi(b) - Phi(a)), from whichever tail keeps its digits."""
        a, b = fnp.asarray(a), fnp.asarray(b)
        right = a > 0     # both bounds in the right tail: use the survival functions
        lo, hi = fnp.where(right, -b, a), fnp.where(right, -a, b)
        log_hi, log_lo = special.log_ndtr(hi), special.log_ndtr(lo)
        return log_hi + fnp.log1p(-fnp.exp(log_lo - log_hi))

    @staticmethod
    def logpdf(x, a, b, loc=0.0, scale=1.0):
        z, log_scale = _standardize(x, loc, scale)
        inside = (z >= a) & (z <= b)
        return _log_density(-0.5 * z * z - _LOG_SQRT_2PI - log_scale - truncnorm._log_mass(a, b), inside)

    @staticmethod
    def logcdf(x, a, b, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        a, b = fnp.asarray(a), fnp.asarray(b)
        inside = fnp.clip(z, a, b)
        log_cdf = truncnorm._log_mass(a, inside) - truncnorm._log_mass(a, b)
        return fnp.where(z <= a, -np.inf, fnp.where(z >= b, 0.0, log_cdf))

    @staticmethod
    def cdf(x, a, b, loc=0.0, scale=1.0):
        return fnp.exp(truncnorm.logcdf(x, a, b, loc, scale))

    @staticmethod
    def logsf(x, a, b, loc=0.0, scale=1.0):
        z = _standardize(x, loc, scale)[0]
        a, b = fnp.asarray(a), fnp.asarray(b)
        inside = fnp.clip(z, a, b)
        log_sf = truncnorm._log_mass(inside, b) - truncnorm._log_mass(a, b)
        return fnp.where(z >= b, -np.inf, fnp.where(z <= a, 0.0, log_sf))

    @staticmethod
    def sf(x, a, b, loc=0.0, scale=1.0):
        return fnp.exp(truncnorm.logsf(x, a, b, loc, scale))


truncnorm.pdf = staticmethod(_pdf(truncnorm.logpdf))
