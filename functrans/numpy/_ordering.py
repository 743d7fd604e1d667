"""Sorting and order: sort, argsort, lexsort, partition, argpartition,
searchsorted, digitize, interp, select and cumprod, as jax.numpy defines them, over the `sort` primitive
and compositions.

Sorting is stable and puts NaNs last (NumPy's order); `descending=True`
reverses it, keeping equal elements in their original order for argsort
(JAX's rule). partition and argpartition return JAX's arrangement: the
kth+1 smallest ascending, then the rest (partition: largest first;
argpartition: by index), which satisfies NumPy's contract though NumPy's
own order within each part is unspecified.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..ops import shaping as sh
from ..ops.sorting import sort as _sort
from ._base import aval, cast, normalize_axis, operand, promote, to_float
from ._indexing import take, take_along_axis
from ._math import (
    abs,
    add,
    clip,
    divide,
    greater,
    isnan,
    less,
    logical_and,
    logical_not,
    logical_or,
    multiply,
    remainder,
    subtract,
    where,
)
from ._reductions import _accumulating_dtype
from ._shape import concatenate, ravel, reshape, swapaxes


def _flat_or(a, axis, name):
    """(a, axis) with axis=None meaning the flattened array, and checked."""
    a = operand(a)
    if axis is None:
        return ravel(a), 0
    return a, normalize_axis(axis, aval(a).ndim, name)


def _check_order(name, kind, order):
    if order is not None:
        raise TypeError(f"{name}: the order= argument (structured arrays) is not supported")
    del kind   # every sort is the stable one


def _rev(x, axis):
    return sh.rev(x, dimensions=(axis,))


def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """`a` sorted along `axis` (the flattened array for None); NaNs last
    (first with `descending`)."""
    _check_order("sort", kind, order)
    a, axis = _flat_or(a, axis, "sort")
    (out,) = _sort(a, dimension=axis, is_stable=bool(stable), num_keys=1)
    return _rev(out, axis) if descending else out


def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    """Indices that sort `a` along `axis`; equal elements keep their order,
    also with `descending`."""
    _check_order("argsort", kind, order)
    a, axis = _flat_or(a, axis, "argsort")
    shape = aval(a).shape
    iota = sh.iota(dtype=dtypes.DEFAULT_INT, shape=shape, dimension=axis)
    if descending:   # sorting the reversed array keeps ties in their first order once reversed back
        a, iota = _rev(a, axis), _rev(iota, axis)
    _, indices = _sort(a, iota, dimension=axis, is_stable=bool(stable), num_keys=1)
    return _rev(indices, axis) if descending else indices


def _split_at(x, k):
    """x[..., :k] and x[..., k:] (last axis)."""
    shape = aval(x).shape
    starts = (0,) * len(shape)
    head = sh.slice(x, start_indices=starts, limit_indices=shape[:-1] + (k,), strides=None)
    tail = sh.slice(x, start_indices=starts[:-1] + (k,), limit_indices=shape, strides=None)
    return head, tail


def _kth(kth, n, name):
    if not isinstance(kth, (int, np.integer)):
        raise TypeError(f"{name}: kth must be a Python int (a traced or array kth is not supported)")
    return normalize_axis(int(kth), n, name, "kth")


def partition(a, kth, axis=-1):
    """`a` along `axis` with its kth smallest element at position kth, the
    smaller ones before it (ascending), the larger after (descending)."""
    a = operand(a)
    axis = normalize_axis(axis, aval(a).ndim, "partition")
    k = _kth(kth, aval(a).shape[axis], "partition")
    ordered = swapaxes(sort(a, axis=axis), axis, -1)
    bottom, top = _split_at(ordered, k + 1)
    return swapaxes(concatenate([bottom, _rev(top, aval(top).ndim - 1)], axis=-1), -1, axis)


def argpartition(a, kth, axis=-1):
    """Indices that partition `a` along `axis` (see `partition`): those of
    the kth+1 smallest in order, then the others by increasing index."""
    a = operand(a)
    axis = normalize_axis(axis, aval(a).ndim, "argpartition")
    k = _kth(kth, aval(a).shape[axis], "argpartition")
    order = swapaxes(argsort(a, axis=axis), axis, -1)
    bottom, top = _split_at(order, k + 1)
    return swapaxes(concatenate([bottom, sort(top, axis=-1)], axis=-1), -1, axis)


def _sort_less(x, y):
    """x < y in the sort order: NaN above everything."""
    return logical_or(less(x, y), logical_and(isnan(y), logical_not(isnan(x))))


def searchsorted(a, v, side="left", sorter=None):
    """Where `v`'s elements would go into the sorted 1-D `a` to keep it
    sorted: the first such index (`side='left'`) or the last. A binary
    search, unrolled over the static length of `a`."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    a, v = promote(a, v)
    if aval(a).ndim != 1:
        raise ValueError(f"searchsorted needs a 1-D sorted array, got shape {aval(a).shape}")
    if sorter is not None:
        a = take(a, sorter)
    n = aval(a).shape[0]
    v_shape = aval(v).shape
    index = dtypes.DEFAULT_INT
    lo = np.zeros(v_shape, index)
    hi = np.full(v_shape, n, index)
    for _ in range(int(n).bit_length()):   # the interval [lo, hi) halves each step
        mid = (lo + hi) // 2
        value = take(a, mid, mode="clip")
        go_right = _sort_less(value, v) if side == "left" else logical_not(_sort_less(v, value))
        go_right = logical_and(go_right, less(mid, hi))    # an empty interval stays put
        lo = where(go_right, add(mid, 1), lo)
        hi = where(go_right, hi, mid)
    return cast(operand(lo), index)


def select(condlist, choicelist, default=0):
    """choicelist[i] where condlist[i] is the first condition to hold, else `default`."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist has {len(condlist)} entries but choicelist {len(choicelist)}")
    if not condlist:
        raise ValueError("select: condlist must be non-empty")
    *choices, default = promote(*choicelist, default)
    out = default
    for condition, choice in reversed(list(zip(condlist, choices))):
        out = where(condition, choice, out)
    return out


def cumprod(a, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened array by default),
    as a Hillis-Steele scan of products: no division, so its derivative is
    exact where elements are zero."""
    a, axis = _flat_or(a, axis, "cumprod")
    a_aval = aval(a)
    x = cast(a, np.dtype(dtype) if dtype else _accumulating_dtype(a_aval.dtype), a_aval.weak_type)
    x = swapaxes(x, axis, -1)
    shape = aval(x).shape
    n, offset = shape[-1], 1
    one = np.ones((), aval(x).dtype)[()]
    while offset < n:
        # shifted[i] = x[i - offset], and 1 for the first `offset` positions
        head, _ = _split_at(x, n - offset)
        shifted = sh.pad(head, one, padding_config=((0, 0, 0),) * (len(shape) - 1) + ((offset, 0, 0),))
        x = multiply(x, shifted)
        offset *= 2
    return swapaxes(x, -1, axis) if shape else reshape(x, ())


def lexsort(keys, axis=-1):
    """Indices that sort by the last key, then the one before it, ...: stable
    argsorts, from the first key (least significant) to the last."""
    keys = [operand(k) for k in keys]
    if not keys:
        raise TypeError("lexsort needs at least one key")
    order = argsort(keys[0], axis=axis)
    for key in keys[1:]:
        order = take_along_axis(order, argsort(take_along_axis(key, order, axis), axis=axis), axis)
    return order


def digitize(x, bins, right=False):
    """The index of the bin of `bins` (increasing or decreasing) each element of `x` falls in."""
    bins = operand(bins)
    if aval(bins).ndim != 1:
        raise ValueError(f"digitize: bins must be 1-D, got shape {aval(bins).shape}")
    n = aval(bins).shape[0]
    if n == 0:
        return np.zeros(aval(operand(x)).shape, dtypes.DEFAULT_INT)
    side = "left" if right else "right"
    increasing = searchsorted(bins, x, side=side)
    decreasing = n - searchsorted(_rev(bins, 0), x, side=side)
    return where(take(bins, -1) >= take(bins, 0), increasing, decreasing)


def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of the points (xp, fp), xp increasing,
    at `x`; fp[0] / fp[-1] (or `left` / `right`) outside. With `period`, xp
    and x are angles of that period."""
    x, xp = (to_float(v) for v in promote(x, xp))
    fp = to_float(fp)
    if aval(xp).ndim != 1 or aval(xp).shape != aval(fp).shape:
        raise ValueError(f"interp: xp and fp must be 1-D of one length, got shapes {aval(xp).shape} and "
                         f"{aval(fp).shape}")
    if period is not None:
        x, xp = remainder(x, period), remainder(xp, period)
        order = argsort(xp)
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([take(xp, np.array([-1])) - period, xp, take(xp, np.array([0])) + period])
        fp = concatenate([take(fp, np.array([-1])), fp, take(fp, np.array([0]))])
        left = right = None
    n = aval(xp).shape[0]
    i = clip(searchsorted(xp, x, side="right"), 1, n - 1)
    x0, x1, f0, f1 = take(xp, i - 1), take(xp, i), take(fp, i - 1), take(fp, i)
    dx = subtract(x1, x0)
    flat = abs(dx) <= np.spacing(np.finfo(aval(xp).dtype).eps)   # no 0/0 where two xp coincide
    out = where(flat, f0, add(f0, multiply(divide(subtract(x, x0), where(flat, 1.0, dx)), subtract(f1, f0))))
    out = where(less(x, take(xp, 0)), take(fp, 0) if left is None else left, out)
    return where(greater(x, take(xp, -1)), take(fp, -1) if right is None else right, out)
