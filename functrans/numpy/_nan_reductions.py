"""Reductions that ignore NaNs: nansum, nanprod, nanmean, nanvar, nanstd,
nanmax, nanmin, nanargmax, nanargmin, nancumsum, nancumprod, as jax.numpy defines them: NaNs
are replaced by the reduction's identity; nanmax/nanmin of an all-NaN
slice, and the mean or variance of one without enough numbers, are NaN
(NumPy warns there too). Integers have no NaNs: these are the plain
reductions for them."""
from __future__ import annotations

import numpy as np

from ._base import aval, operand, to_float
from ._math import isnan, logical_not, multiply, sqrt, subtract, where
from ._ordering import cumprod
from ._predicates import all as _all
from ._reductions import argmax, argmin, cumsum, max, mean, min, prod, sum


def _has_nans(a) -> bool:
    return aval(a).dtype.kind in "fc"


def _replaced(a, value):
    """`a` with its NaNs replaced by `value`."""
    a = operand(a)
    return where(isnan(a), value, a) if _has_nans(a) else a


def nansum(a, axis=None, dtype=None, keepdims=False):
    """Sum over `axis`, NaNs counted as 0."""
    return sum(_replaced(a, 0), axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a, axis=None, keepdims=False):
    """Product over `axis`, NaNs counted as 1."""
    return prod(_replaced(a, 1), axis=axis, keepdims=keepdims)


def nancumsum(a, axis=None, dtype=None):
    """Cumulative sum, NaNs counted as 0."""
    return cumsum(_replaced(a, 0), axis=axis, dtype=dtype)


def nancumprod(a, axis=None, dtype=None):
    """Cumulative product, NaNs counted as 1."""
    return cumprod(_replaced(a, 1), axis=axis, dtype=dtype)


def _nan_ignoring(reduce, fill, all_nan_value, name, doc):
    """`reduce` over `a` with NaNs replaced by `fill`, and `all_nan_value`
    where a slice holds nothing but NaNs."""
    def fn(a, axis=None, keepdims=False):
        a = operand(a)
        if not _has_nans(a):
            return reduce(a, axis=axis, keepdims=keepdims)
        out = reduce(_replaced(a, fill), axis=axis, keepdims=keepdims)
        return where(_all(isnan(a), axis=axis, keepdims=keepdims), all_nan_value, out)
    fn.__name__, fn.__doc__ = name, doc
    return fn


nanmax = _nan_ignoring(max, -np.inf, np.nan, "nanmax", "The maximum over `axis`, ignoring NaNs (NaN where a "
                       "slice is all NaN).")
nanmin = _nan_ignoring(min, np.inf, np.nan, "nanmin", "The minimum over `axis`, ignoring NaNs (NaN where a "
                       "slice is all NaN).")
# -1 for an all-NaN slice is JAX's value; NumPy raises.
nanargmax = _nan_ignoring(argmax, -np.inf, -1, "nanargmax", "Index of the maximum along `axis`, ignoring NaNs; "
                          "-1 where a slice is all NaN.")
nanargmin = _nan_ignoring(argmin, np.inf, -1, "nanargmin", "Index of the minimum along `axis`, ignoring NaNs; "
                          "-1 where a slice is all NaN.")


def _count(a, axis, keepdims):
    """The number of non-NaN elements over `axis`, as a float of a's dtype."""
    return sum(logical_not(isnan(a)), axis=axis, keepdims=keepdims).astype(aval(a).dtype)


def nanmean(a, axis=None, dtype=None, keepdims=False):
    """Mean over `axis` of the non-NaN elements (NaN if there are none)."""
    a = to_float(a)
    if not _has_nans(a):
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    out = nansum(a, axis=axis, keepdims=keepdims) / _count(a, axis, keepdims)
    return out.astype(dtype) if dtype else out


def nanvar(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Variance over `axis` of the non-NaN elements, `ddof` as NumPy's
    (NaN where fewer than ddof + 1 numbers remain)."""
    a = to_float(a)
    centered = _replaced(subtract(a, nanmean(a, axis=axis, keepdims=True)), 0)
    total = sum(multiply(centered, centered), axis=axis, keepdims=keepdims)
    divisor = subtract(_count(a, axis, keepdims), ddof)
    too_few = divisor <= 0
    out = where(too_few, np.nan, total / where(too_few, 1, divisor))
    return out.astype(dtype) if dtype else out


def nanstd(a, axis=None, dtype=None, ddof=0, keepdims=False):
    """Standard deviation: the square root of `nanvar`."""
    return sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))

