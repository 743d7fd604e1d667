"""Special functions as elementwise primitives, named as in jax.lax where it
has them (lgamma, digamma, erf_inv, igamma, igammac,
regularized_incomplete_beta, bessel_i0e, bessel_i1e): SciPy evaluates them
eagerly, and under jit fused loops call SciPy's own compiled code (the
`scipy.special.cython_special` functions, through their C addresses, as
numba's documentation shows; `math.lgamma`, `math.gamma` and `math.erfc`
are numba's own). The derivatives are closed forms, themselves
differentiable, so derivatives of any order follow.

`betainc` and `gammainc` / `gammaincc` are differentiable in x only, as in
JAX: a tangent in a or b raises, naming them. SciPy exports no compiled
Hurwitz zeta, so `hurwitz_zeta` (and through it the polygamma functions,
digamma's derivatives) is a composition, the Euler-Maclaurin series JAX
differentiates (Johansson 2015, formula 5): it lowers like any other.
Operands are real floating-point: a complex one raises naming the function.
"""
from __future__ import annotations

import numpy as np

from ..errors import UnsupportedError
from ..ir import aval_of
from .elementwise import REAL, exp, log, log1p, nary_primitive, scipy_special, select_n, sign, unary_primitive

_SQRT_PI = float(np.sqrt(np.pi))
_SQRT_2PI = float(np.sqrt(2 * np.pi))


def _in_float64(scipy_name):
    """scipy.special.<scipy_name> computed in float64 and rounded to the
    operands' dtype: what kernels do (they call SciPy's float64 code), where
    SciPy's own float32 loops (betainc's) differ at special values."""
    function = scipy_special(scipy_name)

    def impl(*args):
        dtype = np.result_type(*args)
        out = function(*[np.asarray(a, np.float64) for a in args])
        return out if dtype == np.float64 else np.asarray(out).astype(dtype)
    impl.__name__ = impl.__qualname__ = scipy_name
    return impl


def _special(name, scipy_name, jvp):
    """A one-operand primitive: scipy.special.<scipy_name> eagerly, its
    cython_special version under jit (backend/special_kernels.py)."""
    return unary_primitive(name, _in_float64(scipy_name), f"special.{scipy_name}({{0}})", jvp, REAL)


def _not_differentiable(name, arguments):
    def tangent(*_, **__):
        raise UnsupportedError(f"{name} is differentiable in x only (as in JAX): the derivative with respect "
                               f"to {arguments} is not implemented. Hold {arguments} fixed (e.g. "
                               "stop_gradient), or differentiate with respect to x.")
    return tangent


def _constant(value, like):
    return np.asarray(value, aval_of(like).dtype)[()]


def _i1_over_x(i1_x, x):
    """I1(x) / x, whose limit at 0 is 1/2 (likewise for the scaled I1e)."""
    at_zero = x == 0
    return select_n(at_zero, i1_x / select_n(at_zero, x, _constant(1.0, x)), _constant(0.5, x))


# --------------------------------------------------------------------- gamma family

gamma = unary_primitive("gamma", scipy_special("gamma"), "math.gamma({0})",
                        lambda t, x, out: t * out * digamma(x), REAL)
# Not math.lgamma (C's lgamma): SciPy's gammaln is inf at subnormals and -inf
# at -inf, C's finite and +inf; jit must give SciPy's values.
lgamma = _special("lgamma", "gammaln", lambda t, x, out: t * digamma(x))
digamma = _special("digamma", "psi", lambda t, x, out: t * hurwitz_zeta(2.0, x))


def hurwitz_zeta(s, q):
    """zeta(s, q) = sum over n >= 0 of (n + q)^-s, for s > 1 (q > 0, or any q
    for integer s): N terms, the integral of the rest and M Euler-Maclaurin
    corrections with Bernoulli numbers (float64: N = M = 16)."""
    n_terms = 16
    total = sum((q + k) ** -s for k in range(n_terms))
    w = q + n_terms
    total = total + w ** (1.0 - s) / (s - 1.0)
    correction, rising = 0.5, s / w          # rising: s (s+1) ... (s+2j-2) / w^(2j-1)
    for j, coefficient in enumerate(_BERNOULLI_OVER_FACTORIAL, start=1):
        correction = correction + coefficient * rising
        rising = rising * (s + (2 * j - 1)) * (s + 2 * j) / (w * w)
    return total + w ** -s * correction


# B_2j / (2j)! for j = 1..16.
_BERNOULLI_OVER_FACTORIAL = tuple(float(b) / float(np.prod(np.arange(1, 2 * j + 1, dtype=np.float64)))
                                  for j, b in enumerate(
    (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330,
     854513 / 138, -236364091 / 2730, 8553103 / 6, -23749461029 / 870, 8615841276005 / 14322,
     -7709321041217 / 510), start=1))


# --------------------------------------------------------------------- error functions

erfc = unary_primitive("erfc", scipy_special("erfc"), "math.erfc({0})",
                       lambda t, x, out: t * (-2.0 / _SQRT_PI) * exp(-x * x), REAL)
erf_inv = _special("erf_inv", "erfinv", lambda t, x, out: t * (0.5 * _SQRT_PI) * exp(out * out))
erfc_inv = _special("erfc_inv", "erfcinv", lambda t, x, out: t * (-0.5 * _SQRT_PI) * exp(out * out))
ndtri = _special("ndtri", "ndtri", lambda t, x, out: t * _SQRT_2PI * exp(0.5 * out * out))
log_ndtr = _special("log_ndtr", "log_ndtr",
                    lambda t, x, out: t * exp(-0.5 * x * x - out) / _SQRT_2PI)


# ------------------------------------------------------------- incomplete gamma and beta

def _gammainc_density(x, a):
    """d/dx of the regularized lower incomplete gamma function."""
    return exp(-x + (a - 1.0) * log(x) - lgamma(a))


igamma = nary_primitive("igamma", _in_float64("gammainc"), "special.gammainc({0}, {1})",
                        (_not_differentiable("gammainc", "a"), lambda t, a, x, out: t * _gammainc_density(x, a)),
                        REAL)
igammac = nary_primitive("igammac", _in_float64("gammaincc"), "special.gammaincc({0}, {1})",
                         (_not_differentiable("gammaincc", "a"),
                          lambda t, a, x, out: -t * _gammainc_density(x, a)), REAL)


def _betainc_density(t, a, b, x, out):
    return t * exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b)))


betainc = nary_primitive("regularized_incomplete_beta", _in_float64("betainc"), "special.betainc({0}, {1}, {2})",
                         (_not_differentiable("betainc", "a and b"), _not_differentiable("betainc", "a and b"),
                          _betainc_density), REAL)


# ------------------------------------------------------------------ modified Bessel

bessel_i0 = _special("bessel_i0", "i0", lambda t, x, out: t * bessel_i1(x))
bessel_i1 = _special("bessel_i1", "i1", lambda t, x, out: t * (bessel_i0(x) - _i1_over_x(out, x)))
bessel_i0e = _special("bessel_i0e", "i0e", lambda t, x, out: t * (bessel_i1e(x) - sign(x) * out))
bessel_i1e = _special("bessel_i1e", "i1e",
                      lambda t, x, out: t * (bessel_i0e(x) - sign(x) * out - _i1_over_x(out, x)))
