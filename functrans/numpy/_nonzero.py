"""Positions of nonzero elements: `nonzero`, `flatnonzero`, `argwhere` and
`where(condition)`, whose result's length is the number of nonzero
elements. That number must be known: concretely (eagerly, or under grad
where values are known), or fixed by `size=` as in JAX, which pads the
result with `fill_value` (0 by default) or truncates it. With `size=`
the positions are computed from the values, so they work under jit and
vmap: the k-th nonzero element is scattered to slot k, found by a
cumulative count."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..arrays import to_array
from ..core import Tracer
from ..errors import ConcretizationError, ShapeError
from ._base import aval, operand
from ._math import astype, floor_divide, less, minimum, not_equal, remainder, subtract
from ._math import where as _select
from ._reductions import cumsum
from ._reductions import sum as _sum
from ._shape import ravel, reshape, stack
from ._updates import update


def _mask(a):
    a = operand(a)
    return a if aval(a).dtype == np.bool_ else not_equal(a, 0)


def _concrete(mask):
    """The mask's values, if they are known (eagerly, or under grad)."""
    if type(mask) is not Tracer:
        return np.asarray(mask)
    value = mask.trace.concrete_value(mask.ir_var)
    return None if value is None else np.asarray(value)


def _fills(fill_value, ndim):
    """One fill value per dimension (JAX: a scalar, or a tuple of ndim)."""
    if fill_value is None:
        return (0,) * ndim
    if np.ndim(fill_value) == 0:
        return (fill_value,) * ndim
    if np.ndim(fill_value) != 1 or len(fill_value) != ndim:
        raise ValueError(f"nonzero: fill_value must be a scalar or one value per dimension ({ndim}), "
                         f"got {fill_value!r}")
    return tuple(fill_value)


def _sized(positions, size, fills):
    """Concrete positions padded with `fills` or truncated to `size`."""
    out = []
    for p, fill in zip(positions, fills):
        p = p[:size]
        out.append(np.concatenate([p, np.full(size - p.size, fill, p.dtype)]))
    return tuple(out)


def nonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements of `a`, one array per dimension.
    Under jit or vmap pass `size` (the result's length)."""
    mask = _mask(a)
    shape = aval(mask).shape
    if not shape:
        raise ShapeError("nonzero of a 0-d array is not allowed (as in NumPy 2 and JAX); use "
                         "fnp.nonzero(fnp.atleast_1d(x))")
    fills = _fills(fill_value, len(shape))
    if size is not None and (not isinstance(size, (int, np.integer)) or size < 0):
        raise ValueError(f"nonzero: size must be a non-negative Python int, got {size!r}")
    value = _concrete(mask)
    if value is not None:
        positions = np.nonzero(value)
        positions = _sized(positions, int(size), fills) if size is not None else positions
        return tuple(to_array(p.astype(dtypes.DEFAULT_INT)) for p in positions)
    if size is None:
        raise ConcretizationError(
            "nonzero (and where with one argument, flatnonzero, argwhere) gives a result whose shape depends on "
            f"the values of its argument, which are not known here ({mask.trace.why_abstract()}). Pass "
            "size=n (the result's length; fill_value= pads it), or keep the shape with the three-argument "
            "fnp.where(condition, x, y)")
    return _traced_nonzero(mask, shape, int(size), fills)


def _traced_nonzero(mask, shape, size, fills):
    n = int(np.prod(shape, dtype=np.int64))
    flat = ravel(mask)
    count = cumsum(flat)                      # the k-th nonzero element has count k + 1
    # Slot `size` collects what does not fit and is cut off.
    slot = _select(flat, minimum(subtract(count, 1), size), size)
    found = update("set", np.zeros(size + 1, dtypes.DEFAULT_INT), slot, np.arange(n, dtype=dtypes.DEFAULT_INT))
    found = found[:size]
    valid = less(np.arange(size), _sum(astype(flat, dtypes.DEFAULT_INT)))
    strides = np.cumprod((1,) + shape[::-1], dtype=np.int64)[:-1][::-1]
    return tuple(_select(valid, remainder(floor_divide(found, int(stride)), n_axis), np.int64(fill))
                 for stride, n_axis, fill in zip(strides, shape, fills))


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """Elements of `x` where `condition` holds, else of `y`; with the
    condition alone, `nonzero(condition, size=size, fill_value=fill_value)`."""
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("functrans.numpy.where: give both x and y, or neither (then it is nonzero(condition))")
    if size is not None or fill_value is not None:
        raise ValueError("functrans.numpy.where: size and fill_value apply to the one-argument form only")
    return _select(condition, x, y)


def flatnonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements of the flattened `a`."""
    return nonzero(ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements, one row per element."""
    a = operand(a)
    if aval(a).ndim == 0:
        found = nonzero(reshape(a, (1,)), size=size, fill_value=fill_value)[0]
        return to_array(np.zeros((aval(found).shape[0], 0), dtypes.DEFAULT_INT))   # NumPy's (k, 0)
    return stack(nonzero(a, size=size, fill_value=fill_value), axis=1)
