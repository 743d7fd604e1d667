"""Reductions with NumPy's `axis` / `keepdims` / dtype conventions:
sum mean prod max min argmax argmin var std cumsum, plus logsumexp."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import UnsupportedError
from ..ops import reduce as rd
from ..ops import shaping as sh
from ._base import aval, broadcast_to, cast, normalize_axes, normalize_axis, operand, result, to_float
from ._math import divide, multiply, sqrt, square, subtract
from ._math import where as select
from ._shape import ravel, reshape, transpose


def _keepdims(out, in_shape, axes, keepdims):
    if not keepdims:
        return out
    kept_shape = tuple(1 if i in axes else n for i, n in enumerate(in_shape))
    return sh.reshape(out, new_sizes=kept_shape) if aval(out).shape != kept_shape else out


def _accumulating_dtype(dtype):
    """NumPy sums bools and small integers in the platform integer."""
    return dtypes.DEFAULT_INT if dtype.kind in "biu" else dtype


def sum(a, axis=None, dtype=None, keepdims=False):
    """Sum of elements over `axis` (all by default)."""
    a = operand(a)
    a_aval = aval(a)
    a = cast(a, np.dtype(dtype) if dtype else _accumulating_dtype(a_aval.dtype), a_aval.weak_type)
    axes = normalize_axes(axis, a_aval.ndim, "sum")
    out = rd.reduce_sum(a, axes=axes) if axes else result(a)
    return _keepdims(out, a_aval.shape, axes, keepdims)


def mean(a, axis=None, dtype=None, keepdims=False):
    """Arithmetic mean over `axis`; integers are averaged in float64."""
    a = to_float(a)
    a_aval = aval(a)
    axes = normalize_axes(axis, a_aval.ndim, "mean")
    count = int(np.prod([a_aval.shape[i] for i in axes], dtype=np.int64))
    out = divide(sum(a, axis=axes, keepdims=keepdims), float(count))
    return cast(out, np.dtype(dtype)) if dtype else out


def _extremum(prim, name):
    def fn(a, axis=None, keepdims=False):
        a = operand(a)
        a_aval = aval(a)
        axes = normalize_axes(axis, a_aval.ndim, name)
        if any(a_aval.shape[i] == 0 for i in axes):
            raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
        out = prim(a, axes=axes) if axes else result(a)
        return _keepdims(out, a_aval.shape, axes, keepdims)
    fn.__name__ = name
    fn.__doc__ = f"The {name}imum over `axis` (all by default)."
    return fn


max = amax = _extremum(rd.reduce_max, "max")
min = amin = _extremum(rd.reduce_min, "min")


def _arg_extremum(prim, name):
    def fn(a, axis=None, keepdims=False):
        a = operand(a)
        in_shape = aval(a).shape
        if axis is None:
            a, axis = ravel(a), 0
        a_aval = aval(a)
        axis = normalize_axis(axis, a_aval.ndim, name)
        out = prim(a, axes=(axis,), index_dtype=dtypes.DEFAULT_INT)
        if keepdims and in_shape != a_aval.shape:   # axis=None keeps every axis of the input
            return sh.reshape(out, new_sizes=(1,) * len(in_shape))
        return _keepdims(out, a_aval.shape, (axis,), keepdims)
    fn.__name__ = name
    fn.__doc__ = f"Index of the {name[3:]}imum along `axis` (of the flattened array by default)."
    return fn


argmax = _arg_extremum(rd.argmax, "argmax")
argmin = _arg_extremum(rd.argmin, "argmin")


def prod(a, axis=None, keepdims=False):
    """Product over `axis`, as a tree of pairwise products: no division, so
    its derivative is exact even where elements are zero."""
    a = operand(a)
    a_aval = aval(a)
    a = cast(a, _accumulating_dtype(a_aval.dtype), a_aval.weak_type)
    axes = normalize_axes(axis, a_aval.ndim, "prod")
    kept = [i for i in range(a_aval.ndim) if i not in axes]
    kept_shape = [a_aval.shape[i] for i in kept]
    n = int(np.prod([a_aval.shape[i] for i in axes], dtype=np.int64))
    if n == 0:
        return _keepdims(np.ones(kept_shape, aval(a).dtype), a_aval.shape, axes, keepdims)
    x = reshape(transpose(a, kept + list(axes)), kept_shape + [n])
    while n > 1:
        if n % 2:
            one = np.ones((), aval(x).dtype)[()]
            x = sh.pad(x, one, padding_config=((0, 0, 0),) * len(kept) + ((0, 1, 0),))
            n += 1
        x = multiply(_take_last(x, 0, n, 2), _take_last(x, 1, n, 2))
        n //= 2
    out = sh.squeeze(x, dimensions=(len(kept),))
    return _keepdims(out, a_aval.shape, axes, keepdims)


def _take_last(x, start, stop, step):
    shape = aval(x).shape
    return sh.slice(x, start_indices=(0,) * (len(shape) - 1) + (start,),
                    limit_indices=shape[:-1] + (stop,), strides=(1,) * (len(shape) - 1) + (step,))


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    """Variance over `axis`: (x - mean)^2 averaged over the count less
    `ddof` (or `correction`, its Array API name), over the elements where
    `where` holds if given."""
    if out is not None:
        raise UnsupportedError("var/std: out= is not supported (functrans values are immutable); use the result")
    if correction is not None:
        if ddof != 0:
            raise ValueError("var/std: give ddof or correction, not both")
        ddof = correction
    a = to_float(a)
    a = cast(a, np.dtype(dtype)) if dtype is not None else a
    a_aval = aval(a)
    axes = normalize_axes(axis, a_aval.ndim, "var")
    if where is None:
        denominator = float(np.prod([a_aval.shape[i] for i in axes], dtype=np.int64) - ddof)
        centered = subtract(a, mean(a, axis=axes, keepdims=True))
    else:    # counts per reduced slice; elements outside `where` contribute 0
        where = broadcast_to(operand(where), a_aval.shape)
        count = sum(where, axis=axes, keepdims=True, dtype=a_aval.dtype)
        centered = select(where, subtract(a, divide(sum(select(where, a, 0.0), axis=axes, keepdims=True), count)),
                          0.0)
        denominator = subtract(count if keepdims else _squeezed(count, axes), ddof)
    return divide(sum(square(centered), axis=axes, keepdims=keepdims), denominator)


def _squeezed(x, axes):
    return sh.squeeze(x, dimensions=axes) if axes else x


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    """Standard deviation: sqrt of `var`."""
    return sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, correction=correction))


def cumsum(a, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened array by default)."""
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    a_aval = aval(a)
    a = cast(a, np.dtype(dtype) if dtype else _accumulating_dtype(a_aval.dtype), a_aval.weak_type)
    return rd.cumsum(a, axis=normalize_axis(axis, a_aval.ndim, "cumsum"), reverse=False)
