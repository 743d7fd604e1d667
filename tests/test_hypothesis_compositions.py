"""Random compositions of one to four smooth elementwise operations on random
shapes: the gradient of their sum matches numerics, and reverse mode
agrees with forward mode (`<ct, J t> == <J^T ct, t>`, relative 1e-10).

Inputs are drawn in [-1, 1]; every operation maps that interval into
[-3, 3] and is smooth there (exp is applied to a bounded argument, log1p to a
positive one), so compositions stay finite and well conditioned.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import functrans as ft
import functrans.numpy as fnp
from functrans.test_util import check_grads, numerical_jvp

SMOOTH_OPS = {
    "sin": fnp.sin, "cos": fnp.cos, "tanh": fnp.tanh,
    "exp": lambda x: fnp.exp(fnp.tanh(x)),                 # bounded argument
    "log1p": lambda x: fnp.log1p(x * x),                   # positive argument
    "square": lambda x: fnp.square(x) / 4.0, "logistic": lambda x: 1.0 / (1.0 + fnp.exp(-x)),
    "arctan": fnp.arctan, "scale-shift": lambda x: 0.5 * x - 0.25, "sqrt1p": lambda x: fnp.sqrt(1.0 + x * x),
}

compositions = st.lists(st.sampled_from(sorted(SMOOTH_OPS)), min_size=1, max_size=4)
shapes = array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4)


def compose(names):
    def f(x):
        for name in names:
            x = SMOOTH_OPS[name](x)
        return x
    return f


def inputs(shape, seed):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


@settings(max_examples=30, deadline=None)
@given(compositions, shapes, st.integers(0, 2 ** 16))
def test_grad_of_the_sum_matches_numerics(names, shape, seed):
    """grad against central differences along a random direction (rtol
    1e-6 at step 1e-6), then check_grads to second order in both modes."""
    total = lambda x: fnp.sum(compose(names)(x))
    x = inputs(shape, seed)
    t = np.random.default_rng(seed + 1).standard_normal(shape)
    directional = np.vdot(ft.grad(total)(x), t)
    np.testing.assert_allclose(directional, numerical_jvp(total, (x,), (t,), eps=1e-6), rtol=1e-6, atol=1e-6)
    check_grads(total, (x,), order=2)


@settings(max_examples=30, deadline=None)
@given(compositions, shapes, st.integers(0, 2 ** 16))
def test_vjp_agrees_with_jvp(names, shape, seed):
    f = compose(names)
    x = inputs(shape, seed)
    rng = np.random.default_rng(seed + 1)
    t, ct = rng.standard_normal(shape), rng.standard_normal(shape)
    _, jt = ft.jvp(f, (x,), (t,))
    out, vjp_fn = ft.vjp(f, x)
    (jct,) = vjp_fn(ct)
    lhs, rhs = np.vdot(ct, jt), np.vdot(jct, t)
    scale = max(np.abs(ct).ravel() @ np.abs(jt).ravel(), np.abs(jct).ravel() @ np.abs(t).ravel(), 1.0)
    assert abs(lhs - rhs) <= 1e-10 * scale
    np.testing.assert_allclose(out, f(x), rtol=1e-12)
