"""JAX's functional updates: `x.at[idx].set/add/subtract/multiply/divide/
power/min/max/apply/get`, a new array each time, `x` unchanged.

The index is resolved as `x[idx]` is (`_indexing`): a static one to flat
positions by NumPy; a traced one to a `dynamic_update_slice` (scalar
indices and unit-step slices), a scatter along one axis, or a scatter into
the flattened array at computed positions. Repeated indices accumulate
(`add`, `multiply`, `min`, `max`; `set` keeps one of the updates), as in
JAX. Out-of-range traced indices are clamped (JAX drops such updates).
"""
from __future__ import annotations

import numpy as np

from ..arrays import to_array
from ..core import Tracer
from ..errors import UnsupportedError
from ..ops import indexing as ix
from ..ops import scatter_combine as sc
from ..ops import shaping as sh
from ._base import aval, broadcast_to, cast, operand
from ._indexing import (
    dynamic_window,
    expand,
    flat_positions,
    getitem,
    normalize_items,
    normalized,
    positions,
    result_shape,
    single_axis_index,
)
from ._math import add, divide, maximum, minimum, multiply, negative, power, where
from ._shape import ravel, reshape

_SCATTERS = {"set": ix.scatter, "add": ix.scatter_add, "multiply": sc.scatter_mul, "min": sc.scatter_min,
             "max": sc.scatter_max}
_COMBINE = {"add": add, "multiply": multiply, "min": minimum, "max": maximum}


class IndexUpdateHelper:
    """`x.at`: JAX's functional indexed updates."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, idx):
        return IndexUpdateRef(self.array, idx)


def _check_mode(mode):
    if mode not in (None, "clip", "promise_in_bounds"):
        raise UnsupportedError(f"x.at[...] with mode={mode!r} is not supported: functrans clamps out-of-range "
                               "traced indices (mode='clip'); check the indices, or mask the updates")


class IndexUpdateRef:
    """`x.at[idx]`; each method returns the updated copy."""
    __slots__ = ("array", "idx")

    def __init__(self, array, idx):
        self.array, self.idx = array, idx

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None):
        """`x[idx]`."""
        _check_mode(mode)
        return _result(getitem(self.array, self.idx))

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """`x` with `values` written at the index."""
        return update("set", self.array, self.idx, values, unique_indices, mode)

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """`x` with `values` added at the index (repeated indices accumulate)."""
        return update("add", self.array, self.idx, values, unique_indices, mode)

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return update("add", self.array, self.idx, negative(values), unique_indices, mode)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """`x` multiplied by `values` at the index (repeated indices multiply)."""
        return update("multiply", self.array, self.idx, values, unique_indices, mode)

    mul = multiply

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return update("multiply", self.array, self.idx, divide(1.0, values), unique_indices, mode)

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """`x ** values` at the index (once per distinct index)."""
        return self.apply(lambda old: power(old, values), mode=mode)

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return update("min", self.array, self.idx, values, unique_indices, mode)

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        return update("max", self.array, self.idx, values, unique_indices, mode)

    def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """`func` (elementwise) applied at the index, once per distinct index."""
        return update("set", self.array, self.idx, func(self.get(mode=mode)), unique_indices, mode)


def _result(x):
    return x if type(x) is Tracer else to_array(x)


def update(kind, x, idx, values, unique_indices=False, mode=None):
    """`x` with `values` combined at `idx` by `kind` (a key of `_SCATTERS`)."""
    _check_mode(mode)
    x = operand(x)
    x_aval = aval(x)
    shape = x_aval.shape
    values = cast(operand(values), x_aval.dtype, x_aval.weak_type)
    params = {"unique_indices": bool(unique_indices)} if kind == "multiply" else {}
    scatter = _SCATTERS[kind]
    raw = idx if isinstance(idx, tuple) else (idx,)
    if len(raw) == 1 and _abstract_mask(raw[0]):
        return _masked_update(kind, x, raw[0], values)
    items = normalize_items(idx)
    if not any(type(i) is Tracer for i in items):
        where_ = flat_positions(shape, items)
        if kind == "multiply":      # static positions: whether they are distinct is known
            params["unique_indices"] |= np.unique(where_).size == where_.size
        size = int(np.prod(shape, dtype=np.int64))
        flat_values = sh.reshape(broadcast_to(values, where_.shape), new_sizes=(where_.size,))
        flat = scatter(sh.reshape(x, new_sizes=(size,)), where_.reshape(-1), flat_values, axis=0, **params)
        return _result(sh.reshape(flat, new_sizes=shape))
    entries = expand(shape, items)
    updates = broadcast_to(values, result_shape(entries))
    window = dynamic_window(shape, entries)
    if window is not None:
        starts, sizes = window
        block = reshape(updates, sizes)
        if kind != "set":
            block = _COMBINE[kind](ix.dynamic_slice(x, *starts, slice_sizes=sizes), block)
        return ix.dynamic_update_slice(x, block, *starts)
    single = single_axis_index(entries)
    if single is not None:
        axis, index = single
        return scatter(x, normalized(index, shape[axis]), updates, axis=axis, **params)
    where_ = ravel(positions(shape, entries))
    return reshape(scatter(ravel(x), where_, ravel(updates), axis=0, **params), shape)


def _abstract_mask(i) -> bool:
    return type(i) is Tracer and i.aval.dtype == np.bool_ and i.trace.concrete_value(i.ir_var) is None


def _masked_update(kind, x, mask, values):
    """`x.at[mask]` for a traced mask with no concrete value: the selected
    elements are updated by `where`, which needs no count of them; so
    `values` must broadcast against the axes the mask leaves."""
    shape = aval(x).shape
    k = len(mask.aval.shape)
    if mask.aval.shape != shape[:k]:
        raise IndexError(f"boolean index of shape {mask.aval.shape} does not match the leading axes of an array "
                         f"of shape {shape}")
    if np.ndim(values) > len(shape) - k:
        raise UnsupportedError("x.at[mask] with a traced mask under jit or vmap takes a scalar, or values for the "
                               f"axes after the mask ({shape[k:]}): the number of selected elements is not known")
    new = values if kind == "set" else _COMBINE[kind](x, values)
    return where(reshape(mask, mask.aval.shape + (1,) * (len(shape) - k)), new, x)
