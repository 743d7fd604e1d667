"""functrans.scipy.special: SciPy's special functions, as jax.scipy.special
has them, differentiable (to any order where SciPy's function has a closed
form derivative), batched, and lowered under jit to SciPy's own compiled
code (see ops/special.py).

NumPy broadcasting and promotion apply (integers compute in float64).
betainc, gammainc and gammaincc are differentiable in x only, as in JAX.
zeta and polygamma (n >= 1) are the Euler-Maclaurin composition of
ops/special.py; zeta(x) without q is zeta(x, 1), defined for x > 1 (SciPy
continues it below 1; here it is NaN there).
"""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from ..api.custom import custom_jvp
from ..nn import log_softmax as _log_softmax
from ..nn import softmax as _softmax
from ..numpy._base import broadcast_args, operand, promote, result, to_float
from ..ops import elementwise as ew
from ..ops import special as sp

__all__ = ["beta", "betainc", "betaln", "digamma", "entr", "erf", "erfc", "erfcinv", "erfinv", "expit", "gamma",
           "gammainc", "gammaincc", "gammaln", "gammasgn", "i0", "i0e", "i1", "i1e", "log_ndtr", "log_softmax",
           "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "rgamma", "sinc", "softmax",
           "xlog1py", "xlogy", "zeta"]


def _floats(*args):
    """Operands as floats of one dtype, broadcast against each other (Python
    scalars as NumPy values, not the facade's inline literals)."""
    return [result(a) for a in broadcast_args("special function", *promote(*[to_float(operand(a)) for a in args]))]


def _elementwise(prim, name):
    def fn(*args):
        return prim(*_floats(*args))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"scipy.special.{name}, elementwise."
    return fn


gammaln = _elementwise(sp.lgamma, "gammaln")
digamma = psi = _elementwise(sp.digamma, "digamma")
gamma = _elementwise(sp.gamma, "gamma")
erf = _elementwise(ew.erf, "erf")
erfc = _elementwise(sp.erfc, "erfc")
erfinv = _elementwise(sp.erf_inv, "erfinv")
erfcinv = _elementwise(sp.erfc_inv, "erfcinv")
ndtri = _elementwise(sp.ndtri, "ndtri")
log_ndtr = _elementwise(sp.log_ndtr, "log_ndtr")
expit = _elementwise(ew.logistic, "expit")
gammainc = _elementwise(sp.igamma, "gammainc")
gammaincc = _elementwise(sp.igammac, "gammaincc")
betainc = _elementwise(sp.betainc, "betainc")
i0 = _elementwise(sp.bessel_i0, "i0")
i0e = _elementwise(sp.bessel_i0e, "i0e")
i1 = _elementwise(sp.bessel_i1, "i1")
i1e = _elementwise(sp.bessel_i1e, "i1e")


def _poles(x):
    """Where Gamma has its poles: 0, -1, -2, ..."""
    return (x <= 0) & (x == fnp.floor(x))


def gammasgn(x):
    """The sign of Gamma(x): 1 for x > 0, alternating between the poles
    below 0, NaN at the poles but +-1 at +-0, as SciPy's."""
    x, = _floats(x)
    below = fnp.where(fnp.remainder(fnp.floor(x), 2.0) == 0, 1.0, -1.0)
    with np.errstate(divide="ignore"):   # 1 / -0.0 = -inf tells the zeros apart
        signed_zero = fnp.where(1.0 / fnp.where(x == 0, x, 1.0) < 0, -1.0, 1.0)
    out = fnp.where(x > 0, 1.0, fnp.where(x == 0, signed_zero, fnp.where(_poles(x), np.nan, below)))
    return fnp.where(fnp.isnan(x), np.nan, out).astype(fnp.asarray(x).dtype)


def rgamma(x):
    """1 / Gamma(x): 0 at the poles."""
    x, = _floats(x)
    poles = _poles(x)
    return fnp.where(poles, 0.0, 1.0 / sp.gamma(fnp.where(poles, 1.0, x)))


def betaln(a, b):
    """log |B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)."""
    a, b = _floats(a, b)
    return sp.lgamma(a) + sp.lgamma(b) - sp.lgamma(a + b)


def beta(a, b):
    """B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b), through betaln (no overflow)."""
    a, b = _floats(a, b)
    return gammasgn(a) * gammasgn(b) * gammasgn(a + b) * fnp.exp(betaln(a, b))


def ndtr(x):
    """The standard normal CDF, erfc(-x / sqrt 2) / 2."""
    x, = _floats(x)
    return 0.5 * sp.erfc(-x * float(np.sqrt(0.5)))


def logit(p):
    """log(p / (1 - p))."""
    p, = _floats(p)
    return fnp.log(p) - fnp.log1p(-p)


def zeta(x, q=None):
    """The Hurwitz zeta function sum over n >= 0 of (n + q)^-x (q = 1: Riemann's), x > 1."""
    x, q = _floats(x, 1.0 if q is None else q)
    return fnp.where(x > 1, sp.hurwitz_zeta(x, q), np.nan)


def polygamma(n, x):
    """The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x) for n >= 1."""
    n, x = _floats(n, x)
    first = n == 0
    order = fnp.where(first, 1.0, n)   # a safe order where digamma is taken
    sign = fnp.where(fnp.remainder(order, 2.0) == 1, 1.0, -1.0)
    return fnp.where(first, sp.digamma(x), sign * sp.gamma(order + 1) * sp.hurwitz_zeta(order + 1, x))


def multigammaln(a, d):
    """log of the multivariate gamma function of dimension d (an int)."""
    a, = _floats(a)
    return sum(sp.lgamma(a - 0.5 * j) for j in range(int(d))) + 0.25 * d * (d - 1) * float(np.log(np.pi))


# --------------------------------------------------- x log y with JAX's derivative at x = 0

@custom_jvp
def _xlogy(x, y):
    safe_y = fnp.where(x == 0, 1.0, y)
    return fnp.where(x == 0, 0.0, x * fnp.log(safe_y))


_xlogy.defjvps(lambda t, out, x, y: t * fnp.log(y), lambda t, out, x, y: t * x / y)


@custom_jvp
def _xlog1py(x, y):
    safe_y = fnp.where(x == 0, 0.0, y)
    return fnp.where(x == 0, 0.0, x * fnp.log1p(safe_y))


_xlog1py.defjvps(lambda t, out, x, y: t * fnp.log1p(y), lambda t, out, x, y: t * x / (1 + y))


def xlogy(x, y):
    """x log y, 0 where x is 0 (also for y = 0); d/dx = log y, as JAX's."""
    return _xlogy(*_floats(x, y))


def xlog1py(x, y):
    """x log(1 + y), 0 where x is 0; d/dx = log(1 + y)."""
    return _xlog1py(*_floats(x, y))


def entr(x):
    """-x log x for x > 0, 0 at 0, -inf below."""
    x, = _floats(x)
    return fnp.where(x > 0, -_xlogy(fnp.where(x > 0, x, 1.0), fnp.where(x > 0, x, 1.0)),
                     fnp.where(x == 0, 0.0, -np.inf))


# ------------------------------------------------------------------------ reductions

def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over axis, stable; with return_sign, (log|s|,
    sign s), else NaN where the weighted sum is negative (SciPy's)."""
    a = to_float(operand(a))
    m = fnp.max(a, axis=axis, keepdims=True)
    m = fnp.stop_gradient(fnp.where(fnp.isfinite(m), m, 0.0))
    terms = fnp.exp(a - m) if b is None else fnp.asarray(b) * fnp.exp(a - m)
    total = fnp.sum(terms, axis=axis, keepdims=True)
    sign = fnp.sign(total)
    out = fnp.log(fnp.abs(total)) + m
    if not keepdims:
        out, sign = fnp.squeeze(out, axis=axis), fnp.squeeze(sign, axis=axis)
    if return_sign:
        return out, sign
    return fnp.where(sign < 0, np.nan, out)


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over axis (all axes by default, SciPy's)."""
    return _softmax(fnp.asarray(x), axis=axis)


def log_softmax(x, axis=None):
    """x - logsumexp(x) over axis (all axes by default, SciPy's)."""
    return _log_softmax(fnp.asarray(x), axis=axis)


# ------------------------------------------------------------------------------ sinc

_SINC_TAYLOR = (1.0, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880)   # sin(z) / z in powers of z^2


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0; near 0 its Taylor series, so that every
    derivative at 0 is right (the second is -pi^2 / 3)."""
    x, = _floats(x)
    z = np.pi * x
    near = fnp.abs(z) < 0.1
    z_far = fnp.where(near, 1.0, z)
    z2 = z * z
    series = sum(c * z2 ** k for k, c in enumerate(_SINC_TAYLOR))
    return fnp.where(near, series, fnp.sin(z_far) / z_far)
