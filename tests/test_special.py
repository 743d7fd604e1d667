"""functrans.scipy.special beyond the op table: the arguments that are not
differentiable say so, SciPy's compiled code under jit agrees with SciPy at
special values, and derivatives at the points where compositions need care."""
import numpy as np
import pytest
import scipy.special as S

import functrans as ft
import functrans.scipy.special as fs
from functrans.errors import UnsupportedError

SPECIAL_VALUES = np.array([-np.inf, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 1e-300, 0.5, 1.0, 2.5, 30.0, 200.0,
                           np.inf, np.nan])
UNIT = np.array([-1.0, -0.999, -0.5, 0.0, 0.5, 0.999, 1.0, 2.0, np.nan])
PROBABILITIES = np.array([0.0, 1e-300, 0.1, 0.5, 0.9, 1.0, 1.5, np.nan])

ONE_ARGUMENT = {"gammaln": SPECIAL_VALUES, "digamma": SPECIAL_VALUES, "gamma": SPECIAL_VALUES,
                "erfc": SPECIAL_VALUES, "log_ndtr": SPECIAL_VALUES, "i0": SPECIAL_VALUES, "i0e": SPECIAL_VALUES,
                "i1": SPECIAL_VALUES, "i1e": SPECIAL_VALUES, "erfinv": UNIT, "erfcinv": 1 - UNIT,
                "ndtri": PROBABILITIES}


def test_jit_calls_scipys_compiled_code_with_scipys_results_at_special_values():
    """One kernel: every lowered special function on its special values,
    float64 and float32. float32 is widened to SciPy's float64 code and
    narrowed back, so it matches SciPy's float64 results (SciPy's own
    float32 loops differ at a few: gammaln(-inf) is -inf there, inf in float64)."""
    def every(*xs):
        return [getattr(fs, name)(x) for name, x in zip(ONE_ARGUMENT, xs)] + [
            fs.gammainc(xs[0][7:], xs[0][7:]), fs.gammaincc(xs[0][7:], xs[0][7:]),
            fs.betainc(xs[0][7:], xs[0][7:], xs[-1])]
    args = list(ONE_ARGUMENT.values())
    for dtype in (np.float64, np.float32):
        typed = [np.asarray(a, dtype) for a in args]
        got = ft.jit(every)(*typed)
        want = [np.asarray(w, dtype) for w in every(*[np.asarray(a, np.float64) for a in typed])]
        for name, g, w in zip(list(ONE_ARGUMENT) + ["gammainc", "gammaincc", "betainc"], got, want):
            assert g.dtype == w.dtype == dtype, name
            np.testing.assert_allclose(g, w, rtol=1e-14 if dtype == np.float64 else 1e-6, err_msg=name)
    np.testing.assert_array_equal(fs.digamma(SPECIAL_VALUES), S.digamma(SPECIAL_VALUES))


@pytest.mark.parametrize("fn, name, arguments", [
    (lambda a: fs.betainc(a, 2.0, 0.3), "betainc", "a and b"),
    (lambda b: fs.betainc(0.5, b, 0.3), "betainc", "a and b"),
    (lambda a: fs.gammainc(a, 1.5), "gammainc", "a"),
    (lambda a: fs.gammaincc(a, 1.5), "gammaincc", "a"),
])
def test_incomplete_functions_are_differentiable_in_x_only_and_say_so(fn, name, arguments):
    with pytest.raises(UnsupportedError, match=rf"{name} is differentiable in x only .* respect to {arguments}"):
        ft.grad(fn)(0.7)


def test_x_derivatives_of_the_incomplete_functions_are_their_densities():
    a, b, x = 0.7, 2.5, 0.3
    np.testing.assert_allclose(ft.grad(lambda x: fs.betainc(a, b, x))(x),
                               x ** (a - 1) * (1 - x) ** (b - 1) / S.beta(a, b), rtol=1e-12)
    np.testing.assert_allclose(ft.grad(lambda x: fs.gammaincc(a, x))(1.5),
                               -np.exp(-1.5) * 1.5 ** (a - 1) / S.gamma(a), rtol=1e-12)


def test_second_derivative_of_gammaln_is_trigamma_under_jit():
    x = np.array([0.3, 1.7, 12.0, -0.5])
    trigamma = ft.jit(ft.vmap(ft.grad(ft.grad(fs.gammaln))))(x)
    np.testing.assert_allclose(trigamma, S.polygamma(1, x), rtol=1e-12)


def test_derivatives_at_the_points_compositions_special_case():
    np.testing.assert_allclose(ft.grad(ft.grad(fs.sinc))(0.0), -np.pi ** 2 / 3, rtol=1e-12)
    assert ft.grad(fs.sinc)(0.0) == 0.0
    np.testing.assert_allclose(ft.grad(fs.xlogy)(0.0, 2.0), np.log(2.0), rtol=1e-15)    # JAX's: d/dx = log y
    np.testing.assert_allclose(ft.grad(fs.xlog1py)(0.0, 1.0), np.log(2.0), rtol=1e-15)
    np.testing.assert_allclose(ft.grad(lambda x: fs.i1(x))(0.0), 0.5, rtol=1e-15)
    np.testing.assert_allclose(ft.grad(lambda x: fs.i1e(x))(1e-8), 0.5, rtol=1e-6)
    np.testing.assert_allclose(ft.grad(fs.rgamma)(3.0), -S.digamma(3.0) / S.gamma(3.0), rtol=1e-12)
