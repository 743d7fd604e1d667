"""NumPy's own functions on traced values (`__array_ufunc__` /
`__array_function__`): plain NumPy code differentiates, jits and vmaps like
the same code written with `functrans.numpy`; a NumPy function functrans
lacks is refused by name; NumPy on concrete values is untouched."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import TracerConversionError, UnsupportedError

X = np.linspace(-0.9, 0.7, 4)
W = np.arange(12.0).reshape(4, 3) / 10.0


def loss_np(x):
    return np.sum(np.tanh(np.dot(x, W)) ** 2) + np.sum(np.exp(x) * np.sin(x), axis=0)


def loss_fnp(x):
    return fnp.sum(fnp.tanh(fnp.dot(x, W)) ** 2) + fnp.sum(fnp.exp(x) * fnp.sin(x), axis=0)


def test_grad_of_plain_numpy_code_equals_grad_of_the_facade_version():
    expected = ft.grad(loss_fnp)(X)
    np.testing.assert_allclose(ft.grad(loss_np)(X), expected, rtol=1e-13)
    np.testing.assert_allclose(ft.hessian(loss_np)(X), ft.hessian(loss_fnp)(X), rtol=1e-12)
    _, tangent = ft.jvp(loss_np, (X,), (np.ones(4),))
    np.testing.assert_allclose(tangent, expected.sum(), rtol=1e-12)


def test_plain_numpy_code_under_jit_and_vmap():
    batch = np.stack([X, 2.0 * X, -X])
    np.testing.assert_allclose(ft.jit(ft.grad(loss_np))(X), ft.grad(loss_fnp)(X), rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(loss_np))(batch), [ft.grad(loss_fnp)(b) for b in batch], rtol=1e-12)


@pytest.mark.parametrize("f, g", [
    (lambda x: np.where(x > 0, x, 0.1 * x), lambda x: fnp.where(x > 0, x, 0.1 * x)),
    (lambda x: np.maximum(x, 0.2) * np.abs(x), lambda x: fnp.maximum(x, 0.2) * fnp.abs(x)),
    (lambda x: np.mean(x ** 2) + np.var(x), lambda x: fnp.mean(x ** 2) + fnp.var(x)),
    (lambda x: np.stack([x, x ** 3]).sum(0), lambda x: fnp.stack([x, x ** 3]).sum(0)),
    (lambda x: np.concatenate([x, np.cos(x)]), lambda x: fnp.concatenate([x, fnp.cos(x)])),
    (lambda x: np.reshape(x, (2, 2)) @ np.ones(2), lambda x: fnp.reshape(x, (2, 2)) @ fnp.ones(2)),
    (lambda x: np.linalg.norm(x), lambda x: fnp.linalg.norm(x)),
    (lambda x: np.ones(4) * x + np.arange(1.0, 5.0) ** x,
     lambda x: fnp.ones(4) * x + fnp.arange(1.0, 5.0) ** x),
], ids=["where", "maximum_abs", "mean_var", "stack", "concatenate", "reshape_matmul", "linalg_norm",
        "ndarray_operators"])
def test_numpy_functions_dispatch_to_their_facade_counterparts(f, g):
    loss_f = lambda x: np.sum(np.square(f(x)))
    loss_g = lambda x: fnp.sum(fnp.square(g(x)))
    np.testing.assert_allclose(ft.grad(loss_f)(X), ft.grad(loss_g)(X), rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(f)(np.stack([X, -X])), np.stack([g(X), g(-X)]), rtol=1e-12)


def test_ufunc_methods_reduce_accumulate_and_outer():
    fx = ft.grad(lambda x: np.add.reduce(np.sin(x)) + np.multiply.reduce(x) + np.maximum.reduce(x))(X)
    gx = ft.grad(lambda x: fnp.sum(fnp.sin(x)) + fnp.prod(x) + fnp.max(x))(X)
    np.testing.assert_allclose(fx, gx, rtol=1e-12)
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(ft.jit(lambda a: np.add.reduce(a, axis=1, keepdims=True))(m), m.sum(1, keepdims=True))
    np.testing.assert_allclose(ft.vmap(lambda a: np.add.accumulate(a))(m), np.cumsum(m, axis=1))
    np.testing.assert_allclose(ft.grad(lambda x: np.sum(np.multiply.outer(x, x)))(X), 2 * X.sum() * np.ones(4))


def test_numpy_function_without_counterpart_is_refused_by_name():
    with pytest.raises(TracerConversionError, match=r"numpy\.i0 has no functrans counterpart.*f64\[4\].*"
                                                    r"functrans\.numpy"):
        ft.grad(lambda x: np.sum(np.i0(x)))(X)
    with pytest.raises(TracerConversionError, match=r"numpy\.gcd has no functrans counterpart"):
        ft.jit(lambda x: np.gcd(x, 2))(np.arange(3))
    with pytest.raises(TypeError, match=r"numpy\.sum on a traced value runs functrans\.numpy\.sum.*initial"):
        ft.grad(lambda x: np.sum(x, initial=1.0))(X)


def test_writing_a_traced_value_into_a_numpy_array_is_refused_clearly():
    def accumulate(x):
        total = np.zeros(4)
        total += x
        return total.sum()
    with pytest.raises(TracerConversionError, match=r"numpy\.add\(\.\.\., out=\.\.\.\).*x = x \+ y"):
        ft.grad(accumulate)(X)
    with pytest.raises(TracerConversionError, match=r"numpy\.sin\(\.\.\., out=\.\.\.\)"):
        ft.grad(lambda x: np.sum(np.sin(x, out=np.empty(4))))(X)
    with pytest.raises(UnsupportedError, match="where="):
        ft.grad(lambda x: np.sum(np.sin(x, where=x > 0)))(X)
    with pytest.raises(TracerConversionError, match=r"converted to a NumPy array \(np\.asarray"):
        ft.grad(lambda x: np.sum(np.asarray(x)))(X)


def test_a_list_of_tracers_given_to_the_facade_is_told_apart_from_numpy_conversion():
    with pytest.raises(TypeError, match=r"Python list of traced values.*fnp\.stack") as info:
        ft.grad(lambda x: fnp.sum([[x, 2.0 * x]]))(1.0)
    assert "converted to a NumPy array" not in str(info.value) and not isinstance(info.value, TracerConversionError)


def test_numpy_on_concrete_values_and_arrays_is_untouched():
    a = fnp.arange(4.0)
    assert type(np.sin(a)) is ft.Array and type(np.add.reduce(a)) in (ft.Array, np.float64)
    np.testing.assert_array_equal(np.dot(a, a), 14.0)
    assert type(np.sin(np.arange(4.0))) is np.ndarray
    np.testing.assert_array_equal(np.where(a > 1, a, -1), [-1, -1, 2, 3])
    assert np.i0(a).shape == (4,)      # no counterpart needed outside a trace


def test_numpy_functions_of_dtypes_alone_read_the_traced_dtype():
    seen = []
    ft.grad(lambda x: seen.append((np.result_type(x, np.float32), np.can_cast(x, np.float32))) or fnp.sum(x))(X)
    assert seen == [(np.float64, False)]


def _facade_ufuncs():
    """Every NumPy ufunc the facade has a function for, by NumPy's name."""
    from functrans.numpy._dispatch import counterpart
    ufuncs = {getattr(np, name) for name in dir(np) if isinstance(getattr(np, name), np.ufunc)}
    return sorted((u.__name__ for u in ufuncs if counterpart("numpy", u.__name__) is not None and u.nout == 1))


@pytest.mark.parametrize("name", _facade_ufuncs())
def test_every_numpy_ufunc_with_a_counterpart_traces_as_the_facade_function(name):
    ufunc, fn = getattr(np, name), getattr(fnp, name)
    args = [np.linspace(0.2, 0.8, 3), np.linspace(1.1, 1.9, 3)][:ufunc.nin]
    if not any(t.split("->")[0] == "d" * ufunc.nin for t in ufunc.types):    # integer-only (bitwise_and, ...)
        args = [np.arange(1, 4), np.arange(2, 5)][:ufunc.nin]
    assert str(ft.make_jaxpr(lambda *a: ufunc(*a))(*args)) == str(ft.make_jaxpr(lambda *a: fn(*a))(*args))
