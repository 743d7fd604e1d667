"""Eager reverse mode from per-equation splits (transforms/eager_vjp) gives
what whole-program linearization gives, bit for bit, and hands programs it
cannot split back to it."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.transforms import eager_vjp

X = np.random.default_rng(0).uniform(-1.0, 1.0, (4, 5))

PROGRAMS = {
    "elementwise": lambda x: fnp.sum(fnp.tanh(fnp.sin(x) * 1.0001 + 0.1) ** 3 / (2.0 + fnp.cos(x))),
    "literals on both sides": lambda x: fnp.sum(2.0 - x * -0.0 + 3.0 / (1.5 + x * x)),
    "matmul and reductions": lambda x: fnp.max(x @ x.T) + fnp.sum(fnp.mean(x, axis=0) ** 2),
    "indexing and where": lambda x: fnp.sum(fnp.where(x > 0, x, 2.0 * x)[1:3, ::2]) + x[2, fnp.argmax(x[0])],
    "shapes": lambda x: fnp.sum(fnp.concatenate([x, fnp.reshape(x.T, (4, 5))]) ** 2),
    "fan-out": lambda x: fnp.sum((x * x) * (x + x)),
}


def _whole_program(monkeypatch):
    monkeypatch.setattr(eager_vjp, "splittable", lambda jaxpr: False)


@pytest.mark.parametrize("name", PROGRAMS)
def test_splits_give_the_whole_program_gradient_bit_for_bit(name, monkeypatch):
    f = PROGRAMS[name]
    split = ft.grad(f)(X)
    _whole_program(monkeypatch)
    np.testing.assert_array_equal(split, ft.grad(f)(X))


def test_vjp_of_several_outputs_and_an_integer_input(monkeypatch):
    def f(x, n):
        return fnp.sin(x) * n, fnp.sum(x ** 2)
    n = np.arange(5)
    ct = (np.ones((4, 5)), np.float64(2.0))
    split = ft.vjp(f, X, n)[1](ct)
    _whole_program(monkeypatch)
    whole = ft.vjp(f, X, n)[1](ct)
    np.testing.assert_array_equal(split[0], whole[0])
    np.testing.assert_array_equal(split[1], whole[1])


def test_a_program_of_repeated_operations_builds_a_few_splits():
    eager_vjp._SPLITS.clear()
    f = lambda x: fnp.sum(fnp.tanh(fnp.sin(x) * 1.0001 + 0.1))
    g = lambda x: f(f(f(x)) * X)
    ft.grad(g)(X)
    built = len(eager_vjp._SPLITS)
    ft.grad(g)(X)
    assert 1 <= built <= 10 and len(eager_vjp._SPLITS) == built


@ft.custom_jvp
def _clipped_square(x):
    return x * x


@_clipped_square.defjvp
def _clipped_square_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    scale = float(np.max(np.abs(np.asarray(x))))    # a rule that needs the concrete value
    return x * x, 2.0 * x * t / max(scale, 1.0)


def test_a_custom_rule_still_sees_concrete_values():
    g = ft.grad(lambda x: fnp.sum(fnp.sin(_clipped_square(x))))(X)
    np.testing.assert_allclose(g, np.cos(X * X) * 2.0 * X, rtol=1e-14)


def test_a_vjp_function_called_under_jit_records_its_backward_pass():
    out, vjp_fn = ft.vjp(lambda x: fnp.sin(x) * 2.0, X)
    np.testing.assert_allclose(ft.jit(vjp_fn)(np.ones((4, 5)))[0], 2.0 * np.cos(X), rtol=1e-15)
