"""custom_jvp, custom_vjp and checkpoint under every transform."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import CustomRuleError, UnsupportedError

rng = np.random.default_rng(3)


@ft.custom_jvp
def softplus(x):
    return fnp.log1p(fnp.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1.0 + fnp.exp(-x))


@ft.custom_jvp
def clipped_identity(x):
    """Identity whose custom derivative is deliberately 2: shows the rule is used."""
    return x


clipped_identity.defjvps(lambda t, out, x: 2.0 * t)


def test_custom_jvp_rule_is_used_in_both_modes_and_to_second_order():
    x = rng.standard_normal(4)
    np.testing.assert_allclose(ft.grad(lambda x: clipped_identity(x).sum())(x), 2 * np.ones(4))
    np.testing.assert_allclose(ft.jvp(clipped_identity, (x,), (np.ones(4),))[1], 2 * np.ones(4))
    sigmoid = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(ft.grad(lambda x: softplus(x).sum())(x), sigmoid, rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(softplus)))(x), sigmoid * (1 - sigmoid), rtol=1e-12)


def test_custom_jvp_under_vmap_inside_grad_keeps_the_rule():
    x = rng.standard_normal(3)
    np.testing.assert_allclose(ft.grad(lambda x: ft.vmap(clipped_identity)(x).sum())(x), 2 * np.ones(3))


@ft.custom_vjp
def scaled_grad(x, scale):
    return x


scaled_grad.defvjp(lambda x, scale: (x, scale), lambda scale, ct: (ct * scale, None))


def test_custom_vjp_rule_is_used_and_none_means_zero():
    x = rng.standard_normal(3)
    g_x, g_scale = ft.grad(lambda x, s: scaled_grad(x, s).sum(), argnums=(0, 1))(x, 3.0)
    np.testing.assert_allclose(g_x, 3.0 * np.ones(3))
    assert g_scale == 0.0


def test_custom_vjp_under_vmap_sums_cotangents_of_shared_arguments():
    xs = rng.standard_normal((4, 3))
    g = ft.grad(lambda s: ft.vmap(lambda x: scaled_grad(x * s, 2.0).sum())(xs).sum())(1.5)
    np.testing.assert_allclose(g, 2.0 * xs.sum(), rtol=1e-12)


def test_custom_vjp_refuses_forward_mode():
    with pytest.raises(UnsupportedError, match="custom_jvp"):
        ft.jvp(lambda x: scaled_grad(x, 2.0), (np.ones(2),), (np.ones(2),))


def test_custom_vjp_bwd_with_wrong_structure_names_the_expected_one():
    @ft.custom_vjp
    def f(x, y):
        return x * y
    f.defvjp(lambda x, y: (x * y, (x, y)), lambda res, ct: (ct * res[1],))   # one cotangent for two args
    with pytest.raises(CustomRuleError, match=r"one cotangent per differentiable argument \(2\)"):
        ft.grad(lambda x: f(x, 2.0))(1.0)


def test_checkpoint_recomputes_but_gives_the_same_gradient():
    f = lambda x: fnp.sin(fnp.cos(x) * x)
    g = ft.checkpoint(f)
    x = rng.standard_normal(5)
    np.testing.assert_allclose(ft.grad(lambda x: g(x).sum())(x), ft.grad(lambda x: f(x).sum())(x), rtol=1e-12)
    np.testing.assert_allclose(ft.grad(ft.grad(lambda x: g(x)))(0.3), ft.grad(ft.grad(f))(0.3), rtol=1e-12)
    eqns = ft.make_jaxpr(ft.value_and_grad(lambda x: g(x).sum()))(x).jaxpr.eqns
    calls = [e for e in eqns if e.primitive.name == "checkpoint"]
    assert len(calls) == 2, [e.primitive.name for e in eqns]   # the forward, and the backward
    backward = [e.primitive.name for e in calls[1].params["call_jaxpr"].eqns]
    assert "cos" in backward and "sin" in backward, backward   # which recomputes the forward


def test_custom_vjp_refuses_forward_mode_under_jit_with_the_same_advice():
    with pytest.raises(UnsupportedError, match="custom_jvp"):
        ft.jit(lambda x: ft.jvp(lambda x: scaled_grad(x, 2.0), (x,), (x,))[1])(np.ones(2))
