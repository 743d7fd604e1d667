"""Values and derivatives of the further `functrans.numpy` functions at the
points the op table's random inputs do not reach: ties, zeros and
infinities, where JAX defines them by rules of their own."""
import warnings

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.core import eval_closed


def grads(fn, *args):
    return [float(g) for g in ft.grad(fn, argnums=tuple(range(len(args))))(*args)]


@pytest.mark.parametrize("a,b,expected", [
    (1.5, 1.5, [0.5, 0.5]),                       # a tie: shared evenly
    (-np.inf, 1.0, [0.0, 1.0]), (1.0, -np.inf, [1.0, 0.0]),
    (np.inf, 2.0, [1.0, 0.0]),
    (-np.inf, -np.inf, [1.0, 1.0]), (np.inf, np.inf, [1.0, 1.0]),   # JAX's values
])
def test_logaddexp_gradient_at_ties_and_infinities(a, b, expected):
    assert grads(fnp.logaddexp, a, b) == pytest.approx(expected)
    assert grads(lambda x, y: fnp.logaddexp2(x, y), a, b) == pytest.approx(expected)


def test_logaddexp_second_derivative_at_a_tie():
    # d2/da2 log(e^a + e^b) = s (1 - s), s = e^a / (e^a + e^b) = 1/2 at a tie.
    assert float(ft.grad(ft.grad(fnp.logaddexp))(0.3, 0.3)) == pytest.approx(0.25)
    # d2/da2 log2(2^a + 2^b) = ln 2 * s (1 - s).
    assert float(ft.grad(ft.grad(fnp.logaddexp2))(0.3, 0.3)) == pytest.approx(0.25 * np.log(2))


def test_sinc_derivatives_at_zero_are_its_maclaurin_coefficients():
    # sinc(x) = 1 - (pi x)^2 / 6 + (pi x)^4 / 120 - ...
    f, derivatives = fnp.sinc, []
    for _ in range(4):
        f = ft.grad(f)
        derivatives.append(float(f(0.0)))
    assert derivatives == pytest.approx([0.0, -np.pi ** 2 / 3, 0.0, np.pi ** 4 / 5])
    assert float(fnp.sinc(0.0)) == 1.0


def test_hypot_is_finite_and_differentiable_at_the_origin_and_scaled():
    assert grads(fnp.hypot, 0.0, 0.0) == [0.0, 0.0]
    assert grads(fnp.hypot, 3.0, -4.0) == pytest.approx([0.6, -0.8])
    assert float(fnp.hypot(3e200, 4e200)) == pytest.approx(5e200)


def test_copysign_and_signbit_read_the_sign_of_zero():
    np.testing.assert_array_equal(fnp.signbit(np.array([-0.0, 0.0, -1.0, np.inf, -np.inf])),
                                  [True, False, True, False, True])
    np.testing.assert_array_equal(fnp.copysign(2.0, np.array([-0.0, 0.0])), [-2.0, 2.0])


def test_complex_inputs_raise_where_jax_refuses_them():
    with pytest.raises(TypeError, match="complex"):
        fnp.hypot(1j, 1.0)
    with pytest.raises(TypeError, match="complex"):
        fnp.fabs(np.array([1j]))


def test_nan_to_num_of_complex_values_replaces_both_parts():
    z = np.array([complex(np.nan, np.inf), complex(-np.inf, 1.0)])
    np.testing.assert_array_equal(fnp.nan_to_num(z, posinf=5.0), np.nan_to_num(z, posinf=5.0))


def test_jit_lowers_the_elementwise_functions_and_their_derivatives():
    """One compile for all of them (each lowers to primitives jit knows)."""
    def f(x, y):
        values = (fnp.hypot(x, y), fnp.logaddexp(x, y), fnp.logaddexp2(x, y), fnp.fmax(x, y), fnp.fmin(x, y),
                  fnp.sinc(x), fnp.cbrt(x), fnp.copysign(x, y), fnp.heaviside(x, y), fnp.float_power(fnp.abs(x), y),
                  fnp.nan_to_num(x / y), fnp.deg2rad(x), fnp.rad2deg(y), fnp.fabs(x), fnp.signbit(y))
        return values, ft.grad(lambda a: fnp.sum(fnp.logaddexp(a, y) + fnp.sinc(a) + fnp.cbrt(a)))(x)
    x = np.array([0.0, -1.5, 2.0, np.inf, 0.5])
    y = np.array([0.0, -1.5, -0.0, 1.0, np.nan])
    with np.errstate(all="ignore"):
        want = f(x, y)
    got = ft.jit(f)(x, y)
    for g, w in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(want)):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=1e-13, equal_nan=True)


def test_predicates_under_jit_and_vmap_are_traced_booleans():
    def f(x, y):
        return (fnp.isclose(x, y), fnp.allclose(x, y, equal_nan=True), fnp.array_equal(x, y), fnp.array_equiv(x, y[0]),
                fnp.all(x > 0, axis=0), fnp.any(fnp.isnan(y)), fnp.isfinite(x), fnp.isinf(y))
    x = np.array([[1.0, np.inf, np.nan], [2.0, 3.0, -np.inf]])
    y = np.array([[1.0 + 1e-9, np.inf, np.nan], [2.5, 3.0, np.inf]])
    want = f(x, y)
    for g, w in zip(ft.jit(f)(x, y), want):
        np.testing.assert_array_equal(g, w)
    assert bool(ft.jit(lambda a: fnp.allclose(a, a, equal_nan=True))(x)) is True
    np.testing.assert_array_equal(ft.vmap(fnp.allclose)(x, y), [np.allclose(a, b) for a, b in zip(x, y)])


def test_jit_lowers_sorting_order_statistics_and_spaces_with_their_gradients():
    """One compile: the sort kernel, the gathers and scatters of its
    derivative, and the compositions over them."""
    def f(x, q, lo):
        values = (fnp.sort(x, axis=0), fnp.argsort(x, descending=True), fnp.partition(x, 1), fnp.argpartition(x, 2),
                  fnp.searchsorted(fnp.sort(x[0]), x[1], side="right"), fnp.cumprod(x, axis=1), fnp.nanmean(x, 0),
                  fnp.nanmax(x, 1), fnp.quantile(x, q, axis=1), fnp.nanmedian(x), fnp.linspace(lo, 2.0, 5),
                  fnp.select([x > 0.5], [x], -1.0), fnp.nanargmax(x, 1), fnp.lexsort((x[1], x[2])),
                  fnp.digitize(x[1], np.array([0.0, 0.5, 1.0])), fnp.interp(x[2], np.array([-1.0, 0.0, 2.0]), x[1, :3]))
        grads = ft.grad(lambda x, q: fnp.sum(fnp.quantile(x, q, axis=0)) + fnp.sum(fnp.sort(x) * x), argnums=(0, 1))
        return values, grads(x, q)
    x = np.array([[0.3, np.nan, -1.2, 2.0], [1.1, 0.7, 0.7, -0.4], [0.0, 5.0, -3.0, 0.2]])
    q = np.array([0.25, 0.6])
    with np.errstate(all="ignore"):
        want = f(x, q, 0.5)
    got = ft.jit(f)(x, q, 0.5)
    for g, w in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(want)):
        assert np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=1e-13, equal_nan=True)


@pytest.mark.parametrize("call, error, match", [
    (lambda: fnp.quantile(np.ones(3), 0.5, method="weibull"), ValueError, "method must be one of"),
    (lambda: fnp.quantile(np.ones(3), 1.5), ValueError, r"q must lie in \[0, 1\]"),
    (lambda: fnp.percentile(np.ones(3), 150.0), ValueError, r"q must lie in \[0, 100\]"),
    (lambda: fnp.sort(np.ones(3), order="a"), TypeError, "order= argument"),
    (lambda: fnp.partition(np.ones(3), np.int64(1) + 0.5), TypeError, "kth must be a Python int"),
    (lambda: fnp.searchsorted(np.ones((2, 2)), 1.0), ValueError, "1-D sorted array"),
    (lambda: fnp.select([np.ones(2) > 0], []), ValueError, "condlist has 1 entries"),
    (lambda: ft.lax.sort((np.ones(3), np.ones(3)), num_keys=2), ft.errors.UnsupportedError, "num_keys=2"),
])
def test_unsupported_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_eager_compositions_do_not_warn_where_their_results_are_defined():
    a = np.array([np.inf, -np.inf, np.nan, 1.0, np.inf])
    b = np.array([np.inf, -np.inf, 1.0, np.nan, -np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(fnp.logaddexp(a, b), [np.inf, -np.inf, np.nan, np.nan, np.inf])
        np.testing.assert_array_equal(fnp.hypot(a, b), np.hypot(a, b))


def test_traced_values_have_the_new_methods_of_jax_arrays():
    x = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]])
    methods = {"all": lambda v: (v > -2).all(), "any": lambda v: (v > 1.5).any(axis=1),
               "cumprod": lambda v: v.cumprod(axis=1), "ptp": lambda v: v.ptp(0),
               "sort": lambda v: v.sort(axis=0), "argsort": lambda v: v.argsort()}
    expected = {"all": True, "any": [True, False], "cumprod": np.cumprod(x, 1), "ptp": np.ptp(x, 0),
                "sort": np.sort(x, 0), "argsort": np.argsort(x)}
    for name, method in methods.items():   # traced (no compile: these are compositions jit lowers above)
        np.testing.assert_array_equal(eval_closed(ft.make_jaxpr(method)(x), [x])[0], expected[name], err_msg=name)


def test_traced_values_have_the_rest_of_jax_arrays_methods():
    """Each method traced equals NumPy's method of the same name; the
    differentiable ones differentiate (grad of sum of the method)."""
    x = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75], [3.0, 0.0, -2.5]])
    methods = {"round": lambda v: v.round(1), "repeat": lambda v: v.repeat(2, axis=1),
               "diagonal": lambda v: v.diagonal(1), "copy": lambda v: v.copy(),
               "searchsorted": lambda v: fnp.sort(v[0]).searchsorted(np.array([0.0, 1.0])),
               "argpartition": lambda v: v.argpartition(1, axis=1)[:, 1], "mT": lambda v: v.mT}
    for name, method in methods.items():
        got = eval_closed(ft.make_jaxpr(method)(x), [x])[0]
        want = method(x) if name != "argpartition" else np.argsort(x, axis=1)[:, 1]
        np.testing.assert_array_equal(got, want, err_msg=name)
    np.testing.assert_array_equal(ft.grad(lambda v: fnp.sum(v.repeat(2, axis=0) * v.diagonal().sum()))(x),
                                  ft.grad(lambda v: fnp.sum(fnp.repeat(v, 2, axis=0)) * fnp.trace(v))(x))
    nonzero = ft.jit(lambda v: v.nonzero(size=4, fill_value=-1))(x)
    np.testing.assert_array_equal(np.stack(nonzero), np.stack(np.nonzero(x))[:, :4])
    assert ft.make_jaxpr(lambda v: v.itemsize + v.nbytes + 0.0)(x) is not None
    assert ft.jit(lambda v: v * v.nbytes)(x)[0, 0] == 0.5 * x.nbytes and fnp.float32(x[0, 0]).itemsize == 4


def test_round_to_decimals_scales_as_jax_numpy_does():
    x = np.array([1.25, 2.675, -0.5, 0.35, -1.45])
    for decimals in (1, 2, 3):
        np.testing.assert_array_equal(ft.jit(lambda v, d=decimals: fnp.round(v, d))(x), np.round(x, decimals))
    ints = np.array([15, 25, -35, 7])
    assert fnp.round(ints, -1).dtype == ints.dtype
    np.testing.assert_array_equal(fnp.round(ints, -1), np.round(ints, -1))
    np.testing.assert_array_equal(fnp.around(ints, 2), ints)
    np.testing.assert_array_equal(ft.grad(lambda v: fnp.sum(fnp.round(v, 2) + v))(x), np.ones(5))
    with pytest.raises(TypeError, match="decimals must be a Python int"):
        fnp.round(x, 1.5)
