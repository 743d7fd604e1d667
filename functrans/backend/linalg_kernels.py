"""The compiled functions the linear-algebra primitives lower to: LAPACK
and BLAS (scipy's, as numba's np.linalg uses) over stacks of matrices.

Each one is a numba `cfunc` over raw pointers and sizes, compiled once and
cached on disk, whose address is registered with LLVM under a name of ours
(`functrans_linalg_lu_f64`, ...); kernels call it by that name through an
`ExternalFunction`, so cached kernels link in any process that imports this
module, as generated kernels do. Called opaquely, its code is not linked
into and re-optimized with every kernel: a kernel calling it compiles ~0.6 s
faster than one calling a numba function, whose code numba re-optimizes
with each caller. A cfunc cannot raise, so failures come back as a status
the kernel turns into NumPy's LinAlgError with NumPy's message.

LAPACK is called directly (getrf, potrf, syevd, gesdd, geqrf/orgqr, and
BLAS trsm), on Fortran-ordered copies as NumPy does, so the results are
NumPy's to the bit; numba's np.linalg raises (which a cfunc cannot), reads
only the lower triangle in eigh and lacks LU and triangular solves. scipy's
`cython_lapack` / `cython_blas` export the routines' addresses.

Results are copied with element loops: numba takes seconds to compile a
row assignment like `out[j] = r`.
"""
from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from numba import carray, cfunc, njit, types
from numba.extending import get_cython_function_address

OK, FAILED = 0, 1   # statuses


def _lapack(name, n_args):
    """LAPACK/BLAS `name` (every argument a pointer, Fortran style)."""
    module = "blas" if name[1:] == "trsm" else "lapack"
    symbol = f"functrans_{name}"
    llvm.add_symbol(symbol, get_cython_function_address(f"scipy.linalg.cython_{module}", name))
    return types.ExternalFunction(symbol, types.void(*[types.voidptr] * n_args))


_dgetrf, _sgetrf = _lapack("dgetrf", 6), _lapack("sgetrf", 6)
_dpotrf, _spotrf = _lapack("dpotrf", 5), _lapack("spotrf", 5)
_dsyevd, _ssyevd = _lapack("dsyevd", 11), _lapack("ssyevd", 11)
_dgesdd, _sgesdd = _lapack("dgesdd", 14), _lapack("sgesdd", 14)
_dgeqrf, _sgeqrf = _lapack("dgeqrf", 8), _lapack("sgeqrf", 8)
_dorgqr, _sorgqr = _lapack("dorgqr", 9), _lapack("sorgqr", 9)
_dtrsm, _strsm = _lapack("dtrsm", 11), _lapack("strsm", 11)
# numba cannot compare dtypes: `a.itemsize == 8` picks the float64 routine.


@njit(cache=True)
def _chars(code):
    """A one-character Fortran string argument."""
    out = np.empty(1, np.uint8)
    out[0] = code
    return out


@njit(cache=True)
def _fortran(a, j):
    """Matrix j of the stack a, column-major in a flat buffer."""
    m, n = a.shape[1], a.shape[2]
    buf = np.empty(max(m * n, 1), a.dtype)
    for p in range(m):
        for q in range(n):
            buf[p + q * m] = a[j, p, q]
    return buf


@njit(cache=True)
def _unfortran(out, j, buf, ld):
    """out[j] = the leading block of a column-major buffer of leading dimension ld."""
    for p in range(out.shape[1]):
        for q in range(out.shape[2]):
            out[j, p, q] = buf[p + q * ld]


@njit(cache=True)
def _finite(x):
    for p in range(x.shape[0]):
        for q in range(x.shape[1]):
            if not np.isfinite(x[p, q]):
                return False
    return True


@njit(cache=True)
def _workspace(query):
    """The workspace size a LAPACK query (lwork = -1) answered."""
    return max(int(query[0]), 1)


# ------------------------------------------------------------------ the routines

@njit(cache=True)
def _lu3(a, packed, pivots, perm):
    """P a = L U per matrix by getrf (partial pivoting): L, U packed, the
    0-based row swaps and the permutation they make. Singular is no error."""
    m, n = a.shape[1], a.shape[2]
    k = min(m, n)
    dims = np.array([m, n, max(m, 1), 0], np.int32)    # m, n, lda, info
    ipiv = np.empty(max(k, 1), np.int32)
    for j in range(a.shape[0]):
        f = _fortran(a, j)
        if a.itemsize == 8:
            _dgetrf(dims[0:].ctypes, dims[1:].ctypes, f.ctypes, dims[2:].ctypes, ipiv.ctypes, dims[3:].ctypes)
        else:
            _sgetrf(dims[0:].ctypes, dims[1:].ctypes, f.ctypes, dims[2:].ctypes, ipiv.ctypes, dims[3:].ctypes)
        _unfortran(packed, j, f, m)
        for p in range(m):
            perm[j, p] = p
        for p in range(k):
            swap = ipiv[p] - 1
            pivots[j, p] = swap
            held = perm[j, p]
            perm[j, p] = perm[j, swap]
            perm[j, swap] = held
    return OK


@njit(cache=True)
def _cholesky3(a, out):
    """The lower Cholesky factor from each matrix's lower triangle, by potrf."""
    n = a.shape[1]
    uplo = _chars(76)   # 'L'
    dims = np.array([n, max(n, 1), 0], np.int32)    # n, lda, info
    for j in range(a.shape[0]):
        f = _fortran(a, j)
        if a.itemsize == 8:
            _dpotrf(uplo.ctypes, dims[0:].ctypes, f.ctypes, dims[1:].ctypes, dims[2:].ctypes)
        else:
            _spotrf(uplo.ctypes, dims[0:].ctypes, f.ctypes, dims[1:].ctypes, dims[2:].ctypes)
        if dims[2] != 0:
            return FAILED
        for p in range(n):
            for q in range(n):
                out[j, p, q] = f[p + q * n] if q <= p else 0
    return OK


@njit(cache=True)
def _triangular_solve3(a, b, out, left_side, lower, transpose_a, unit_diagonal):
    """op(a) x = b (left_side) or x op(a) = b per pair, by trsm. BLAS reads
    the C-ordered a and b as their transposes, so it solves the transposed
    system: a left solve becomes a right one, the lower triangle the upper.
    A zero on a diagonal (not unit) fails, as NumPy's solve does."""
    n = a.shape[1]
    if not unit_diagonal:
        for j in range(a.shape[0]):
            for p in range(n):
                if a[j, p, p] == 0:
                    return FAILED
    rows, cols = b.shape[1], b.shape[2]
    for j in range(b.shape[0]):
        for p in range(rows):
            for q in range(cols):
                out[j, p, q] = b[j, p, q]
    side = _chars(82 if left_side else 76)            # 'R' / 'L'
    uplo = _chars(85 if lower else 76)                # 'U' / 'L'
    trans = _chars(84 if transpose_a else 78)         # 'T' / 'N'
    diag = _chars(85 if unit_diagonal else 78)        # 'U' / 'N'
    dims = np.array([cols, rows, max(n, 1), max(cols, 1)], np.int32)   # m, n, lda, ldb (transposed)
    alpha = np.ones(1, a.dtype)
    for j in range(a.shape[0]):
        aj, xj = a[j], out[j]
        if a.itemsize == 8:
            _dtrsm(side.ctypes, uplo.ctypes, trans.ctypes, diag.ctypes, dims[0:].ctypes, dims[1:].ctypes,
                   alpha.ctypes, aj.ctypes, dims[2:].ctypes, xj.ctypes, dims[3:].ctypes)
        else:
            _strsm(side.ctypes, uplo.ctypes, trans.ctypes, diag.ctypes, dims[0:].ctypes, dims[1:].ctypes,
                   alpha.ctypes, aj.ctypes, dims[2:].ctypes, xj.ctypes, dims[3:].ctypes)
    return OK


@njit(cache=True)
def _eigh3(a, w_out, v_out, lower):
    """Eigenvalues (ascending) and eigenvectors of the symmetric matrix each
    matrix's lower (or upper) triangle stands for, by syevd."""
    n = a.shape[1]
    lwork, liwork = (1 + 6 * n + 2 * n * n, 3 + 5 * n) if n > 1 else (1, 1)
    work = np.empty(lwork, a.dtype)
    iwork = np.empty(liwork, np.int32)
    w = np.empty(max(n, 1), a.dtype)
    jobz, uplo = _chars(86), _chars(76 if lower else 85)   # 'V'; 'L' / 'U'
    dims = np.array([n, max(n, 1), lwork, liwork, 0], np.int32)   # n, lda, lwork, liwork, info
    for j in range(a.shape[0]):
        f = _fortran(a, j)
        if a.itemsize == 8:
            _dsyevd(jobz.ctypes, uplo.ctypes, dims[0:].ctypes, f.ctypes, dims[1:].ctypes, w.ctypes, work.ctypes,
                    dims[2:].ctypes, iwork.ctypes, dims[3:].ctypes, dims[4:].ctypes)
        else:
            _ssyevd(jobz.ctypes, uplo.ctypes, dims[0:].ctypes, f.ctypes, dims[1:].ctypes, w.ctypes, work.ctypes,
                    dims[2:].ctypes, iwork.ctypes, dims[3:].ctypes, dims[4:].ctypes)
        if dims[4] != 0:
            return FAILED
        for p in range(n):
            w_out[j, p] = w[p]
        _unfortran(v_out, j, f, n)
    return OK


@njit(cache=True)
def _gesdd(a, jobz, dims, f, s, u, vt, work, iwork):
    if a.itemsize == 8:
        _dgesdd(jobz.ctypes, dims[0:].ctypes, dims[1:].ctypes, f.ctypes, dims[2:].ctypes, s.ctypes, u.ctypes,
                dims[3:].ctypes, vt.ctypes, dims[4:].ctypes, work.ctypes, dims[5:].ctypes, iwork.ctypes,
                dims[6:].ctypes)
    else:
        _sgesdd(jobz.ctypes, dims[0:].ctypes, dims[1:].ctypes, f.ctypes, dims[2:].ctypes, s.ctypes, u.ctypes,
                dims[3:].ctypes, vt.ctypes, dims[4:].ctypes, work.ctypes, dims[5:].ctypes, iwork.ctypes,
                dims[6:].ctypes)


@njit(cache=True)
def _svd3(a, u_out, s_out, vh_out, compute_uv):
    """u, s, vh per matrix by gesdd (jobz 'A' when u_out is square, 'S'
    reduced, 'N' without vectors), as NumPy's svd. A non-finite matrix fails
    ("SVD did not converge", NumPy's error for it)."""
    m, n = a.shape[1], a.shape[2]
    k = min(m, n)
    u_cols, vt_rows = u_out.shape[2], vh_out.shape[1]
    code = 78 if not compute_uv else (65 if u_cols == m and vt_rows == n and m != n else 83)   # 'N', 'A', 'S'
    jobz = _chars(code)
    ldu, ldvt = (max(m, 1), max(vt_rows, 1)) if compute_uv else (1, 1)
    u = np.empty(max(ldu * u_cols, 1) if compute_uv else 1, a.dtype)
    vt = np.empty(max(ldvt * n, 1) if compute_uv else 1, a.dtype)
    s = np.empty(max(k, 1), a.dtype)
    iwork = np.empty(max(8 * k, 1), np.int32)
    query = np.empty(1, a.dtype)
    dims = np.array([m, n, max(m, 1), ldu, ldvt, -1, 0], np.int32)   # m, n, lda, ldu, ldvt, lwork, info
    f = np.empty(max(m * n, 1), a.dtype)
    _gesdd(a, jobz, dims, f, s, u, vt, query, iwork)
    work = np.empty(_workspace(query), a.dtype)
    dims[5] = work.shape[0]
    for j in range(a.shape[0]):
        if not _finite(a[j]):
            return FAILED
        f = _fortran(a, j)
        _gesdd(a, jobz, dims, f, s, u, vt, work, iwork)
        if dims[6] != 0:
            return FAILED
        for p in range(k):
            s_out[j, p] = s[p]
        if compute_uv:
            _unfortran(u_out, j, u, ldu)
            _unfortran(vh_out, j, vt, ldvt)
    return OK


@njit(cache=True)
def _qr_routines(a, dims, f, tau, work, orgqr):
    if orgqr:
        if a.itemsize == 8:
            _dorgqr(dims[0:].ctypes, dims[1:].ctypes, dims[2:].ctypes, f.ctypes, dims[3:].ctypes, tau.ctypes,
                    work.ctypes, dims[4:].ctypes, dims[5:].ctypes)
        else:
            _sorgqr(dims[0:].ctypes, dims[1:].ctypes, dims[2:].ctypes, f.ctypes, dims[3:].ctypes, tau.ctypes,
                    work.ctypes, dims[4:].ctypes, dims[5:].ctypes)
    elif a.itemsize == 8:
        _dgeqrf(dims[0:].ctypes, dims[1:].ctypes, f.ctypes, dims[3:].ctypes, tau.ctypes, work.ctypes,
                dims[4:].ctypes, dims[5:].ctypes)
    else:
        _sgeqrf(dims[0:].ctypes, dims[1:].ctypes, f.ctypes, dims[3:].ctypes, tau.ctypes, work.ctypes,
                dims[4:].ctypes, dims[5:].ctypes)


@njit(cache=True)
def _qr3(a, q_out, r_out):
    """q (m x mc) and r (mc x n) per matrix by geqrf then orgqr, mc the
    columns of q_out (m for the complete factorization), as NumPy's qr."""
    m, n = a.shape[1], a.shape[2]
    k, mc = min(m, n), q_out.shape[2]
    tau = np.empty(max(k, 1), a.dtype)
    query = np.empty(1, a.dtype)
    geqrf_dims = np.array([m, n, 0, max(m, 1), -1, 0], np.int32)   # m, n, (k), lda, lwork, info
    orgqr_dims = np.array([m, mc, k, max(m, 1), -1, 0], np.int32)  # m, n, k, lda, lwork, info
    q = np.empty(max(m * mc, 1), a.dtype)
    f = np.empty(max(m * n, 1), a.dtype)
    _qr_routines(a, geqrf_dims, f, tau, query, False)
    work = np.empty(_workspace(query), a.dtype)
    _qr_routines(a, orgqr_dims, q, tau, query, True)
    work_q = np.empty(_workspace(query), a.dtype)
    geqrf_dims[4], orgqr_dims[4] = work.shape[0], work_q.shape[0]
    for j in range(a.shape[0]):
        f = _fortran(a, j)
        _qr_routines(a, geqrf_dims, f, tau, work, False)
        for p in range(mc):
            for c in range(n):
                r_out[j, p, c] = f[p + c * m] if p <= c else 0
        for c in range(mc):   # q starts as the reflectors, zero past a's columns
            for p in range(m):
                q[p + c * m] = f[p + c * m] if c < n else 0
        _qr_routines(a, orgqr_dims, q, tau, work_q, True)
        _unfortran(q_out, j, q, m)
    return OK


# ------------------------------------------------ what kernels call, by pointers and sizes

def _lu(a, packed, pivots, perm, batch, m, n):
    k = min(m, n)
    return _lu3(carray(a, (batch, m, n)), carray(packed, (batch, m, n)), carray(pivots, (batch, k)),
                carray(perm, (batch, m)))


def _cholesky(a, out, batch, n):
    return _cholesky3(carray(a, (batch, n, n)), carray(out, (batch, n, n)))


def _triangular_solve(a, b, out, batch, n, rows, cols, left_side, lower, transpose_a, unit_diagonal):
    return _triangular_solve3(carray(a, (batch, n, n)), carray(b, (batch, rows, cols)),
                              carray(out, (batch, rows, cols)), left_side, lower, transpose_a, unit_diagonal)


def _eigh(a, w, v, batch, n, lower):
    return _eigh3(carray(a, (batch, n, n)), carray(w, (batch, n)), carray(v, (batch, n, n)), lower)


def _svd(a, u, s, vh, batch, m, n, u_cols, vh_rows):
    return _svd3(carray(a, (batch, m, n)), carray(u, (batch, m, u_cols)), carray(s, (batch, min(m, n))),
                 carray(vh, (batch, vh_rows, n)), True)


def _singular_values(a, s, batch, m, n):
    none = carray(s, (batch, 0, 0))    # no vectors: empty views
    return _svd3(carray(a, (batch, m, n)), none, carray(s, (batch, min(m, n))), none, False)


def _qr(a, q, r, batch, m, n, mc):
    return _qr3(carray(a, (batch, m, n)), carray(q, (batch, m, mc)), carray(r, (batch, mc, n)))


# The pointer arguments of each function (f: the float dtype, i: int32); the
# rest of its arguments are integers (sizes and flags).
_POINTERS = {_lu: "ffii", _cholesky: "ff", _triangular_solve: "fff", _eigh: "fff", _svd: "ffff",
             _singular_values: "ff", _qr: "fff"}
_BY_NAME = {fn.__name__[1:]: fn for fn in _POINTERS}
_KEEP_ALIVE = []   # the compiled cfuncs whose addresses are registered


def __getattr__(name):
    """`<function>_<dtype>` (`lu_float64`): the cfunc for that dtype, compiled
    (or loaded from numba's cache) on first use and registered under its
    symbol, as an ExternalFunction kernels call. Generated kernels import
    these names, so the symbols exist before a cached kernel is loaded."""
    function, _, dtype = name.rpartition("_")
    if function not in _BY_NAME or dtype not in ("float64", "float32"):
        raise AttributeError(name)
    implementation = _BY_NAME[function]
    pointer_kinds = _POINTERS[implementation]
    n_ints = implementation.__code__.co_argcount - len(pointer_kinds)
    scalar = getattr(types, dtype)
    pointers = [types.CPointer(scalar if k == "f" else types.int32) for k in pointer_kinds]
    compiled = cfunc(types.int32(*pointers, *[types.intp] * n_ints), cache=True)(implementation)
    symbol = f"functrans_linalg_{name}"
    llvm.add_symbol(symbol, compiled.address)
    _KEEP_ALIVE.append(compiled)
    external = globals()[name] = types.ExternalFunction(
        symbol, types.int32(*[types.voidptr] * len(pointers), *[types.intp] * n_ints))
    return external
