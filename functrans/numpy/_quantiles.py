"""Order statistics: quantile, percentile, median and their NaN-ignoring
forms, as jax.numpy computes them: sort along the reduced axes, then read
(and interpolate) the elements at q * (n - 1).

Methods: 'linear' (the default), 'lower', 'higher', 'midpoint' and
'nearest' (ties at .5 go to the lower element, as in JAX; NumPy rounds
them to even). `q` may be traced, of any shape; results have shape
q.shape + the kept axes. Derivatives flow to `a` through the sort and to
`q` through the linear interpolation weight.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Tracer
from ._base import aval, broadcast_to, normalize_axes, operand, promote, to_float
from ._complex import iscomplexobj
from ._indexing import take_along_axis
from ._math import add, astype, ceil, divide, floor, isnan, logical_not, maximum, minimum, multiply, subtract, where
from ._ordering import sort
from ._predicates import any as _any
from ._reductions import sum
from ._shape import expand_dims, moveaxis, reshape, transpose

METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check_q(q, lo, hi, name):
    if type(q) is not Tracer:
        values = np.asarray(q)
        if values.size and not np.all((values >= lo) & (values <= hi)):
            raise ValueError(f"{name}: q must lie in [{lo}, {hi}], got {q!r}")


def _lines(a, axis):
    """`a` with the reduced axes flattened into one last axis; and the axes."""
    a_aval = aval(a)
    axes = normalize_axes(axis, a_aval.ndim, "quantile")
    kept = [i for i in range(a_aval.ndim) if i not in axes]
    kept_shape = tuple(a_aval.shape[i] for i in kept)
    m = int(np.prod([a_aval.shape[i] for i in axes], dtype=np.int64))
    return reshape(transpose(a, kept + list(axes)), kept_shape + (m,)), axes


def _quantile(a, q, axis, method, keepdims, ignore_nans, name, scale=1.0):
    if method not in METHODS:
        raise ValueError(f"{name}: method must be one of {', '.join(map(repr, METHODS))}, got {method!r} "
                         "(NumPy's other methods are not supported)")
    a, q = promote(a, q)
    a, q = to_float(a), to_float(q)
    q = divide(q, scale) if scale != 1.0 else q    # percentiles
    if iscomplexobj(a):
        raise ValueError(f"{name} does not support complex input, as the operation is poorly defined")
    q_shape = aval(q).shape
    lines, axes = _lines(a, axis)
    m = aval(lines).shape[-1]
    if m == 0:
        raise ValueError(f"{name} of an empty slice: the reduced axes have no elements")
    if ignore_nans:   # NaNs sort last; each line counts its numbers
        count = sum(logical_not(isnan(lines)), axis=-1, keepdims=True).astype(aval(lines).dtype)
    else:             # a NaN anywhere in a line makes its quantiles NaN
        lines = where(_any(isnan(lines), axis=-1, keepdims=True), np.nan, lines)
        count = float(m)
    ordered = sort(lines, axis=-1)
    # kept + (q.size,); in a's dtype (concrete q and counts compute in float64)
    position = astype(multiply(reshape(q, (-1,)), subtract(count, 1.0)), aval(ordered).dtype)
    top = maximum(subtract(count, 1.0), 0.0)
    low, high = minimum(maximum(floor(position), 0.0), top), minimum(maximum(ceil(position), 0.0), top)
    high_weight = subtract(position, floor(position))
    shape = aval(ordered).shape[:-1] + (int(np.prod(q_shape, dtype=np.int64)),)

    def at(index):
        return take_along_axis(ordered, broadcast_to(astype(index, dtypes.DEFAULT_INT), shape), axis=-1)
    low_value, high_value = at(low), at(high)
    if method == "linear":
        out = add(multiply(low_value, subtract(1.0, high_weight)), multiply(high_value, high_weight))
    elif method == "lower":
        out = low_value
    elif method == "higher":
        out = high_value
    elif method == "midpoint":
        out = multiply(add(low_value, high_value), 0.5)
    else:
        out = where(high_weight <= 0.5, low_value, high_value)
    out = reshape(moveaxis(broadcast_to(out, shape), -1, 0), q_shape + shape[:-1])
    if keepdims:
        out = expand_dims(out, tuple(len(q_shape) + i for i in axes))
    return out


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1]) of `a` over `axis` (all by default)."""
    _no_out("quantile", out)
    _check_q(q, 0, 1, "quantile")
    return _quantile(operand(a), q, axis, method, keepdims, False, "quantile")


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """`quantile` of the non-NaN elements (NaN where a slice has none)."""
    _no_out("nanquantile", out)
    _check_q(q, 0, 1, "nanquantile")
    return _quantile(operand(a), q, axis, method, keepdims, True, "nanquantile")


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """The q-th percentiles (q in [0, 100]) of `a` over `axis`."""
    _no_out("percentile", out)
    _check_q(q, 0, 100, "percentile")
    return _quantile(operand(a), q, axis, method, keepdims, False, "percentile", 100.0)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """`percentile` of the non-NaN elements."""
    _no_out("nanpercentile", out)
    _check_q(q, 0, 100, "nanpercentile")
    return _quantile(operand(a), q, axis, method, keepdims, True, "nanpercentile", 100.0)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median over `axis`: the mean of the two middle elements when their number is even."""
    _no_out("median", out)
    return _quantile(operand(a), 0.5, axis, "midpoint", keepdims, False, "median")


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the non-NaN elements."""
    _no_out("nanmedian", out)
    return _quantile(operand(a), 0.5, axis, "midpoint", keepdims, True, "nanmedian")


def _no_out(name, out):
    if out is not None:
        raise TypeError(f"{name}: the out= argument is not supported (arrays are immutable values); use the result")
