"""Every example of the automatic-differentiation chapter of Dive into Deep
Learning, in functional form: what PyTorch writes as `y.backward(); x.grad`
is `ft.grad(f)(x)` here, and each result is checked against the closed form
the chapter derives."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp

rng = np.random.default_rng(0)


def test_gradient_of_two_x_dot_x_is_four_x():
    x = np.arange(4.0)
    np.testing.assert_array_equal(ft.grad(lambda x: 2 * fnp.dot(x, x))(x), 4 * x)


def test_gradient_of_sum_is_ones_without_accumulation():
    # PyTorch accumulates into x.grad and needs x.grad.zero_(); a functional
    # gradient is a fresh value every call, so there is nothing to reset.
    x = np.arange(4.0)
    ft.grad(lambda x: 2 * fnp.dot(x, x))(x)
    np.testing.assert_array_equal(ft.grad(lambda x: x.sum())(x), np.ones(4))


def test_nonscalar_backward_is_a_vjp_and_equals_grad_of_the_sum():
    x = np.arange(4.0)
    y, vjp_fn = ft.vjp(lambda x: x * x, x)
    (by_vjp,) = vjp_fn(np.ones_like(y))
    np.testing.assert_array_equal(by_vjp, 2 * x)
    np.testing.assert_array_equal(by_vjp, ft.grad(lambda x: (x * x).sum())(x))


def test_vjp_fn_can_be_called_many_times_like_a_retained_graph():
    x = np.arange(3.0)
    _, vjp_fn = ft.vjp(lambda x: x ** 3, x)
    first = vjp_fn(np.ones(3))[0]
    second = vjp_fn(2 * np.ones(3))[0]
    np.testing.assert_allclose(second, 2 * first)


def test_detach_is_stop_gradient():
    x = np.arange(4.0)

    def z(x):
        u = ft.stop_gradient(x * x)
        return (u * x).sum()
    np.testing.assert_array_equal(ft.grad(z)(x), x * x)
    np.testing.assert_array_equal(ft.grad(lambda x: (x * x).sum())(x), 2 * x)


def test_x_squared_exp_x_on_a_random_matrix():
    x = rng.standard_normal((3, 4))
    got = ft.grad(lambda x: (x ** 2 * fnp.exp(x)).sum())(x)
    np.testing.assert_allclose(got, 2 * x * np.exp(x) + x ** 2 * np.exp(x), rtol=1e-12)


def test_linear_regression_partials_match_the_chain_rule():
    # z = (<x, w> + b - y)^2: dz/dw = 2 (<x,w> + b - y) x, dz/db = 2 (<x,w> + b - y)
    x, w = rng.standard_normal(5), rng.standard_normal(5)
    b, y = 0.3, 1.7
    z = lambda w, b: (fnp.dot(x, w) + b - y) ** 2
    dw, db = ft.grad(z, argnums=(0, 1))(w, b)
    residual = x @ w + b - y
    np.testing.assert_allclose(dw, 2 * residual * x, rtol=1e-12)
    np.testing.assert_allclose(db, 2 * residual, rtol=1e-12)


def test_z_equals_w_x_plus_b_partials():
    w, x, b = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3)
    dw, dx, db = ft.grad(lambda w, x, b: (w * x + b).sum(), argnums=(0, 1, 2))(w, x, b)
    np.testing.assert_array_equal(dw, x)
    np.testing.assert_array_equal(dx, w)
    np.testing.assert_array_equal(db, np.ones(3))


def control_flow(a):
    b = a * 2
    while fnp.linalg.norm(b) < 1000:
        b = b * 2
    if fnp.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_python_control_flow_gradient_is_f_over_a(shape):
    a = rng.standard_normal(shape)
    # f is piecewise linear in a: f(a) = k * a, so the gradient is f(a) / a.
    f = (lambda a: control_flow(a)) if shape == () else (lambda a: control_flow(a).sum())
    got = ft.grad(f)(a)
    np.testing.assert_allclose(got, control_flow(a) / a if shape == () else
                               np.full(shape, (control_flow(a) / a).flat[0]), rtol=1e-12)


def test_custom_mul_rule_gives_the_same_grads_as_autodiff():
    @ft.custom_vjp
    def mul(w, x, b):
        return w * x + b

    def mul_fwd(w, x, b):
        return w * x + b, (w, x)

    def mul_bwd(residuals, g):
        w, x = residuals
        return g * x, g * w, g
    mul.defvjp(mul_fwd, mul_bwd)
    w, x, b = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    custom = ft.grad(lambda w, x, b: mul(w, x, b).sum(), argnums=(0, 1, 2))(w, x, b)
    plain = ft.grad(lambda w, x, b: (w * x + b).sum(), argnums=(0, 1, 2))(w, x, b)
    for c, p in zip(custom, plain):
        np.testing.assert_allclose(c, p, rtol=1e-12)


def test_second_derivative_of_sin_is_minus_sin():
    for x in np.linspace(-3, 3, 7):
        np.testing.assert_allclose(ft.grad(ft.grad(fnp.sin))(x), -np.sin(x), atol=1e-14)


def test_derivative_of_sin_is_cos_on_a_grid():
    x = np.linspace(-2 * np.pi, 2 * np.pi, 100)
    np.testing.assert_allclose(ft.vmap(ft.grad(fnp.sin))(x), np.cos(x), atol=1e-14)
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sin(x).sum())(x), np.cos(x), atol=1e-14)


def test_gradient_of_an_intermediate_value_via_vjp():
    # PyTorch: x = ones(3); w = rand(3); y = x * w; z = y.sum(); autograd.grad(z, y)
    x, w = np.ones(3), rng.random(3)
    y = x * w
    _, vjp_from_y = ft.vjp(lambda y: y.sum(), y)
    np.testing.assert_array_equal(vjp_from_y(np.float64(1.0))[0], np.ones(3))
    np.testing.assert_array_equal(ft.grad(lambda x: (x * w).sum())(x), w)
