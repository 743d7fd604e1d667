"""functrans.test_util.check_grads: it passes on correct derivatives, to any
order and on pytrees, and fails, naming the check, on wrong ones."""
import doctest

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
import functrans.test_util
from functrans.test_util import check_grads

X = np.linspace(-1.0, 1.0, 5)


def sin_with_jvp(tangent_rule):
    """sin, with `tangent_rule(x, t)` as its custom JVP."""
    f = ft.custom_jvp(fnp.sin)
    f.defjvp(lambda primals, tangents: (fnp.sin(primals[0]), tangent_rule(primals[0], tangents[0])))
    return f


def sin_with_vjp(cotangent_rule):
    """sin, with `cotangent_rule(x, ct)` as its custom VJP."""
    f = ft.custom_vjp(fnp.sin)
    f.defvjp(lambda x: (fnp.sin(x), (x,)), lambda residuals, ct: (cotangent_rule(residuals[0], ct),))
    return f


@pytest.mark.parametrize("order", [1, 2, 3])
def test_check_grads_passes_on_correct_derivatives(order):
    check_grads(lambda x, y: fnp.sin(x) * fnp.exp(y), (X, X[::-1]), order=order)


def test_check_grads_passes_on_pytree_arguments_and_outputs():
    f = lambda d: {"product": d["a"] * d["b"], "tanh": fnp.tanh(d["a"])}
    check_grads(f, ({"a": X, "b": X ** 2},), order=2)


def test_check_grads_fails_on_a_wrong_forward_derivative():
    wrong = sin_with_jvp(lambda x, t: fnp.sin(x) * t)     # d sin = sin: wrong
    with pytest.raises(AssertionError, match="JVP tangent"):
        check_grads(wrong, (X,), order=1, modes=("fwd",))


def test_check_grads_fails_on_a_wrong_reverse_derivative():
    wrong = sin_with_vjp(lambda x, ct: 2.0 * fnp.cos(x) * ct)
    with pytest.raises(AssertionError, match="VJP cotangent projection"):
        check_grads(wrong, (X,), order=1, modes=("rev",))


def test_check_grads_fails_at_second_order_on_a_derivative_right_only_at_first():
    # cos(stop_gradient(x)): the first derivative is right, its own derivative is 0.
    frozen = sin_with_jvp(lambda x, t: fnp.cos(ft.stop_gradient(x)) * t)
    check_grads(frozen, (X,), order=1, modes=("fwd",))
    with pytest.raises(AssertionError, match="JVP of JVP"):
        check_grads(frozen, (X,), order=2, modes=("fwd",))


def test_check_grads_fails_with_a_deliberately_wrong_primitive_rule():
    """A throwaway primitive whose JVP rule is off by a factor of 2."""
    from functrans.core import REGISTRY, Primitive
    from functrans.ops import rules
    from functrans.ops.elementwise import elementwise_batch
    prim = Primitive("test_wrong_double", shape_rule=lambda x: x, impl=lambda x: 2.0 * np.asarray(x))
    try:
        prim.jvp = rules.jvp_maps(prim, lambda t, x, out: 4.0 * t)
        prim.batch = elementwise_batch(prim)
        with pytest.raises(AssertionError, match="JVP tangent"):
            check_grads(prim, (X,), order=1, modes=("fwd",))
    finally:
        del REGISTRY["test_wrong_double"]   # keep the registry (and its completeness test) clean


def test_check_grads_rejects_unknown_modes():
    with pytest.raises(ValueError, match="unknown modes"):
        check_grads(fnp.sin, (X,), order=1, modes=("forward",))


def test_check_grads_docstring_example_runs():
    failures, tried = doctest.testmod(functrans.test_util)
    assert tried >= 2 and failures == 0
