"""Rearranging arrays: rolls, rotations, flips, differences, appending,
stacking, splitting and broadcasting, as jax.numpy has them.

Every function is a composition of slices, concatenations, reversals,
transposes and reshapes (a roll by a traced shift is a `dynamic_slice` of
the array concatenated with itself), so all are linear in their array
arguments and lower under jit into index arithmetic.
"""
from __future__ import annotations

import numpy as np

from ..core import Tracer
from ..errors import AxisError, ShapeError, UnsupportedError
from ..ops import indexing as ix
from ._base import aval, broadcast_shapes, broadcast_to, normalize_axis, operand
from ._indexing import getitem
from ._math import add, astype, not_equal, remainder, subtract
from ._shape import concatenate, flip, ravel, reshape, split, transpose


def _along(axis, index, ndim):
    """An index expression selecting `index` along `axis` of an ndim-array."""
    return (slice(None),) * axis + (index,) + (slice(None),) * (ndim - axis - 1)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


# rolls ----------------------------------------------------------------------------

def _shifts(shift, n_axes):
    """`shift` as one entry per rolled axis (NumPy broadcasts the two)."""
    if type(shift) is Tracer and shift.aval.ndim == 1:
        shift = [getitem(shift, i) for i in range(shift.aval.shape[0])]
    shifts = list(_as_tuple(shift))
    if len(shifts) == 1:
        return shifts * n_axes
    if n_axes not in (1, len(shifts)):
        raise ShapeError(f"roll: {len(shifts)} shifts for {n_axes} axes; give one shift, or one per axis")
    return shifts


def _roll_axis(x, shift, axis):
    shape = aval(x).shape
    n = shape[axis]
    if n == 0:
        return x
    if type(shift) is not Tracer:
        s = int(shift) % n
        if s == 0:
            return x
        return concatenate([getitem(x, _along(axis, slice(n - s, None), len(shape))),
                            getitem(x, _along(axis, slice(None, n - s), len(shape)))], axis)
    # A traced shift: the window of x twice over that starts n - s in.
    start = subtract(n, remainder(astype(shift, np.int64), n))
    starts = [np.int64(0)] * len(shape)
    starts[axis] = start
    return ix.dynamic_slice(concatenate([x, x], axis), *starts, slice_sizes=shape)


def roll(a, shift, axis=None):
    """`a` with its elements shifted cyclically by `shift` along `axis`
    (of the flattened array if None); shifts and axes may be tuples, and
    the shift may be traced."""
    a = operand(a)
    shape = aval(a).shape
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape)
    axes = [normalize_axis(x, len(shape), "roll") for x in _as_tuple(axis)]
    shifts = _shifts(shift, len(axes))
    if len(axes) == 1:
        axes = axes * len(shifts)
    total = {}
    for s, ax in zip(shifts, axes):     # shifts of one axis add up, as in NumPy
        total[ax] = s if ax not in total else add(total[ax], s)
    for ax, s in total.items():
        a = _roll_axis(a, s, ax)
    return a


def rollaxis(a, axis, start=0):
    """`a` with `axis` moved to stand before `start` (NumPy's older form of `moveaxis`)."""
    n = aval(operand(a)).ndim
    axis = normalize_axis(axis, n, "rollaxis")
    start = start + n if start < 0 else start
    if not 0 <= start < n + 1:
        raise AxisError(f"rollaxis: 'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    start -= axis < start
    axes = [d for d in range(n) if d != axis]
    axes.insert(start, axis)
    return transpose(a, axes)


def rot90(m, k=1, axes=(0, 1)):
    """`m` rotated by 90 degrees `k` times in the plane of `axes`, from the
    first axis towards the second."""
    m = operand(m)
    ndim = aval(m).ndim
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: len(axes) must be 2, got axes={axes}")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == ndim:
        raise ValueError(f"rot90: axes must be different, got axes={axes}")
    a0, a1 = (normalize_axis(x, ndim, "rot90", "axes") for x in axes)
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return transpose(flip(m, a1), perm) if k == 1 else flip(transpose(m, perm), a1)


def fliplr(m):
    """`m` with its second axis reversed."""
    if aval(operand(m)).ndim < 2:
        raise ShapeError("fliplr: input must be >= 2-d")
    return flip(m, 1)


def flipud(m):
    """`m` with its first axis reversed."""
    if aval(operand(m)).ndim < 1:
        raise ShapeError("flipud: input must be >= 1-d")
    return flip(m, 0)


# differences and appending --------------------------------------------------------------

def _edge(value, a_shape, axis):
    """A prepended or appended value along `axis`: scalars fill one slice."""
    value = operand(value)
    if aval(value).ndim == 0:
        return broadcast_to(value, a_shape[:axis] + (1,) + a_shape[axis + 1:])
    return value


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The `n`-th forward difference along `axis` (`!=` for booleans);
    `prepend` / `append` are joined along `axis` first."""
    a = operand(a)
    shape = aval(a).shape
    if not isinstance(n, (int, np.integer)):
        raise UnsupportedError(f"diff: the order n must be a static integer (it decides the shape), got "
                               f"{type(n).__name__}")
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if n == 0:
        return a
    if not shape:
        raise ShapeError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, len(shape), "diff")
    parts = ([_edge(prepend, shape, axis)] if prepend is not None else []) + [a] + (
        [_edge(append, shape, axis)] if append is not None else [])
    a = concatenate(parts, axis) if len(parts) > 1 else a
    step = not_equal if aval(a).dtype == np.bool_ else subtract
    for _ in range(n):
        a = step(getitem(a, _along(axis, slice(1, None), len(shape))),
                 getitem(a, _along(axis, slice(None, -1), len(shape))))
    return a


def append(arr, values, axis=None):
    """`values` joined after `arr` along `axis` (both flattened if None)."""
    if axis is None:
        return concatenate([ravel(arr), ravel(values)])
    return concatenate([arr, values], axis)


# dimensions and stacking -------------------------------------------------------------

def _each(arys, fn):
    """NumPy's convention for the atleast_* family: one array in, one array
    out; several in, a list out."""
    out = [fn(operand(a)) for a in arys]
    return out[0] if len(out) == 1 else out


def _at_least_2d(a):
    shape = aval(a).shape
    return reshape(a, (1,) * (2 - len(shape)) + shape) if len(shape) < 2 else a


def _at_least_3d(a):
    shape = aval(a).shape
    if len(shape) >= 3:
        return a
    return reshape(a, {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)])


def atleast_2d(*arys):
    """Each array viewed with at least two dimensions (leading ones added)."""
    return _each(arys, _at_least_2d)


def atleast_3d(*arys):
    """Each array with at least three dimensions: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)."""
    return _each(arys, _at_least_3d)


def column_stack(tup):
    """1-d arrays as the columns of a 2-d array (wider arrays joined along axis 1)."""
    return concatenate([reshape(a, (-1, 1)) if aval(a).ndim < 2 else a for a in map(operand, tup)], axis=1)


def row_stack(tup):
    """`vstack` under its older name."""
    return concatenate([_at_least_2d(operand(a)) for a in tup], axis=0)


def dstack(tup):
    """Arrays joined along a third axis (after `atleast_3d`)."""
    return concatenate([_at_least_3d(operand(a)) for a in tup], axis=2)


def broadcast_arrays(*args):
    """The arguments broadcast against each other, as a list."""
    args = [operand(a) for a in args]
    shape = broadcast_shapes(*[aval(a).shape for a in args], op="broadcast_arrays")
    return [broadcast_to(a, shape) for a in args]


# splitting -------------------------------------------------------------------------

def array_split(ary, indices_or_sections, axis=0):
    """`split` that also accepts a count not dividing the axis: the first
    pieces are one longer."""
    if not isinstance(indices_or_sections, (int, np.integer)):
        return split(ary, indices_or_sections, axis)
    n_total = aval(operand(ary)).shape[normalize_axis(axis, aval(operand(ary)).ndim, "array_split")]
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError("array_split: the number of sections must be larger than 0")
    each, extras = divmod(n_total, sections)
    sizes = [each + 1] * extras + [each] * (sections - extras)
    return split(ary, list(np.cumsum(sizes)[:-1]), axis)


def _split_along(name, axis, min_ndim):
    def fn(ary, indices_or_sections):
        ndim = aval(operand(ary)).ndim
        if ndim < min_ndim:
            raise ShapeError(f"{name} only works on arrays of {min_ndim} or more dimensions, got {ndim}")
        return split(ary, indices_or_sections, axis if ndim > 1 or name != "hsplit" else 0)
    fn.__name__ = name
    fn.__doc__ = f"`split` along axis {axis}" + (" (axis 0 of a 1-d array)." if name == "hsplit" else ".")
    return fn


hsplit = _split_along("hsplit", 1, 1)
vsplit = _split_along("vsplit", 0, 2)
dsplit = _split_along("dsplit", 2, 3)
