"""Whole-array and tolerance predicates: all, any, isclose, allclose,
array_equal, array_equiv, as jax.numpy defines them. Results are boolean
arrays (a 0-d one where NumPy returns a Python bool), traced or not, so
they can feed `where` or `lax.cond` under a transformation."""
from __future__ import annotations

import builtins

import numpy as np

from .. import dtypes
from ..ops import reduce as rd
from ._base import aval, broadcast_shapes, cast, normalize_axes, operand, promote, to_float
from ._math import abs, add, equal, isfinite, isnan, less_equal, logical_and, logical_or, multiply, subtract
from ._reductions import _keepdims


def _boolean_reduction(prim, empty_value, name):
    def fn(a, axis=None, keepdims=False):
        a = cast(operand(a), dtypes.bool_)
        a_aval = aval(a)
        axes = normalize_axes(axis, a_aval.ndim, name)
        kept_shape = tuple(n for i, n in enumerate(a_aval.shape) if i not in axes)
        if builtins.any(a_aval.shape[i] == 0 for i in axes):    # the empty reduction's identity
            out = np.full(kept_shape, empty_value)
        else:
            out = prim(a, axes=axes) if axes else a
        return _keepdims(out, a_aval.shape, axes, keepdims)
    fn.__name__ = name
    fn.__doc__ = f"Whether {'every' if empty_value else 'any'} element along `axis` (all by default) is true."
    return fn


all = _boolean_reduction(rd.reduce_min, True, "all")
any = _boolean_reduction(rd.reduce_max, False, "any")


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol * |b| elementwise; equal infinities are close,
    NaNs are close to each other only with `equal_nan`."""
    a, b = promote(a, b)
    a, b = to_float(a), to_float(b)
    real = np.finfo(aval(a).dtype).dtype
    rtol, atol = (cast(operand(t), real) for t in (rtol, atol))
    in_range = less_equal(abs(subtract(a, b)), add(atol, multiply(rtol, abs(b))))
    out = logical_or(equal(a, b), logical_and(isfinite(b), in_range))
    return logical_or(out, logical_and(isnan(a), isnan(b))) if equal_nan else out


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of `a` is close to `b` (see `isclose`)."""
    return all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
    """Whether `a1` and `a2` have one shape and equal elements (NaNs equal
    to NaNs with `equal_nan`)."""
    a1, a2 = operand(a1), operand(a2)
    if aval(a1).shape != aval(a2).shape:
        return np.array(False)
    eq = equal(a1, a2)
    if equal_nan:
        eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))
    return all(eq)


def array_equiv(a1, a2):
    """Whether `a1` and `a2` broadcast together and are equal elementwise."""
    a1, a2 = operand(a1), operand(a2)
    try:
        broadcast_shapes(aval(a1).shape, aval(a2).shape)
    except ValueError:
        return np.array(False)
    return all(equal(a1, a2))
