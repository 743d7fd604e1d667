"""functrans.scipy.linalg: SciPy's linear algebra as jax.scipy.linalg has
it, differentiable and batched over leading axes, as compositions of the
primitives behind functrans.numpy.linalg.

Where SciPy leaves the other triangle of a factor undefined (cho_factor,
lu_factor's packed form keeps both), the result here has zeros there, as
JAX's. `expm` is Pade-13 with scaling and squaring (Higham 2005), the
squarings a loop whose count the norm decides, so it works under jit and is
differentiated through. `sqrtm` is the Denman-Beavers iteration: the real
principal square root, for matrices with no eigenvalue on the closed
negative real axis (elsewhere the root is complex or not unique: NaN).
"""
from __future__ import annotations

import numpy as np

from .. import lax
from .. import numpy as fnp
from ..errors import MatrixShapeError, UnsupportedError
from ..numpy._base import aval, operand, to_float
from ..numpy._linalg_decomp import matrices
from ..numpy._linalg_solve import lu_solve_factored, square_matrices
from ..ops import orthogonal
from ..ops.matrix import from_lower, from_upper, matrix_transpose, unpermute_rows
from ..ops.triangular import cholesky as cholesky_p
from ..ops.triangular import lu as lu_p
from ..ops.triangular import triangular_solve, unpack_lu

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm", "inv", "lu",
           "lu_factor", "lu_solve", "qr", "solve", "solve_triangular", "sqrtm", "svd"]

_TRANS = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}


def _transposition(trans):
    if trans not in _TRANS:
        raise ValueError(f"trans must be 0/'N', 1/'T' or 2/'C', got {trans!r}")
    return _TRANS[trans]


def _right_hand_side(name, a, b):
    """b as a stack (..., n, k) beside a (..., n, n), and how to undo that:
    a b with one axis fewer than a is one right-hand side (a vector)."""
    a_shape, b = aval(a).shape, to_float(operand(b))
    b_shape = aval(b).shape
    n = a_shape[-1]
    vector = len(b_shape) == len(a_shape) - 1
    rows = None if not b_shape else (b_shape[-1] if vector else b_shape[-2] if len(b_shape) > 1 else None)
    if rows != n:
        raise MatrixShapeError(f"{name}: a of shape {a_shape} and b of shape {b_shape} do not match: b must be "
                               f"(..., {n}) or (..., {n}, k)")
    column = fnp.expand_dims(b, -1) if vector else b
    batch = np.broadcast_shapes(a_shape[:-2], aval(column).shape[:-2])
    column = fnp.broadcast_to(column, batch + aval(column).shape[-2:])
    return column, (lambda x: x[..., 0]) if vector else (lambda x: x)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    """x with op(a) x = b for a triangular a (its `lower` or upper triangle
    read), op the identity or the transpose (`trans`)."""
    a, = square_matrices("solve_triangular", a)
    b, restore = _right_hand_side("solve_triangular", a, b)
    a, b = fnp.broadcast_to(a, aval(b).shape[:-2] + aval(a).shape[-2:]), fnp.astype(b, aval(a).dtype)
    return restore(triangular_solve(a, b, left_side=True, lower=bool(lower), transpose_a=_transposition(trans),
                                    unit_diagonal=bool(unit_diagonal)))


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor: upper U (a = U^T U) by default, as SciPy; lower
    L (a = L L^T) with `lower`. The triangle read is the one asked for."""
    a, = square_matrices("cholesky", a)
    if lower:
        return cholesky_p(a)
    return matrix_transpose(cholesky_p(matrix_transpose(a)))


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """(c, lower) for cho_solve: c the Cholesky factor, zeros elsewhere."""
    return cholesky(a, lower=lower), lower


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """x with a x = b from cho_factor's (c, lower)."""
    c, lower = c_and_lower
    c, = square_matrices("cho_solve", c)
    b, restore = _right_hand_side("cho_solve", c, b)
    c = fnp.broadcast_to(c, aval(b).shape[:-2] + aval(c).shape[-2:])

    def solve(x, transpose_a):
        return triangular_solve(c, x, left_side=True, lower=bool(lower), transpose_a=transpose_a,
                                unit_diagonal=False)
    # a = L L^T: L^-T (L^-1 b); a = U^T U: U^-1 (U^-T b)
    return restore(solve(solve(b, not lower), lower))


def lu_factor(a, overwrite_a=False, check_finite=True):
    """(lu, piv): L and U packed (L's unit diagonal implied), and LAPACK's
    0-based row interchanges: row i was swapped with row piv[i]."""
    a, = matrices("lu_factor", a)
    packed, pivots, _ = lu_p(a)
    return packed, pivots


def _permutation_of(pivots, m):
    """The row permutation LAPACK's interchanges make, swap after swap (as the
    lu primitive's), in integer ops: rows i and pivots[i] trade entries."""
    pivots = fnp.asarray(pivots)
    rows = np.arange(m)
    perm = fnp.broadcast_to(rows.astype(np.int32), aval(pivots).shape[:-1] + (m,))
    for i in range(aval(pivots).shape[-1]):
        p = fnp.expand_dims(pivots[..., i], -1)
        at_p = fnp.sum(fnp.where(rows == p, perm, 0), axis=-1, keepdims=True)
        at_i = perm[..., i:i + 1]
        perm = fnp.where(rows == i, at_p, fnp.where(rows == p, at_i, perm)).astype(np.int32)
    return perm


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """x with a x = b (a^T x = b for trans 1 or 2) from lu_factor's (lu, piv)."""
    packed, pivots = lu_and_piv
    packed, = square_matrices("lu_solve", packed)
    b, restore = _right_hand_side("lu_solve", packed, b)
    packed = fnp.broadcast_to(packed, aval(b).shape[:-2] + aval(packed).shape[-2:])
    perm = fnp.broadcast_to(_permutation_of(pivots, aval(packed).shape[-1]), aval(b).shape[:-1])
    return restore(lu_solve_factored(packed, perm, b, transpose_a=_transposition(trans)))


def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """a = p @ l @ u: (p, l, u), or (p @ l, u) with `permute_l`; with
    `p_indices`, p as row indices: a = l[p] @ u."""
    a, = matrices("lu", a)
    packed, _, perm = lu_p(a)
    lower, upper = unpack_lu(packed)
    m = aval(a).shape[-2]
    if permute_l:
        return unpermute_rows(lower, perm), upper
    inverse = _inverse_permutation(perm, m)
    if p_indices:
        return inverse, lower, upper
    return fnp.astype(np.arange(m) == fnp.expand_dims(perm, -1), aval(a).dtype).swapaxes(-1, -2), lower, upper


def _inverse_permutation(perm, m):
    """q with q[perm[i]] = i."""
    return fnp.astype(fnp.argmax(fnp.expand_dims(perm, -1) == np.arange(m), axis=-2), np.int32)


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None,
          transposed=False):
    """x with a x = b (a^T x = b with `transposed`); assume_a 'pos' solves by
    Cholesky, anything else by LU (the results agree)."""
    a, = square_matrices("solve", a)
    if transposed:
        a = matrix_transpose(a)
    if assume_a in ("pos", "positive definite"):
        return cho_solve(cho_factor(a, lower=lower), b)
    b, restore = _right_hand_side("solve", a, b)
    return restore(fnp.linalg.solve(a, b))


def inv(a, overwrite_a=False, check_finite=True):
    """The inverse of each matrix."""
    return fnp.linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    """The determinant of each matrix."""
    return fnp.linalg.det(a)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True, lapack_driver="gesdd"):
    """a = u diag(s) vh (SciPy's names and defaults)."""
    out = fnp.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    """a = q r; mode 'full' (q m x m), 'economic' (q m x k) or 'r' (r only, m x n)."""
    if pivoting:
        raise UnsupportedError("qr(pivoting=True) is not supported; use pivoting=False")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"qr: mode {mode!r} is not supported; use 'full', 'economic' or 'r'")
    a, = matrices("qr", a)
    if mode == "r":   # the complete R is the reduced one over zero rows: differentiable for tall a too
        r = orthogonal.qr(a, full_matrices=False)[1]
        m, k = aval(a).shape[-2], aval(r).shape[-2]
        return (fnp.concatenate([r, np.zeros(aval(r).shape[:-2] + (m - k, aval(r).shape[-1]), aval(r).dtype)],
                                axis=-2),)
    return tuple(orthogonal.qr(a, full_matrices=mode == "full"))


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False, type=1,
         check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """Eigenvalues (ascending) and eigenvectors of the symmetric a read from
    its lower (or upper) triangle; with b (positive definite), of the
    generalized problem a v = w b v, by Cholesky reduction (v^T b v = I)."""
    if type != 1 or subset_by_index is not None or subset_by_value is not None:
        raise UnsupportedError("eigh: only type=1 and the full spectrum are supported")
    a, = square_matrices("eigh", a)
    if b is None:
        w, v = orthogonal.eigh(a, lower=bool(lower))
        return w if eigvals_only else (w, v)
    b, = square_matrices("eigh", b)
    factor = cholesky(b, lower=True) if lower else matrix_transpose(cholesky(b, lower=False))
    sym = from_lower(a) if lower else from_upper(a)
    left = triangular_solve(factor, sym, left_side=True, lower=True, transpose_a=False, unit_diagonal=False)
    reduced = triangular_solve(factor, left, left_side=False, lower=True, transpose_a=True, unit_diagonal=False)
    w, y = orthogonal.eigh(reduced, lower=True)
    if eigvals_only:
        return w
    return w, triangular_solve(factor, y, left_side=True, lower=True, transpose_a=True, unit_diagonal=False)


# expm / sqrtm / block_diag --------------------------------------------------------------

_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152   # the largest 1-norm for which degree 13 is accurate without scaling


def expm(A):
    """The matrix exponential: the [13/13] Pade approximant of exp(A / 2^s),
    squared s times, s the fewest halvings that bring the 1-norm under
    theta_13 (Higham 2005, SciPy's largest degree)."""
    A, = square_matrices("expm", A)
    n, dtype = aval(A).shape[-1], aval(A).dtype
    norm = fnp.max(fnp.sum(fnp.abs(A), axis=-2), axis=-1)
    halvings = fnp.maximum(fnp.ceil(fnp.log2(fnp.maximum(norm, 1e-300) / _THETA13)), 0.0)
    scaled = A / fnp.expand_dims(fnp.exp2(halvings), (-2, -1)).astype(dtype)
    eye = np.eye(n, dtype=dtype)
    a2 = scaled @ scaled
    a4 = a2 @ a2
    a6 = a4 @ a2
    b = _PADE13
    u = scaled @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    result = fnp.linalg.solve(v - u, v + u)
    squarings = halvings.astype(np.int64)

    def square(i, r):   # each matrix of a stack squares as often as it was halved
        return fnp.where(fnp.expand_dims(i < squarings, (-2, -1)), r @ r, r)
    return lax.fori_loop(0, fnp.max(squarings), square, result)


def sqrtm(A, disp=True, blocksize=64):
    """The principal square root by the Denman-Beavers iteration
    (Y <- (Y + Z^-1) / 2, Z <- (Z + Y^-1) / 2 from Y = A, Z = I) until Y
    settles; real input with no eigenvalue on the closed negative real axis."""
    A, = square_matrices("sqrtm", A)
    dtype = aval(A).dtype
    tol = 10 * np.finfo(dtype).eps

    def step(state):
        k, y, z, _ = state
        y_next = 0.5 * (y + fnp.linalg.inv(z))
        z_next = 0.5 * (z + fnp.linalg.inv(y))
        # Only the loop test reads the change: its derivative (norm's at a settled,
        # zero difference is 0/0) must not reach the iterates' through 0 * nan.
        settled_y, settled_next = fnp.stop_gradient(y), fnp.stop_gradient(y_next)
        change = fnp.max(fnp.linalg.norm(settled_next - settled_y, axis=(-2, -1))
                         / fnp.linalg.norm(settled_next, axis=(-2, -1)))
        return k + 1, y_next, z_next, change

    def unsettled(state):
        k, _, _, change = state
        return (k < 64) & (change > tol)
    eye = fnp.broadcast_to(np.eye(aval(A).shape[-1], dtype=dtype), aval(A).shape)
    # Two steps past settling: the derivative of the iterates settles a step later than they do.
    _, y, z, _ = lax.while_loop(unsettled, step, (0, A, eye, np.asarray(np.inf, dtype)))
    _, y, _, _ = step(step((0, y, z, 0.0)))
    return y


def block_diag(*arrs):
    """The block-diagonal matrix of the arrays (scalars and 1-D arrays are
    1 x 1 and 1 x n blocks), zeros elsewhere."""
    if not arrs:
        return np.zeros((1, 0))
    blocks = [operand(a) for a in arrs]
    blocks = [fnp.reshape(a, (1, -1)) if aval(a).ndim < 2 else a for a in blocks]
    for a in blocks:
        if aval(a).ndim != 2:
            raise ValueError(f"block_diag: arguments must be at most 2-D, got shape {aval(a).shape}")
    dtype = np.result_type(*[aval(a).dtype for a in blocks])
    widths = [aval(a).shape[1] for a in blocks]
    rows = []
    for i, a in enumerate(blocks):
        height = aval(a).shape[0]
        left, right = sum(widths[:i]), sum(widths[i + 1:])
        rows.append(fnp.concatenate([np.zeros((height, left), dtype), fnp.astype(a, dtype),
                                     np.zeros((height, right), dtype)], axis=1))
    return fnp.concatenate(rows, axis=0)
