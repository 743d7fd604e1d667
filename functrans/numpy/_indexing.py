"""NumPy indexing (`x[idx]`) and JAX's functional updates (`x.at[idx].set(v)`).

A static index (ints, slices, None, Ellipsis, integer or boolean arrays) is
resolved by NumPy itself on an array of flat positions, so every NumPy rule
(advanced-index placement, negative indices, broadcasting of index arrays)
holds by construction; basic indices with positive steps become a cheap
`slice`. A traced integer index becomes a `gather` along its axis.
"""
from __future__ import annotations

import numpy as np

from ..core import Tracer
from ..errors import UnsupportedError
from ..ops import indexing as ix, shaping as sh
from ._base import aval, broadcast_to, cast, operand
from ._math import add, divide, less, maximum, minimum, multiply, where


def _as_tuple(idx):
    return idx if isinstance(idx, tuple) else (idx,)


def _concretize_masks(idx):
    """Traced boolean masks with a concrete value (under grad) become static."""
    out = []
    for i in idx:
        if type(i) is Tracer and i.aval.dtype == bool:
            out.append(np.asarray(i.concrete("Boolean mask indexing (its result shape depends on the mask)")))
        elif isinstance(i, list):
            out.append(np.asarray(i))
        else:
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
    starts, limits, strides, out_shape, squeezed = [], [], [], [], []
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
            squeezed.append(axis)
        axis += 1
    if (tuple(starts), tuple(limits), set(strides)) != ((0,) * len(shape), tuple(shape), {1} if shape else set()):
        x = sh.slice(x, start_indices=tuple(starts), limit_indices=tuple(limits),
                     strides=None if set(strides) <= {1} else tuple(strides))
    if tuple(out_shape) != aval(x).shape:
        x = sh.reshape(x, new_sizes=tuple(out_shape))
    return x


def _flat_positions(shape, idx):
    """What NumPy's `arange(size).reshape(shape)[idx]` selects."""
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)[idx]


def _traced_index(shape, idx):
    """(axis, index) for `x[..., i, ...]` with one traced integer index and
    full slices elsewhere; None for anything else."""
    traced = [k for k, i in enumerate(idx) if type(i) is Tracer]
    # Identity tests: `in` would compare the tracer with `==`, elementwise.
    if len(traced) != 1 or any(i is Ellipsis or i is None for i in idx) or len(idx) > len(shape):
        return None
    axis = traced[0]
    if any(not (isinstance(i, slice) and i == slice(None)) for k, i in enumerate(idx) if k != axis):
        return None
    i = idx[axis]
    if i.aval.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer (or boolean) type, got {i.aval.dtype.name}")
    n = shape[axis]
    return axis, where(less(i, 0), add(i, n), i)   # negative indices count from the end


def getitem(x, idx):
    """`x[idx]` with NumPy semantics."""
    x = operand(x)
    shape = aval(x).shape
    idx = _concretize_masks(_as_tuple(idx))
    if not any(type(i) is Tracer for i in idx):
        if _is_basic(idx):
            return _basic_getitem(x, shape, idx)
        positions = _flat_positions(shape, idx)
        flat = sh.reshape(x, new_sizes=(int(np.prod(shape, dtype=np.int64)),))
        return ix.gather(flat, positions, axis=0)
    found = _traced_index(shape, idx)
    if found is None:
        raise UnsupportedError("indexing with a traced index is supported for one integer index (scalar "
                               "or array) with full slices elsewhere, e.g. x[i] or x[:, i]; "
                               "for other combinations compute a flat index and use x.ravel()[flat]")
    axis, index = found
    return ix.gather(x, index, axis=axis)


class _IndexUpdateHelper:
    """`x.at`: JAX's functional indexed updates."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.array, idx)


class _IndexUpdateRef:
    __slots__ = ("array", "idx")

    def __init__(self, array, idx):
        self.array, self.idx = array, idx

    def get(self):
        return getitem(self.array, self.idx)

    def set(self, values):
        """A copy of the array with `values` written at the index."""
        return _update(ix.scatter, self.array, self.idx, values)

    def add(self, values):
        """A copy of the array with `values` added at the index (repeated
        indices accumulate)."""
        return _update(ix.scatter_add, self.array, self.idx, values)

    def multiply(self, values):
        return self.set(multiply(self.get(), values))

    def divide(self, values):
        return self.set(divide(self.get(), values))

    def min(self, values):
        return self.set(minimum(self.get(), values))

    def max(self, values):
        return self.set(maximum(self.get(), values))


def _update(prim, x, idx, values):
    x = operand(x)
    x_aval = aval(x)
    shape = x_aval.shape
    values = cast(operand(values), x_aval.dtype, x_aval.weak_type)
    idx = _concretize_masks(_as_tuple(idx))
    if not any(type(i) is Tracer for i in idx):
        positions = _flat_positions(shape, idx)
        size = int(np.prod(shape, dtype=np.int64))
        flat_values = sh.reshape(broadcast_to(values, positions.shape), new_sizes=(positions.size,))
        flat = prim(sh.reshape(x, new_sizes=(size,)), positions.reshape(-1), flat_values, axis=0)
        return sh.reshape(flat, new_sizes=shape)
    found = _traced_index(shape, idx)
    if found is None:
        raise UnsupportedError("x.at[...] with a traced index supports one integer index with full "
                               "slices elsewhere, e.g. x.at[i].set(v)")
    axis, index = found
    target = shape[:axis] + aval(index).shape + shape[axis + 1:]
    return prim(x, index, broadcast_to(values, target), axis=axis)
