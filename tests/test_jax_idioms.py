"""Idioms of real JAX programs, written as JAX users write them, each
checked against NumPy or a hand computation: closed-over arrays indexed by
traced integers, cross-entropy by integer indexing, `.at` on fresh arrays,
static arguments by position, `block_until_ready`, scalar cotangents,
`except TypeError`, `precision=`, `checkpoint` under jit, an optimizer loop."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.example_libraries import optimizers

G = fnp.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])      # a module-level table, as in JAX examples


def test_a_closed_over_array_indexed_in_a_loop():
    total = lax.fori_loop(0, 3, lambda i, acc: acc + G[i], fnp.zeros(2))
    np.testing.assert_array_equal(total, [9.0, 12.0])
    looped = ft.jit(lambda n: lax.fori_loop(0, n, lambda i, acc: acc + G[i, 1] * i, 0.0))
    assert float(looped(3)) == 2.0 * 0 + 4.0 * 1 + 6.0 * 2
    row = ft.jit(lambda i: G[i])
    np.testing.assert_array_equal(np.stack([row(i) for i in range(3)]), np.asarray(G))
    np.testing.assert_array_equal(ft.vmap(lambda i: G[i])(np.array([2, 0])), [[5.0, 6.0], [1.0, 2.0]])


def _log_softmax(z):
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_cross_entropy_by_integer_indexing_under_grad_jit_and_vmap():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])

    def cross_entropy(z, y):
        logp = ft.nn.log_softmax(z)
        return -fnp.mean(logp[fnp.arange(z.shape[0]), y])
    expected = -np.mean(_log_softmax(logits)[np.arange(5), labels])
    probs = np.exp(_log_softmax(logits))
    expected_grad = (probs - np.eye(4)[labels]) / 5
    np.testing.assert_allclose(cross_entropy(logits, labels), expected, rtol=1e-13)
    np.testing.assert_allclose(ft.grad(cross_entropy)(logits, labels), expected_grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ft.jit(ft.grad(cross_entropy))(logits, labels), expected_grad, rtol=1e-12, atol=1e-15)
    batched = ft.vmap(cross_entropy)(np.stack([logits, 2 * logits]), np.stack([labels, labels[::-1]]))
    np.testing.assert_allclose(batched, [expected, -np.mean(_log_softmax(2 * logits)[np.arange(5), labels[::-1]])],
                               rtol=1e-13)


def test_at_updates_on_fresh_arrays():
    np.testing.assert_array_equal(fnp.zeros(3).at[1].set(5.0), [0.0, 5.0, 0.0])
    np.testing.assert_array_equal(fnp.ones((2, 2)).at[:, 0].add(1.0), [[2.0, 1.0], [2.0, 1.0]])
    place = ft.jit(lambda i, v: fnp.zeros(4).at[i].set(v))
    np.testing.assert_array_equal(place(2, 7.0), [0.0, 0.0, 7.0, 0.0])
    np.testing.assert_allclose(ft.grad(lambda v: fnp.sum(fnp.arange(3.0).at[1].multiply(v) ** 2))(2.0), 4.0)


def test_static_argnames_passed_positionally():
    @ft.jit
    def plain(x):
        return x
    repeat = ft.jit(lambda x, times: fnp.concatenate([x] * times), static_argnames="times")
    np.testing.assert_array_equal(repeat(np.arange(2.0), 3), np.tile(np.arange(2.0), 3))
    np.testing.assert_array_equal(repeat(np.arange(2.0), times=2), np.tile(np.arange(2.0), 2))
    assert plain(1.0).block_until_ready() == 1.0


def test_block_until_ready_on_results_and_pytrees():
    f = ft.jit(lambda x: {"y": x * 2.0, "z": fnp.sum(x)})
    out = f(np.arange(3.0))
    assert ft.block_until_ready(out) is out and out["y"].block_until_ready() is out["y"]
    np.testing.assert_array_equal(out["y"].block_until_ready(), [0.0, 2.0, 4.0])
    g = ft.grad(lambda x: fnp.sum(x ** 2))(np.arange(3.0)).block_until_ready()
    np.testing.assert_array_equal(g, [0.0, 2.0, 4.0])


def test_vjp_with_a_python_scalar_cotangent():
    out, f_vjp = ft.vjp(lambda x: fnp.sum(fnp.sin(x)), np.arange(3.0))
    (ct,) = f_vjp(2.0)
    np.testing.assert_allclose(ct, 2.0 * np.cos(np.arange(3.0)))
    np.testing.assert_allclose(ft.vjp(fnp.exp, 1.0)[1](np.array(3.0))[0], 3.0 * np.e)


def test_except_type_error_around_jvp_of_a_custom_vjp_function():
    @ft.custom_vjp
    def clip_gradient(x):
        return x
    clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))
    try:
        ft.jvp(clip_gradient, (2.0,), (1.0,))
        raised = False
    except TypeError:
        raised = True
    assert raised
    assert float(ft.grad(lambda x: 5.0 * clip_gradient(x))(2.0)) == 1.0


def test_precision_keyword_as_written_in_jax_code():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2)
    hi = lax.Precision.HIGHEST
    np.testing.assert_array_equal(fnp.dot(a, b, precision=hi), a @ b)
    np.testing.assert_array_equal(fnp.einsum("ij,jk", a, b, precision=hi), a @ b)
    np.testing.assert_array_equal(lax.dot_general(a, b, (((1,), (0,)), ((), ())), precision=hi), a @ b)


def test_checkpoint_under_jit_of_grad():
    @ft.checkpoint
    def layer(w, x):
        return fnp.tanh(w * x)
    x = np.linspace(-1.0, 2.0, 4)
    loss = lambda w: fnp.sum(layer(w, layer(w, x)))
    t = np.tanh(0.5 * x)     # d/dw tanh(w tanh(w x)) = (1 - tanh(w t)^2) (t + w (1 - t^2) x)
    expected = np.sum((1 - np.tanh(0.5 * t) ** 2) * (t + 0.5 * (1 - t ** 2) * x))
    np.testing.assert_allclose(ft.grad(loss)(0.5), expected, rtol=1e-13)
    np.testing.assert_allclose(ft.jit(ft.grad(loss))(0.5), expected, rtol=1e-13)


def test_an_optimizer_loop_as_in_the_jax_examples():
    opt_init, opt_update, get_params = optimizers.momentum(0.05, mass=0.9)
    target = np.array([1.0, -2.0])
    loss = lambda p: fnp.sum((p["w"] - target) ** 2)

    @ft.jit
    def update(i, opt_state):
        params = get_params(opt_state)
        return opt_update(i, ft.grad(loss)(params), opt_state)
    opt_state = opt_init({"w": np.zeros(2)})
    w, velocity = np.zeros(2), np.zeros(2)
    for i in range(200):
        opt_state = update(i, opt_state)
        velocity = 0.9 * velocity + 2 * (w - target)
        w = w - 0.05 * velocity
    np.testing.assert_allclose(get_params(opt_state)["w"], w, rtol=1e-12)
    np.testing.assert_allclose(w, target, atol=1e-4)
    assert len(update._cache) == 1     # the state's pytree keeps one signature


@pytest.mark.parametrize("numpy_fn, facade_fn", [(np.tanh, fnp.tanh), (np.exp, fnp.exp)])
def test_autograd_style_plain_numpy_code(numpy_fn, facade_fn):
    f = lambda x: np.sum(numpy_fn(np.dot(x, x.T)))
    g = lambda x: fnp.sum(facade_fn(fnp.dot(x, x.T)))
    x = np.linspace(-0.5, 0.5, 6).reshape(2, 3)
    np.testing.assert_allclose(ft.grad(f)(x), ft.grad(g)(x), rtol=1e-13)
