"""Norms: `norm` with every `ord` and `axis` NumPy has, and the array API's
`vector_norm` / `matrix_norm`. Complex input has the norms of |x|.

Matrix 2-norms and the nuclear norm are the extreme and summed singular
values, so their derivatives are the SVD's (distinct singular values).
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..ops import orthogonal
from ._base import aval, normalize_axis, operand, to_float
from ._complex import imag, iscomplexobj, real
from ._math import abs, astype, not_equal, power, sqrt, square
from ._reductions import max, min, sum
from ._shape import expand_dims, ravel, transpose


def _abs_squared(x):
    """|x|^2, smooth also for complex x (re^2 + im^2) and real."""
    return square(real(x)) + square(imag(x)) if iscomplexobj(x) else square(x)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return sqrt(sum(_abs_squared(x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order {ord!r} for vectors")
    if ord == np.inf:
        return max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:   # the number of nonzero entries, as a float (NumPy's)
        return astype(sum(not_equal(x, 0), axis=axis, keepdims=keepdims), aval(abs(x)).dtype)
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    return power(sum(power(abs(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _singular_values_last(x, axes):
    """The singular values of the matrices over `axes` (moved last)."""
    rest = [i for i in range(aval(x).ndim) if i not in axes]
    return orthogonal.svd(transpose(x, rest + list(axes)), full_matrices=False, compute_uv=False)[0]


def _matrix_norm(x, ord, axes, keepdims):
    row, col = axes
    if ord is None or ord == "fro":
        out = sqrt(sum(_abs_squared(x), axis=axes))
    elif ord == "nuc":
        out = sum(_singular_values_last(x, axes), axis=-1)
    elif ord in (2, -2):
        s = _singular_values_last(x, axes)
        out = max(s, axis=-1) if ord == 2 else min(s, axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        # 1: the largest column sum of |x|; inf: the largest row sum.
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = sum(abs(x), axis=summed)
        other -= other > summed
        out = max(sums, axis=other) if ord > 0 else min(sums, axis=other)
    else:
        raise ValueError(f"Invalid norm order {ord!r} for matrices")
    if keepdims:
        out = expand_dims(out, axes)
    return out


def norm(x, ord=None, axis=None, keepdims=False):
    """The vector or matrix norm of x, as NumPy's: with no axis, the
    Frobenius / 2-norm of the flattened x when ord is None, else the norm of
    a 1-D or 2-D x; an int axis takes vector norms, a pair matrix norms."""
    x = to_float(operand(x))
    ndim = aval(x).ndim
    if axis is None:
        if ord is None:
            out = sqrt(sum(_abs_squared(ravel(x))))
            return expand_dims(out, tuple(range(ndim))) if keepdims else out
        if ndim not in (1, 2):
            raise ShapeError(f"norm: ord={ord!r} needs a 1-D or 2-D array when no axis is given, got {ndim}-D")
        axis = tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(normalize_axis(a, ndim, "norm") for a in axes)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2 and axes[0] != axes[1]:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: axis must be an int or a pair of distinct axes, got {axis!r}")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """The array API's vector norm: over all axes by default (x flattened)."""
    x = to_float(operand(x))
    if axis is None:
        out = _vector_norm(ravel(x), ord, 0, False)
        return expand_dims(out, tuple(range(aval(x).ndim))) if keepdims else out
    return _vector_norm(x, ord, axis, keepdims)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """The array API's matrix norm over the last two axes."""
    x = to_float(operand(x))
    return _matrix_norm(x, ord, (aval(x).ndim - 2, aval(x).ndim - 1), keepdims)
