"""The special-function rows of the op table (import `op_table`, which adds
these to `ROWS`): the primitives of ops/special.py against scipy.special,
and functrans.scipy.special. Domains keep each function smooth and away
from its poles and branch points."""
from __future__ import annotations

from functools import partial

import numpy as np
import scipy.special as S
from op_table import F32, F64, Row, args_of, nonzero, positive, prim_row, real, short, unary, unit

import functrans.scipy.special as fs


def in_float64(function):
    """SciPy's function computed in float64 and rounded to the operands'
    dtype, as functrans computes it (SciPy's float32 loops differ)."""
    def reference(*args):
        dtype = np.result_type(*args)
        return np.asarray(function(*[np.asarray(a, np.float64) for a in args])).astype(dtype)
    return reference


def _between(lo, hi):
    return lambda rng, shape, dtype: np.asarray(rng.uniform(lo, hi, shape), dtype)


probability = _between(0.1, 0.9)
two_sided = _between(0.3, 1.7)      # erfcinv's domain, away from 0 and 2
shape_parameter = _between(0.6, 3.0)

PRIMITIVES = [
    *unary("gamma", S.gamma, positive, lambda x: S.gamma(x) * S.digamma(x)),
    *unary("lgamma", S.gammaln, positive, S.digamma),
    *unary("digamma", S.digamma, positive, lambda x: S.polygamma(1, x)),
    *unary("erfc", S.erfc, derivative=lambda x: -2 / np.sqrt(np.pi) * np.exp(-x * x)),
    *unary("erf_inv", S.erfinv, unit, lambda x: np.sqrt(np.pi) / 2 * np.exp(S.erfinv(x) ** 2)),
    *unary("erfc_inv", S.erfcinv, two_sided, lambda x: -np.sqrt(np.pi) / 2 * np.exp(S.erfcinv(x) ** 2)),
    *unary("ndtri", S.ndtri, _between(0.25, 0.75), lambda x: np.sqrt(2 * np.pi) * np.exp(S.ndtri(x) ** 2 / 2)),
    *unary("log_ndtr", S.log_ndtr, derivative=lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi) / S.ndtr(x)),
    *unary("bessel_i0", S.i0, derivative=S.i1),
    *unary("bessel_i1", S.i1, derivative=lambda x: S.i0(x) - S.i1(x) / x),
    *unary("bessel_i0e", S.i0e, nonzero, lambda x: S.i1e(x) - np.sign(x) * S.i0e(x)),
    *unary("bessel_i1e", S.i1e, nonzero, lambda x: S.i0e(x) - S.i1e(x) * (np.sign(x) + 1 / x)),
    *[prim_row(name, f"{short(dtype, shape)}", args_of((shape_parameter, shape, dtype), (positive, shape, dtype)),
               in_float64(ref), diff=(1,) if dtype == F64 else (), smooth=dtype == F64,
               rtol=1e-12 if dtype == F64 else 1e-6,
               derivatives=((lambda a, x, s=sign: s * np.exp(-x + (a - 1) * np.log(x) - S.gammaln(a))),)
               if dtype == F64 else None)
      for name, ref, sign in (("igamma", S.gammainc, 1), ("igammac", S.gammaincc, -1))
      for shape, dtype in (((2, 3), F64), ((), F64), ((2, 3), F32))],
    *[prim_row("regularized_incomplete_beta", f"{short(dtype, shape)}",
               args_of((shape_parameter, shape, dtype), (shape_parameter, shape, dtype), (probability, shape, dtype)),
               in_float64(S.betainc), diff=(2,) if dtype == F64 else (), smooth=dtype == F64,
               rtol=1e-12 if dtype == F64 else 1e-6)
      for shape, dtype in (((2, 3), F64), ((), F64), ((2, 3), F32))],
]


def sf_row(name, *specs, case=None, fun=None, reference=None, diff=True, smooth=True, rtol=1e-12, **kwargs):
    """functrans.scipy.special.<name>(*args, **kwargs) against scipy.special.<name>."""
    fun = fun or partial(getattr(fs, name), **kwargs)
    reference = reference or partial(getattr(S, name), **kwargs)
    case = case or "-".join(short(d, s) for _, s, d in specs) + "".join(f"-{k}={v}" for k, v in kwargs.items())
    checked = diff and all(d == F64 for _, _, d in specs)
    argnums = diff if isinstance(diff, tuple) else tuple(range(len(specs)))
    return Row(id=f"scipy.special.{name}-{case}", fun=fun, reference=reference, make_args=args_of(*specs),
               diff=argnums if checked else (), smooth=smooth and checked, rtol=rtol if checked or not diff else 1e-6)


X, P = (positive, (2, 3), F64), (probability, (2, 3), F64)
FACADE = [
    *[sf_row(name, X) for name in ("gammaln", "digamma", "psi", "gamma", "rgamma", "i0", "i0e", "i1", "i1e")],
    sf_row("gammaln", (positive, (2, 3), F32), diff=False),
    sf_row("gammaln", (lambda r, s, d: -positive(r, s, d) + 0.25, (2, 3), F64), case="negative-non-integers"),
    sf_row("rgamma", (lambda r, s, d: np.array([-2.0, -1.0, 0.0, -0.5, 0.5, 3.0]), (6,), F64), diff=False,
           case="poles"),
    sf_row("gammasgn", (lambda r, s, d: np.array([-2.5, -1.5, -1.0, -0.0, 0.0, 0.5, np.nan]), (7,), F64),
           diff=False, case="special-values"),
    sf_row("polygamma", (lambda r, s, d: np.array([[0.0, 1.0, 2.0], [3.0, 1.0, 0.0]]), (2, 3), F64), X, diff=(1,),
           case="n=0..3"),
    sf_row("beta", X, X), sf_row("betaln", X, X),
    sf_row("beta", (lambda r, s, d: np.array([-0.5, 1.5, 2.5]), (3,), F64), (positive, (3,), F64), diff=(1,),
           case="negative-a"),
    sf_row("betainc", (shape_parameter, (2, 3), F64), (shape_parameter, (3,), F64), P, diff=(2,)),
    sf_row("gammainc", (shape_parameter, (3,), F64), X, diff=(1,)),
    sf_row("gammaincc", (shape_parameter, (2, 3), F64), X, diff=(1,)),
    *[sf_row(name, (real, (2, 3), F64)) for name in ("erf", "erfc", "ndtr", "log_ndtr", "expit")],
    sf_row("erfinv", (unit, (2, 3), F64)), sf_row("erfcinv", (two_sided, (2, 3), F64)),
    sf_row("ndtri", P), sf_row("logit", P),
    sf_row("xlogy", (real, (2, 3), F64), X), sf_row("xlog1py", (real, (2, 3), F64), X),
    sf_row("xlogy", (lambda r, s, d: np.array([0.0, 0.0, 1.5]), (3,), F64),
           (lambda r, s, d: np.array([0.0, 2.0, 2.0]), (3,), F64), diff=False, case="x=0"),
    sf_row("entr", (lambda r, s, d: np.array([-1.0, 0.0, 0.5, 2.0]), (4,), F64), diff=False, case="special-values"),
    sf_row("entr", X),
    sf_row("multigammaln", X, fun=lambda a: fs.multigammaln(a + 1.0, 3), reference=lambda a: S.multigammaln(a + 1.0, 3),
           case="d=3"),
    sf_row("zeta", (lambda r, s, d: positive(r, s, d) + 1.0, (2, 3), F64), X),
    sf_row("zeta", (lambda r, s, d: positive(r, s, d) + 1.5, (2, 3), F64), case="riemann"),
    sf_row("sinc", (lambda r, s, d: np.array([0.0, 1e-3, -0.02, 0.3, 2.5]), (5,), F64), reference=np.sinc),
    sf_row("sinc", (real, (2, 3), F64), reference=np.sinc),
    sf_row("logsumexp", (real, (2, 3), F64)), sf_row("logsumexp", (real, (2, 3), F64), axis=1, keepdims=True),
    sf_row("logsumexp", (real, (2, 3), F64), (positive, (2, 3), F64), case="b",
           fun=lambda a, b: fs.logsumexp(a, b=b, axis=0), reference=lambda a, b: S.logsumexp(a, b=b, axis=0)),
    sf_row("logsumexp", (real, (2, 3), F64), (real, (2, 3), F64), case="b-return_sign", diff=(0,),
           fun=lambda a, b: fs.logsumexp(a, b=b, axis=1, return_sign=True),
           reference=lambda a, b: S.logsumexp(a, b=b, axis=1, return_sign=True)),
    sf_row("softmax", (real, (2, 3), F64)), sf_row("softmax", (real, (2, 3), F64), axis=1),
    sf_row("log_softmax", (real, (2, 3), F64)), sf_row("log_softmax", (real, (2, 3), F64), axis=0),
]
