"""Evenly spaced values: linspace, logspace, geomspace, whose endpoints
may be traced (and arrays: the samples then run along `axis`).

Concrete endpoints give NumPy's own arrays. Traced ones are computed as
NumPy does, start + i * (stop - start) / div with the last sample exactly
`stop`, so that the two agree to rounding and derivatives flow to the
endpoints.
"""
from __future__ import annotations

import numpy as np

from ..arrays import to_array
from ..core import Tracer
from ..ops import shaping as sh
from ._base import aval, broadcast_shapes, broadcast_to, normalize_axis, operand, promote, to_float
from ._math import add, astype, divide, floor, log10, multiply, power, sign, subtract
from ._shape import concatenate, expand_dims, moveaxis


def _traced(*args) -> bool:
    return any(type(a) is Tracer for a in args)


def _result_dtype(start, stop, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    x = to_float(promote(start, stop)[0])
    return aval(x).dtype


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced samples from `start` to `stop` (excluded unless
    `endpoint`); with `retstep`, also the spacing."""
    num = int(num)
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    if not _traced(start, stop):
        out = np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis)
        return (to_array(out[0]), out[1]) if retstep else to_array(out)
    out_dtype = _result_dtype(start, stop, dtype)
    start, stop = (to_float(x) for x in promote(start, stop))
    bounds = broadcast_shapes(aval(start).shape, aval(stop).shape, op="linspace")
    start, stop = broadcast_to(start, bounds), broadcast_to(stop, bounds)
    div = num - 1 if endpoint else num
    delta = subtract(stop, start)
    step = divide(delta, float(div)) if div > 0 else multiply(delta, np.nan)
    if num == 0:
        out = np.zeros((0,) + tuple(bounds), aval(start).dtype)
    elif num == 1:
        out = expand_dims(start, 0)
    else:
        dtype = aval(start).dtype
        i = sh.iota(dtype=dtype, shape=(num,) + tuple(bounds), dimension=0)
        out = add(multiply(i, expand_dims(step, 0)), expand_dims(start, 0))
        if endpoint and num > 1:   # the last sample is `stop` itself
            head = sh.slice(out, start_indices=(0,) * (1 + len(bounds)), limit_indices=(num - 1,) + tuple(bounds),
                            strides=None)
            out = concatenate([head, expand_dims(stop, 0)], axis=0)
    if out_dtype.kind in "iu":
        out = floor(out)
    out = astype(out, out_dtype)
    out = moveaxis(out, 0, normalize_axis(axis, len(bounds) + 1, "linspace")) if bounds else out
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """base ** linspace(start, stop, ...): `num` samples evenly spaced on a log scale."""
    if not _traced(start, stop, base):
        return to_array(np.logspace(start, stop, num, endpoint=endpoint, base=base, dtype=dtype, axis=axis))
    exponents = linspace(start, stop, num, endpoint=endpoint, axis=axis)
    base = operand(base)
    if aval(base).shape:   # an array of bases varies along the other axes, as NumPy's
        base = expand_dims(base, normalize_axis(axis, aval(exponents).ndim, "logspace"))
    out = power(to_float(base), exponents)
    return astype(out, dtype) if dtype is not None else out


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` samples evenly spaced on a log scale from `start` to `stop`,
    both of one sign (negative endpoints give negative samples)."""
    if not _traced(start, stop):
        return to_array(np.geomspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis))
    start, stop = (to_float(x) for x in promote(start, stop))
    flip = sign(start)    # NumPy's rule: samples take the sign of the endpoints
    out = logspace(log10(multiply(start, flip)), log10(multiply(stop, flip)), num, endpoint=endpoint, axis=0)
    out = multiply(out, expand_dims(flip, 0) if aval(flip).shape else flip)
    if num > 0:   # the endpoints exactly, as NumPy sets them
        head = sh.slice(out, start_indices=(1,) + (0,) * (aval(out).ndim - 1),
                        limit_indices=(num - 1 if endpoint and num > 1 else num,) + aval(out).shape[1:], strides=None)
        parts = [expand_dims(broadcast_to(start, aval(out).shape[1:]), 0), head]
        if endpoint and num > 1:
            parts.append(expand_dims(broadcast_to(stop, aval(out).shape[1:]), 0))
        out = concatenate(parts, axis=0)
    out = astype(out, dtype) if dtype is not None else out
    return moveaxis(out, 0, normalize_axis(axis, aval(out).ndim, "geomspace")) if aval(out).ndim > 1 else out

