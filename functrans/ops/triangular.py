"""Triangular factorizations and solves: `triangular_solve`, `cholesky` and
`lu`, over stacks of matrices (any leading axes), as in jax.lax.linalg.

Operands are real floating-point (float32 or float64): a complex one is a
DTypeError naming the primitive. Derivatives are the standard ones (JAX's
rules; the LU JVP from de Hoog, Anderssen and Lukas, the Cholesky one from
Murray, arXiv:1602.07527). `cholesky` reads the lower triangle of its input
and nothing else, as NumPy's; a zero on the diagonal of a triangular system
raises NumPy's `LinAlgError("Singular matrix")`, eagerly and under jit.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..core import Primitive
from ..errors import DTypeError, ShapeError
from ..ir import ShapedArray
from . import elementwise as ew
from . import rules, shaping
from .matrix import batch_size, from_lower, matmul, matrix_transpose, permute_rows, render_call, stacked, tril, triu
from .rules import Zero, aval_of, not_mapped


def check_matrices(name, *avals, square=True):
    """Real floating-point stacks of matrices; square ones if `square`. The
    error names the function and every shape."""
    for a in avals:
        if a.dtype.kind != "f":
            raise DTypeError(f"{name} needs real floating-point matrices, got {a.dtype.name}"
                             + (" (complex input is not supported by functrans.linalg)" if a.dtype.kind == "c"
                                else "; cast with x.astype(float)"))
        if len(a.shape) < 2:
            raise ShapeError(f"{name} needs arrays of at least 2 dimensions (stacks of matrices), got shape "
                             f"{a.shape}")
        if square and a.shape[-1] != a.shape[-2]:
            raise ShapeError(f"{name} needs square matrices in the last two axes, got shape {a.shape} "
                             f"({a.shape[-2]} x {a.shape[-1]})")


def batch_to_front(args, dims):
    """Operands with their batch axis first, the unbatched ones broadcast."""
    size = next(aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    return [rules.bdim_at_front(a, d, size) for a, d in zip(args, dims)]


def unary_batch(prim):
    """vmap of a primitive of one stack: the batch axis is one more leading axis."""
    def rule(args, dims, params):
        (x,), (d,) = args, dims
        out = prim(rules.move_bdim(x, d, 0), **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


def _each_matrix(fn, *stacks):
    """fn applied to each matrix of equally batched stacks, results stacked."""
    batch = np.shape(stacks[0])[:-2]
    results = [fn(*(s[index] for s in stacks)) for index in np.ndindex(*batch)]
    single = not isinstance(results[0], tuple) if results else True
    parts = [results] if single else list(zip(*results))
    return [np.asarray(p).reshape(batch + np.shape(p[0])) for p in parts] if results else None


# triangular_solve(a, b): op(a) x = b (left_side) or x op(a) = b ----------------------

def _triangular_solve_shape(a, b, left_side, lower, transpose_a, unit_diagonal):
    check_matrices("triangular_solve", a)
    check_matrices("triangular_solve", b, square=False)
    n = a.shape[-1]
    if a.shape[:-2] != b.shape[:-2] or b.shape[-2 if left_side else -1] != n or a.dtype != b.dtype:
        side = "rows" if left_side else "columns"
        raise ShapeError(f"triangular_solve: a of shape {a.shape} and b of shape {b.shape} do not match: b needs "
                         f"the leading axes of a, {n} {side} and dtype {a.dtype.name}")
    return b


def _check_nonsingular(a, unit_diagonal):
    if not unit_diagonal and np.any(np.diagonal(a, axis1=-2, axis2=-1) == 0):
        raise np.linalg.LinAlgError("Singular matrix")


def _triangular_solve_impl(a, b, left_side, lower, transpose_a, unit_diagonal):
    import scipy.linalg  # imported on first use: it costs ~0.2 s
    a, b = np.asarray(a), np.asarray(b)
    _check_nonsingular(a, unit_diagonal)

    def solve(a, b):
        if left_side:
            return scipy.linalg.solve_triangular(a, b, trans=int(transpose_a), lower=lower,
                                                 unit_diagonal=unit_diagonal, check_finite=False)
        # x op(a) = b  <=>  op(a)^T x^T = b^T
        return scipy.linalg.solve_triangular(a, b.T, trans=int(not transpose_a), lower=lower,
                                             unit_diagonal=unit_diagonal, check_finite=False).T
    if a.size == 0 or b.size == 0:
        return np.zeros(b.shape, b.dtype)
    return _each_matrix(solve, a, b)[0].astype(b.dtype)


def _triangular_solve_a_tangent(t, a, b, out, left_side, lower, transpose_a, unit_diagonal):
    """d op(a)^-1 b = -op(a)^-1 op(da) op(a)^-1 b, in the cheaper order."""
    k = 1 if unit_diagonal else 0
    da = tril(t, -k) if lower else triu(t, k)
    da = ew.neg(matrix_transpose(da) if transpose_a else da)
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a, unit_diagonal=unit_diagonal)
    m, n = aval_of(out).shape[-2:]
    if left_side:
        return (triangular_solve(a, matmul(da, out), **params) if m > n
                else matmul(triangular_solve(a, da, **params), out))
    return (triangular_solve(a, matmul(out, da), **params) if m < n
            else matmul(out, triangular_solve(a, da, **params)))


def _triangular_solve_transpose(ct, a, b, left_side, lower, transpose_a, unit_diagonal):
    assert type(b) is rules.UndefinedPrimal and type(a) is not rules.UndefinedPrimal
    if type(ct) is Zero:
        return [None, Zero(b.aval)]
    return [None, triangular_solve(a, ct, left_side=left_side, lower=lower, transpose_a=not transpose_a,
                                   unit_diagonal=unit_diagonal)]


def _triangular_solve_batch(args, dims, params):
    return triangular_solve(*batch_to_front(args, dims), **params), 0


def _render_triangular_solve(emit, left_side, lower, transpose_a, unit_diagonal):
    a, b = emit.in_avals
    sizes = [batch_size(a), a.shape[-1], *b.shape[-2:], left_side, lower, transpose_a, unit_diagonal]
    return render_call(emit, "triangular_solve", sizes, "Singular matrix")


triangular_solve = Primitive("triangular_solve", shape_rule=_triangular_solve_shape, impl=_triangular_solve_impl,
                             transpose=_triangular_solve_transpose, batch=_triangular_solve_batch,
                             numba=_render_triangular_solve)
triangular_solve.jvp = rules.jvp_maps(
    triangular_solve, _triangular_solve_a_tangent,
    lambda t, a, b, out, **params: triangular_solve(a, t, **params))


# cholesky(a) = L, lower, with L L^T the symmetric matrix of a's lower triangle ---------

def _cholesky_shape(a):
    check_matrices("cholesky", a)
    return a


def _cholesky_impl(a):
    a = np.asarray(a)
    return np.linalg.cholesky(a) if a.size else np.zeros(a.shape, a.dtype)


def _cholesky_tangent(t, a, out):
    """dL = L phi(L^-1 dA L^-T), phi the lower triangle with half its diagonal."""
    da = from_lower(t)
    left = triangular_solve(out, da, left_side=True, lower=True, transpose_a=False, unit_diagonal=False)
    x = triangular_solve(out, left, left_side=False, lower=True, transpose_a=True, unit_diagonal=False)
    n = aval_of(a).shape[-1]
    half_diagonal = stacked(1.0 - 0.5 * np.eye(n, dtype=aval_of(a).dtype), aval_of(a).shape)
    return matmul(out, ew.mul(tril(x), half_diagonal))


cholesky = Primitive("cholesky", shape_rule=_cholesky_shape, impl=_cholesky_impl,
                     numba=lambda emit: render_call(emit, "cholesky", [batch_size(emit.in_avals[0]),
                                                                        emit.in_avals[0].shape[-1]],
                                                    "Matrix is not positive definite"))
cholesky.jvp = rules.jvp_maps(cholesky, _cholesky_tangent)
cholesky.batch = unary_batch(cholesky)


# lu(a) = (lu, pivots, permutation): a[permutation] = L U, L unit lower, packed ------------

def _lu_shape(a):
    check_matrices("lu", a, square=False)
    *batch, m, n = a.shape
    int32 = np.dtype(np.int32)
    return [a, ShapedArray(tuple(batch) + (min(m, n),), int32), ShapedArray(tuple(batch) + (m,), int32)]


def _pivots_to_permutation(pivots, m):
    perm = np.arange(m, dtype=np.int32)
    for i, p in enumerate(pivots):
        perm[i], perm[p] = perm[p], perm[i]
    return perm


def _lu_impl(a):
    import scipy.linalg
    a = np.asarray(a)
    *batch, m, n = a.shape
    if a.size == 0:
        return [np.zeros(a.shape, a.dtype), np.zeros((*batch, min(m, n)), np.int32),
                np.broadcast_to(np.arange(m, dtype=np.int32), (*batch, m)).copy()]

    def factor(x):
        with warnings.catch_warnings():   # a singular matrix has an LU factorization: no warning, as JAX
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            lu, piv = scipy.linalg.lu_factor(x, check_finite=False)
        return lu.astype(a.dtype), piv.astype(np.int32), _pivots_to_permutation(piv, m)
    return _each_matrix(factor, a)


def unpack_lu(lu):
    """(L, U) of a packed (..., m, n) factorization: L (..., m, k) unit lower
    triangular, U (..., k, n) upper, k = min(m, n)."""
    *batch, m, n = aval_of(lu).shape
    k = min(m, n)
    eye = stacked(np.eye(m, k, dtype=aval_of(lu).dtype), (*batch, m, k))
    columns = _take_last(lu, k, axis=-1)
    rows = _take_last(lu, k, axis=-2)
    return ew.add(tril(columns, -1), eye), triu(rows)


def _take_last(x, k, axis):
    """The first k entries of x along `axis` (-1 or -2)."""
    x_shape = aval_of(x).shape
    if x_shape[axis] == k:
        return x
    limits = list(x_shape)
    limits[axis] = k
    return shaping.slice(x, start_indices=(0,) * len(x_shape), limit_indices=tuple(limits), strides=None)


def _pad_to(x, size, axis):
    """x zero-padded along `axis` (-1 or -2) to `size`."""
    x_shape = aval_of(x).shape
    extra = size - x_shape[axis]
    if extra == 0:
        return x
    config = [(0, 0, 0)] * len(x_shape)
    config[axis] = (0, extra, 0)
    return shaping.pad(x, np.zeros((), aval_of(x).dtype), padding_config=tuple(config))


def _trailing_eye(n, k, dtype):
    """The (n, n) identity but for zeros in its first k diagonal entries."""
    return np.diag(np.r_[np.zeros(k), np.ones(n - k)]).astype(dtype)


def _lu_jvp(primals, tangents, params):
    """L^-1 P dA U^-1 = L^-1 dL + dU U^-1: dL = L tril(.), dU = triu(.) U,
    with L made square (m, m) and U (n, n) by padding (unit diagonal blocks)."""
    (a,), (da,) = primals, tangents
    outs = lu(a)
    packed, pivots, perm = outs
    *batch, m, n = aval_of(a).shape
    k = min(m, n)
    dtype = aval_of(a).dtype
    l_mk, u_kn = unpack_lu(packed)
    l_sq = ew.add(_pad_to(l_mk, m, -1), stacked(_trailing_eye(m, k, dtype), (*batch, m, m)))
    u_sq = ew.add(_pad_to(u_kn, n, -2), stacked(_trailing_eye(n, k, dtype), (*batch, n, n)))
    la = triangular_solve(l_sq, permute_rows(da, perm), left_side=True, lower=True, transpose_a=False,
                          unit_diagonal=True)
    lau = triangular_solve(u_sq, la, left_side=False, lower=False, transpose_a=False, unit_diagonal=False)
    dl = matmul(l_sq, tril(lau, -1))
    du = matmul(triu(lau), u_sq)
    return outs, [ew.add(dl, du), Zero(aval_of(pivots)), Zero(aval_of(perm))]


def _render_lu(emit):
    a = emit.in_avals[0]
    return render_call(emit, "lu", [batch_size(a), *a.shape[-2:]])


lu = Primitive("lu", shape_rule=_lu_shape, impl=_lu_impl, multiple_results=True, jvp=_lu_jvp, numba=_render_lu)
lu.batch = unary_batch(lu)
