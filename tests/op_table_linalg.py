"""The linear-algebra rows of the op table (import `op_table`, which adds
these to `ROWS`): the primitives of ops/triangular.py and ops/orthogonal.py,
and functrans.numpy.linalg against numpy.linalg.

Inputs are drawn where the functions are smooth: well-conditioned matrices,
symmetric positive definite ones for cholesky, and spectra with well
separated eigenvalues / singular values (the eigenvector and singular-vector
derivatives divide by their differences). Non-symmetric input to eigh and
cholesky checks that only the lower (or upper) triangle is read, as NumPy
does: values and central differences see only that triangle too.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from op_table import F32, F64, Row, prim_row, real, short

import functrans.numpy as fnp


def general(rng, shape, dtype):
    """Matrices with singular values away from 0: a random one plus 3 I."""
    n = shape[-1]
    return np.asarray(rng.standard_normal(shape) + 3 * np.eye(shape[-2], n), dtype)


def spectrum(rng, shape, dtype):
    """Symmetric matrices with eigenvalues about 1, 2, 3, ...: Q diag Q^T."""
    n = shape[-1]
    q = np.linalg.qr(rng.standard_normal(shape))[0]
    w = np.arange(1.0, n + 1) + 0.3 * rng.random(shape[:-1])
    return np.asarray((q * w[..., None, :]) @ np.swapaxes(q, -1, -2), dtype)


def lower_only(domain):
    """`domain`'s matrices with noise in the strict upper triangle, which
    functions reading the lower triangle must ignore."""
    def draw(rng, shape, dtype):
        x = domain(rng, shape, dtype)
        return np.asarray(x + np.triu(rng.standard_normal(shape), 1), dtype)
    return draw


def upper_only(domain):
    """`domain`'s matrices with noise in the strict lower triangle."""
    return lambda rng, shape, dtype: np.swapaxes(lower_only(domain)(rng, shape, dtype), -1, -2)


def separated(rng, shape, dtype):
    """Rectangular matrices with singular values about 1, 2, 3, ...: U diag V^T."""
    *batch, m, n = shape
    k = min(m, n)
    u = np.linalg.qr(rng.standard_normal((*batch, m, k)))[0]
    v = np.linalg.qr(rng.standard_normal((*batch, n, k)))[0]
    s = np.arange(k, 0, -1.0) + 0.3 * rng.random((*batch, k))
    return np.asarray((u * s[..., None, :]) @ np.swapaxes(v, -1, -2), dtype)


def triangular(lower):
    def draw(rng, shape, dtype):
        x = general(rng, shape, dtype)
        return np.asarray(np.tril(x) if lower else np.triu(x), dtype)
    return draw


def _args(*specs):
    return lambda rng: tuple(domain(rng, shape, dtype) for domain, shape, dtype in specs)


def _case(specs, extra=""):
    return "-".join(short(dtype, shape) for _, shape, dtype in specs) + extra


def _prim(name, specs, reference, params, diff=True, smooth=True, extra=None):
    checked = diff and all(dtype == F64 for _, _, dtype in specs)
    extra = "".join(f"-{k}={int(v)}" for k, v in params.items()) if extra is None else extra
    argnums = tuple(range(len(specs)))
    return prim_row(name, _case(specs, extra), _args(*specs), reference, params,
                    diff=argnums if checked else (), smooth=smooth and checked,
                    rtol=1e-10 if checked else 1e-5)


# ---------------------------------------------------------------- primitives

def _solve_triangular_reference(a, b, left_side, lower, transpose_a, unit_diagonal):
    k = 1 if unit_diagonal else 0
    a = (np.tril(a, -k) if lower else np.triu(a, k)) + (np.eye(a.shape[-1]) if unit_diagonal else 0)
    a = np.swapaxes(a, -1, -2) if transpose_a else a
    if left_side:
        return np.linalg.solve(a, b)
    return np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _solve_rows():
    rows = []
    for left, lower, trans, unit, batch, dtype in (
            (True, True, False, False, (), F64), (True, False, True, False, (), F64),
            (False, True, True, True, (), F64), (False, False, False, False, (), F64),
            (True, True, True, True, (2,), F64), (False, True, False, False, (2,), F32)):
        params = {"left_side": left, "lower": lower, "transpose_a": trans, "unit_diagonal": unit}
        b_shape = (*batch, 3, 2) if left else (*batch, 2, 3)
        specs = ((triangular(lower), (*batch, 3, 3), dtype), (real, b_shape, dtype))
        rows.append(_prim("triangular_solve", specs, partial(_solve_triangular_reference, **params), params))
    return rows


def _lu_reference(a):
    """scipy's packed factors, pivots and the permutation they make."""
    import scipy.linalg
    outs = []
    for x in a.reshape((-1,) + a.shape[-2:]):
        lu, piv = scipy.linalg.lu_factor(x)
        perm = np.arange(x.shape[0])
        for i, p in enumerate(piv):
            perm[[i, p]] = perm[[p, i]]
        outs.append((lu, piv.astype(np.int32), perm.astype(np.int32)))
    return [np.stack(o).reshape(a.shape[:-2] + o[0].shape) for o in zip(*outs)]


def _svd_reference(full_matrices, compute_uv):
    def reference(a):
        out = np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
        return list(out) if compute_uv else [out]
    return reference


PRIMITIVES = [
    *_solve_rows(),
    *[_prim("cholesky", ((domain, shape, dtype),), np.linalg.cholesky, {}, extra=extra)
      for domain, shape, dtype, extra in ((spectrum, (3, 3), F64, ""), (spectrum, (2, 3, 3), F64, ""),
                                          (lower_only(spectrum), (3, 3), F64, "-upper-ignored"),
                                          (spectrum, (3, 3), F32, ""))],
    *[_prim("lu", ((general, shape, dtype),), _lu_reference, {})
      for shape, dtype in (((4, 4), F64), ((4, 3), F64), ((3, 4), F64), ((2, 3, 3), F64), ((3, 3), F32))],
    *[_prim("eigh", ((domain, shape, dtype),), lambda a, lower=lower: list(np.linalg.eigh(a, "L" if lower else "U")),
            {"lower": lower}, extra=f"-lower={int(lower)}{extra}")
      for domain, shape, dtype, lower, extra in (
          (spectrum, (4, 4), F64, True, ""), (spectrum, (2, 3, 3), F64, True, ""),
          (lower_only(spectrum), (4, 4), F64, True, "-upper-ignored"),
          (upper_only(spectrum), (3, 3), F64, False, "-lower-ignored"),
          (spectrum, (3, 3), F32, True, ""))],
    *[_prim("svd", ((separated, shape, dtype),), _svd_reference(full, uv), {"full_matrices": full, "compute_uv": uv},
            diff=not (full and uv and shape[-1] != shape[-2]))
      for shape, dtype, full, uv in (((4, 3), F64, False, True), ((3, 4), F64, False, True),
                                     ((3, 3), F64, True, True), ((4, 3), F64, True, True),
                                     ((4, 3), F64, False, False), ((2, 3, 2), F64, False, True),
                                     ((3, 3), F32, False, True))],
    *[_prim("qr", ((general, shape, dtype),),
            lambda a, full=full: list(np.linalg.qr(a, "complete" if full else "reduced")),
            {"full_matrices": full}, diff=not (full and shape[-2] > shape[-1]))
      for shape, dtype, full in (((4, 3), F64, False), ((3, 4), F64, False), ((3, 3), F64, True),
                                 ((4, 3), F64, True), ((2, 3, 2), F64, False), ((3, 3), F32, False))],
]


# --------------------------------------------------------- functrans.numpy.linalg

def la_row(name, *specs, case=None, fun=None, reference=None, diff=True, smooth=True, rtol=1e-10, **kwargs):
    """fnp.linalg.<name>(*args, **kwargs) against np.linalg.<name>."""
    fun = fun or partial(getattr(fnp.linalg, name), **kwargs)
    reference = reference or partial(getattr(np.linalg, name), **kwargs)
    case = case or _case(specs, "".join(f"-{k}={v}" for k, v in kwargs.items()))
    checked = diff and all(dtype == F64 for _, _, dtype in specs)
    return Row(id=f"np.linalg.{name}-{case}", fun=fun, reference=reference, make_args=_args(*specs),
               numpy_name=name, diff=tuple(range(len(specs))) if checked else (), smooth=smooth and checked,
               rtol=rtol if checked or not diff else 1e-5)


G, S, SEP = general, spectrum, separated
_VECTOR_ORDS = (None, 2, 1, np.inf, -np.inf, 3, 0.5)
_MATRIX_ORDS = (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)

FACADE = [
    la_row("solve", (G, (3, 3), F64), (real, (3,), F64)),
    la_row("solve", (G, (3, 3), F64), (real, (3, 2), F64)),
    la_row("solve", (G, (2, 3, 3), F64), (real, (3,), F64)),
    la_row("solve", (G, (2, 3, 3), F64), (real, (1, 3, 2), F64)),
    la_row("solve", (G, (3, 3), F32), (real, (3,), F32)),
    la_row("inv", (G, (3, 3), F64)), la_row("inv", (G, (2, 3, 3), F64)), la_row("inv", (G, (3, 3), F32)),
    la_row("det", (G, (3, 3), F64)), la_row("det", (G, (2, 4, 4), F64)), la_row("det", (G, (3, 3), F32)),
    la_row("slogdet", (G, (3, 3), F64)), la_row("slogdet", (G, (2, 4, 4), F64)),
    la_row("cholesky", (S, (3, 3), F64)), la_row("cholesky", (S, (2, 3, 3), F64), upper=True),
    la_row("eigh", (S, (3, 3), F64)), la_row("eigh", (lower_only(S), (3, 3), F64), case="f64[3,3]-UPLO=L-nonsym"),
    la_row("eigh", (S, (2, 3, 3), F64), UPLO="U"),
    la_row("eigvalsh", (S, (4, 4), F64)), la_row("eigvalsh", (lower_only(S), (4, 4), F64), case="nonsym"),
    la_row("svd", (SEP, (3, 3), F64)), la_row("svd", (SEP, (4, 3), F64), full_matrices=False),
    la_row("svd", (SEP, (2, 3, 4), F64), full_matrices=False), la_row("svd", (SEP, (4, 3), F64), compute_uv=False),
    la_row("svd", (SEP, (4, 3), F64), diff=False, case="f64[4,3]-full"),
    la_row("svdvals", (SEP, (3, 5), F64)),
    la_row("qr", (G, (4, 3), F64)), la_row("qr", (G, (3, 4), F64)), la_row("qr", (G, (3, 3), F64), mode="complete"),
    la_row("qr", (G, (2, 4, 3), F64), mode="r"), la_row("qr", (G, (4, 3), F64), mode="complete", diff=False),
    la_row("pinv", (SEP, (4, 3), F64)), la_row("pinv", (SEP, (2, 3, 4), F64)), la_row("pinv", (G, (3, 3), F64)),
    la_row("lstsq", (SEP, (5, 3), F64), (real, (5,), F64), rcond=None),
    la_row("lstsq", (SEP, (5, 3), F64), (real, (5, 2), F64), rcond=None),
    la_row("lstsq", (SEP, (3, 5), F64), (real, (3,), F64), rcond=None),
    *[la_row("matrix_power", (G, (3, 3), F64), n=n) for n in (0, 1, 3, -2)],
    la_row("matrix_power", (G, (2, 3, 3), F64), n=5),
    la_row("matrix_rank", (SEP, (4, 3), F64), diff=False),
    la_row("matrix_rank", (SEP, (2, 3, 4), F64), diff=False),
    la_row("matrix_rank", (lambda r, s, d: SEP(r, (4, 1), d) @ real(r, (1, 3), d), (4, 3), F64), diff=False,
           case="rank-1"),
    la_row("matrix_rank", (real, (3,), F64), diff=False),
    *[la_row("norm", (real, (5,), F64), ord=o, smooth=o not in (1, np.inf, -np.inf, 0.5)) for o in _VECTOR_ORDS],
    la_row("norm", (real, (5,), F64), ord=0, diff=False),
    *[la_row("norm", (SEP, (3, 4), F64), ord=o, smooth=o in (None, "fro", "nuc", 2, -2)) for o in _MATRIX_ORDS],
    *[la_row("norm", (SEP, (2, 4, 3), F64), ord=o, axis=(2, 1), keepdims=True, smooth=o in ("fro", 2))
      for o in ("fro", 2, 1, np.inf)],
    la_row("norm", (real, (2, 3, 4), F64), axis=1), la_row("norm", (real, (2, 3, 4), F64), keepdims=True),
    la_row("norm", (real, (2, 3), F64), ord=3, axis=0, keepdims=True),
    la_row("multi_dot", (real, (3,), F64), (real, (3, 4), F64), (real, (4, 2), F64), (real, (2,), F64),
           fun=lambda *xs: fnp.linalg.multi_dot(xs), reference=lambda *xs: np.linalg.multi_dot(xs)),
    la_row("multi_dot", (real, (2, 5), F64), (real, (5, 1), F64), (real, (1, 6), F64), (real, (6, 3), F64),
           fun=lambda *xs: fnp.linalg.multi_dot(xs), reference=lambda *xs: np.linalg.multi_dot(xs)),
    la_row("tensorsolve", (lambda r, s, d: general(r, (6, 6), d).reshape(s), (2, 3, 6), F64), (real, (2, 3), F64)),
    la_row("tensorsolve", (lambda r, s, d: np.moveaxis(general(r, (6, 6), d).reshape(6, 2, 3), 0, 2), (2, 3, 6), F64),
           (real, (6,), F64), axes=(0, 1), case="axes=(0,1)"),
    *[la_row("cond", (SEP, (3, 3), F64), p=p, smooth=p in (None, 2, -2, "fro")) for p in (None, 2, -2, "fro", 1,
                                                                                        np.inf)],
    la_row("cond", (SEP, (4, 3), F64)),
    la_row("matrix_transpose", (real, (2, 3, 4), F64)),
    la_row("vector_norm", (real, (2, 3), F64)), la_row("vector_norm", (real, (2, 3), F64), axis=1, ord=1, smooth=False),
    la_row("matrix_norm", (SEP, (2, 3, 4), F64)), la_row("matrix_norm", (SEP, (3, 4), F64), ord="nuc"),
    la_row("matmul", (real, (2, 3), F64), (real, (3, 4), F64)),
    la_row("outer", (real, (2,), F64), (real, (3,), F64)),
    la_row("tensordot", (real, (2, 3), F64), (real, (3, 4), F64), axes=1),
]


# --------------------------------------------------------- functrans.scipy.linalg

def sp_row(name, *specs, case=None, fun=None, reference=None, diff=True, smooth=True, rtol=1e-10, **kwargs):
    """functrans.scipy.linalg.<name>(*args, **kwargs) against scipy.linalg.<name>."""
    import scipy.linalg

    import functrans.scipy.linalg as fsl
    fun = fun or partial(getattr(fsl, name), **kwargs)
    reference = reference or partial(getattr(scipy.linalg, name), **kwargs)
    case = case or _case(specs, "".join(f"-{k}={v}" for k, v in kwargs.items()))
    checked = diff and all(dtype == F64 for _, _, dtype in specs)
    return Row(id=f"scipy.linalg.{name}-{case}", fun=fun, reference=reference, make_args=_args(*specs),
               diff=tuple(range(len(specs))) if checked else (), smooth=smooth and checked,
               rtol=rtol if checked or not diff else 1e-5)


def _triangle(c, lower):
    """cho_factor's factor: SciPy leaves the other triangle undefined."""
    return np.tril(c) if lower else np.triu(c)


def _scipy_rows():
    import scipy.linalg

    import functrans.scipy.linalg as fsl
    vec = lambda r, s, d: real(r, s, d)
    rows = [
        *[sp_row("solve_triangular", (triangular(lower), (3, 3), F64), (real, b, F64), lower=lower, trans=trans,
                 unit_diagonal=unit)
          for lower, trans, unit, b in ((True, 0, False, (3,)), (False, 1, False, (3, 2)), (True, "T", True, (3, 2)),
                                        (False, 0, True, (3,)))],
        sp_row("solve_triangular", (triangular(True), (2, 3, 3), F64), (real, (2, 3), F64), lower=True,
               reference=lambda a, b: np.stack([scipy.linalg.solve_triangular(x, y, lower=True)
                                                for x, y in zip(a, b)])),
        *[sp_row("cholesky", (S, (3, 3), F64), lower=lower) for lower in (False, True)],
        *[sp_row("cho_factor", (lower_only(S) if lower else S, (3, 3), F64), case=f"lower={lower}",
                 fun=lambda a, lower=lower: fsl.cho_factor(a, lower=lower)[0],
                 reference=lambda a, lower=lower: _triangle(scipy.linalg.cho_factor(a, lower=lower)[0], lower))
          for lower in (False, True)],
        *[sp_row("cho_solve", (S, (3, 3), F64), (vec, shape, F64), case=f"lower={lower}-b{shape}",
                 fun=lambda a, b, lower=lower: fsl.cho_solve(fsl.cho_factor(a, lower=lower), b),
                 reference=lambda a, b, lower=lower: scipy.linalg.cho_solve(scipy.linalg.cho_factor(a, lower=lower), b))
          for lower, shape in ((False, (3,)), (True, (3, 2)))],
        *[sp_row("lu", (G, shape, F64), **kwargs) for shape, kwargs in (((3, 3), {}), ((4, 3), {}), ((3, 4), {}),
                                                                        ((3, 3), {"permute_l": True}),
                                                                        ((4, 3), {"p_indices": True}))],
        sp_row("lu_factor", (G, (4, 4), F64)),
        *[sp_row("lu_solve", (G, (3, 3), F64), (vec, shape, F64), case=f"trans={t}-b{shape}",
                 fun=lambda a, b, t=t: fsl.lu_solve(fsl.lu_factor(a), b, trans=t),
                 reference=lambda a, b, t=t: scipy.linalg.lu_solve(scipy.linalg.lu_factor(a), b, trans=t))
          for t, shape in ((0, (3,)), (1, (3, 2)))],
        sp_row("expm", (real, (3, 3), F64)), sp_row("expm", (lambda r, s, d: 8 * real(r, s, d), (3, 3), F64),
                                                    case="norm-over-theta13"),
        sp_row("expm", (lambda r, s, d: 0.01 * real(r, s, d), (2, 3, 3), F64), case="stack-small",
               reference=lambda a: np.stack([scipy.linalg.expm(x) for x in a])),
        sp_row("sqrtm", (S, (3, 3), F64), rtol=1e-9),
        sp_row("sqrtm", (lambda r, s, d: general(r, s, d) + 2 * np.eye(3), (3, 3), F64), case="nonsymmetric",
               rtol=1e-9),
        sp_row("eigh", (S, (3, 3), F64), fun=lambda a: _signed(fsl.eigh(a)),
               reference=lambda a: _signed(scipy.linalg.eigh(a))),
        sp_row("eigh", (upper_only(S), (3, 3), F64), case="upper-of-nonsym",
               fun=lambda a: _signed(fsl.eigh(a, lower=False)),
               reference=lambda a: _signed(scipy.linalg.eigh(a, lower=False))),
        sp_row("eigh", (S, (3, 3), F64), eigvals_only=True),
        sp_row("eigh", (S, (3, 3), F64), (spectrum, (3, 3), F64), case="generalized",
               fun=lambda a, b: _signed(fsl.eigh(a, b)), reference=lambda a, b: _signed(scipy.linalg.eigh(a, b))),
        sp_row("block_diag", (real, (2, 2), F64), (real, (3,), F64), (real, (), F64), (real, (1, 2), F64),
               fun=fsl.block_diag, reference=scipy.linalg.block_diag),
        sp_row("solve", (G, (3, 3), F64), (real, (3,), F64)),
        sp_row("solve", (S, (3, 3), F64), (real, (3, 2), F64), assume_a="pos"),
        sp_row("inv", (G, (3, 3), F64)), sp_row("det", (G, (3, 3), F64)),
        sp_row("svd", (SEP, (3, 3), F64)), sp_row("svd", (SEP, (4, 3), F64), full_matrices=False),
        *[sp_row("qr", (G, (4, 3), F64), mode=mode, diff=mode != "full") for mode in ("full", "economic", "r")],
    ]
    return rows


def _signed(w_v):
    """Eigenvectors with their first entries made positive: LAPACK's sign
    of an eigenvector depends on the algorithm."""
    w, v = w_v
    sign = np.sign(v[..., :1, :]) if isinstance(v, np.ndarray) else fnp.sign(v[..., :1, :])
    return w, v * sign


SCIPY = _scipy_rows()
