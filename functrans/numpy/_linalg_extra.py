"""The `functrans.numpy.linalg` spellings of top-level functions (array-API
style: they act on the last axes of stacks) and `tensorinv`."""
from __future__ import annotations

import math

from ._base import aval, operand
from ._extra_names import vecdot as _vecdot
from ._linalg_solve import inv
from ._matrix_shape import cross as _cross
from ._matrix_shape import diagonal as _diagonal
from ._matrix_shape import trace as _trace
from ._shape import reshape


def cross(x1, x2, /, *, axis=-1):
    """The cross product of 3-vectors along `axis`, broadcast over the other axes."""
    for x in (x1, x2):
        if aval(operand(x)).shape[axis] != 3:
            raise ValueError(f"linalg.cross takes 3-vectors, got shape {aval(operand(x)).shape} along axis {axis}; "
                             "use functrans.numpy.cross for 2-vectors")
    return _cross(x1, x2, axis=axis)


def diagonal(x, /, *, offset=0):
    """The `offset`-th diagonal of each matrix (last two axes) of the stack."""
    return _diagonal(x, offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset=0, dtype=None):
    """The sum along the `offset`-th diagonal of each matrix of the stack."""
    return _trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


def vecdot(x1, x2, /, *, axis=-1):
    """The dot product of vectors along `axis`, conjugating `x1`."""
    return _vecdot(x1, x2, axis=axis)


def tensorinv(a, ind=2):
    """The inverse of `a` as an operator from its last axes to its first
    `ind`: `tensordot(tensorinv(a, ind), b, ind)` solves `tensordot(a, x, ...) = b`."""
    a = operand(a)
    shape = aval(a).shape
    if ind <= 0:
        raise ValueError(f"tensorinv's ind must be positive, not {ind}")
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise ValueError(f"tensorinv needs prod(a.shape[:ind]) == prod(a.shape[ind:]), got {shape} with ind={ind}")
    return reshape(inv(reshape(a, (rows, cols))), shape[ind:] + shape[:ind])
