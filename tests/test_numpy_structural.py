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

JITTED = [r for r in ROWS if any(np.ndim(a) for a in r.args())]
GRADDED = [r for r in JITTED if r.diff]


def test_jit_matches_eager_on_every_structural_row_in_one_kernel():
    assert_jit_matches_eager(JITTED, rtol=1e-13)


def test_jit_of_grad_matches_eager_grad_on_every_differentiable_row_in_one_kernel():
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
