"""Elementwise math, comparisons and logic, NumPy-style, as compositions of
the strict elementwise primitives. Nothing here has derivative rules: what is
not a primitive is differentiated through its composition."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Tracer
from ..ir import Literal
from ..ops import elementwise as ew
from ._base import (
    aval,
    broadcast_args,
    broadcast_shapes,
    broadcast_to,
    cast,
    numpy_binary,
    numpy_unary,
    numpy_unary_float,
    operand,
    promote,
    to_float,
)

bitwise_and = numpy_binary(ew.and_, "bitwise_and")
bitwise_or = numpy_binary(ew.or_, "bitwise_or")
add = numpy_binary(ew.add, "add", on_bools=bitwise_or)
subtract = numpy_binary(ew.sub, "subtract")
multiply = numpy_binary(ew.mul, "multiply", on_bools=bitwise_and)
maximum = numpy_binary(ew.max, "maximum", on_bools=bitwise_or)
minimum = numpy_binary(ew.min, "minimum", on_bools=bitwise_and)
equal = numpy_binary(ew.eq, "equal")
not_equal = numpy_binary(ew.ne, "not_equal")
less = numpy_binary(ew.lt, "less")
less_equal = numpy_binary(ew.le, "less_equal")
greater = numpy_binary(ew.gt, "greater")
greater_equal = numpy_binary(ew.ge, "greater_equal")
bitwise_xor = numpy_binary(ew.xor, "bitwise_xor")
fmod = numpy_binary(ew.rem, "fmod")
_int_divide = numpy_binary(ew.div, "floor_divide")   # rounds toward zero, as lax.div

negative = numpy_unary(ew.neg, "negative")
sign = numpy_unary(ew.sign, "sign")
abs = absolute = numpy_unary(ew.abs, "abs")
invert = bitwise_not = numpy_unary(ew.not_, "invert")


def _integral_identity(fn):
    """`fn`, except that integers (and bools) are already integral: NumPy 2
    returns them unchanged, in their dtype."""
    def wrapped(x):
        x = operand(x)
        if aval(x).dtype.kind in "iub":
            return x.value if type(x) is Literal else x
        return fn(x)
    wrapped.__name__, wrapped.__doc__ = fn.__name__, fn.__doc__
    return wrapped


floor = _integral_identity(numpy_unary_float(ew.floor, "floor"))
ceil = _integral_identity(numpy_unary_float(ew.ceil, "ceil"))
_round_to_integer = _integral_identity(numpy_unary_float(ew.round, "round"))
exp = numpy_unary_float(ew.exp, "exp")
log = numpy_unary_float(ew.log, "log")
log1p = numpy_unary_float(ew.log1p, "log1p")
expm1 = numpy_unary_float(ew.expm1, "expm1")
sqrt = numpy_unary_float(ew.sqrt, "sqrt")
sin = numpy_unary_float(ew.sin, "sin")
cos = numpy_unary_float(ew.cos, "cos")
tan = numpy_unary_float(ew.tan, "tan")
arcsin = numpy_unary_float(ew.asin, "arcsin")
arccos = numpy_unary_float(ew.acos, "arccos")
arctan = numpy_unary_float(ew.atan, "arctan")
sinh = numpy_unary_float(ew.sinh, "sinh")
cosh = numpy_unary_float(ew.cosh, "cosh")
tanh = numpy_unary_float(ew.tanh, "tanh")
arcsinh = numpy_unary_float(ew.asinh, "arcsinh")
arccosh = numpy_unary_float(ew.acosh, "arccosh")
arctanh = numpy_unary_float(ew.atanh, "arctanh")
isfinite = numpy_unary_float(ew.is_finite, "isfinite")


def _float_binary(prim, name):
    binary_fn = numpy_binary(prim, name)

    def fn(x, y):
        x, y = promote(x, y)
        return binary_fn(to_float(x), to_float(y))
    fn.__name__ = name
    fn.__doc__ = f"Elementwise `{name}` in floating point (integers become float64)."
    return fn


true_divide = divide = _float_binary(ew.div, "divide")
arctan2 = _float_binary(ew.atan2, "arctan2")
_float_pow = _float_binary(ew.pow, "power")


def floor_divide(x, y):
    """x // y, rounding toward minus infinity, as NumPy."""
    x, y = promote(x, y)
    if dtypes.is_float(aval(x).dtype):
        return floor(divide(x, y))
    q = _int_divide(x, y)
    inexact_negative = logical_and(not_equal(fmod(x, y), 0), not_equal(less(x, 0), less(y, 0)))
    return where(inexact_negative, subtract(q, 1), q)


def remainder(x, y):
    """x % y with the sign of y, as Python and NumPy."""
    x, y = promote(x, y)
    r = fmod(x, y)
    zero = cast(0, aval(r).dtype, True)
    fix = logical_and(not_equal(r, zero), not_equal(less(r, zero), less(y, zero)))
    return where(fix, add(r, y), r)


mod = remainder


def _integer_exponent(y):
    """The Python int an exponent stands for, or None."""
    if isinstance(y, (bool, np.bool_)):
        return None
    if isinstance(y, (int, np.integer)):
        return int(y)
    if isinstance(y, (float, np.floating)) and float(y).is_integer() and abs(float(y)) <= 64:
        return int(y)
    return None


def power(x, y):
    """x ** y; integer exponents become `integer_pow` (exact at x = 0)."""
    n = _integer_exponent(y)
    x = operand(x)
    if n is not None:
        x_aval = aval(x)
        if isinstance(y, (float, np.floating)) and not dtypes.is_float(x_aval.dtype):
            x = to_float(x)
        if n < 0 and not dtypes.is_float(aval(x).dtype):
            x = to_float(x)
        return ew.integer_pow(x, y=n)
    x, y = promote(x, y)
    if not dtypes.is_float(aval(x).dtype):
        raise TypeError("power of integers to a traced integer exponent is not supported; "
                        "cast the base to float")
    if aval(x).dtype.kind == "f" and _is_constant_half(y):
        # NumPy's power takes the square root for a scalar exponent of 0.5:
        # -0.0 ** 0.5 is -0.0 and -inf ** 0.5 is nan (C's pow gives 0 and inf).
        return ew.sqrt(x)
    return _float_pow(x, y)


def _is_constant_half(y) -> bool:
    """Whether `y` is a concrete scalar 0.5 (a traced exponent is not constant)."""
    if type(y) is Literal:
        return y.value == 0.5
    return type(y) is not Tracer and np.ndim(y) == 0 and y == 0.5


def square(x):
    """x * x."""
    return ew.integer_pow(operand(x), y=2)


def reciprocal(x):
    return divide(1.0, x)


exp2 = numpy_unary_float(ew.exp2, "exp2")   # a primitive: exact at integers, as NumPy's


# The constants are Python floats, weakly typed: float32 stays float32.


def log2(x):
    return divide(log(x), float(np.log(2.0)))


def log10(x):
    return divide(log(x), float(np.log(10.0)))


def isnan(x):
    x = to_float(x)
    return not_equal(x, x)


def isinf(x):
    x = to_float(x)
    return logical_and(logical_not(isfinite(x)), logical_not(isnan(x)))


def _as_bool(x):
    return cast(operand(x), dtypes.bool_)


def logical_and(x, y):
    return ew.and_(*broadcast_args("logical_and", _as_bool(x), _as_bool(y)))


def logical_or(x, y):
    return ew.or_(*broadcast_args("logical_or", _as_bool(x), _as_bool(y)))


def logical_xor(x, y):
    return ew.xor(*broadcast_args("logical_xor", _as_bool(x), _as_bool(y)))


def logical_not(x):
    return ew.not_(_as_bool(x))


def where(condition, x=None, y=None):
    """Elements of `x` where `condition` holds, else of `y` (three-argument
    form only: the one-argument form has a data-dependent shape)."""
    if x is None or y is None:
        raise TypeError("functrans.numpy.where needs three arguments; the one-argument "
                        "form (nonzero) has a shape that depends on the data")
    x, y = promote(x, y)
    condition = _as_bool(condition)
    shapes = [aval(a).shape for a in (condition, x, y)]
    out_shape = broadcast_shapes(*shapes, op="where")
    condition = condition if shapes[0] in ((), out_shape) else broadcast_to(condition, out_shape)
    x, y = (broadcast_to(v, out_shape) if s != out_shape else v for v, s in ((x, shapes[1]), (y, shapes[2])))
    return ew.select_n(condition, y, x)


def clip(a, a_min=None, a_max=None):
    """`a` limited to [a_min, a_max]."""
    if a_min is not None:
        a = maximum(a, a_min)
    if a_max is not None:
        a = minimum(a, a_max)
    return a


def positive(x):
    x = operand(x)
    return x.value if type(x) is Literal else x


def stop_gradient(x):
    """`x`, with a zero derivative: the value flows on, gradients do not."""
    return ew.stop_gradient(operand(x))


def astype(x, dtype):
    """`x` converted to `dtype`."""
    dtype = np.dtype(dtype)
    x = operand(x)
    if type(x) is Tracer:
        if x.aval.dtype == dtype and not x.aval.weak_type:
            return x
        return ew.convert_element_type(x, new_dtype=dtype, weak_type=False)
    value = x.value if type(x) is Literal else x
    return np.asarray(value).astype(dtype)


def round(a, decimals=0, out=None):
    """NumPy's round half to even, to `decimals` places: by scaling, as
    jax.numpy.round does (so 2.675 rounds as 267.49999... does). Integers
    keep their dtype; negative `decimals` round them to tens, hundreds, ..."""
    if out is not None:
        raise TypeError("round: out= is not supported (arrays are immutable under transformations); "
                        "use the returned value")
    if not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be a Python int, got {type(decimals).__name__}")
    if decimals == 0:
        return _round_to_integer(a)
    a = operand(a)
    dtype = aval(a).dtype
    if dtype.kind in "iub":
        if decimals > 0:
            return a.value if type(a) is Literal else a
        scale = 10.0 ** -decimals
        return astype(multiply(_round_to_integer(true_divide(a, scale)), scale), dtype)
    scale = 10.0 ** decimals
    return true_divide(_round_to_integer(multiply(a, scale)), scale)

