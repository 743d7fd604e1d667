"""functrans.numpy.linalg beyond the op table: jit against eager for every
facade row (in one kernel), errors for bad input (singular, non-square,
complex), and what eigh's derivative does at repeated eigenvalues."""
import numpy as np
import op_table  # noqa: F401  (assembles the tables; op_table_linalg needs it first)
import pytest
from op_table_linalg import FACADE, SCIPY

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import DTypeError, MatrixShapeError, ShapeError
from functrans.tree_util import tree_leaves

rng = np.random.default_rng(7)
A = rng.standard_normal((4, 4)) + 3 * np.eye(4)
B = rng.standard_normal(4)
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]])


def _all_rows(rows):
    """One function computing every row, so that jit compiles one kernel."""
    def run(*flat):
        outs, k = [], 0
        for row, n in zip(rows, [len(r.args()) for r in rows]):
            outs.append(row.fun(*flat[k:k + n]))
            k += n
        return outs
    return run, [a for r in rows for a in r.args()]


def _first_per_function(rows):
    """One row per function: each row under jit costs compile time, and the
    primitives' every case is compiled in test_backend's linalg batch."""
    seen = {}
    for row in rows:
        seen.setdefault(row.id.split("-")[0], row)   # np.linalg.solve, scipy.linalg.expm, ...
    return list(seen.values())


# lstsq decides its residuals' shape from the rank, which jit cannot read.
JITTED = _first_per_function([r for r in FACADE + SCIPY if r.numpy_name != "lstsq"])
GRADDED = _first_per_function([r for r in FACADE + SCIPY if r.diff and r.id.split("-")[0] in (
    "np.linalg.solve", "np.linalg.inv", "np.linalg.det", "np.linalg.slogdet", "np.linalg.cholesky",
    "np.linalg.eigh", "np.linalg.svd", "np.linalg.qr", "np.linalg.pinv", "np.linalg.norm", "scipy.linalg.lu_solve",
    "scipy.linalg.cho_solve")])


def assert_jit_matches_eager(rows, rtol=1e-10):
    """Every row under jit, in one kernel, equals it eagerly (float32 to 1e-5)."""
    run, args = _all_rows(rows)
    got, want = ft.jit(run)(*args), run(*args)
    for row, g, w in zip(rows, got, want):
        for gl, wl in zip(tree_leaves(g), tree_leaves(w)):
            assert np.result_type(gl) == np.result_type(wl), row.id
            np.testing.assert_allclose(gl, wl, rtol=rtol if np.result_type(wl) != np.float32 else 1e-5,
                                       atol=1e-12, err_msg=row.id)


def assert_jit_of_grad_matches_eager(rows, rtol=1e-9):
    """The gradient of a loss over every row's float outputs, in every float64
    argument, under jit (one kernel) equals it eagerly."""
    def loss(*flat):
        run, _ = _all_rows(rows)
        return sum(fnp.sum(fnp.sin(leaf)) for out in run(*flat) for leaf in tree_leaves(out)
                   if np.result_type(leaf).kind == "f")
    _, args = _all_rows(rows)
    argnums = tuple(i for i, a in enumerate(args) if np.result_type(a) == np.float64)
    got, want = ft.jit(ft.grad(loss, argnums))(*args), ft.grad(loss, argnums)(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-12)


def test_jit_matches_eager_on_a_row_of_every_linalg_function():
    assert_jit_matches_eager(JITTED)


def test_jit_of_grad_matches_eager_grad_of_the_main_functions():
    assert_jit_of_grad_matches_eager(GRADDED)


def test_jit_of_grad_of_expm_differentiates_through_its_squaring_loop():
    """expm squares as often as the norm says: a while loop under jit, whose
    reverse mode replays it (sqrtm's iteration likewise; its eager
    derivatives are in the op table)."""
    import functrans.scipy.linalg as fsl
    a = rng.standard_normal((3, 3)) * 4    # norm above theta_13: two or three squarings
    loss = lambda a: fnp.sum(fnp.sin(fsl.expm(a)))
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(a), ft.grad(loss)(a), rtol=1e-10)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("fn", [lambda a: fnp.linalg.solve(a, np.ones(3)), fnp.linalg.inv,
                                lambda a: ft.grad(lambda a: fnp.sum(fnp.linalg.inv(a)))(a)])
def test_a_singular_matrix_is_numpys_linalg_error_eagerly_and_under_jit(fn):
    with pytest.raises(np.linalg.LinAlgError) as eager:
        np.linalg.inv(SINGULAR)
    with pytest.raises(np.linalg.LinAlgError, match=f"^{eager.value}$"):
        fn(SINGULAR)
    with pytest.raises(np.linalg.LinAlgError, match=f"^{eager.value}$"):
        ft.jit(fn)(SINGULAR)


def test_a_singular_matrix_has_det_zero_and_slogdet_minus_inf_as_numpy():
    np.testing.assert_allclose(fnp.linalg.det(SINGULAR), np.linalg.det(SINGULAR), atol=1e-15)
    sign, logdet = fnp.linalg.slogdet(np.zeros((2, 2)))
    assert sign == 0 and logdet == -np.inf


def test_not_positive_definite_is_numpys_error_under_jit_too():
    for fn in (fnp.linalg.cholesky, ft.jit(fnp.linalg.cholesky)):
        with pytest.raises(np.linalg.LinAlgError, match="^Matrix is not positive definite$"):
            fn(-np.eye(3))


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "matrix_power"])
def test_a_non_square_matrix_names_the_function_and_its_shape(name):
    call = (lambda a: fnp.linalg.matrix_power(a, 2)) if name == "matrix_power" else getattr(fnp.linalg, name)
    with pytest.raises(MatrixShapeError, match=rf"{name} needs square matrices .*shape \(2, 3\) \(2 x 3\)") as info:
        call(np.ones((2, 3)))
    assert isinstance(info.value, np.linalg.LinAlgError) and isinstance(info.value, ShapeError)


def test_solve_with_mismatched_operands_names_both_shapes():
    with pytest.raises(MatrixShapeError, match=r"a of shape \(3, 3\) and b of shape \(4,\)"):
        fnp.linalg.solve(np.eye(3), np.ones(4))
    with pytest.raises(MatrixShapeError, match=r"solve needs square matrices .*\(3, 4\)"):
        fnp.linalg.solve(np.ones((3, 4)), np.ones(3))


@pytest.mark.parametrize("name", ["solve", "inv", "det", "cholesky", "eigh", "svd", "qr", "pinv"])
def test_complex_input_names_the_real_only_function(name):
    z = np.eye(3) * (1 + 1j)
    args = (z, np.ones(3)) if name == "solve" else (z,)
    with pytest.raises(DTypeError, match=rf"{name} needs real floating-point matrices, got complex128"):
        getattr(fnp.linalg, name)(*args)


def test_eigh_reads_the_lower_triangle_like_numpy_and_upper_on_request():
    a = np.triu(rng.standard_normal((4, 4)), 1) + np.diag(np.arange(1.0, 5.0)) + np.tril(np.ones((4, 4)), -1)
    for uplo in ("L", "U"):
        np.testing.assert_allclose(fnp.linalg.eigvalsh(a, UPLO=uplo), np.linalg.eigvalsh(a, UPLO=uplo), rtol=1e-12)
        np.testing.assert_allclose(ft.jit(lambda a: fnp.linalg.eigvalsh(a, UPLO=uplo))(a),
                                   np.linalg.eigvalsh(a, UPLO=uplo), rtol=1e-12)


def test_eigh_at_repeated_eigenvalues_differentiates_values_but_not_vectors():
    """As JAX: the eigenvalue derivative diag(V^T dA V) stays finite (and
    right on the repeated pair's sum), the eigenvector derivative divides by
    the (rounding-sized) gap and is huge or not finite."""
    q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    a = q @ np.diag([1.0, 1.0, 3.0]) @ q.T
    g = ft.grad(lambda a: fnp.sum(fnp.linalg.eigvalsh(a)))(a)
    np.testing.assert_allclose(g, np.eye(3) * [[1], [1], [1]] + np.tril(np.eye(3), -1), atol=1e-12)
    vec_grad = ft.grad(lambda a: fnp.sum(fnp.linalg.eigh(a)[1][:, 0]))(a)
    assert not np.all(np.isfinite(vec_grad)) or np.max(np.abs(vec_grad)) > 1e8
