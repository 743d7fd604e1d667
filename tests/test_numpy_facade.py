"""functrans.numpy against NumPy: every facade row of the op table returns
plain NumPy values equal to NumPy's, eagerly and under a trace; traced values
have NumPy's operators, methods and attributes.

Tolerance: rtol `row.rtol` (1e-12; 1e-10 for products, whose sums are
ordered differently; 1e-6 for float32), NaNs equal.
"""
import numpy as np
import pytest
from op_table import ROWS

import functrans as ft
import functrans.numpy as fnp
from functrans.core import eval_closed
from functrans.tree_util import tree_leaves

FACADE = [r for r in ROWS if not r.is_primitive]


def over(rows):
    return pytest.mark.parametrize("row", rows, ids=lambda r: r.id)


def assert_same(got, expected, rtol):
    got_leaves, expected_leaves = tree_leaves(got), tree_leaves(expected)
    assert len(got_leaves) == len(expected_leaves)
    for g, e in zip(got_leaves, expected_leaves):
        assert np.result_type(g) == np.result_type(e), (np.result_type(g), np.result_type(e))
        assert np.shape(g) == np.shape(e)
        rtol = max(rtol, 1e-6) if np.result_type(e) == np.float32 else rtol
        np.testing.assert_allclose(g, e, rtol=rtol, atol=1e-300, equal_nan=True)


def test_every_numpy_function_has_a_row():
    import types
    public = {n for n in dir(fnp) if not n.startswith("_") and isinstance(getattr(fnp, n), types.FunctionType)}
    public |= {n for n in dir(fnp.linalg) if not n.startswith("_")}
    public |= set(fnp.fft.__all__)
    assert public - {r.numpy_name for r in FACADE} == set()


@over(FACADE)
def test_eager_result_is_numpys(row):
    args = row.args()
    out = row.fun(*args)
    for leaf in tree_leaves(out):
        # Shape and dtype queries answer in Python ints and bools, as NumPy's do.
        assert isinstance(leaf, (np.ndarray, np.generic)) or row.numpy_name in (
            "shape", "ndim", "size", "broadcast_shapes", "iscomplexobj", "isrealobj", "isscalar",
            "iterable", "issubdtype"), type(leaf)
    with np.errstate(all="ignore"):
        assert_same(out, row.reference(*args), row.rtol)


@over(FACADE)
def test_traced_result_is_numpys(row):
    """The traced avals have NumPy's shapes and dtypes, and the Jaxpr
    evaluates to NumPy's values."""
    args = row.args()
    with np.errstate(all="ignore"):
        expected = row.reference(*args)
    closed = ft.make_jaxpr(row.fun)(*args)
    for aval, e in zip(closed.out_avals, tree_leaves(expected)):
        assert (aval.shape, aval.dtype) == (np.shape(e), np.result_type(e))
    with np.errstate(all="ignore"):
        assert_same(eval_closed(closed, list(args)), expected, row.rtol)


# --------------------------------------------------- traced values' operators

X = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])
Y = np.array([[1.5, 2.5, -0.5], [-1.0, 0.5, 3.0]])

# Each function runs on NumPy arrays (the reference) and on traced ones.
OPERATORS = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - 1.0, "rsub": lambda x, y: 1 - x, "mul": lambda x, y: 2 * x,
    "truediv": lambda x, y: x / y, "rtruediv": lambda x, y: 1.0 / y, "pow": lambda x, y: x ** 2,
    "pow-float": lambda x, y: abs(y) ** 1.5, "rpow": lambda x, y: 2.0 ** x, "matmul": lambda x, y: x @ y.T,
    "neg": lambda x, y: -x, "abs": lambda x, y: abs(x), "floordiv": lambda x, y: x // 0.5,
    "mod": lambda x, y: x % 0.75, "lt": lambda x, y: x < y, "le": lambda x, y: x <= 0.5,
    "gt": lambda x, y: x > y, "ge": lambda x, y: x >= y, "eq": lambda x, y: x == y, "ne": lambda x, y: x != 2.0,
    "numpy-on-the-left": lambda x, y: np.ones(3) * x, "numpy-matmul-left": lambda x, y: np.ones((2, 2)) @ x,
    "sum": lambda x, y: x.sum(), "sum-axis": lambda x, y: x.sum(axis=1, keepdims=True),
    "mean": lambda x, y: x.mean(0), "max": lambda x, y: x.max(), "max-axis": lambda x, y: x.max(axis=-1),
    "min": lambda x, y: x.min(1), "prod": lambda x, y: x.prod(), "reshape": lambda x, y: x.reshape(3, 2),
    "reshape-tuple": lambda x, y: x.reshape((-1,)), "transpose": lambda x, y: x.transpose(),
    "transpose-axes": lambda x, y: x.transpose(1, 0), "dot": lambda x, y: x.dot(y.T),
    "astype": lambda x, y: x.astype(np.float32), "T": lambda x, y: x.T, "index": lambda x, y: x[1, ::-1],
    "mask": lambda x, y: x[np.array([True, False])],
}


@pytest.mark.parametrize("name", list(OPERATORS))
def test_traced_operators_and_methods_match_numpys(name):
    fun = OPERATORS[name]
    expected = fun(X, Y)
    closed = ft.make_jaxpr(fun)(X, Y)
    assert closed.out_avals[0].dtype == np.result_type(expected)
    assert_same(eval_closed(closed, [X, Y]), [expected], 1e-12)


def test_traced_attributes_are_numpys():
    seen = {}

    def record(x):
        seen.update(shape=x.shape, ndim=x.ndim, dtype=x.dtype, size=x.size, len=len(x))
        return x
    ft.make_jaxpr(record)(X.astype(np.float32))
    assert seen == {"shape": (2, 3), "ndim": 2, "dtype": np.float32, "size": 6, "len": 2}


@pytest.mark.parametrize("method,expected", [
    ("set", [[0.5, 9.0, 2.0], [1.0, 9.0, -0.75]]), ("add", [[0.5, 7.5, 2.0], [1.0, 9.25, -0.75]]),
    ("multiply", [[0.5, -13.5, 2.0], [1.0, 2.25, -0.75]]), ("min", [[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]]),
    ("max", [[0.5, 9.0, 2.0], [1.0, 9.0, -0.75]])])
def test_at_updates_of_traced_values(method, expected):
    fun = lambda x: getattr(x.at[:, 1], method)(9.0)
    np.testing.assert_array_equal(eval_closed(ft.make_jaxpr(fun)(X), [X])[0], expected)


def test_at_get_and_traced_integer_index():
    np.testing.assert_array_equal(eval_closed(ft.make_jaxpr(lambda x: x.at[1].get())(X), [X])[0], X[1])
    i = np.int64(-1)
    np.testing.assert_array_equal(eval_closed(ft.make_jaxpr(lambda x, i: x[:, i])(X, i), [X, i])[0], X[:, -1])
    np.testing.assert_array_equal(ft.grad(lambda x: fnp.sum(x.at[i].set(0.0) * x))(X), [2 * X[0], [0.0] * 3])


def test_a_boolean_mask_computed_under_grad_selects_by_value():
    """Under grad the mask has a concrete value, so x[x > 0] works as in NumPy."""
    g = ft.grad(lambda x: fnp.sum(x[x > 0] ** 2))(X)
    np.testing.assert_array_equal(g, np.where(X > 0, 2 * X, 0.0))


@pytest.mark.parametrize("fn", [fnp.sum, fnp.max, fnp.min, fnp.squeeze, fnp.transpose, lambda a: fnp.reshape(a, ())],
                         ids=["sum", "max", "min", "squeeze", "transpose", "reshape"])
def test_functions_that_return_their_operand_give_a_python_scalar_back_as_an_array(fn):
    out = fn(2.0)
    assert isinstance(out, np.ndarray) and out == 2.0
