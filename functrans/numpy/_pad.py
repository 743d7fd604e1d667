"""`pad` in NumPy's modes, axis by axis as NumPy pads (so corners follow
NumPy's), from the `pad` primitive (constants), slices, reversals and
concatenations (edge, wrap, reflect, symmetric), and reductions broadcast
along the axis (maximum, minimum, mean, median). The pad widths decide the shape,
so they must be static; constant values may be traced."""
from __future__ import annotations

import numpy as np

from ..core import Tracer
from ..errors import ShapeError, UnsupportedError
from ..ops import shaping as sh
from ._base import aval, broadcast_to, cast, operand
from ._indexing import getitem
from ._math import add, floor, multiply, round, subtract, true_divide
from ._quantiles import median
from ._reductions import max as _max
from ._reductions import mean as _mean
from ._reductions import min as _min
from ._shape import concatenate, flip, repeat

_STATISTICS = {"maximum": _max, "minimum": _min, "mean": _mean, "median": median}
_MODES = ("constant", "edge", "wrap", "reflect", "symmetric", "linear_ramp", "empty", *_STATISTICS)


def _pairs(values, ndim, name):
    """`values` as one static (before, after) pair per axis, by jax.numpy's
    rules: forms of shape (ndim, 2), (1, 2), (2,), (1,) or ()."""
    if type(values) is Tracer or isinstance(values, (list, tuple)) and any(type(v) is Tracer for v in values):
        raise UnsupportedError(f"pad: {name} must be static (it decides the result's shape or is read as "
                               "numbers); pass Python ints")
    given = values
    values = np.asarray(values)
    if values.dtype == object:
        raise ShapeError(f"pad: {name} entries must be the same shape: {given}")
    if values.shape in ((ndim, 2), (1, 2), (2,), (1,), ()):
        return [tuple(pair) for pair in np.broadcast_to(values, (ndim, 2)).tolist()]
    raise ShapeError(f"pad: {name} for an array of {ndim} dimensions has shape {values.shape}; valid shapes "
                     f"are ({ndim}, 2), (1, 2), (2,), (1,) or ()")


def _in_dim(x, start, stop, axis):
    """x[..., start:stop, ...] along `axis` (Python slice bounds)."""
    return getitem(x, (slice(None),) * axis + (slice(start, stop),))


def _constant(x, widths, constant_values):
    x_aval = aval(x)
    value = cast(operand(constant_values), x_aval.dtype, x_aval.weak_type)
    value_shape = aval(value).shape
    if value_shape == () or value_shape == (1,):
        value = getitem(value, 0) if value_shape else value
        return sh.pad(x, value, padding_config=tuple((lo, hi, 0) for lo, hi in widths))
    if len(value_shape) > 2 or value_shape[-1] not in (1, 2):
        raise ShapeError(f"pad: constant_values has shape {value_shape}; give a scalar, a (before, after) pair, "
                         "or one pair per axis")
    values = broadcast_to(value, (x_aval.ndim, 2))
    for axis, (lo, hi) in enumerate(widths):
        for side, width in ((0, lo), (1, hi)):
            if width:
                config = [(0, 0, 0)] * x_aval.ndim
                config[axis] = (width, 0, 0) if side == 0 else (0, width, 0)
                x = sh.pad(x, getitem(values, (axis, side)), padding_config=tuple(config))
    return x


def _wrap(x, axis, lo, hi):
    n = aval(x).shape[axis]
    lo_repeats, lo_rest = divmod(lo, n)
    hi_repeats, hi_rest = divmod(hi, n)
    parts = ([_in_dim(x, n - lo_rest, n, axis)] if lo_rest else []) + [x] * (lo_repeats + hi_repeats + 1)
    return concatenate(parts + ([_in_dim(x, 0, hi_rest, axis)] if hi_rest else []), axis)


def _reflect(x, axis, lo, hi, mode, reflect_type):
    """Reflections of the (growing) array, as often as the width needs;
    `odd` reflects through the edge value: 2 * edge - x."""
    n = aval(x).shape[axis]
    offset = 1 if mode == "reflect" and n > 1 else 0
    for padding, before in ((lo, True), (hi, False)):
        edge = _in_dim(x, 0, 1, axis) if before else _in_dim(x, -1, None, axis)
        while padding > 0:
            width = min(padding, n - offset)
            padding -= width
            if before:
                part = _in_dim(x, offset, offset + width, axis)
            else:
                part = _in_dim(x, -(width + offset), None if mode == "symmetric" or n == 1 else -1, axis)
            part = flip(part, axis)
            if reflect_type == "odd":
                part = subtract(multiply(2, edge), part)
                if n > 1:
                    edge = _in_dim(part, 0, 1, axis) if before else _in_dim(part, -1, None, axis)
            x = concatenate([part, x] if before else [x, part], axis)
    return x


def _repeated(x, before, after, axis, lo, hi):
    """`before` repeated lo times ahead of x along `axis`, `after` hi times behind."""
    return concatenate([repeat(before, lo, axis), x, repeat(after, hi, axis)], axis)


def _ramp(end, edge, width, axis, dtype):
    """NumPy's linspace(end, edge, width, endpoint=False) along `axis`,
    where `edge` has length 1 there (floored for integers, as NumPy)."""
    ndim = aval(edge).ndim
    edge_f = cast(edge, np.dtype(np.float64)) if dtype.kind not in "fc" else edge
    steps = np.arange(width, dtype=aval(edge_f).dtype).reshape((1,) * axis + (width,) + (1,) * (ndim - axis - 1))
    # NumPy's order of operations (start + i * step), so that floors agree.
    ramp = add(multiply(steps, true_divide(subtract(edge_f, end), width)), end) if width else broadcast_to(
        edge_f, aval(edge_f).shape[:axis] + (0,) + aval(edge_f).shape[axis + 1:])
    return cast(floor(ramp), dtype) if dtype.kind not in "fc" else cast(ramp, dtype)


def _statistic(x, axis, lo, hi, func, lengths):
    n = aval(x).shape[axis]
    if lengths is None:
        before = after = func(x, axis=axis, keepdims=True)
    else:
        length_lo, length_hi = lengths
        if length_lo == 0 or length_hi == 0:
            raise ValueError("pad: stat_length of 0 yields no value for padding")
        before = func(_in_dim(x, 0, min(length_lo, n), axis), axis=axis, keepdims=True)
        after = func(_in_dim(x, -min(length_hi, n), None, axis), axis=axis, keepdims=True)
    dtype = aval(x).dtype
    if dtype.kind in "iu":      # NumPy rounds a statistic of integers to the nearest
        before, after = round(before), round(after)
    return _repeated(x, cast(before, dtype), cast(after, dtype), axis, lo, hi)


def pad(array, pad_width, mode="constant", *, constant_values=0, stat_length=None, end_values=0,
        reflect_type="even"):
    """`array` padded by `pad_width` (per axis (before, after), one pair for
    all, or one width) in one of NumPy's modes: constant, edge, wrap,
    reflect, symmetric (`reflect_type` 'even' or 'odd'), linear_ramp
    (towards `end_values`), maximum, minimum, mean, median (over `stat_length`
    edge elements, all by default) and empty (zeros)."""
    x = operand(array)
    ndim = aval(x).ndim
    if callable(mode):
        raise UnsupportedError("pad with a callable mode is not supported; compose the padding from fnp.pad "
                               "with mode='constant' and .at[...].set(...)")
    if mode not in _MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of {', '.join(_MODES)}")
    if reflect_type not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}")
    if ndim == 0:
        return x
    widths = _pairs(pad_width, ndim, "pad_width")
    if any(w < 0 for pair in widths for w in pair):
        raise ValueError(f"pad: index can't contain negative values, got pad_width={pad_width}")
    if any(int(w) != w for pair in widths for w in pair):
        raise TypeError(f"pad: pad_width must be integers, got {pad_width}")
    widths = [(int(lo), int(hi)) for lo, hi in widths]
    if mode in ("constant", "empty"):
        return _constant(x, widths, constant_values if mode == "constant" else 0)
    lengths = _pairs(stat_length, ndim, "stat_length") if stat_length is not None else [None] * ndim
    ends = _pairs(end_values, ndim, "end_values") if mode == "linear_ramp" else None
    for axis, (lo, hi) in enumerate(widths):
        n = aval(x).shape[axis]
        if n == 0:
            if lo or hi:
                raise ValueError(f"pad: can't extend empty axis {axis} using modes other than 'constant' or "
                                 "'empty'")
            continue
        if not lo and not hi:
            continue
        if mode == "edge":
            x = _repeated(x, _in_dim(x, 0, 1, axis), _in_dim(x, -1, None, axis), axis, lo, hi)
        elif mode == "wrap":
            x = _wrap(x, axis, lo, hi)
        elif mode in ("reflect", "symmetric"):
            x = _reflect(x, axis, lo, hi, mode, reflect_type)
        elif mode == "linear_ramp":
            dtype = aval(x).dtype
            before = _ramp(ends[axis][0], _in_dim(x, 0, 1, axis), lo, axis, dtype)
            after = flip(_ramp(ends[axis][1], _in_dim(x, -1, None, axis), hi, axis, dtype), axis)
            x = concatenate([before, x, after], axis)
        else:
            x = _statistic(x, axis, lo, hi, _STATISTICS[mode], lengths[axis])
    return x
