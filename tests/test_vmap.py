"""vmap against Python loops, its axes semantics, Jacobians through it, and
its composition with differentiation."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import BatchingError, ConcretizationError

rng = np.random.default_rng(2)


def loop(f, *args, in_axes):
    """vmap's meaning, the slow way."""
    size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = [f(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)])
            for i in range(size)]
    return np.stack(outs)


@pytest.mark.parametrize("in_axes", [(0, 0), (1, None), (None, 0), (-1, 0)])
def test_vmap_matches_a_python_loop(in_axes):
    f = lambda a, b: fnp.tanh(a @ b) * fnp.sum(b)
    shapes = {0: (5, 3, 4), 1: (3, 5, 4), -1: (3, 4, 5), None: (3, 4)}
    a = rng.standard_normal(shapes[in_axes[0]])
    b = rng.standard_normal((5, 4) if in_axes[1] == 0 else (4,))
    np.testing.assert_allclose(ft.vmap(f, in_axes=in_axes)(a, b), loop(f, a, b, in_axes=in_axes), rtol=1e-12)


def test_out_axes_and_unbatched_outputs():
    x = rng.standard_normal((4, 3))
    out = ft.vmap(lambda x: (x * 2, 1.0), out_axes=(1, 0))(x)
    np.testing.assert_allclose(out[0], (x * 2).T)
    np.testing.assert_array_equal(out[1], np.ones(4))


def test_in_axes_as_pytree_prefix():
    params = {"w": rng.standard_normal(3), "b": 1.0}
    xs = rng.standard_normal((6, 3))
    f = lambda p, x: fnp.dot(p["w"], x) + p["b"]
    np.testing.assert_allclose(ft.vmap(f, in_axes=(None, 0))(params, xs), xs @ params["w"] + 1.0)
    out = ft.vmap(f, in_axes=({"w": None, "b": None}, 0))(params, xs)
    np.testing.assert_allclose(out, xs @ params["w"] + 1.0)


def test_nested_vmap_is_an_outer_product():
    a, b = rng.standard_normal(3), rng.standard_normal(4)
    out = ft.vmap(ft.vmap(lambda x, y: x * y, in_axes=(None, 0)), in_axes=(0, None))(a, b)
    np.testing.assert_allclose(out, np.outer(a, b))


def mlp_loss(params, x, y):
    hidden = fnp.tanh(x @ params["w1"] + params["b1"])
    logits = hidden @ params["w2"]
    return (logits - y) ** 2


def test_per_example_gradients_equal_a_loop_of_grads():
    params = {"w1": rng.standard_normal((3, 5)), "b1": rng.standard_normal(5), "w2": rng.standard_normal(5)}
    xs, ys = rng.standard_normal((7, 3)), rng.standard_normal(7)
    batched = ft.vmap(ft.grad(mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for i in range(7):
        single = ft.grad(mlp_loss)(params, xs[i], ys[i])
        for k in params:
            np.testing.assert_allclose(batched[k][i], single[k], rtol=1e-12)


def test_grad_of_a_function_using_vmap():
    x = rng.standard_normal((4, 3))
    g = ft.grad(lambda x: ft.vmap(lambda r: fnp.sum(fnp.sin(r) ** 2))(x).sum())(x)
    np.testing.assert_allclose(g, 2 * np.sin(x) * np.cos(x), rtol=1e-12)


def test_jacobians_of_vector_functions_match_closed_forms():
    A = rng.standard_normal((3, 4))
    f = lambda x: fnp.tanh(A @ x)
    x = rng.standard_normal(4)
    expected = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    np.testing.assert_allclose(ft.jacrev(f)(x), expected, rtol=1e-12)
    np.testing.assert_allclose(ft.jacfwd(f)(x), expected, rtol=1e-12)


def test_jacobian_of_matrix_input_has_out_shape_plus_in_shape():
    X = rng.standard_normal((2, 3))
    f = lambda X: fnp.sum(X ** 2, axis=1)
    for jac in (ft.jacrev, ft.jacfwd):
        J = jac(f)(X)
        assert J.shape == (2, 2, 3)
        np.testing.assert_allclose(J[0, 0], 2 * X[0])
        np.testing.assert_array_equal(J[0, 1], 0)


def test_hessian_matches_closed_form():
    f = lambda x: fnp.sum(fnp.sin(x) * x ** 2) + fnp.dot(x, x) ** 2
    x = rng.standard_normal(5)
    expected = (np.diag(-np.sin(x) * x ** 2 + 4 * np.cos(x) * x + 2 * np.sin(x))
                + 4 * (x @ x) * np.eye(5) + 8 * np.outer(x, x))
    np.testing.assert_allclose(ft.hessian(f)(x), expected, rtol=1e-10, atol=1e-12)


def test_vmap_of_jacrev():
    xs = rng.standard_normal((3, 4))
    J = ft.vmap(ft.jacrev(lambda x: x ** 2))(xs)
    for i in range(3):
        np.testing.assert_allclose(J[i], np.diag(2 * xs[i]))


def test_mismatched_axis_sizes_name_every_argument():
    with pytest.raises(BatchingError, match=r"size 3 .*size 4"):
        ft.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))


def test_in_axes_out_of_range_names_the_rank():
    with pytest.raises(BatchingError, match="rank 1"):
        ft.vmap(lambda a: a, in_axes=2)(np.ones(3))


def test_python_control_flow_on_a_batched_value_is_refused():
    with pytest.raises(ConcretizationError, match="vmap"):
        ft.vmap(lambda x: x if x > 0 else -x)(np.ones(3))
