"""functrans.scipy.stats: the distributions of jax.scipy.stats, with their
logpdf/pdf (logpmf/pmf), cdf/logcdf/sf/logsf and ppf where JAX has them,
differentiable in their float parameters (see _continuous.py for the
exceptions), batched and jittable: compositions of functrans.numpy and
functrans.scipy.special.

    from functrans.scipy.stats import norm
    norm.logpdf(x, loc=mu, scale=sigma)
"""
from ._continuous import beta, cauchy, chi2, expon, gamma, laplace, logistic, norm, t, truncnorm, uniform  # noqa: F401
from ._discrete import bernoulli, binom, poisson  # noqa: F401
from ._multivariate import dirichlet, multivariate_normal  # noqa: F401
