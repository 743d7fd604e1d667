"""functrans.numpy's structural functions beyond the op table: every row of
`op_table_numpy_structural` under jit (all in one numba kernel, and their
gradients in another), and the errors for what they cannot do."""
import numpy as np
import op_table  # noqa: F401  (assembles the tables; op_table_numpy_structural needs it first)
import pytest
from op_table_numpy_structural import ROWS
from test_linalg import assert_jit_matches_eager, assert_jit_of_grad_matches_eager

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import ShapeError, UnsupportedError


def _size(row) -> int:
    return len(ft.make_jaxpr(row.fun)(*row.args()).jaxpr.eqns)


def _cheapest_per_function(rows):
    """One row per function, the one of fewest equations: each equation
    adds numba compile time, and every row's primitives are compiled in
    test_backend's batches (every row runs through jit's tier 0 in
    test_tiers)."""
    best = {}
    for row in rows:
        name = row.id.split("-")[0]
        if name not in best or _size(row) < _size(best[name]):
            best[name] = row
    return list(best.values())


def _kernels(rows, budget=90):
    """Rows in groups of about `budget` equations: numba's compile time
    grows faster than linearly in a kernel's size."""
    groups, size = [[]], 0
    for row in rows:
        if size + _size(row) > budget and groups[-1]:
            groups.append([])
            size = 0
        groups[-1].append(row)
        size += _size(row)
    return groups


def _lowers(row) -> bool:
    """Rows with an array operand and no complex values (jit holds none yet)."""
    avals = ft.make_jaxpr(row.fun)(*row.args()).out_avals
    return any(np.ndim(a) for a in row.args()) and all(a.dtype.kind != "c" for a in avals)


JITTED = _kernels(_cheapest_per_function([r for r in ROWS if _lowers(r)]))
# The gradients whose rules are not plain transposes of slices and pads.
GRADDED = [r for r in ROWS if r.id in (
    "np.roll-traced-shift-axis1", "np.pad-f64[3,4]-((1, 0), (9, 2))-reflect-reflect_type=odd", "np.einsum-ii-(3, 3)",
    "np.cross-f64[4,3]-f64[3]", "np.var-axis=1-where=mask-ddof=1", "np.diag-f64[3]-k=-2")]


@pytest.mark.parametrize("rows", JITTED, ids=lambda rows: f"{rows[0].id}..{rows[-1].id}")
def test_jit_matches_eager_on_a_row_of_every_structural_function(rows):
    assert_jit_matches_eager(rows, rtol=1e-13)


def test_jit_of_grad_matches_eager_grad_where_the_rules_are_not_transposes():
    assert len(GRADDED) == 6
    assert_jit_of_grad_matches_eager(GRADDED, rtol=1e-11)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("fn, error, match", [
    (lambda: fnp.tril(np.ones(3)), ShapeError, "at least two dimensions"),
    (lambda: fnp.diagonal(np.ones((2, 2)), axis1=1, axis2=-1), ShapeError, "cannot be the same"),
    (lambda: fnp.diag(np.ones((2, 2, 2))), ShapeError, "1-d or 2-d"),
    (lambda: fnp.fill_diagonal(np.ones((2, 2)), 1.0), UnsupportedError, "inplace=False"),
    (lambda: fnp.fill_diagonal(np.ones((2, 3, 2)), 1.0, inplace=False), ShapeError, "equal length"),
    (lambda: fnp.cross(np.ones(4), np.ones(3)), ShapeError, "must be 2 or 3"),
    (lambda: fnp.diag_indices_from(np.ones((2, 3))), ShapeError, "all of one length"),
])
def test_bad_input_raises_a_clear_error(fn, error, match):
    with pytest.raises(error, match=match):
        fn()


def test_a_traced_diagonal_offset_is_refused_with_what_to_do():
    with pytest.raises(UnsupportedError, match="static Python integer"):
        ft.jit(lambda x, k: fnp.diagonal(x, k))(np.ones((2, 2)), 1)


@pytest.mark.parametrize("fn, error, match", [
    (lambda: fnp.pad(np.ones(3), 1, "mode"), ValueError, "not supported"),
    (lambda: fnp.pad(np.ones(3), -1), ValueError, "negative"),
    (lambda: fnp.pad(np.ones((2, 2)), ((1, 2, 3),)), ShapeError, "valid shapes"),
    (lambda: fnp.pad(np.ones(0), 1, "edge"), ValueError, "empty axis"),
    (lambda: fnp.pad(np.ones(3), 1, "reflect", reflect_type="sideways"), ValueError, "reflect_type"),
    (lambda: fnp.pad(np.ones(3), 1, lambda *a: None), UnsupportedError, "callable"),
    (lambda: fnp.rot90(np.ones((2, 2)), axes=(1, 1)), ValueError, "different"),
    (lambda: fnp.diff(np.ones(3), n=-1), ValueError, "non-negative"),
    (lambda: fnp.diff(1.0), ShapeError, "at least one dimensional"),
    (lambda: fnp.vsplit(np.ones(4), 2), ShapeError, "2 or more dimensions"),
    (lambda: fnp.array_split(np.ones(4), 0), ValueError, "larger than 0"),
    (lambda: fnp.roll(np.ones((2, 2)), (1, 2, 3), (0, 1)), ShapeError, "one per axis"),
    (lambda: fnp.r_["r", np.ones(2)], UnsupportedError, "matrix directives"),
    (lambda: fnp.r_[np.ones(2), "0"], ValueError, "first entry"),
    (lambda: fnp.meshgrid(np.ones(2), indexing="xi"), ValueError, "indexing"),
    (lambda: fnp.ix_(np.ones((2, 2), int)), ShapeError, "1 dimensional"),
    (lambda: fnp.nonzero(1.0), ShapeError, "0-d"),
    (lambda: fnp.where(np.ones(2), 1.0), ValueError, "both x and y"),
    (lambda: fnp.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 4))), ShapeError,
     r"\(2, 3\) and \(4, 4\) do not agree on index 'j'"),
    (lambda: fnp.einsum("ij->ii", np.ones((2, 2))), ValueError, "repeat"),
    (lambda: fnp.einsum("i.j", np.ones((2, 2))), ValueError, "invalid subscripts"),
    (lambda: fnp.var(np.ones(3), out=np.ones(())), UnsupportedError, "out="),
])
def test_unsupported_or_wrong_arguments_raise_a_clear_error(fn, error, match):
    with pytest.raises(error, match=match):
        fn()


def test_where_with_one_argument_is_nonzero_eagerly_and_under_grad():
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    for got, want in zip(fnp.where(x), np.where(x)):
        np.testing.assert_array_equal(got, want)
    # Under grad the values are known, so the shape is too.
    got = ft.grad(lambda x: fnp.sum(x[fnp.where(x > 0.5)] ** 2))(x)
    np.testing.assert_array_equal(got, np.where(x > 0.5, 2 * x, 0.0))


def test_where_with_one_argument_under_jit_says_its_shape_depends_on_the_data():
    x = np.array([0.0, 1.5, 0.0, 2.0])
    with pytest.raises(ft.errors.ConcretizationError, match="size=n.*three-argument"):
        ft.jit(lambda x: fnp.where(x > 0))(x)
    (got,) = ft.jit(lambda x: fnp.where(x > 0, size=3, fill_value=-1))(x)
    np.testing.assert_array_equal(got, [1, 3, -1])


def test_scalar_types_are_dtypes_and_casts_that_keep_values_traced():
    assert np.dtype(fnp.float32) == np.float32 and fnp.int64 == np.int64 and fnp.zeros(2, fnp.int32).dtype == np.int32
    assert {np.float64: "f"}[fnp.float64] == "f" and isinstance(np.float32(1), fnp.float32)
    x = np.array([1.5, -2.5])
    assert ft.grad(lambda x: fnp.sum(fnp.float64(fnp.float32(x)) * x))(x).tolist() == [3.0, -5.0]
    got = ft.jit(lambda x: (fnp.int64(x), fnp.float32(x), fnp.bool_(x)))(x)
    assert [g.dtype for g in got] == [np.int64, np.float32, np.bool_] and got[0].tolist() == [1, -2]
    assert fnp.float32(2.5).dtype == np.float32 and fnp.float32(2.5).shape == ()
