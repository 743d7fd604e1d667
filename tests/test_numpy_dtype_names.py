"""The dtype vocabulary of `functrans.numpy` (`_dtype_names`): NumPy's own
classes and helpers, and cast-capable aliases that keep traced values
traced."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp


@pytest.mark.parametrize("name", ["generic", "number", "inexact", "floating", "complexfloating", "integer",
                                  "signedinteger", "unsignedinteger", "dtype", "finfo", "iinfo", "can_cast",
                                  "result_type", "promote_types", "issubdtype", "iterable", "euler_gamma"])
def test_names_are_numpys(name):
    assert getattr(fnp, name) is getattr(np, name)


@pytest.mark.parametrize("alias, numpy_type", [("bool", np.bool_), ("single", np.float32), ("double", np.float64),
                                               ("csingle", np.complex64), ("cdouble", np.complex128)])
def test_aliases_cast_traced_values(alias, numpy_type):
    cast = getattr(fnp, alias)
    assert cast == numpy_type and np.dtype(cast) == numpy_type
    out = ft.vmap(lambda x: cast(x * 2.0))(np.array([0.0, 1.5]))
    np.testing.assert_array_equal(np.asarray(out), np.array([0.0, 3.0]).astype(numpy_type))
    assert np.asarray(out).dtype == numpy_type


def test_helpers_read_functrans_types_and_tracers():
    assert fnp.issubdtype(fnp.float32, fnp.floating) and not fnp.issubdtype(fnp.int32, fnp.floating)
    assert fnp.finfo(fnp.single).eps == np.finfo(np.float32).eps
    assert fnp.iinfo(fnp.int32).max == 2**31 - 1
    seen = []

    def f(x):
        seen.append((fnp.result_type(x, fnp.int32), fnp.isscalar(x), fnp.isscalar(x[0]), fnp.iterable(x)))
        return x.sum()

    ft.grad(f)(np.ones(3))
    assert seen == [(np.float64, False, True, True)]


def test_isscalar_matches_jax():
    # jnp.isscalar counts 0-d arrays as scalars, unlike np.isscalar.
    assert fnp.isscalar(1.0) and fnp.isscalar(np.float32(1)) and fnp.isscalar(np.array(2.0))
    assert not fnp.isscalar(np.ones(2)) and not fnp.isscalar([1.0])


def test_index_expressions():
    x = np.arange(12.0).reshape(3, 4)
    assert fnp.s_ is np.s_ and fnp.index_exp is np.index_exp
    np.testing.assert_array_equal(np.asarray(fnp.asarray(x)[fnp.s_[1:, ::2]]), x[1:, ::2])
