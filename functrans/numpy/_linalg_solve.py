"""Linear systems through the LU factorization: solve, inv, det, slogdet,
matrix_power and tensorsolve, NumPy's semantics, over stacks of matrices.

`solve`, `det` and `slogdet` are differentiated by their own rules, as in
JAX: d solve(a, b) = solve(a, db - da x) and d log|det a| = tr(solve(a, da)),
so reverse mode reuses the forward factorization (one LU, then O(n^2) per
right-hand side) instead of differentiating the factorization. A singular
matrix makes solve and inv raise NumPy's LinAlgError("Singular matrix"),
eagerly and under jit; det is then 0 and slogdet (0, -inf), as NumPy's, but
their derivatives need a solve and raise too.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..errors import MatrixShapeError
from ..ops import elementwise as ew
from ..ops.matrix import diagonal, eye, matmul, permute_rows, unpermute_rows
from ..ops.triangular import check_matrices, triangular_solve
from ..ops.triangular import lu as lu_p
from ._base import aval, broadcast_shapes, broadcast_to, operand, promote, to_float
from ._custom_jvp import with_jvp
from ._math import abs, astype, equal, greater, less, log, multiply, not_equal, remainder, subtract, where
from ._reductions import prod, sum
from ._shape import reshape, transpose, zeros_like

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def square_matrices(name, *arrays):
    """The arrays as float operands (float64 for integers), checked to be
    real stacks of square matrices; errors name the function and the shape."""
    out = [to_float(operand(a)) for a in arrays]
    for a in out:
        try:
            check_matrices(name, aval(a))
        except ValueError as e:
            raise MatrixShapeError(str(e)) from None
    return out


def lu_solve_factored(packed, perm, b, transpose_a=False):
    """x with a x = b (a^T x = b with `transpose_a`) from a's packed LU factors
    and row permutation; b is a stack (..., n, k) with a's leading axes."""
    def solve(x, lower):
        return triangular_solve(packed, x, left_side=True, lower=lower, transpose_a=transpose_a,
                                unit_diagonal=lower)
    if not transpose_a:   # a = P^T L U
        return solve(solve(permute_rows(b, perm), lower=True), lower=False)
    return unpermute_rows(solve(solve(b, lower=False), lower=True), perm)


def _factored_solve(a, b):
    packed, _, perm = lu_p(a)
    return packed, perm, lu_solve_factored(packed, perm, b)


def _solve_jvp(primals, tangents):
    (a, b), (da, db) = primals, tangents
    packed, perm, x = _factored_solve(a, b)
    return [x], [lu_solve_factored(packed, perm, ew.sub(db, matmul(da, x)))]


_solve_stacks = with_jvp(lambda a, b: [_factored_solve(a, b)[2]], _solve_jvp)


def solve(a, b):
    """x with a @ x = b. As NumPy 2, b is a vector (n,) only if it is 1-D;
    otherwise (..., n, k), its leading axes broadcast against a's."""
    a, = square_matrices("solve", a)
    a, b = promote(a, to_float(operand(b)))
    a_shape, b_shape = aval(a).shape, aval(b).shape
    n = a_shape[-1]
    rows = b_shape[0] if len(b_shape) == 1 else (b_shape[-2] if len(b_shape) >= 2 else None)
    if rows != n:
        raise MatrixShapeError(f"solve: a of shape {a_shape} and b of shape {b_shape} do not match: b must "
                               f"be ({n},) or (..., {n}, k)")
    if len(b_shape) == 1:
        column = broadcast_to(reshape(b, (n, 1)), a_shape[:-2] + (n, 1))
        return reshape(_solve_stacks(a, column)[0], a_shape[:-1])
    batch = broadcast_shapes(a_shape[:-2], b_shape[:-2], op="solve")
    return _solve_stacks(broadcast_to(a, batch + (n, n)), broadcast_to(b, batch + b_shape[-2:]))[0]


def inv(a):
    """The inverse of each matrix: solve(a, I)."""
    a, = square_matrices("inv", a)
    a_aval = aval(a)
    return _solve_stacks(a, eye(a_aval.shape[-1], a_aval.dtype, a_aval.shape[:-2]))[0]


# det / slogdet -----------------------------------------------------------------------

def _signed_pivots(packed, pivots):
    """(U's diagonal, the sign the row swaps give) of an LU factorization."""
    n = aval(pivots).shape[-1]
    swaps = sum(not_equal(pivots, np.arange(n, dtype=np.int32)), axis=-1)
    return diagonal(packed), subtract(1.0, multiply(2.0, remainder(swaps, 2)))


def _det_from_lu(packed, pivots):
    u, parity = _signed_pivots(packed, pivots)
    return astype(multiply(parity, prod(u, axis=-1)), aval(packed).dtype)


def _slogdet_from_lu(packed, pivots):
    u, parity = _signed_pivots(packed, pivots)
    negative = remainder(sum(less(u, 0.0), axis=-1), 2)
    sign = where(greater(sum(equal(u, 0.0), axis=-1), 0), 0.0, multiply(parity, subtract(1.0, multiply(2.0, negative))))
    with np.errstate(divide="ignore"):   # log 0 = -inf for a singular matrix, as NumPy's slogdet
        logabsdet = sum(log(abs(u)), axis=-1)
    return astype(sign, aval(packed).dtype), logabsdet


def _trace_of_solve(packed, perm, da):
    """tr(a^-1 da) per matrix: d log|det a| along da."""
    return sum(diagonal(lu_solve_factored(packed, perm, da)), axis=-1)


def _det_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    packed, pivots, perm = lu_p(a)
    det = _det_from_lu(packed, pivots)
    return [det], [multiply(det, _trace_of_solve(packed, perm, da))]


def _slogdet_jvp(primals, tangents):
    (a,), (da,) = primals, tangents
    packed, pivots, perm = lu_p(a)
    sign, logabsdet = _slogdet_from_lu(packed, pivots)
    return [sign, logabsdet], [zeros_like(sign), _trace_of_solve(packed, perm, da)]


_det = with_jvp(lambda a: [_det_from_lu(*lu_p(a)[:2])], _det_jvp)
_slogdet = with_jvp(lambda a: list(_slogdet_from_lu(*lu_p(a)[:2])), _slogdet_jvp)


def det(a):
    """The determinant of each matrix."""
    a, = square_matrices("det", a)
    return _det(a)[0]


def slogdet(a):
    """(sign, log|det|) of each matrix, as NumPy's SlogdetResult: for a
    singular matrix (0, -inf)."""
    a, = square_matrices("slogdet", a)
    return SlogdetResult(*_slogdet(a))


# compositions ------------------------------------------------------------------------

def matrix_power(a, n):
    """a multiplied by itself n times (n an integer; a negative n inverts a first)."""
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: the exponent must be an integer, got {type(n).__name__}")
    a, = square_matrices("matrix_power", a)
    a_aval = aval(a)
    if n == 0:
        return np.broadcast_to(np.eye(a_aval.shape[-1], dtype=a_aval.dtype), a_aval.shape).copy()
    if n < 0:
        a, n = inv(a), -n
    result, power = None, a
    while n:    # binary exponentiation: log2(n) squarings
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if n:
            power = matmul(power, power)
    return result


def tensorsolve(a, b, axes=None):
    """x with tensordot(a, x, x.ndim) = b: the system a.reshape(b.size, -1) x = b.ravel()."""
    a, b = to_float(operand(a)), to_float(operand(b))
    a_shape, b_ndim = aval(a).shape, aval(b).ndim
    if axes is not None:
        order = [k for k in range(len(a_shape)) if k not in [ax % len(a_shape) for ax in axes]]
        a = transpose(a, order + [ax % len(a_shape) for ax in axes])
        a_shape = aval(a).shape
    x_shape = a_shape[b_ndim:]
    size = int(np.prod(x_shape, dtype=np.int64))
    if int(np.prod(a_shape[:b_ndim], dtype=np.int64)) != size:
        raise MatrixShapeError(f"tensorsolve: a of shape {a_shape} and b of shape {aval(b).shape}: the product of "
                               f"a.shape[b.ndim:] ({size}) must equal that of a.shape[:b.ndim]")
    return reshape(solve(reshape(a, (size, size)), reshape(b, (size,))), x_shape)
