"""functrans.numpy.fft and lax.fft beyond the op table (tests/op_table_fft.py):
jit, JAX's dtype promotion, complex-gradient conventions and bad input."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import DTypeError, ShapeError, UnsupportedError

X = np.random.default_rng(0).standard_normal((3, 8))


def power(x):
    """A real function of a real signal through complex intermediates."""
    return fnp.sum(fnp.abs(fnp.fft.rfft(x, norm="ortho")) ** 2 * np.arange(5.0))


def test_tiered_jit_of_fft_and_its_gradient_runs_on_numpy_and_matches_eager(monkeypatch):
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "1")     # complex values have no kernel: tier 0 runs them
    both = lambda x: (power(x), ft.grad(power)(x), fnp.fft.irfft(fnp.fft.rfft(x) * 2j, n=8))
    for got, want in zip(ft.jit(both)(X), both(X)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_untiered_jit_of_fft_raises_saying_to_run_without_jit(monkeypatch):
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "0")
    with pytest.raises(UnsupportedError, match=r"jit does not support complex128 values.*run the function without jit"):
        ft.jit(power)(X)


def test_gradient_of_the_power_spectrum_is_parseval():
    """sum |fft(x)|^2 = N sum x^2, so its gradient is 2 N x."""
    grad = ft.grad(lambda x: fnp.sum(fnp.abs(fnp.fft.fft(x)) ** 2))(X[0])
    np.testing.assert_allclose(grad, 16 * X[0], rtol=1e-12)


def test_grad_of_a_complex_output_is_a_type_error():
    with pytest.raises(TypeError, match="holomorphic"):
        ft.grad(lambda x: fnp.sum(fnp.fft.fft(x)))(X[0])


def test_holomorphic_grad_of_fft_is_its_column_sums():
    z = X[0] + 1j * X[1]
    grad = ft.grad(lambda z: fnp.sum(fnp.fft.fft(z)), holomorphic=True)(z)
    np.testing.assert_allclose(grad, np.fft.fft(np.eye(8)).sum(0), atol=1e-12)


def test_vjp_of_rfft_takes_the_real_part_of_the_pairing():
    """JAX's convention: the cotangent of a real-to-complex map is Re(J^T ct), no conjugation."""
    ct = np.fft.rfft(X[1]) * (1 + 0.5j)
    _, vjp = ft.vjp(fnp.fft.rfft, X[0])
    jacobian = np.fft.rfft(np.eye(8), axis=0)     # (5, 8)
    np.testing.assert_allclose(vjp(ct)[0], np.real(ct @ jacobian), atol=1e-12)


@pytest.mark.parametrize("dtype, fft_type, expected", [
    (np.float32, "fft", np.complex64), (np.float64, "ifft", np.complex128), (np.int32, "rfft", np.float64),
    (np.float32, "irfft", np.complex64)])
def test_lax_fft_promotes_as_jax(dtype, fft_type, expected):
    jaxpr = ft.make_jaxpr(lambda x: lax.fft(x, fft_type, ()))(np.ones(4, dtype))
    assert jaxpr.out_avals[0].dtype == expected


def test_lax_fft_names_its_type_in_the_jaxpr_and_matches_numpy():
    x = X + 0j
    assert "fft_type=FftType.IFFT" in str(ft.make_jaxpr(lambda x: lax.fft(x, lax.FftType.IFFT, (3, 8)))(x))
    np.testing.assert_allclose(lax.fft(x, "ifft", (3, 8)), np.fft.ifft2(x), atol=1e-15)


def test_float32_stays_single_precision_through_the_round_trip():
    x = X.astype(np.float32)
    assert fnp.fft.rfft(x).dtype == np.complex64 and fnp.fft.irfft(fnp.fft.rfft(x)).dtype == np.float32
    assert ft.grad(power)(x).dtype == np.float32


def test_vmap_of_fft_along_a_batch_axis_matches_numpy():
    out = ft.vmap(lambda x: fnp.fft.fft2(x, norm="ortho"), in_axes=1)(np.stack([X, 2 * X], axis=1))
    np.testing.assert_allclose(out, np.fft.fft2(np.stack([X, 2 * X]), norm="ortho"), atol=1e-12)


@pytest.mark.parametrize("call, error, match", [
    (lambda: fnp.fft.rfft(X + 1j), DTypeError, "rfft needs real input"),
    (lambda: fnp.fft.fft(X, norm="unitary"), ValueError, "Invalid norm value 'unitary'"),
    (lambda: fnp.fft.fft(X, n=0), ValueError, "invalid number of data points"),
    (lambda: fnp.fft.fftn(X, axes=(1, 1)), ValueError, "repeated axes"),
    (lambda: fnp.fft.fftn(X, s=(2, 3), axes=(0,)), ValueError, "different lengths"),
    (lambda: fnp.fft.fft(X, axis=2), ValueError, "axis=2 is out of range for an array of rank 2"),
    (lambda: fnp.fft.irfft(np.ones(1, complex)), ValueError, "invalid number of data points"),
    (lambda: lax.fft(X + 0j, "fft", (4,)), ShapeError, r"trailing axes \(8,\) must equal fft_lengths \(4,\)"),
    (lambda: lax.fft(X + 0j, "dct", (8,)), ValueError, "Unknown FFT type 'dct'"),
])
def test_bad_input_is_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
