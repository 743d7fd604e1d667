"""lax.scan, fori_loop, while_loop, cond and switch: values and derivatives
(both modes, to second order where defined) against the same computation
unrolled in Python, vmap against a loop, and their errors."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.core import eval_closed
from functrans.errors import ConcretizationError, DTypeError, UnsupportedError
from functrans.ir import typecheck

rng = np.random.default_rng(4)
XS = rng.standard_normal(7)


def rnn_scan(a):
    def step(h, x):
        h = fnp.tanh(a * h + x)
        return h, h * h
    h, ys = lax.scan(step, 0.0, XS)
    return h + fnp.sum(ys)


def rnn_unrolled(a):
    h, total = 0.0, 0.0
    for x in XS:
        h = fnp.tanh(a * h + x)
        total = total + h * h
    return h + total


def fori_body(x):
    return lax.fori_loop(0, 4, lambda i, v: fnp.sin(v) * x + i, x)


def fori_unrolled(x):
    v = x
    for i in range(4):
        v = fnp.sin(v) * x + i
    return v


def while_body(x):
    return lax.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, fnp.sin(c[1]) * x + c[0]), (0, x))[1]


def cond_fn(x):
    return lax.cond(x > 0.5, lambda x: fnp.sin(x) * x, lambda x: fnp.exp(-x), x)


def cond_unrolled(x):
    return fnp.sin(x) * x if x > 0.5 else fnp.exp(-x)


def switch_fn(x):
    index = fnp.astype(x * 2, np.int32)   # 0, 1 or 2 on [0, 1.5)
    return lax.switch(index, [lambda x: x ** 2, lambda x: fnp.cos(x), lambda x: x ** 3], x)


def switch_unrolled(x):
    return [lambda x: x ** 2, lambda x: fnp.cos(x), lambda x: x ** 3][int(x * 2)](x)


CASES = [(rnn_scan, rnn_unrolled, [0.3, -0.8]), (fori_body, fori_unrolled, [0.4, 0.9]),
         (while_body, fori_unrolled, [0.4, 0.9]), (cond_fn, cond_unrolled, [0.2, 0.8]),
         (switch_fn, switch_unrolled, [0.2, 0.7, 1.2])]
IDS = ["scan", "fori_loop", "while_loop", "cond", "switch"]


@pytest.mark.parametrize("fn, reference, points", CASES, ids=IDS)
def test_value_and_both_modes_match_the_unrolled_computation(fn, reference, points):
    for x in points:
        np.testing.assert_allclose(fn(x), reference(x), rtol=1e-12)
        np.testing.assert_allclose(ft.grad(fn)(x), ft.grad(reference)(x), rtol=1e-12)
        np.testing.assert_allclose(ft.jvp(fn, (x,), (1.0,))[1], ft.grad(reference)(x), rtol=1e-12)


@pytest.mark.parametrize("fn, reference, points", CASES, ids=IDS)
def test_second_order_matches_the_unrolled_computation(fn, reference, points):
    for x in points:
        expected = ft.grad(ft.grad(reference))(x)
        np.testing.assert_allclose(ft.grad(ft.grad(fn))(x), expected, rtol=1e-10)
        np.testing.assert_allclose(ft.jvp(ft.grad(fn), (x,), (1.0,))[1], expected, rtol=1e-10)


def first_order(fn):
    """Value, reverse and forward derivative in one function: one compile."""
    return lambda x: (fn(x), ft.grad(fn)(x), ft.jvp(fn, (x,), (1.0,))[1])


@pytest.mark.parametrize("fn, reference, points", CASES, ids=IDS)
def test_under_jit_values_and_both_modes_match_eager(fn, reference, points):
    compiled = ft.jit(first_order(fn))
    for x in points:
        value, rev, fwd = compiled(x)
        np.testing.assert_allclose(value, reference(x), rtol=1e-12)
        np.testing.assert_allclose(rev, ft.grad(reference)(x), rtol=1e-12)
        np.testing.assert_allclose(fwd, ft.grad(reference)(x), rtol=1e-12)


@pytest.mark.parametrize("fn, reference, points", CASES, ids=IDS)
def test_under_jit_second_order_matches_eager(fn, reference, points):
    compiled = ft.jit(ft.grad(ft.grad(fn)))
    for x in points:
        np.testing.assert_allclose(compiled(x), ft.grad(ft.grad(reference))(x), rtol=1e-10)


def long_while(x):
    """40 steps: more than the stacks first hold, so the lowering grows them."""
    return lax.while_loop(lambda c: c[0] < 40, lambda c: (c[0] + 1, fnp.sin(c[1]) * x + 0.1 * c[1]), (0, x))[1]


def long_fori(x):
    return lax.fori_loop(0, 40, lambda i, v: fnp.sin(v) * x + 0.1 * v, x)


def test_while_loop_reverse_mode_under_jit_matches_finite_differences_and_fori():
    # Under jit the trip count is unknown while tracing: this is the residual
    # stack (while_vjp), not the eager scan.
    compiled = ft.jit(lambda x: (ft.grad(while_body)(x), ft.grad(long_while)(x)))
    assert "while_vjp" in str(ft.make_jaxpr(ft.grad(while_body))(0.3))
    eps = 1e-6
    for x in (0.3, 0.9):
        numeric = (while_body(x + eps) - while_body(x - eps)) / (2 * eps)
        grad, long_grad = compiled(x)
        np.testing.assert_allclose(grad, numeric, rtol=1e-7)
        np.testing.assert_allclose(grad, ft.grad(fori_body)(x), rtol=1e-12)
        np.testing.assert_allclose(long_grad, ft.grad(long_fori)(x), rtol=1e-12)


def _tree_step(x, c):
    return {"v": fnp.sin(c["v"]) * x + c["s"], "s": c["s"] + fnp.sum(c["v"]) * 0.1}


def _tree_loss(c):
    return fnp.sum(c["v"] * c["v"]) + c["s"]


def while_tree(x):
    """A vector input, a pytree carry, a body closing over x."""
    step = lambda c: {"i": c["i"] + 1, **_tree_step(x, c)}
    return _tree_loss(lax.while_loop(lambda c: c["i"] < 3, step, {"i": 0, "v": x, "s": 0.5}))


def fori_tree(x):
    return _tree_loss(lax.fori_loop(0, 3, lambda i, c: _tree_step(x, c), {"v": x, "s": 0.5}))


X3, U3 = np.array([0.3, -0.5, 0.8]), np.array([0.2, 1.0, -0.7])


def higher_orders(x):
    """Through the scalar while loop: grad of grad, jvp of grad, the
    linearized gradient and a third derivative, in one function (one compile)."""
    return (ft.grad(ft.grad(while_body))(x), ft.jvp(ft.grad(while_body), (x,), (1.0,))[1],
            ft.linearize(ft.grad(while_body), x)[1](1.0), ft.grad(ft.grad(ft.grad(while_body)))(x))


def tree_second_orders(v):
    """Through the vector while loop: the Hessian (vmap of jvp of grad) and
    grad of grad (the Hessian times U3). A jvp of grad on top would make the
    compile twice as long."""
    return ft.hessian(while_tree)(v), ft.grad(lambda v: fnp.sum(ft.grad(while_tree)(v) * U3))(v)


def check_higher_orders(outs, x):
    eps = 1e-6
    numeric = (ft.grad(while_body)(x + eps) - ft.grad(while_body)(x - eps)) / (2 * eps)
    for got in outs[:3]:
        np.testing.assert_allclose(got, ft.grad(ft.grad(fori_body))(x), rtol=1e-10)
        np.testing.assert_allclose(got, numeric, rtol=1e-6)
    np.testing.assert_allclose(outs[3], ft.grad(ft.grad(ft.grad(fori_body)))(x), rtol=1e-10)


def check_tree_second_orders(outs, v):
    hessian = ft.hessian(fori_tree)(v)
    np.testing.assert_allclose(outs[0], hessian, rtol=1e-10)
    np.testing.assert_allclose(outs[0], ft.hessian(while_tree)(v), rtol=1e-10)
    eps = 1e-6
    numeric = (ft.grad(while_tree)(v + eps * U3) - ft.grad(while_tree)(v - eps * U3)) / (2 * eps)
    for got in outs[1:]:
        np.testing.assert_allclose(got, hessian @ U3, rtol=1e-10)
        np.testing.assert_allclose(got, numeric, rtol=1e-6)


def test_higher_order_reverse_through_while_loop_under_jit_matches_fori_and_finite_differences():
    # Under jit the trip count is unknown while tracing: grad of grad is the
    # JVP of while_vjp, partially evaluated and transposed: the loop, then
    # three sweeps over its steps (the primal backward one and two transposes).
    (eqn,) = ft.make_jaxpr(ft.grad(ft.grad(while_body)))(0.3).jaxpr.eqns[:1]
    assert eqn.primitive.name == "while_vjp" and len(eqn.params["bodies"]) == 3, eqn
    compiled = ft.jit(higher_orders)
    for x in (0.4, 0.9):
        check_higher_orders(compiled(x), x)
    compiled = ft.jit(tree_second_orders)
    for v in (X3, -X3):
        check_tree_second_orders(compiled(v), v)


def test_higher_order_jaxprs_through_while_loop_typecheck_and_evaluate_with_the_numpy_impls():
    closed = ft.make_jaxpr(higher_orders)(0.4)
    tree_closed = ft.make_jaxpr(tree_second_orders)(X3)
    for c in (closed, tree_closed):
        typecheck(c.jaxpr)
    names = {e.primitive.name for c in (closed, tree_closed) for e in c.jaxpr.eqns}
    assert {"while_vjp", "while_vjp_lin"} <= names, names
    check_higher_orders(eval_closed(closed, [0.4]), 0.4)
    check_tree_second_orders(eval_closed(tree_closed, [X3]), X3)
    fourth = ft.grad(ft.grad(ft.grad(ft.grad(while_body))))
    np.testing.assert_allclose(eval_closed(ft.make_jaxpr(fourth)(0.4), [0.4])[0],
                               ft.grad(ft.grad(ft.grad(ft.grad(fori_body))))(0.4), rtol=1e-10)
    third = ft.jacfwd(ft.hessian(while_tree))
    np.testing.assert_allclose(eval_closed(ft.make_jaxpr(third)(X3), [X3])[0], ft.jacfwd(ft.hessian(fori_tree))(X3),
                               rtol=1e-10)


def test_derivative_of_a_while_loop_linearization_under_jit_is_refused_with_advice():
    jvp_of_linearized = lambda x, t: ft.jvp(lambda t: ft.linearize(while_body, x)[1](t), (t,), (1.0,))[1]
    with pytest.raises(UnsupportedError, match="Differentiate the function itself"):
        ft.make_jaxpr(jvp_of_linearized)(0.4, 1.0)


def grow(limit, x):
    """Runs until x passes `limit`: under vmap each example stops on its own."""
    return lax.while_loop(lambda c: c[1] < limit, lambda c: (c[0] + 1, c[1] * 1.5 + fnp.sin(c[1]) * limit),
                          (0, x))[1]


def test_vmap_of_reverse_mode_through_while_loop_runs_each_example_to_its_own_end_also_under_jit():
    d1 = lambda limit, x: ft.grad(grow, 1)(limit, x)
    d2 = lambda limit, x: ft.grad(ft.grad(grow, 1), 1)(limit, x)
    d2_limit = lambda limit, x: ft.grad(ft.grad(grow))(limit, x)
    jvp_grad = lambda limit, x: ft.jvp(lambda x: ft.grad(grow, 1)(limit, x), (x,), (1.0,))[1]
    limits = np.array([2.0, 5.0, 30.0])      # 1, 2 and 4 steps from x = 1
    for fn in (d1, d2, d2_limit, jvp_grad):
        np.testing.assert_allclose(ft.vmap(fn, in_axes=(0, None))(limits, 1.0), [fn(l, 1.0) for l in limits],
                                   rtol=1e-12)
    # Under jit the condition is batched: every phase masks the steps an
    # example did not take (d2_limit sums the cts of a const, in three sweeps).
    compiled = ft.jit(ft.vmap(lambda l, x: (d1(l, x), d2_limit(l, x)), in_axes=(0, None)))
    for got, fn in zip(compiled(limits, 1.0), (d1, d2_limit)):
        np.testing.assert_allclose(got, [fn(l, 1.0) for l in limits], rtol=1e-12)
    xs = np.array([0.3, 0.7, 1.1])           # the same trip count: an unbatched condition
    np.testing.assert_allclose(ft.vmap(ft.grad(ft.grad(while_body)))(xs),
                               [ft.grad(ft.grad(while_body))(x) for x in xs], rtol=1e-12)


@pytest.mark.parametrize("fn, points", [(c[0], c[2]) for c in CASES], ids=IDS)
def test_vmap_matches_a_loop(fn, points):
    xs = np.array(points)
    np.testing.assert_allclose(ft.vmap(fn)(xs), [fn(x) for x in xs], rtol=1e-12)
    np.testing.assert_allclose(ft.vmap(ft.grad(fn))(xs), [ft.grad(fn)(x) for x in xs], rtol=1e-12)


def test_while_loop_with_a_batched_condition_runs_each_example_to_its_own_end():
    count = lambda limit: lax.while_loop(lambda c: c[1] < limit, lambda c: (c[0] + 1, c[1] * 2.0), (0, 1.0))
    steps, values = ft.vmap(count)(np.array([1.5, 10.0, 100.0]))
    np.testing.assert_array_equal(steps, [1, 4, 7])
    np.testing.assert_array_equal(values, [2.0, 16.0, 128.0])


def test_scan_with_pytrees_reverse_and_length():
    def step(carry, x):
        total, count = carry
        return (total + x["a"] * x["b"], count + 1), {"running": total}
    xs = {"a": np.arange(4.0), "b": np.ones(4)}
    (total, count), ys = lax.scan(step, (0.0, 0), xs, reverse=True)
    assert total == 6.0 and count == 4
    np.testing.assert_array_equal(ys["running"], [6.0, 5.0, 3.0, 0.0])
    carry, ys = lax.scan(lambda c, _: (c * 2.0, c), 1.0, None, length=3)
    assert carry == 8.0
    np.testing.assert_array_equal(ys, [1.0, 2.0, 4.0])


def test_d2l_control_flow_with_lax_equals_the_python_version():
    def f_lax(a):
        b = lax.while_loop(lambda b: fnp.linalg.norm(b) < 1000, lambda b: b * 2, a * 2)
        return lax.cond(fnp.sum(b) > 0, lambda b: b, lambda b: 100 * b, b)

    def f_python(a):
        b = a * 2
        while fnp.linalg.norm(b) < 1000:
            b = b * 2
        return b if fnp.sum(b) > 0 else 100 * b
    for a in (np.array(0.37), np.array([0.3, -0.1]), -np.ones((2, 2)) / 7):
        np.testing.assert_allclose(f_lax(a), f_python(a))
        np.testing.assert_allclose(ft.grad(lambda a: f_lax(a).sum())(a), ft.grad(lambda a: f_python(a).sum())(a))


def test_carry_whose_type_changes_names_the_leaf():
    with pytest.raises(DTypeError, match=r"leaf 1 \(carry\[1\]\): f64\[\] became f32\[\]"):
        lax.fori_loop(0, 3, lambda i, v: v.astype(np.float32), 1.0)
    with pytest.raises(DTypeError, match=r"carry.*i64\[\] became f64\[\]"):
        lax.while_loop(lambda c: c < 3, lambda c: c + 0.5, 0)


def test_branches_with_different_types_are_named():
    with pytest.raises(DTypeError, match="must return the same types"):
        lax.cond(True, lambda x: x, lambda x: x.astype(np.float32), np.ones(2))


def test_python_control_flow_inside_a_loop_body_is_refused():
    with pytest.raises(ConcretizationError, match="lax.cond"):
        lax.fori_loop(0, 3, lambda i, v: v * 2 if v > 0 else v, 1.0)
