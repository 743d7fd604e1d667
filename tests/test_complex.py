"""Complex numbers with JAX's conventions: which grads are refused, the
holomorphic derivative, the pairing of vjp with jvp, and the two bugs this
fixed (complex norm, the tangent of abs). Derivative rows of the complex
primitives are in op_table_complex.py."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import DTypeError

Z = np.array([3 + 4j, 1 - 2j, -0.5 + 0.25j])


def test_grad_of_a_complex_output_is_a_type_error_naming_holomorphic():
    with pytest.raises(TypeError, match="holomorphic=True"):
        ft.grad(lambda z: z * z)(1.0 + 2.0j)


def test_holomorphic_grad_is_the_complex_derivative():
    for z in Z:
        np.testing.assert_allclose(ft.grad(lambda z: z ** 3 + fnp.exp(z), holomorphic=True)(z),
                                   3 * z ** 2 + np.exp(z), rtol=1e-12)
    with pytest.raises(TypeError, match="holomorphic=True requires inputs with complex dtype"):
        ft.grad(lambda z: z * z, holomorphic=True)(2.0)
    with pytest.raises(TypeError, match="holomorphic=True requires outputs with complex dtype"):
        ft.grad(lambda z: fnp.abs(z), holomorphic=True)(2.0j)


def test_holomorphic_jacobians_are_diagonal_derivatives():
    for jac in (ft.jacfwd, ft.jacrev):
        np.testing.assert_allclose(jac(lambda z: fnp.sin(z), holomorphic=True)(Z), np.diag(np.cos(Z)), rtol=1e-12)
    with pytest.raises(TypeError, match="jacrev requires real-valued outputs"):
        ft.jacrev(lambda x: x * 1j)(np.ones(2))
    with pytest.raises(TypeError, match="jacfwd requires real-valued inputs"):
        ft.jacfwd(lambda z: fnp.abs(z))(Z)


def test_grad_of_a_real_function_of_complex_inputs_is_the_conjugate_direction():
    """JAX's convention: grad |z|^2 = 2 conj(z) (PyTorch returns 2 z)."""
    np.testing.assert_allclose(ft.grad(lambda z: fnp.sum(fnp.abs(z) ** 2))(Z), 2 * np.conj(Z), rtol=1e-12)
    np.testing.assert_allclose(ft.grad(lambda z: fnp.sum(fnp.real(z) * fnp.imag(z)))(Z),
                               Z.imag - 1j * Z.real, rtol=1e-12)


def test_vjp_of_a_real_to_complex_function_takes_the_real_part_of_the_pairing():
    x, ct = 0.3, 1.0 + 0.5j
    (got,) = ft.vjp(lambda x: fnp.exp(1j * x), x)[1](ct)
    np.testing.assert_allclose(got, (ct * 1j * np.exp(1j * x)).real, rtol=1e-12)
    assert np.result_type(got) == np.float64


def test_abs_of_complex_has_a_real_tangent():
    t = np.array([1.0, 1j, 1 + 1j])
    out, tangent = ft.jvp(fnp.abs, (Z,), (t,))
    assert out.dtype == tangent.dtype == np.float64
    np.testing.assert_allclose(tangent, (np.conj(Z) * t).real / np.abs(Z), rtol=1e-12)
    np.testing.assert_array_equal(ft.jvp(fnp.abs, (np.zeros(1, complex),), (np.ones(1, complex),))[1], [0.0])


def test_norm_of_a_complex_vector_sums_squared_magnitudes():
    np.testing.assert_allclose(fnp.linalg.norm(Z), np.sqrt(np.sum(np.abs(Z) ** 2)), rtol=1e-14)
    assert fnp.linalg.norm(Z).dtype == np.float64


def test_python_complex_scalars_are_weak():
    out = fnp.multiply(np.ones(2, np.float32), 1j)
    assert out.dtype == np.complex64


@pytest.mark.parametrize("fn, name", [(fnp.floor, "floor"), (fnp.ceil, "ceil"),
                                      (lambda z: fnp.arctan2(z, z), "atan2"), (lambda z: fnp.fmod(z, z), "rem")])
def test_real_only_functions_name_themselves_on_complex_input(fn, name):
    """Traced, the shape rule names the primitive; eagerly NumPy's own
    TypeError names its ufunc."""
    with pytest.raises(DTypeError, match=rf"{name} needs real .*operands, got complex128"):
        ft.make_jaxpr(fn)(Z)
    with pytest.raises(TypeError, match=r"(floor|ceil|arctan2|fmod)"):
        fn(Z)
