"""Matrix-shaped structure: triangles, diagonals, traces, Kronecker and
cross products, and the index sets of triangles and diagonals.

All are compositions: a triangle is a `select` against a constant mask, a
diagonal a strided `slice` of the flattened last two axes, and `diag` of a
vector an interior `pad` (the vector's elements spaced one row plus one
apart); so each is linear, transposes into the other, and fuses under jit.
"""
from __future__ import annotations

import numpy as np

from ..arrays import to_array
from ..errors import ShapeError, UnsupportedError
from ..ops import shaping as sh
from ._base import aval, broadcast_shapes, broadcast_to, cast, normalize_axis, operand, promote
from ._indexing import getitem
from ._math import multiply, negative, subtract, where
from ._reductions import sum as _sum
from ._shape import moveaxis, ravel, reshape, stack, transpose
from ._updates import update


def _float_default(dtype):
    return np.dtype(dtype) if dtype is not None else np.dtype(np.float64)


def _zero(dtype):
    return np.zeros((), dtype)[()]


# triangles --------------------------------------------------------------------

def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the `k`-th diagonal of an N x M matrix."""
    return to_array(np.tri(N, M, k, dtype=_float_default(dtype)))


def _triangle(m, k, lower, name):
    m = operand(m)
    shape = aval(m).shape
    if len(shape) < 2:
        raise ShapeError(f"{name} needs an array of at least two dimensions, got shape {shape}; "
                         "for a vector, build the matrix first (e.g. fnp.diag(v) or v[None, :])")
    mask = np.tri(shape[-2], shape[-1], k, dtype=bool)
    return where(mask if lower else ~mask, m, _zero(aval(m).dtype))


def tril(m, k=0):
    """`m` with the elements above the `k`-th diagonal of its last two axes zeroed."""
    return _triangle(m, k, True, "tril")


def triu(m, k=0):
    """`m` with the elements below the `k`-th diagonal of its last two axes zeroed."""
    return _triangle(m, k - 1, False, "triu")


def tril_indices(n, k=0, m=None):
    """The row and column indices of the lower triangle of an n x m matrix."""
    return tuple(to_array(i) for i in np.tril_indices(n, k, m))


def triu_indices(n, k=0, m=None):
    """The row and column indices of the upper triangle of an n x m matrix."""
    return tuple(to_array(i) for i in np.triu_indices(n, k, m))


def _matrix_shape(arr, name):
    shape = aval(operand(arr)).shape
    if len(shape) != 2:
        raise ShapeError(f"{name}: the input array must be 2-d, got shape {shape}")
    return shape


def tril_indices_from(arr, k=0):
    n, m = _matrix_shape(arr, "tril_indices_from")
    return tril_indices(n, k, m)


def triu_indices_from(arr, k=0):
    n, m = _matrix_shape(arr, "triu_indices_from")
    return triu_indices(n, k, m)


def diag_indices(n, ndim=2):
    """The indices of the main diagonal of an n x ... x n array."""
    return tuple(to_array(i) for i in np.diag_indices(n, ndim))


def diag_indices_from(arr):
    shape = aval(operand(arr)).shape
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ShapeError(f"diag_indices_from needs an array of at least 2 dimensions, all of one length; "
                         f"got shape {shape}")
    return diag_indices(shape[0], len(shape))


# diagonals --------------------------------------------------------------------

def _diagonal_length(n, m, offset):
    return max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The `offset`-th diagonal of the (`axis1`, `axis2`) planes of `a`, as
    a last axis after the others."""
    a = operand(a)
    shape = aval(a).shape
    if len(shape) < 2:
        raise ShapeError(f"diagonal needs an array of at least two dimensions, got shape {shape}")
    i = normalize_axis(axis1, len(shape), "diagonal", "axis1")
    j = normalize_axis(axis2, len(shape), "diagonal", "axis2")
    if i == j:
        raise ShapeError("diagonal: axis1 and axis2 cannot be the same")
    offset = _static_int(offset, "diagonal", "offset")
    a = transpose(a, [d for d in range(len(shape)) if d not in (i, j)] + [i, j])
    *lead, n, m = aval(a).shape
    length = _diagonal_length(n, m, offset)
    # Element (r, r + offset) of the plane is at r * (m + 1) + offset when flattened.
    start = 0 if length == 0 else offset if offset >= 0 else -offset * m
    limit = start + (length - 1) * (m + 1) + 1 if length else 0
    flat = reshape(a, tuple(lead) + (n * m,))
    return sh.slice(flat, start_indices=(0,) * len(lead) + (start,), limit_indices=tuple(lead) + (limit,),
                    strides=(1,) * len(lead) + (m + 1,))


def _static_int(value, fn, name):
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise UnsupportedError(f"{fn}: {name} must be a static Python integer (it decides the result's shape), "
                               f"got {type(value).__name__}")
    return int(value)


def diag(v, k=0):
    """The `k`-th diagonal of a matrix, or a square matrix with the vector
    `v` on its `k`-th diagonal."""
    v = operand(v)
    shape = aval(v).shape
    k = _static_int(k, "diag", "k")
    if len(shape) == 2:
        return diagonal(v, k)
    if len(shape) != 1:
        raise ShapeError(f"diag needs a 1-d or 2-d input, got shape {shape}")
    n = shape[0]
    size = n + abs(k)
    # v's elements land one row plus one column apart in the flattened matrix.
    start = k if k >= 0 else -k * size
    end = start + (n - 1) * (size + 1) + 1 if n else start
    flat = sh.pad(v, _zero(aval(v).dtype), padding_config=((start, size * size - end, size),))
    return reshape(flat, (size, size))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """The sum along a diagonal (see `diagonal`)."""
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def fill_diagonal(a, val, wrap=False, inplace=True):
    """`a` with its main diagonal set to `val` (repeated as needed), as
    NumPy's `fill_diagonal` writes it. JAX's form: functrans values are
    immutable, so pass `inplace=False` and use the result."""
    if inplace:
        raise UnsupportedError("fill_diagonal: functrans arrays are immutable; call fill_diagonal(a, val, "
                               "inplace=False) and use the array it returns")
    a = operand(a)
    shape = aval(a).shape
    if len(shape) < 2:
        raise ShapeError(f"fill_diagonal: array must be at least 2-d, got shape {shape}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ShapeError(f"fill_diagonal: all dimensions of input must be of equal length, got shape {shape}")
    # NumPy's rule: every `step`-th element of the flattened array, up to `end`.
    if len(shape) == 2:
        step, end = shape[1] + 1, None if wrap else shape[1] * shape[1]
    else:
        step, end = 1 + int(np.cumprod(shape[:-1]).sum()), None
    positions = np.arange(int(np.prod(shape)), dtype=np.int64)[:end:step]
    values = ravel(cast(operand(val), aval(a).dtype, aval(a).weak_type))
    n_values = aval(values).shape[0]
    if n_values == 0 or positions.size == 0:      # nothing to write (NumPy's too)
        return a
    if n_values != 1:
        values = getitem(values, np.arange(positions.size) % n_values)
    return reshape(update("set", ravel(a), positions, values), shape)


# products -------------------------------------------------------------------------

def kron(a, b):
    """The Kronecker product: blocks of `b` scaled by each element of `a`."""
    a, b = promote(a, b)
    a_shape, b_shape = aval(a).shape, aval(b).shape
    ndim = max(len(a_shape), len(b_shape))
    a_shape = (1,) * (ndim - len(a_shape)) + a_shape
    b_shape = (1,) * (ndim - len(b_shape)) + b_shape
    # Interleave the axes: a's i-th axis before b's, then merge each pair.
    spread_a = reshape(a, [d for n in a_shape for d in (n, 1)])
    spread_b = reshape(b, [d for n in b_shape for d in (1, n)])
    return reshape(multiply(spread_a, spread_b), [p * q for p, q in zip(a_shape, b_shape)])


def _product(x, y):
    return None if x is None or y is None else multiply(x, y)


def _difference(p, q, shape, dtype):
    """p - q where a None term is a zero component (of a 2-vector)."""
    if p is None and q is None:
        return np.zeros(shape, dtype)
    if q is None:
        return p
    return negative(q) if p is None else subtract(p, q)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or 2-vectors, as vectors with a zero
    third component) along the given axes, broadcast over the others."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = promote(a, b)
    a = moveaxis(a, normalize_axis(axisa, aval(a).ndim, "cross", "axisa"), -1)
    b = moveaxis(b, normalize_axis(axisb, aval(b).ndim, "cross", "axisb"), -1)
    na, nb = aval(a).shape[-1], aval(b).shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ShapeError(f"cross: incompatible dimensions for cross product (dimension must be 2 or 3), "
                         f"got {na} and {nb}")
    shape = broadcast_shapes(aval(a).shape[:-1], aval(b).shape[:-1], op="cross")
    dtype = aval(a).dtype
    x = [getitem(a, (Ellipsis, i)) for i in range(na)] + [None] * (3 - na)
    y = [getitem(b, (Ellipsis, i)) for i in range(nb)] + [None] * (3 - nb)
    z = _difference(_product(x[0], y[1]), _product(x[1], y[0]), shape, dtype)
    if na == nb == 2:
        return broadcast_to(z, shape)
    components = [_difference(_product(x[1], y[2]), _product(x[2], y[1]), shape, dtype),
                  _difference(_product(x[2], y[0]), _product(x[0], y[2]), shape, dtype), z]
    out = stack([broadcast_to(c, shape) for c in components], axis=-1)
    return moveaxis(out, -1, normalize_axis(axisc, len(shape) + 1, "cross", "axisc"))
