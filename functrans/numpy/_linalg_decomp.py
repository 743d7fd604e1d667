"""Decompositions and what is built on them: cholesky, eigh, eigvalsh, svd,
svdvals, qr, pinv, lstsq, matrix_rank and cond, NumPy's signatures and
results (named tuples included), over stacks of matrices.

`pinv` has its own derivative rule (Golub and Pereyra's, JAX's): the SVD's
rule divides by differences of singular values, the pseudo-inverse's does
not. `eigh` and `svd` derivatives assume distinct eigenvalues / singular
values (see ops/orthogonal.py).
"""
from __future__ import annotations

import builtins
from collections import namedtuple

import numpy as np

from ..core import Tracer
from ..errors import ConcretizationError, MatrixShapeError, UnsupportedError
from ..ops import orthogonal
from ..ops.matrix import matmul, matrix_transpose
from ..ops.triangular import check_matrices
from ..ops.triangular import cholesky as cholesky_p
from ._base import aval, operand, to_float
from ._custom_jvp import with_jvp
from ._linalg import dot
from ._linalg_solve import inv, square_matrices
from ._math import add, astype, divide, equal, greater, multiply, not_equal, subtract, where
from ._norms import norm
from ._reductions import max, sum
from ._shape import asarray, expand_dims, eye, reshape

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])


def matrices(name, *arrays):
    """As `square_matrices`, for functions of any (m, n) matrices."""
    out = [to_float(operand(a)) for a in arrays]
    for a in out:
        try:
            check_matrices(name, aval(a), square=False)
        except ValueError as e:
            raise MatrixShapeError(str(e)) from None
    return out


def _hermitian_unsupported(name, hermitian):
    if hermitian:
        raise UnsupportedError(f"{name}(hermitian=True) is not supported; for a symmetric matrix use eigh "
                               "(or leave hermitian=False: the result is the same)")


def cholesky(a, upper=False):
    """The Cholesky factor L (lower, a = L L^T) of each symmetric positive
    definite matrix, read from its lower triangle; with `upper`, L^T."""
    a, = square_matrices("cholesky", a)
    factor = cholesky_p(a)
    return matrix_transpose(factor) if upper else factor


def _check_uplo(uplo):
    if uplo not in ("L", "U"):
        raise ValueError(f"UPLO must be 'L' or 'U', got {uplo!r}")
    return uplo == "L"


def eigh(a, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors (columns) of the symmetric
    matrix that the lower (UPLO='L') or upper triangle of each matrix stands for."""
    a, = square_matrices("eigh", a)
    return EighResult(*orthogonal.eigh(a, lower=_check_uplo(UPLO)))


def eigvalsh(a, UPLO="L"):
    """The eigenvalues of `eigh`, ascending."""
    a, = square_matrices("eigvalsh", a)
    return orthogonal.eigh(a, lower=_check_uplo(UPLO))[0]


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """a = U diag(S) Vh, singular values descending; with compute_uv=False, S."""
    _hermitian_unsupported("svd", hermitian)
    a, = matrices("svd", a)
    out = orthogonal.svd(a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    return SVDResult(*out) if compute_uv else out[0]


def svdvals(x):
    """The singular values of each matrix, descending."""
    return svd(x, compute_uv=False)


def qr(a, mode="reduced"):
    """a = Q R; mode 'reduced' (Q m x k), 'complete' (Q m x m) or 'r' (R only)."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: mode {mode!r} is not supported; use 'reduced', 'complete' or 'r'")
    a, = matrices("qr", a)
    q, r = orthogonal.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


# pinv / lstsq / rank / cond ------------------------------------------------------------

def _pinv_from_svd(a, rtol):
    u, s, vh = orthogonal.svd(a, full_matrices=False, compute_uv=True)
    keep = greater(s, multiply(rtol, max(s, axis=-1, keepdims=True)))
    s_inv = where(keep, divide(1.0, where(keep, s, 1.0)), 0.0)
    return matmul(matrix_transpose(vh), multiply(expand_dims(s_inv, -1), matrix_transpose(u)))


def _pinv_jvp(rtol):
    def jvp(primals, tangents):
        """dp = -p da p + p p^T da^T (I - a p) + (I - p a) da^T p^T p."""
        (a,), (da,) = primals, tangents
        p = _pinv_from_svd(a, rtol)
        m, n = aval(a).shape[-2:]
        dtype = aval(a).dtype
        p_t, da_t = matrix_transpose(p), matrix_transpose(da)
        left = matmul(matmul(p, p_t), matmul(da_t, subtract(eye(m, dtype=dtype), matmul(a, p))))
        right = matmul(matmul(subtract(eye(n, dtype=dtype), matmul(p, a)), da_t), matmul(p_t, p))
        return [p], [add(subtract(left, matmul(matmul(p, da), p)), right)]
    return jvp


def pinv(a, rcond=None, hermitian=False, *, rtol=None):
    """The Moore-Penrose pseudo-inverse, from the SVD: singular values at or
    below rtol times the largest count as zero (rtol 1e-15 by default, as
    NumPy's; `rcond` is its older name)."""
    _hermitian_unsupported("pinv", hermitian)
    a, = matrices("pinv", a)
    tol = rcond if rcond is not None else rtol
    tol = 1e-15 if tol is None else float(tol)
    return with_jvp(lambda a: [_pinv_from_svd(a, tol)], _pinv_jvp(tol))(a)[0]


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """The number of singular values above tol (by default the largest times
    max(m, n) times the dtype's epsilon), as NumPy's."""
    _hermitian_unsupported("matrix_rank", hermitian)
    A = to_float(operand(A))
    if aval(A).ndim < 2:
        return astype(greater(sum(not_equal(A, 0.0)), 0), np.int64)
    s = svd(A, compute_uv=False)
    if tol is None:
        if rtol is None:
            rtol = builtins.max(aval(A).shape[-2:]) * np.finfo(aval(s).dtype).eps
        tol = multiply(max(s, axis=-1, keepdims=True), rtol)
    else:
        tol = expand_dims(asarray(tol), -1)
    return sum(greater(s, tol), axis=-1)


def lstsq(a, b, rcond=None):
    """(x, residuals, rank, s): x minimises |b - a x|, through the
    pseudo-inverse with cutoff rcond (default eps * max(m, n), NumPy's).
    The residuals are the squared norms of b - a x when a has full column
    rank and more rows than columns, else empty; under jit, where the rank is
    not known while tracing, they are given whenever m > n (JAX's choice)."""
    a, = matrices("lstsq", a)
    b = to_float(operand(b))
    if aval(a).ndim != 2 or aval(b).ndim not in (1, 2) or aval(b).shape[0] != aval(a).shape[0]:
        raise MatrixShapeError(f"lstsq: a of shape {aval(a).shape} and b of shape {aval(b).shape} do not match: "
                               "a must be (m, n) and b (m,) or (m, k)")
    m, n = aval(a).shape
    rcond = np.finfo(aval(a).dtype).eps * builtins.max(m, n) if rcond is None else float(rcond)
    x = dot(pinv(a, rcond), b)
    s = svd(a, compute_uv=False)
    rank = astype(sum(greater(s, multiply(rcond, max(s)))), np.int32)   # NumPy's rank is int32
    resid_shape = aval(b).shape[1:] if aval(b).ndim == 2 else (1,)
    full_rank = m > n and _known_or(equal(rank, n), True)
    if full_rank:
        r = subtract(b, dot(a, x))
        residuals = reshape(sum(multiply(r, r), axis=0), resid_shape)
    else:
        residuals = np.zeros((0,), aval(x).dtype)
    return x, residuals, rank, s


def _known_or(flag, default):
    """The concrete Python value of a traced boolean, or `default` when the
    trace has none (under jit)."""
    if type(flag) is not Tracer:
        return bool(flag)
    try:
        return bool(flag)
    except ConcretizationError:
        return default


def cond(x, p=None):
    """The condition number |x| |x^-1| in norm p; for p None, 2 or -2 the
    ratio of extreme singular values."""
    x, = matrices("cond", x)
    if p is None or p == 2 or p == -2:
        s = svd(x, compute_uv=False)
        big, small = s[..., 0], s[..., -1]
        return divide(small, big) if p == -2 else divide(big, small)
    x, = square_matrices("cond", x)
    return multiply(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))
