"""Composition of the differentiation transforms, to any depth, and the
shape of the IR they produce."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.ir import Literal, typecheck

rng = np.random.default_rng(1)


def tanh_derivatives(x):
    """d^k tanh / dx^k for k = 1..4, in terms of t = tanh(x)."""
    t = np.tanh(x)
    d1 = 1 - t ** 2
    d2 = -2 * t * d1
    d3 = -2 * d1 ** 2 + 4 * t ** 2 * d1
    d4 = 16 * t * d1 ** 2 - 8 * t ** 3 * d1
    return d1, d2, d3, d4


@pytest.mark.parametrize("x", [-1.3, 0.0, 0.4, 2.0])
def test_fourth_order_grad_of_tanh_matches_closed_form(x):
    f = fnp.tanh
    derivatives = []
    for _ in range(4):
        f = ft.grad(f)
        derivatives.append(f(x))
    np.testing.assert_allclose(derivatives, tanh_derivatives(x), rtol=1e-11, atol=1e-13)


def test_jvp_of_grad_is_a_hessian_vector_product():
    f = lambda x: fnp.sum(fnp.sin(x) * x ** 2) + fnp.dot(x, x) ** 2
    x, v = rng.standard_normal(6), rng.standard_normal(6)
    _, hvp = ft.jvp(ft.grad(f), (x,), (v,))
    np.testing.assert_allclose(hvp, ft.hessian(f)(x) @ v, rtol=1e-10)


@pytest.mark.parametrize("inner, outer_x, expected", [
    # The classic perturbation-confusion cases (Siskind & Pearlmutter).
    (lambda x: ft.grad(lambda y: x * y)(2.0), 3.0, 1.0),
    (lambda x: x * ft.grad(lambda y: x + y)(1.0), 2.0, 1.0),
    (lambda x: ft.grad(lambda y: x * y * y)(x), 3.0, 4 * 3.0),
])
def test_nested_grad_has_no_perturbation_confusion(inner, outer_x, expected):
    np.testing.assert_allclose(ft.grad(inner)(outer_x), expected)


def test_grad_of_a_function_that_calls_vjp_inside():
    def f(x):
        _, pullback = ft.vjp(fnp.sin, x)
        return pullback(1.0)[0] * x          # cos(x) * x
    x = 0.7
    np.testing.assert_allclose(ft.grad(f)(x), -np.sin(x) * x + np.cos(x))


def test_grad_with_argnums_tuple_and_pytree_arguments():
    params = {"w": rng.standard_normal(3), "b": 0.5}
    x = rng.standard_normal(3)
    loss = lambda p, x: (fnp.dot(p["w"], x) + p["b"]) ** 2
    g_params, g_x = ft.grad(loss, argnums=(0, 1))(params, x)
    r = params["w"] @ x + params["b"]
    np.testing.assert_allclose(g_params["w"], 2 * r * x)
    np.testing.assert_allclose(g_params["b"], 2 * r)
    np.testing.assert_allclose(g_x, 2 * r * params["w"])


def test_value_and_grad_with_aux():
    (value, aux), g = ft.value_and_grad(lambda x: ((x ** 2).sum(), {"norm": fnp.sqrt((x ** 2).sum())}),
                                        has_aux=True)(np.array([3.0, 4.0]))
    assert value == 25.0 and aux["norm"] == 5.0
    np.testing.assert_array_equal(g, [6.0, 8.0])


def test_linearize_reuses_the_forward_pass_for_many_tangents():
    f = lambda x: fnp.sin(x) * fnp.exp(x)
    x = rng.standard_normal(4)
    y, f_jvp = ft.linearize(f, x)
    np.testing.assert_allclose(y, np.sin(x) * np.exp(x))
    for _ in range(3):
        t = rng.standard_normal(4)
        np.testing.assert_allclose(f_jvp(t), (np.cos(x) + np.sin(x)) * np.exp(x) * t, rtol=1e-12)


def test_jvp_and_vjp_agree_by_the_inner_product_identity():
    f = lambda x: fnp.tanh(x @ np.arange(12.0).reshape(4, 3) / 10) ** 2
    x, t, ct = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(3)
    _, jt = ft.jvp(f, (x,), (t,))
    _, pullback = ft.vjp(f, x)
    np.testing.assert_allclose(ct @ jt, pullback(ct)[0] @ t, rtol=1e-12)


def test_grad_jaxpr_has_no_identity_or_dead_equations():
    jaxpr = ft.make_jaxpr(ft.grad(lambda x: fnp.sum(x * x)))(np.ones(3)).jaxpr
    typecheck(jaxpr)
    for eqn in jaxpr.eqns:
        literals = [x.value for x in eqn.invars if type(x) is Literal]
        assert not (eqn.primitive.name == "mul" and 1 in literals), str(jaxpr)
        assert not (eqn.primitive.name == "add" and 0 in literals), str(jaxpr)
    used = {x for e in jaxpr.eqns for x in e.invars} | set(jaxpr.outvars)
    assert all(any(v in used for v in e.outvars) for e in jaxpr.eqns), str(jaxpr)
    assert [e.primitive.name for e in jaxpr.eqns] == ["add"]   # 2x, written x + x


def test_w1_gradient_jaxpr_is_as_short_as_a_hand_written_one():
    f = lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(-x * x) + fnp.sin(x) * fnp.cos(x) + fnp.log1p(x * x))
    jaxpr = ft.make_jaxpr(ft.grad(f))(np.ones(8)).jaxpr
    typecheck(jaxpr)
    assert len(jaxpr.eqns) <= 30, str(jaxpr)
    assert not any(e.primitive.name == "reduce_sum" for e in jaxpr.eqns), "the forward sum is dead"


def test_grad_of_integer_input_is_refused():
    with pytest.raises(TypeError, match="float"):
        ft.grad(lambda x: x * 2)(3)


def test_grad_under_grad_of_closure_over_outer_value():
    # f(x) = x * d/dy [sin(x * y)] at y = 1 = x^2 cos(x)
    f = lambda x: x * ft.grad(lambda y: fnp.sin(x * y))(1.0)
    x = 0.9
    np.testing.assert_allclose(ft.grad(f)(x), 2 * x * np.cos(x) - x ** 2 * np.sin(x), rtol=1e-12)


def test_float32_derivatives_stay_float32_through_literal_constants():
    x = np.linspace(0.5, 1.5, 4).astype(np.float32)
    for f in (lambda x: x * 2.0, lambda x: x ** 2.5, lambda x: 3.0 ** x, lambda x: fnp.sin(x) / 7.0):
        _, tangent = ft.jvp(f, (x,), (np.ones_like(x),))
        assert tangent.dtype == np.float32, f
        assert ft.grad(lambda x: f(x).sum())(x).dtype == np.float32
        jaxpr = ft.make_jaxpr(ft.grad(lambda x: f(x).sum()))(x)
        assert all(v.aval.dtype == np.float32 for e in jaxpr.eqns for v in e.outvars), str(jaxpr)


def test_jvp_with_aux_returns_the_aux_untouched():
    x = np.array([0.3, 0.7])
    out, tangent, aux = ft.jvp(lambda x: (fnp.sin(x), {"double": 2 * x}), (x,), (np.ones(2),), has_aux=True)
    np.testing.assert_allclose(out, np.sin(x))
    np.testing.assert_allclose(tangent, np.cos(x))
    np.testing.assert_allclose(aux["double"], 2 * x)
