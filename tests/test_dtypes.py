"""Type promotion through functrans.numpy against NumPy 2 (NEP 50), eagerly
and under a trace: every pair of float32 / float64 / int32 / int64 / bool
arrays and Python bool / int / float scalars, for the arithmetic functions.
Python scalars are weakly typed: `float32_array * 2.0` is float32.
"""
import itertools

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp

OPERANDS = {
    "f32": np.array([1.5, 2.0, 0.5], np.float32), "f64": np.array([1.5, 2.0, 0.5]),
    "i32": np.array([3, 1, 2], np.int32), "i64": np.array([3, 1, 2], np.int64),
    "bool": np.array([True, False, True]), "py_bool": True, "py_int": 2, "py_float": 2.5,
}
# The bool operands include False, so division divides by zero, as NumPy would.
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in divide:RuntimeWarning")
OPS = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "equal", "less")
PAIRS = list(itertools.product(OPERANDS, repeat=2))


def numpy_result(op, a, b):
    """NumPy's result, or the TypeError it raises (bool - bool)."""
    try:
        return getattr(np, op)(a, b)
    except TypeError as e:
        return e


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_eager_promotion_matches_numpy(op, a, b):
    x, y = OPERANDS[a], OPERANDS[b]
    expected = numpy_result(op, x, y)
    if isinstance(expected, TypeError):
        with pytest.raises(TypeError):
            getattr(fnp, op)(x, y)
        return
    out = getattr(fnp, op)(x, y)
    assert isinstance(out, (np.ndarray, np.generic))
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-6)


ARRAY_PAIRS = [(a, b) for a, b in PAIRS if not (a.startswith("py_") and b.startswith("py_"))]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("a,b", ARRAY_PAIRS, ids=[f"{a}-{b}" for a, b in ARRAY_PAIRS])
def test_traced_avals_have_numpys_dtype(op, a, b):
    """The arrays are traced, the Python scalars stay Python scalars (as
    constants closed over by the traced function)."""
    x, y = OPERANDS[a], OPERANDS[b]
    expected = numpy_result(op, x, y)
    if isinstance(expected, TypeError):
        pytest.skip("NumPy rejects these operands; test_eager_promotion_matches_numpy pins the error")
    traced = [v for v in (x, y) if isinstance(v, np.ndarray)]

    def f(*arrays):
        it = iter(arrays)
        return getattr(fnp, op)(*[next(it) if isinstance(v, np.ndarray) else v for v in (x, y)])
    (aval,) = ft.make_jaxpr(f)(*traced).out_avals
    assert aval.dtype == expected.dtype and not aval.weak_type


@pytest.mark.parametrize("fun,dtype", [
    (lambda x: x * 2.0, np.float32), (lambda x: 2.0 + x, np.float32), (lambda x: x / 3, np.float32),
    (lambda x: x ** 2.0, np.float32), (lambda x: fnp.maximum(x, 0.0), np.float32),
    (lambda x: fnp.where(x > 1.0, x, 0.0), np.float32), (lambda x: x + True, np.float32),
], ids=["mul", "radd", "div-int", "pow", "maximum", "where", "add-bool"])
def test_python_scalars_are_weak_beside_float32(fun, dtype):
    x = OPERANDS["f32"]
    assert fun(x).dtype == dtype   # eagerly
    assert ft.make_jaxpr(fun)(x).out_avals[0].dtype == dtype


def test_grad_keeps_float32_inputs_float32():
    g = ft.grad(lambda x: fnp.sum(fnp.sin(x) * 2.0))(OPERANDS["f32"])
    assert g.dtype == np.float32


def test_python_scalar_arguments_are_traced_weakly_typed():
    closed = ft.make_jaxpr(lambda x, y: x * y)(OPERANDS["f32"], 2.0)
    assert closed.out_avals[0].dtype == np.float32
