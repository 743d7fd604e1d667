"""Orthogonal decompositions: `eigh`, `svd` and `qr`, over stacks of
matrices (any leading axes), as in jax.lax.linalg, real floating-point.

Derivatives are the standard ones (JAX's rules; Giles, "An extended
collection of matrix derivative results", for eigh and svd; Townsend's note
for qr). They assume distinct eigenvalues (singular values): where two
coincide the eigenvector (singular vector) derivative divides by their zero
difference and is inf or nan, as in JAX, while the eigenvalue (singular
value) derivatives stay finite. `eigh` reads one triangle of its input, the
lower by default, as NumPy's does.
"""
from __future__ import annotations

import numpy as np

from ..core import Primitive
from ..errors import UnsupportedError
from ..ir import ShapedArray
from . import elementwise as ew
from . import shaping
from .matrix import batch_size, diagonal, from_lower, from_upper, matmul, matrix_transpose, render_call, stacked, tril
from .rules import aval_of
from .triangular import check_matrices, triangular_solve, unary_batch


def _outer_difference(v):
    """(..., n) -> (..., n, n) with entry [i, j] = v_j - v_i."""
    v_shape = aval_of(v).shape
    nd, n = len(v_shape), v_shape[-1]
    full = v_shape + (n,)
    rows = shaping.broadcast_in_dim(v, shape=full, broadcast_dimensions=tuple(range(nd - 1)) + (nd,))
    cols = shaping.broadcast_in_dim(v, shape=full, broadcast_dimensions=tuple(range(nd)))
    return ew.sub(rows, cols)


def _reciprocal_off_diagonal(d):
    """1 / d off the diagonal, 0 on it (where d is 0)."""
    eye = stacked(np.eye(aval_of(d).shape[-1], dtype=aval_of(d).dtype), aval_of(d).shape)
    return ew.sub(ew.integer_pow(ew.add(d, eye), y=-1), eye)


# eigh(a) = (w, v): a v = v diag(w), w ascending ---------------------------------------

def _eigh_shape(a, lower):
    check_matrices("eigh", a)
    return [ShapedArray(a.shape[:-1], a.dtype), a]


def _eigh_impl(a, lower):
    return list(np.linalg.eigh(a, UPLO="L" if lower else "U"))


def _eigh_jvp(primals, tangents, params):
    """dw = diag(V^T dA V), dV = V (F * V^T dA V) with F = 1 / (w_j - w_i)."""
    (a,), (da,) = primals, tangents
    w, v = eigh(a, **params)
    da = from_lower(da) if params["lower"] else from_upper(da)
    vt_da_v = matmul(matmul(matrix_transpose(v), da), v)
    dv = matmul(v, ew.mul(_reciprocal_off_diagonal(_outer_difference(w)), vt_da_v))
    return [w, v], [diagonal(vt_da_v), dv]


eigh = Primitive("eigh", shape_rule=_eigh_shape, impl=_eigh_impl, multiple_results=True, jvp=_eigh_jvp,
                 numba=lambda emit, lower: render_call(emit, "eigh", [batch_size(emit.in_avals[0]),
                                                                      emit.in_avals[0].shape[-1], lower],
                                                       "Eigenvalues did not converge"))
eigh.batch = unary_batch(eigh)


# svd(a) = (u, s, vh), or (s,) without compute_uv: a = u diag(s) vh, s descending --------------

def _svd_shape(a, full_matrices, compute_uv):
    check_matrices("svd", a, square=False)
    *batch, m, n = a.shape
    k = min(m, n)
    s = ShapedArray((*batch, k), a.dtype)
    if not compute_uv:
        return [s]
    u_cols, vh_rows = (m, n) if full_matrices else (k, k)
    return [ShapedArray((*batch, m, u_cols), a.dtype), s, ShapedArray((*batch, vh_rows, n), a.dtype)]


def _svd_impl(a, full_matrices, compute_uv):
    out = np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return list(out) if compute_uv else [out]


def _svd_jvp(primals, tangents, params):
    (a,), (da,) = primals, tangents
    m, n = aval_of(a).shape[-2:]
    if params["compute_uv"] and params["full_matrices"] and m != n:
        raise UnsupportedError(f"The derivative of svd with full_matrices=True is not implemented for "
                               f"non-square matrices ({m} x {n}), as in JAX: use full_matrices=False.")
    u, s, vh = svd(a, full_matrices=False, compute_uv=True)
    v = matrix_transpose(vh)
    ds_full = matmul(matmul(matrix_transpose(u), da), v)
    ds = diagonal(ds_full)
    if not params["compute_uv"]:
        return [s], [ds]
    # F[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal.
    s_sq = ew.mul(s, s)
    f = _reciprocal_off_diagonal(_outer_difference(s_sq))
    s_cols = _s_columns(s, aval_of(s).shape[-1])
    s_rows = matrix_transpose(s_cols)
    ds_s = ew.mul(ds_full, s_cols)     # dS diag(s)
    s_ds = ew.mul(s_rows, ds_full)     # diag(s) dS
    du = matmul(u, ew.mul(f, ew.add(ds_s, matrix_transpose(ds_s))))
    dv = matmul(v, ew.mul(f, ew.add(s_ds, matrix_transpose(s_ds))))
    if m > n:
        da_v = matmul(da, v)
        du = ew.add(du, ew.div(ew.sub(da_v, matmul(u, matmul(matrix_transpose(u), da_v))), _s_columns(s, m)))
    if n > m:
        dat_u = matmul(matrix_transpose(da), u)
        dv = ew.add(dv, ew.div(ew.sub(dat_u, matmul(v, matmul(vh, dat_u))), _s_columns(s, n)))
    return [u, s, vh], [du, ds, matrix_transpose(dv)]


def _s_columns(s, rows):
    """(..., k) -> (..., rows, k): s_j in every row of column j."""
    s_shape = aval_of(s).shape
    nd = len(s_shape)
    return shaping.broadcast_in_dim(s, shape=s_shape[:-1] + (rows, s_shape[-1]),
                                  broadcast_dimensions=tuple(range(nd - 1)) + (nd,))


def _render_svd(emit, full_matrices, compute_uv):
    a = emit.in_avals[0]
    sizes = [batch_size(a), *a.shape[-2:]]
    if compute_uv:
        u, _, vh = emit.out_avals
        return render_call(emit, "svd", sizes + [u.shape[-1], vh.shape[-2]], "SVD did not converge")
    return render_call(emit, "singular_values", sizes, "SVD did not converge")


svd = Primitive("svd", shape_rule=_svd_shape, impl=_svd_impl, multiple_results=True, jvp=_svd_jvp,
                numba=_render_svd)
svd.batch = unary_batch(svd)


# qr(a) = (q, r): a = q r, q with orthonormal columns, r upper triangular --------------------

def _qr_shape(a, full_matrices):
    check_matrices("qr", a, square=False)
    *batch, m, n = a.shape
    k = m if full_matrices else min(m, n)
    return [ShapedArray((*batch, m, k), a.dtype), ShapedArray((*batch, k, n), a.dtype)]


def _qr_impl(a, full_matrices):
    return list(np.linalg.qr(a, mode="complete" if full_matrices else "reduced"))


def _thin_qr_tangents(q, r, dx):
    """(dq, dr) for x = q r with r square (m >= n)."""
    dx_rinv = triangular_solve(r, dx, left_side=False, lower=False, transpose_a=False, unit_diagonal=False)
    qt_dx_rinv = matmul(matrix_transpose(q), dx_rinv)
    lower = tril(qt_dx_rinv, -1)
    do = ew.sub(lower, matrix_transpose(lower))    # skew-symmetric
    dq = ew.add(matmul(q, ew.sub(do, qt_dx_rinv)), dx_rinv)
    dr = matmul(ew.sub(qt_dx_rinv, do), r)
    return dq, dr


def _columns(x, start, stop):
    x_shape = aval_of(x).shape
    return shaping.slice(x, start_indices=(0,) * (len(x_shape) - 1) + (start,),
                       limit_indices=x_shape[:-1] + (stop,), strides=None)


def _qr_jvp(primals, tangents, params):
    (x,), (dx,) = primals, tangents
    q, r = qr(x, **params)
    m, n = aval_of(x).shape[-2:]
    if m >= n:
        if params["full_matrices"] and m > n:
            raise UnsupportedError(f"The derivative of qr with mode='complete' is not implemented for tall "
                                   f"matrices ({m} x {n}), as in JAX: use mode='reduced'.")
        return [q, r], list(_thin_qr_tangents(q, r, dx))
    # Wide: x = [x1 x2] with x1 (m x m) = q r1, and r2 = q^T x2.
    dq, dr1 = _thin_qr_tangents(q, _columns(r, 0, m), _columns(dx, 0, m))
    x2, dx2 = _columns(x, m, n), _columns(dx, m, n)
    dr2 = ew.add(matmul(matrix_transpose(dq), x2), matmul(matrix_transpose(q), dx2))
    return [q, r], [dq, shaping.concatenate(dr1, dr2, dimension=len(aval_of(x).shape) - 1)]


qr = Primitive("qr", shape_rule=_qr_shape, impl=_qr_impl, multiple_results=True, jvp=_qr_jvp,
               numba=lambda emit, full_matrices: render_call(emit, "qr", [batch_size(emit.in_avals[0]),
                                                                          *emit.in_avals[0].shape[-2:],
                                                                          emit.out_avals[0].shape[-1]]))
qr.batch = unary_batch(qr)
