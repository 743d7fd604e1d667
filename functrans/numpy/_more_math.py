"""jax.numpy's further small elementwise functions and reductions, and its
array-API spellings: rint, trunc, isposinf/isneginf, isreal/iscomplex/
isrealobj, divmod, ptp, count_nonzero, average, cumulative_sum/prod, and
acos ... atan2, pow, around, bitwise_invert as aliases. Compositions."""
from __future__ import annotations

import numpy as np

from ..ops import elementwise as ew
from . import _math
from ._base import aval, broadcast_to, normalize_axis, operand, promote, result, to_float
from ._complex import imag, iscomplexobj
from ._math import ceil, equal, floor, floor_divide, less, not_equal, remainder, where
from ._ordering import cumprod
from ._reductions import cumsum, max, min, sum
from ._shape import concatenate, reshape

acos, acosh, asin, asinh, atan, atanh = _math.arccos, _math.arccosh, _math.arcsin, _math.arcsinh, _math.arctan, \
    _math.arctanh
atan2, pow, around, bitwise_invert = _math.arctan2, _math.power, _math.round, _math.invert


def rint(x):
    """Round to the nearest integer, ties to even; always floating (as NumPy)."""
    return ew.round(to_float(x))


def trunc(x):
    """Round toward zero; integers are returned as they are."""
    x = operand(x)
    if aval(x).dtype.kind in "biu":
        return result(x)
    return where(less(x, 0), ceil(x), floor(x))


def isposinf(x):
    """Whether each element is +inf."""
    return equal(to_float(x), np.inf)


def isneginf(x):
    """Whether each element is -inf."""
    return equal(to_float(x), -np.inf)


def isreal(x):
    """Whether each element has a zero imaginary part."""
    return equal(imag(x), 0)


def iscomplex(x):
    """Whether each element has a nonzero imaginary part."""
    return not_equal(imag(x), 0)


def isrealobj(x) -> bool:
    """Whether `x` has a real (non-complex) dtype."""
    return not iscomplexobj(x)


def divmod(x, y):
    """(x // y, x % y), NumPy's floor division and remainder."""
    return floor_divide(x, y), remainder(x, y)


def ptp(a, axis=None, keepdims=False):
    """Peak to peak: max - min over `axis`."""
    return max(a, axis=axis, keepdims=keepdims) - min(a, axis=axis, keepdims=keepdims)


def count_nonzero(a, axis=None, keepdims=False):
    """The number of nonzero elements over `axis`."""
    return sum(not_equal(operand(a), 0), axis=axis, keepdims=keepdims)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """The mean over `axis`, weighted by `weights` (of a's shape, or 1-D
    along a single axis); with `returned`, also the sum of the weights."""
    a = to_float(a)
    if weights is None:
        total = sum(a, axis=axis, keepdims=keepdims)
        count = sum(np.ones(aval(a).shape, aval(a).dtype), axis=axis, keepdims=keepdims)
    else:
        a, weights = promote(a, to_float(weights))
        a_shape, w_shape = aval(a).shape, aval(weights).shape
        if w_shape != a_shape:
            if axis is None or len(w_shape) != 1 or not isinstance(axis, (int, np.integer)):
                raise ValueError(f"average: weights of shape {w_shape} differ from a's {a_shape}; they need a's "
                                 "shape, or be 1-D with an int axis")
            k = normalize_axis(axis, len(a_shape), "average")
            if w_shape[0] != a_shape[k]:
                raise ValueError(f"average: {w_shape[0]} weights for an axis of length {a_shape[k]}")
            weights = broadcast_to(reshape(weights, (-1,) + (1,) * (len(a_shape) - k - 1)), a_shape)
        total = sum(a * weights, axis=axis, keepdims=keepdims)
        count = sum(weights, axis=axis, keepdims=keepdims)
    out = total / count
    return (out, broadcast_to(count, aval(out).shape)) if returned else out


def _cumulative(scan, initial, name):
    def fn(x, /, *, axis=None, dtype=None, include_initial=False):
        x = operand(x)
        ndim = aval(x).ndim
        if axis is None:
            if ndim > 1:
                raise ValueError(f"{name}: axis must be given for arrays of more than one dimension")
            axis = 0
        axis = normalize_axis(axis, ndim, name)
        out = scan(x, axis=axis, dtype=dtype)
        if include_initial:
            shape = list(aval(out).shape)
            shape[axis] = 1
            out = concatenate([np.full(shape, initial, aval(out).dtype), out], axis=axis)
        return out
    fn.__name__ = name
    fn.__doc__ = (f"The cumulative {name[11:]} along `axis` (required beyond 1-D), with {initial} first if "
                  "`include_initial` (the array API's form of cum" + name[11:14] + ").")
    return fn


cumulative_sum = _cumulative(cumsum, 0, "cumulative_sum")
cumulative_prod = _cumulative(cumprod, 1, "cumulative_prod")
