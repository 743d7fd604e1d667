"""`jax.numpy` names that are short compositions of other facade functions:
array-API spellings (`concat`, `permute_dims`, `matrix_transpose`,
`unstack`, `vecdot`, `matvec`, `vecmat`), creation (`identity`,
`empty_like`, `copy`), and 1-D polynomial and sequence helpers. Each
inherits its derivative, transpose and batching from the functions it is
built from."""
from __future__ import annotations

import numpy as np

from ._complex import conj
from ._math import astype, exp2
from ._matrix_shape import diag
from ._reductions import sum
from ._shape import asarray, concatenate, eye, moveaxis, ravel, stack, swapaxes, transpose, zeros, zeros_like
from ._structural import diff


def identity(n, dtype=None):
    """The `n` by `n` identity matrix (`eye(n)`)."""
    return eye(n, dtype=dtype)


def empty_like(prototype, dtype=None, shape=None):
    """An array like `prototype`; filled with zeros, as in JAX (arrays are never uninitialised)."""
    if shape is None:
        return zeros_like(prototype, dtype=dtype)
    return zeros(shape, asarray(prototype).dtype if dtype is None else dtype)


def copy(a, order=None):
    """A copy of `a` (values are immutable, so this is `asarray(a)`)."""
    return asarray(a)


def matrix_transpose(x):
    """`x` with its last two axes swapped."""
    return swapaxes(x, -1, -2)


def permute_dims(a, axes=None):
    """`transpose(a, axes)`, the array-API spelling."""
    return transpose(a, axes)


def concat(arrays, axis=0):
    """`concatenate(arrays, axis)`, the array-API spelling (`axis=None` flattens first)."""
    return concatenate(arrays, axis=axis)


def unstack(x, axis=0):
    """The slices of `x` along `axis`, as a tuple."""
    x = moveaxis(asarray(x), axis, 0)
    return tuple(x[i] for i in range(x.shape[0]))


def vecdot(x1, x2, axis=-1):
    """The dot product of vectors along `axis`, conjugating `x1`; broadcasts the other axes."""
    return sum(conj(x1) * x2, axis=axis)


def matvec(x1, x2):
    """Matrix (last two axes of `x1`) times vector (last axis of `x2`), broadcast over the rest."""
    return sum(x1 * asarray(x2)[..., None, :], axis=-1)


def vecmat(x1, x2):
    """Conjugated vector (last axis of `x1`) times matrix (last two axes of `x2`)."""
    return sum(conj(asarray(x1))[..., :, None] * x2, axis=-2)


def ldexp(x1, x2):
    """`x1 * 2**x2`, in `x1`'s float dtype."""
    x1 = asarray(x1)
    return x1 * exp2(astype(asarray(x2), x1.dtype))


def diagflat(v, k=0):
    """The 2-D array with the flattened `v` on diagonal `k`."""
    return diag(ravel(v), k)


def ediff1d(ary, to_end=None, to_begin=None):
    """The differences of consecutive elements of the flattened `ary`, with `to_begin` / `to_end` attached."""
    d = diff(ravel(ary))
    parts = [ravel(astype(asarray(p), d.dtype)) for p in (to_begin,) if p is not None] + [d]
    parts += [ravel(astype(asarray(to_end), d.dtype))] if to_end is not None else []
    return concatenate(parts) if len(parts) > 1 else d


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D `x`: columns are powers of `x`,
    built by repeated products so that derivatives are exact at 0."""
    x = asarray(x)
    if x.ndim != 1:
        raise ValueError(f"vander takes a 1-D x, not one of shape {x.shape}")
    n = x.shape[0] if N is None else N
    columns = [x ** 0] if n else []
    for _ in range(1, n):
        columns.append(columns[-1] * x)
    if not increasing:
        columns = columns[::-1]
    return stack(columns, axis=1) if columns else astype(asarray(np.zeros((x.shape[0], 0))), x.dtype)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of `y` along `axis` by the trapezoidal rule, at sample points `x` or spacing `dx`."""
    y = moveaxis(asarray(y), axis, -1)
    d = dx if x is None else diff(moveaxis(asarray(x), axis, -1) if asarray(x).ndim > 1 else asarray(x))
    return sum(d * (y[..., 1:] + y[..., :-1]), axis=-1) * 0.5
