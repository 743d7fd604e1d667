"""Elementwise math, comparisons and logic, NumPy-style, as compositions of
the strict elementwise primitives. Nothing here has derivative rules: what is
not a primitive is differentiated through its composition."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Tracer
from ..ir import Literal
from ..ops import elementwise as ew
from ._base import (aval, binary, broadcast_args, broadcast_shapes, broadcast_to, cast, operand, promote, to_float,
                    unary, unary_float)


bitwise_and = binary(ew.and_, "bitwise_and")
bitwise_or = binary(ew.or_, "bitwise_or")
add = binary(ew.add, "add", on_bools=bitwise_or)
subtract = binary(ew.sub, "subtract")
multiply = binary(ew.mul, "multiply", on_bools=bitwise_and)
maximum = binary(ew.max, "maximum", on_bools=bitwise_or)
minimum = binary(ew.min, "minimum", on_bools=bitwise_and)
equal = binary(ew.eq, "equal")
not_equal = binary(ew.ne, "not_equal")
less = binary(ew.lt, "less")
less_equal = binary(ew.le, "less_equal")
greater = binary(ew.gt, "greater")
greater_equal = binary(ew.ge, "greater_equal")
bitwise_xor = binary(ew.xor, "bitwise_xor")
fmod = binary(ew.rem, "fmod")
_int_divide = binary(ew.div, "floor_divide")   # rounds toward zero, as lax.div

negative = unary(ew.neg, "negative")
sign = unary(ew.sign, "sign")
abs = absolute = unary(ew.abs, "abs")
invert = bitwise_not = unary(ew.not_, "invert")


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


floor = _integral_identity(unary_float(ew.floor, "floor"))
ceil = _integral_identity(unary_float(ew.ceil, "ceil"))
round = _integral_identity(unary_float(ew.round, "round"))
exp = unary_float(ew.exp, "exp")
log = unary_float(ew.log, "log")
log1p = unary_float(ew.log1p, "log1p")
expm1 = unary_float(ew.expm1, "expm1")
sqrt = unary_float(ew.sqrt, "sqrt")
sin = unary_float(ew.sin, "sin")
cos = unary_float(ew.cos, "cos")
tan = unary_float(ew.tan, "tan")
arcsin = unary_float(ew.asin, "arcsin")
arccos = unary_float(ew.acos, "arccos")
arctan = unary_float(ew.atan, "arctan")
sinh = unary_float(ew.sinh, "sinh")
cosh = unary_float(ew.cosh, "cosh")
tanh = unary_float(ew.tanh, "tanh")
arcsinh = unary_float(ew.asinh, "arcsinh")
arccosh = unary_float(ew.acosh, "arccosh")
arctanh = unary_float(ew.atanh, "arctanh")
isfinite = unary_float(ew.is_finite, "isfinite")


def _float_binary(prim, name):
    binary_fn = binary(prim, name)

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


# The constants are Python floats, weakly typed: float32 stays float32.
def exp2(x):
    return exp(multiply(to_float(x), float(np.log(2.0))))


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
