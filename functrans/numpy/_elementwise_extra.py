"""More of NumPy's elementwise functions, as jax.numpy defines them:
hypot, logaddexp(2), fmax/fmin, fabs, sinc, degree conversions,
nan_to_num, heaviside, signbit, copysign, float_power and cbrt.

All are compositions. Two have derivative rules of their own, as in JAX:
`logaddexp`, whose `where` between the finite and the infinite cases would
send 0 * nan back to the inputs, and `sinc`, whose value at 0 is a limit
(its rule gives the Maclaurin coefficients there, to any order).
"""
from __future__ import annotations

import numpy as np

from ..ops import elementwise as ew
from ._base import aval, operand, promote, result, to_float
from ._complex import imag, iscomplexobj, real
from ._custom_jvp import with_jvp
from ._math import (
    _float_binary,
    abs,
    add,
    arctan2,
    divide,
    equal,
    exp,
    greater,
    isinf,
    isnan,
    less,
    log1p,
    logical_or,
    maximum,
    minimum,
    multiply,
    negative,
    sin,
    sqrt,
    square,
    subtract,
    where,
)


def _inexact(*args):
    """Operands promoted together, then made floating (JAX's promote_args_inexact)."""
    return [to_float(a) for a in promote(*args)]


def _quiet(fn):
    """`fn` without NumPy's warnings from the intermediate steps of its
    composition when it runs eagerly (inf - inf in logaddexp, inf / inf in
    hypot, whose results are then selected away): NumPy's own functions do
    not warn there."""
    def wrapped(*args):
        with np.errstate(invalid="ignore", divide="ignore"):
            return fn(*args)
    wrapped.__name__, wrapped.__qualname__, wrapped.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    return wrapped


def _no_complex(name, *args):
    if any(iscomplexobj(a) for a in args):
        raise TypeError(f"{name} is not defined for complex inputs; pass real values (e.g. abs(x) or x.real)")


@_quiet
def hypot(x1, x2):
    """sqrt(x1**2 + x2**2), scaled by the larger magnitude so that it
    neither overflows nor underflows (JAX's composition)."""
    x1, x2 = _inexact(x1, x2)
    _no_complex("hypot", x1, x2)
    x1, x2 = abs(x1), abs(x2)
    is_inf = logical_or(isinf(x1), isinf(x2))
    big, small = maximum(x1, x2), minimum(x1, x2)
    zero = equal(big, 0)
    ratio = divide(small, where(zero, 1.0, big))     # 0 / 0 is never formed
    out = where(zero, big, multiply(big, sqrt(add(1.0, square(ratio)))))
    return where(is_inf, np.inf, out)


def _logaddexp_value(x1, x2):
    delta = subtract(x1, x2)
    # NaN delta: a NaN input, or infinities of one sign, whose sum is right.
    stable = add(maximum(x1, x2), log1p(exp(negative(abs(delta)))))
    return (where(isnan(delta), add(x1, x2), stable),)


def _logaddexp_jvp(primals, tangents):
    """d out = w1 dx1 + w2 dx2, w = exp(x - out); where out is infinite the
    weight is 1 for each input equal to it (JAX's choice at +-inf pairs)."""
    (x1, x2), (t1, t2) = primals, tangents
    (out,) = _logaddexp(x1, x2)
    infinite = isinf(out)
    safe_out = where(infinite, 0.0, out)

    def weight(x):
        finite_weight = exp(subtract(where(infinite, 0.0, x), safe_out))
        return where(infinite, ew.convert_element_type(equal(x, out), new_dtype=aval(out).dtype,
                                                       weak_type=False), finite_weight)
    return [out], [add(multiply(t1, weight(x1)), multiply(t2, weight(x2)))]


_logaddexp = with_jvp(_logaddexp_value, _logaddexp_jvp)


@_quiet
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), without overflow."""
    x1, x2 = _inexact(x1, x2)
    _no_complex("functrans.numpy.logaddexp", x1, x2)
    return _logaddexp(x1, x2)[0]


def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2), without overflow: logaddexp in units of ln 2."""
    x1, x2 = _inexact(x1, x2)
    ln2 = float(np.log(2.0))
    return divide(logaddexp(multiply(x1, ln2), multiply(x2, ln2)), ln2)


def fmax(x1, x2):
    """The larger of x1 and x2, ignoring a NaN in either (NaN only if both are)."""
    return where(logical_or(greater(x1, x2), isnan(x2)), x1, x2)


def fmin(x1, x2):
    """The smaller of x1 and x2, ignoring a NaN in either (NaN only if both are)."""
    return where(logical_or(less(x1, x2), isnan(x2)), x1, x2)


def fabs(x):
    """|x| in floating point (integers become float64); not for complex x."""
    x = to_float(x)
    if iscomplexobj(x):
        raise TypeError("ufunc 'fabs' does not support complex dtypes; use functrans.numpy.abs")
    return abs(x)


def deg2rad(x):
    """Degrees to radians."""
    return multiply(to_float(x), float(np.pi / 180))


def rad2deg(x):
    """Radians to degrees."""
    return multiply(to_float(x), float(180 / np.pi))


radians, degrees = deg2rad, rad2deg


def _maclaurin(k):
    """The k-th derivative of sin(x)/x at 0, as a function of x that is
    constant but whose JVP is the (k+1)-th: sinc's value at 0, differentiable
    to any order."""
    coefficient = 0.0 if k % 2 else (-1.0) ** (k // 2) / (k + 1)

    def value(x):
        return (add(multiply(x, 0.0), coefficient),)

    def jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return [value(x)[0]], [multiply(t, _maclaurin(k + 1)(x)[0])]
    return with_jvp(value, jvp)


def sinc(x):
    """sin(pi x) / (pi x), and 1 at x = 0, with exact derivatives there."""
    x = to_float(x)
    at_zero = equal(x, 0)
    pi_x = multiply(x, float(np.pi))
    safe = where(at_zero, 1.0, pi_x)
    return where(at_zero, _maclaurin(0)(pi_x)[0], divide(sin(safe), safe))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by `nan`, infinities by `posinf` / `neginf` (the largest
    finite values of the dtype by default); integers are returned as they are.
    Complex values have both parts replaced."""
    del copy   # arrays are immutable values here
    x = operand(x)
    dtype = aval(x).dtype
    if dtype.kind in "biu":
        return result(x)
    if dtype.kind == "c":
        parts = [nan_to_num(p, nan=nan, posinf=posinf, neginf=neginf) for p in (real(x), imag(x))]
        return ew.complex(*parts)
    info = np.finfo(dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = where(isnan(x), np.asarray(nan, dtype), x)
    out = where(equal(x, np.inf), np.asarray(posinf, dtype), out)
    return where(equal(x, -np.inf), np.asarray(neginf, dtype), out)


def heaviside(x1, x2):
    """0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0 (NaN where x1 is)."""
    x1, x2 = _inexact(x1, x2)
    return where(less(x1, 0), 0.0, where(greater(x1, 0), 1.0, where(isnan(x1), x1, x2)))


def signbit(x):
    """Whether the sign bit is set: True for negative numbers and -0.0.
    (For floats it is read as atan2(x, -1) < 0, which is False for every
    NaN, where NumPy reports the sign bit of a negative NaN.)"""
    x = operand(x)
    dtype = aval(x).dtype
    if dtype.kind == "b":
        return np.zeros(aval(x).shape, bool)
    if dtype.kind in "iu":
        return less(x, 0)
    _no_complex("signbit", x)
    return less(arctan2(x, -1.0), 0)


def copysign(x1, x2):
    """|x1| with the sign of x2."""
    x1, x2 = _inexact(x1, x2)
    _no_complex("copysign", x1, x2)
    magnitude = abs(x1)
    return where(signbit(x2), negative(magnitude), magnitude)


_pow = _float_binary(ew.pow, "float_power")


def float_power(x, y):
    """x ** y in floating point. Float32 stays float32, as in JAX (NumPy
    computes in float64)."""
    return _pow(x, y)


def cbrt(x):
    """The real cube root (negative for negative x)."""
    return ew.cbrt(to_float(x))


__all__ = ["hypot", "logaddexp", "logaddexp2", "fmax", "fmin", "fabs", "sinc", "deg2rad", "rad2deg", "radians",
           "degrees", "nan_to_num", "heaviside", "signbit", "copysign", "float_power", "cbrt"]
