"""User mistakes raise the typed errors of functrans/errors.py, with
messages naming the argument, the shapes involved and what to do."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import DTypeError, GradError, ShapeError, TracerConversionError, UnexpectedTracerError


def test_add_of_unbroadcastable_shapes_names_both_shapes():
    with pytest.raises(ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        fnp.add(np.ones((2, 3)), np.ones(4))


def test_add_of_unbroadcastable_traced_shapes_names_both_shapes():
    with pytest.raises(ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        ft.grad(lambda x: fnp.sum(x + np.ones(4)))(np.ones((2, 3)))


def test_dot_of_misaligned_shapes_names_both_shapes():
    with pytest.raises(ShapeError, match=r"dot.*\(2, 3\).*\(4,\)"):
        fnp.dot(np.ones((2, 3)), np.ones(4))


def test_errors_are_what_numpy_users_catch():
    assert issubclass(ShapeError, ValueError) and issubclass(DTypeError, TypeError)
    assert issubclass(GradError, TypeError) and issubclass(TracerConversionError, TypeError)


def test_lax_add_of_mismatched_dtypes_names_both_dtypes_when_traced():
    with pytest.raises(DTypeError, match="float32, float64"):
        ft.make_jaxpr(lax.add)(np.ones(3, np.float32), np.ones(3))


def test_lax_add_of_mismatched_dtypes_raises_eagerly():
    with pytest.raises(DTypeError):
        lax.add(np.ones(3, np.float32), np.ones(3))


def test_lax_add_of_mismatched_shapes_names_both_shapes_when_traced():
    with pytest.raises(ShapeError, match=r"\(3,\), \(4,\)"):
        ft.make_jaxpr(lax.add)(np.ones(3), np.ones(4))


def test_a_tracer_leaked_out_of_grad_and_used_later_raises_unexpected_tracer_error():
    leaked = []

    def f(x):
        leaked.append(x * 2.0)    # a global (here: an outer list) keeps a traced value
        return fnp.sum(x)
    ft.grad(f)(np.ones(3))
    with pytest.raises(UnexpectedTracerError, match="after the transformation"):
        fnp.sin(leaked[0])
    with pytest.raises(UnexpectedTracerError, match="Return it from the function"):
        leaked[0] + 1.0


def test_numpy_conversion_of_a_tracer_raises_tracer_conversion_error():
    with pytest.raises(TracerConversionError, match="functrans.numpy"):
        ft.grad(lambda x: np.sum(np.asarray(x)))(np.ones(3))
    with pytest.raises(TracerConversionError, match=r"f64\[3\]"):
        ft.make_jaxpr(lambda x: np.asarray(x))(np.ones(3))


def test_grad_of_nonscalar_output_names_vjp_and_jacrev():
    with pytest.raises(GradError, match=r"scalar output.*shape \(3,\).*vjp.*jacrev"):
        ft.grad(fnp.sin)(np.ones(3))


def test_grad_with_respect_to_an_int_input_says_it_needs_float():
    with pytest.raises(GradError, match="floating-point.*int64.*2.0 rather than 2"):
        ft.grad(lambda x: x * 2.0)(2)
    with pytest.raises(GradError, match="floating-point.*int32"):
        ft.grad(lambda x, y: fnp.sum(x * y), argnums=1)(np.ones(2), np.ones(2, np.int32))


def test_grad_with_has_aux_and_a_non_pair_return_says_so():
    with pytest.raises(GradError, match=r"has_aux=True requires the function to return a pair \(output, aux\)"):
        ft.grad(lambda x: x * 2.0, has_aux=True)(np.float64(1.0))
    with pytest.raises(GradError, match="pair .* tuple of length 3"):
        ft.grad(lambda x: (x, x, x), has_aux=True)(1.0)


def test_reduction_of_an_empty_axis_without_identity_raises_like_numpy():
    with pytest.raises(ValueError, match="zero-size array .* max"):
        fnp.max(np.ones((0, 3)), axis=0)


def test_second_derivative_of_a_linear_function_is_zero():
    assert ft.grad(ft.grad(lambda x: 2.0 * x))(1.0) == 0.0
    assert ft.grad(lambda x: 1.0)(2.0) == 0.0
