"""The functrans.scipy.stats rows of the op table (import `op_table`, which
adds these to `ROWS`): every function of every distribution against
scipy.stats, differentiated in the point and in every float parameter
(except where the distribution function goes through gammainc / betainc,
differentiable in x only)."""
from __future__ import annotations

import numpy as np
import scipy.stats as ss
from op_table import F64, Row, args_of, positive, real, short

import functrans.scipy.stats as fst


def _between(lo, hi):
    return lambda rng, shape, dtype: np.asarray(rng.uniform(lo, hi, shape), dtype)


def st_row(dist, method, *specs, diff=None, smooth=True, rtol=1e-11, case=None, fixed=(), fun=None,
           reference=None):
    """fst.<dist>.<method>(*args, *fixed) against scipy.stats.<dist>.<method>."""
    fun = fun or (lambda *args: getattr(getattr(fst, dist), method)(*args, *fixed))
    reference = reference or (lambda *args: getattr(getattr(ss, dist), method)(*args, *fixed))
    diff = tuple(range(len(specs))) if diff is None else diff
    case = case or "-".join(short(d, s) for _, s, d in specs)
    return Row(id=f"scipy.stats.{dist}.{method}-{case}", fun=fun, reference=reference, make_args=args_of(*specs),
               diff=diff, smooth=smooth and bool(diff), rtol=rtol)


X, LOC, SCALE = (real, (2, 3), F64), (real, (3,), F64), (positive, (), F64)
POSITIVE, SHAPE = (positive, (2, 3), F64), (_between(1.2, 3.0), (), F64)
UNIT, PROB = (_between(0.2, 0.8), (2, 3), F64), (_between(0.25, 0.75), (), F64)
COUNTS = (lambda r, s, d: r.integers(0, 6, s).astype(d), (2, 3), F64)
BERNOULLI = (lambda r, s, d: r.integers(0, 2, s).astype(d), (2, 3), F64)

ROWS = [
    *[st_row("norm", m, X, LOC, SCALE) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[st_row("norm", m, UNIT, LOC, SCALE) for m in ("ppf", "isf")],
    *[st_row("t", m, X, SHAPE, LOC, SCALE) for m in ("logpdf", "pdf")],
    *[st_row("gamma", m, POSITIVE, SHAPE, (_between(-0.4, 0.4), (3,), F64), SCALE) for m in ("logpdf", "pdf")],
    *[st_row("gamma", m, POSITIVE, SHAPE, diff=(0,)) for m in ("cdf", "logcdf", "sf", "logsf")],
    *[st_row("chi2", m, POSITIVE, SHAPE) for m in ("logpdf", "pdf")],
    *[st_row("chi2", m, POSITIVE, SHAPE, diff=(0,)) for m in ("cdf", "logcdf", "sf", "logsf")],
    *[st_row("beta", m, UNIT, SHAPE, SHAPE) for m in ("logpdf", "pdf")],
    *[st_row("beta", m, UNIT, SHAPE, SHAPE, diff=(0,)) for m in ("cdf", "logcdf", "sf", "logsf")],
    *[st_row("expon", m, POSITIVE, (_between(-0.5, 0.4), (), F64), SCALE)
      for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    st_row("expon", "ppf", UNIT, LOC, SCALE),
    *[st_row("laplace", m, X, LOC, SCALE, smooth=False) for m in ("logpdf", "pdf", "cdf")],
    *[st_row("logistic", m, X, LOC, SCALE) for m in ("logpdf", "pdf", "cdf", "sf")],
    *[st_row("logistic", m, UNIT, LOC, SCALE) for m in ("ppf", "isf")],
    *[st_row("cauchy", m, X, LOC, SCALE) for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[st_row("cauchy", m, UNIT, LOC, SCALE) for m in ("ppf", "isf")],
    *[st_row("uniform", m, (_between(0.1, 1.9), (2, 3), F64), (_between(-0.05, 0.05), (), F64),
             (_between(2.0, 2.5), (), F64)) for m in ("logpdf", "pdf", "cdf")],
    st_row("uniform", "logpdf", (real, (7,), F64), diff=(), case="outside-support", fixed=(-0.5, 1.0)),
    st_row("uniform", "ppf", UNIT, LOC, SCALE),
    *[st_row("truncnorm", m, (_between(-0.4, 1.4), (2, 3), F64), (_between(-1.5, -0.6), (), F64),
             (_between(1.5, 2.5), (), F64), (_between(-0.1, 0.1), (), F64), (_between(0.9, 1.1), (), F64))
      for m in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    st_row("truncnorm", "logpdf", (_between(3.1, 3.9), (2, 3), F64), case="right-tail", fixed=(3.0, 4.0),
           rtol=1e-9),
    *[st_row("poisson", m, COUNTS, (positive, (), F64), diff=(1,)) for m in ("logpmf", "pmf", "cdf")],
    *[st_row("bernoulli", m, BERNOULLI, PROB, diff=(1,)) for m in ("logpmf", "pmf", "cdf")],
    st_row("bernoulli", "ppf", UNIT, PROB, diff=(), smooth=False),
    *[st_row("binom", m, COUNTS, PROB, diff=(1,), case="n=6",   # n is a count, fixed
             fun=lambda k, p, m=m: getattr(fst.binom, m)(k, 6.0, p),
             reference=lambda k, p, m=m: getattr(ss.binom, m)(k, 6, p)) for m in ("logpmf", "pmf")],
    st_row("poisson", "logpmf", (lambda r, s, d: np.array([-1.0, 0.5, 2.0]), (3,), F64), (positive, (), F64),
           diff=(), case="outside-support"),
    *[st_row("multivariate_normal", m, (real, (4, 3), F64), (real, (3,), F64),
             (lambda r, s, d: (lambda a: a @ a.T + 3 * np.eye(3))(r.standard_normal(s)), (3, 3), F64))
      for m in ("logpdf", "pdf")],
    st_row("multivariate_normal", "logpdf", (real, (3,), F64), (real, (3,), F64), (positive, (3,), F64),
           case="diagonal-cov"),
    *[st_row("dirichlet", m, (lambda r, s, d: (lambda v: v / v.sum(0))(r.uniform(0.2, 1.0, s)), (3, 4), F64),
             (_between(0.8, 3.0), (3,), F64), diff=(1,)) for m in ("logpdf", "pdf")],
]
