"""NumPy indexing, `x[idx]`, for static and traced indices alike.

A static index (ints, slices, None, Ellipsis, integer or boolean arrays) is
resolved by NumPy itself on an array of flat positions, so every NumPy rule
(advanced-index placement, negative indices, broadcasting of index arrays)
holds by construction; basic indices with positive steps become a cheap
`slice`. An index holding traced integers is expanded to one entry per
axis (`expand`) and becomes, from cheapest to most general: a
`dynamic_slice` (only scalar indices), a `gather` along one axis (one index
array, full slices elsewhere), or a `gather` of the flattened operand at
positions computed with NumPy's placement rules (`positions`).
Out-of-range traced indices are clamped (JAX's rule for reads); negative
ones count from the end.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import dtypes
from ..core import Tracer
from ..errors import ConcretizationError, UnsupportedError
from ..ops import indexing as ix
from ..ops import shaping as sh
from ._base import aval, broadcast_to, cast, normalize_axis, operand
from ._math import add, astype, clip, greater_equal, less, logical_and, multiply, remainder, where
from ._shape import array, ravel, reshape


def as_tuple(idx):
    return idx if isinstance(idx, tuple) else (idx,)


def _static_mask(mask):
    """A traced boolean mask's concrete value (it has one under grad)."""
    value = mask.trace.concrete_value(mask.ir_var)
    if value is None:
        raise ConcretizationError(
            f"Indexing with a traced boolean mask of type {mask.aval.str_short()} gives a result whose shape "
            f"depends on the mask's values ({mask.trace.why_abstract()}). Use fnp.where(mask, x, 0) to keep "
            "the shape, x.at[mask].set(v) with a scalar v for an update, or fnp.nonzero(mask, size=n) for "
            "a fixed number of positions.")
    return np.asarray(value)


def normalize_items(idx) -> tuple:
    """The items of an index with lists as arrays and traced boolean masks
    replaced by their concrete values."""
    out = []
    for i in as_tuple(idx):
        if type(i) is Tracer and i.aval.dtype == np.bool_:
            i = _static_mask(i)
        elif isinstance(i, (list, tuple)):
            i = array(i)
            i = _static_mask(i) if type(i) is Tracer and i.aval.dtype == np.bool_ else i
        out.append(i)
    return tuple(out)


def _is_basic(idx) -> bool:
    # A bool is an int to Python but a mask to NumPy (x[True] adds an axis).
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))
               or (isinstance(i, slice) and (i.step is None or i.step > 0)) for i in idx)


def _basic_getitem(x, shape, idx):
    """Ints, positive-step slices, None and Ellipsis: slice, squeeze, reshape."""
    n_real = sum(i is not None and i is not Ellipsis for i in idx)
    if n_real > len(shape):
        raise IndexError(f"too many indices for an array of shape {shape}")
    if Ellipsis in idx:
        k = idx.index(Ellipsis)
        idx = idx[:k] + (slice(None),) * (len(shape) - n_real) + idx[k + 1:]
    idx = idx + (slice(None),) * (len(shape) - sum(i is not None for i in idx))
    starts, limits, strides, out_shape = [], [], [], []
    axis = 0
    for i in idx:
        if i is None:
            out_shape.append(1)
            continue
        n = shape[axis]
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            stop = max(stop, start)
            starts.append(start), limits.append(stop), strides.append(step)
            out_shape.append(-(-(stop - start) // step))
        else:
            if not -n <= int(i) < n:
                raise IndexError(f"index {int(i)} is out of bounds for axis {axis} with size {n}")
            k = int(i) % n
            starts.append(k), limits.append(k + 1), strides.append(1)
        axis += 1
    if (tuple(starts), tuple(limits), set(strides)) != ((0,) * len(shape), tuple(shape), {1} if shape else set()):
        x = sh.slice(x, start_indices=tuple(starts), limit_indices=tuple(limits),
                     strides=None if set(strides) <= {1} else tuple(strides))
    if tuple(out_shape) != aval(x).shape:
        x = sh.reshape(x, new_sizes=tuple(out_shape))
    return x


def flat_positions(shape, idx):
    """What NumPy's `arange(size).reshape(shape)[idx]` selects."""
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)[idx]


# -------------------------------------------------------- traced indices

class Entry(NamedTuple):
    """One item of an expanded index: a new axis (`axis` None), a slice of
    `axis` (`start`, `step`, `length`), or an integer index into `axis`
    (`index`: an int, an integer ndarray or a tracer)."""
    axis: int | None
    start: int = 0
    step: int = 1
    length: int = 1
    index: object = None

    @property
    def is_index(self) -> bool:
        return self.index is not None


def _index_shape(i) -> tuple:
    return i.aval.shape if type(i) is Tracer else np.shape(i)


def _check_static(i, n, axis):
    """A static integer index (int or array) in range, or IndexError as NumPy."""
    a = np.asarray(i)
    if a.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer (or boolean) type, got {a.dtype.name}")
    if a.size and (a.min() < -n or a.max() >= n):
        bad = a[(a < -n) | (a >= n)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
    return i


def expand(shape, items) -> list[Entry]:
    """An index's items (see `normalize_items`) as one Entry per new axis
    and per axis of `shape`, in order: Ellipsis and the axes left out become
    full slices, a boolean mask its `nonzero` index arrays."""
    if sum(i is Ellipsis for i in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(0 if i is None or i is Ellipsis else np.ndim(i) if _is_mask(i) else 1 for i in items)
    if consumed > len(shape):
        raise IndexError(f"too many indices for an array of shape {shape}")
    entries, axis = [], 0
    for i in items:
        if i is None:
            entries.append(Entry(None))
        elif i is Ellipsis:
            for _ in range(len(shape) - consumed):
                entries.append(Entry(axis, 0, 1, shape[axis]))
                axis += 1
        elif isinstance(i, slice):
            start, stop, step = i.indices(shape[axis])
            entries.append(Entry(axis, start, step, len(range(start, stop, step))))
            axis += 1
        elif _is_mask(i):
            if isinstance(i, (bool, np.bool_)) or np.ndim(i) == 0:
                raise UnsupportedError("a boolean scalar index beside a traced index is not supported")
            if tuple(np.shape(i)) != tuple(shape[axis:axis + np.ndim(i)]):
                raise IndexError(f"boolean index of shape {np.shape(i)} does not match the indexed axes "
                                 f"{shape[axis:axis + np.ndim(i)]}")
            for nz in np.nonzero(i):
                entries.append(Entry(axis, index=nz))
                axis += 1
        else:
            if type(i) is Tracer:
                if i.aval.dtype.kind not in "iu":
                    raise IndexError("arrays used as indices must be of integer (or boolean) type, "
                                     f"got {i.aval.dtype.name}")
            else:
                _check_static(i, shape[axis], axis)
            entries.append(Entry(axis, index=i))
            axis += 1
    entries += [Entry(a, 0, 1, shape[a]) for a in range(axis, len(shape))]
    return entries


def _is_mask(i) -> bool:
    return isinstance(i, (bool, np.bool_)) or (isinstance(i, np.ndarray) and i.dtype == np.bool_)


def _layout(entries) -> tuple[tuple, int]:
    """(broadcast shape of the indices, output position of its first axis)
    by NumPy's rule: where the first index stands if the indices are
    adjacent in the expression, else first."""
    at = [k for k, e in enumerate(entries) if e.is_index]
    index_shape = np.broadcast_shapes(*[_index_shape(entries[k].index) for k in at])
    adjacent = at == list(range(at[0], at[0] + len(at))) if at else True
    first = sum(1 for e in entries[:at[0]] if not e.is_index) if at and adjacent else 0
    return index_shape, first


def result_shape(entries) -> tuple:
    index_shape, first = _layout(entries)
    others = [e.length for e in entries if not e.is_index]
    return tuple(others[:first]) + tuple(index_shape) + tuple(others[first:])


def normalized(index, n):
    """A traced (or static) integer index into an axis of length n as
    int64 in [0, n): negative ones count from the end, others are clamped."""
    if type(index) is not Tracer:
        return np.where(np.asarray(index) < 0, np.asarray(index) + n, np.asarray(index)).astype(dtypes.DEFAULT_INT)
    index = astype(index, dtypes.DEFAULT_INT)
    return clip(where(less(index, 0), add(index, n), index), 0, max(n - 1, 0))


def positions(shape, entries):
    """The flat position in an array of `shape` of each element that the
    expanded index selects: an int64 array (traced if an index is) of the
    result's shape."""
    out_shape = result_shape(entries)
    index_shape, first = _layout(entries)
    strides = np.cumprod((1,) + tuple(shape[::-1]), dtype=np.int64)[:-1][::-1]
    ndim = len(out_shape)
    static, traced = np.zeros((), np.int64), []
    others = [e for e in entries if not e.is_index]
    for k, e in enumerate(others):     # the k-th non-index entry's output axis
        dim = k if k < first else k + len(index_shape)
        if e.axis is not None:
            along = (e.start + e.step * np.arange(e.length, dtype=np.int64)) * strides[e.axis]
            static = static + along.reshape((1,) * dim + (e.length,) + (1,) * (ndim - dim - 1))
    lead, trail = (1,) * first, (1,) * (ndim - first - len(index_shape))
    for e in entries:
        if e.is_index:
            i = multiply(normalized(e.index, shape[e.axis]), int(strides[e.axis]))
            i = reshape(broadcast_to(i, index_shape), lead + tuple(index_shape) + trail)
            if type(i) is Tracer:
                traced.append(i)
            else:
                static = static + i
    total = static
    for i in traced:
        total = add(total, i)
    return broadcast_to(total, out_shape)


def dynamic_window(shape, entries):
    """(starts, sizes) of the window an index of scalars and unit-step
    slices selects, or None if it is not one."""
    if any(e.is_index and _index_shape(e.index) != () or not e.is_index and e.axis is not None and e.step != 1
           for e in entries):
        return None
    starts, sizes = [], []
    for e in entries:
        if e.axis is None:
            continue
        if e.is_index:
            starts.append(normalized(e.index, shape[e.axis])[()] if type(e.index) is not Tracer
                          else normalized(e.index, shape[e.axis]))
            sizes.append(1)
        else:
            starts.append(np.int64(e.start))
            sizes.append(e.length)
    return starts, tuple(sizes)


def single_axis_index(entries):
    """(axis, index) if the index is one index array with full slices
    everywhere else, else None."""
    indexed = [e for e in entries if e.is_index]
    if len(indexed) != 1 or any(e.axis is None for e in entries):
        return None
    if any(not e.is_index and (e.start, e.step) != (0, 1) for e in entries):
        return None
    return indexed[0].axis, indexed[0].index


def getitem(x, idx):
    """`x[idx]` with NumPy semantics; traced indices are clamped into range."""
    x = operand(x)
    shape = aval(x).shape
    items = normalize_items(idx)
    if not any(type(i) is Tracer for i in items):
        if _is_basic(items):
            return _basic_getitem(x, shape, items)
        flat = sh.reshape(x, new_sizes=(int(np.prod(shape, dtype=np.int64)),))
        return ix.gather(flat, flat_positions(shape, items), axis=0)
    entries = expand(shape, items)
    out_shape = result_shape(entries)
    window = dynamic_window(shape, entries)
    if window is not None:
        starts, sizes = window
        return reshape(ix.dynamic_slice(x, *starts, slice_sizes=sizes), out_shape)
    single = single_axis_index(entries)
    if single is not None:
        axis, index = single
        return ix.gather(x, normalized(index, shape[axis]), axis=axis)
    return ix.gather(ravel(x), positions(shape, entries), axis=0)


# ------------------------------------------------------------ take family

def take(a, indices, axis=None, mode=None, fill_value=None, unique_indices=False, indices_are_sorted=False):
    """Elements of `a` at `indices` along `axis` (of the flattened `a` by
    default). `mode`: None (static indices must be in range, traced ones are
    clamped), "clip", "wrap", or "fill" (out-of-range positions give
    `fill_value`, NaN for floats by default)."""
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    shape = aval(a).shape
    axis = normalize_axis(axis, len(shape), "take")
    n = shape[axis]
    valid = None
    if mode == "wrap":
        indices = remainder(indices, n)
    elif mode == "clip":       # NumPy's and JAX's: negative indices become 0
        indices = clip(indices, 0, n - 1)
    elif mode == "fill":
        valid = logical_and(greater_equal(indices, -n), less(indices, n))
        indices = where(valid, indices, 0)
    elif mode is not None:
        raise ValueError(f"take: mode must be None, 'clip', 'wrap' or 'fill', got {mode!r}")
    out = getitem(a, (slice(None),) * axis + (indices,))
    if valid is None:
        return out
    dtype = aval(out).dtype
    if fill_value is None:   # JAX's defaults
        fill_value = (np.nan if dtype.kind in "fc" else np.iinfo(dtype).min if dtype.kind == "i"
                      else np.iinfo(dtype).max if dtype.kind == "u" else True)
    valid = reshape(valid, (1,) * axis + aval(operand(valid)).shape + (1,) * (len(shape) - axis - 1))
    return where(valid, out, cast(operand(fill_value), dtype))


def take_along_axis(arr, indices, axis, mode=None, fill_value=None):
    """`arr` indexed along `axis` by `indices`, matched with `arr`'s other
    axes (NumPy's rule; `axis=None` uses the flattened `arr`)."""
    arr = operand(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    shape = aval(arr).shape
    index_shape = aval(operand(indices)).shape
    if len(index_shape) != len(shape):
        raise ValueError(f"take_along_axis: indices of shape {index_shape} need as many dimensions as the "
                         f"array of shape {shape}")
    axis = normalize_axis(axis, len(shape), "take_along_axis")
    if mode == "wrap":
        indices = remainder(indices, shape[axis])
    elif mode not in (None, "clip", "promise_in_bounds"):
        raise ValueError(f"take_along_axis: mode must be None, 'clip' or 'wrap', got {mode!r}")
    idx = tuple(indices if d == axis else
                np.arange(n, dtype=np.int64).reshape((1,) * d + (n,) + (1,) * (len(shape) - d - 1))
                for d, n in enumerate(shape))
    return getitem(arr, idx)
