"""What the generated code showed was missing: CSE across equivalent forms
(`integer_pow[y=2] d` is `mul d d`, `mul a b` is `mul b a`), and transposes
around dot_general folded into BLAS transpose flags or an operand swap
instead of copy loops. One kernel compile."""
from __future__ import annotations

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.backend.render import render_jaxpr

X = np.random.default_rng(0).normal(size=(16, 6))


def loss(w):
    return fnp.sum(fnp.tanh(X @ w) ** 2)


def eqns_of(text, name):
    return [line for line in text.splitlines() if f"= {name}" in line]


def test_square_and_self_product_are_one_equation():
    text = ft.jit(ft.value_and_grad(loss)).lower(np.ones((6, 3))).as_text()
    assert not eqns_of(text, "integer_pow")
    squares = [line for line in eqns_of(text, "mul ") if line.split("= mul ")[1].split()[0:2] ==
               [line.split("= mul ")[1].split()[0]] * 2]
    assert len(squares) == 1, text


def test_commuted_products_are_one_equation():
    text = str(ft.make_jaxpr(lambda a, b: a * b + b * a)(np.ones(3), np.ones(3)))
    assert len(eqns_of(text, "mul")) == 1, text


def test_integer_squares_stay_as_they_are():
    text = str(ft.make_jaxpr(lambda a: a ** 2 + a * a)(np.arange(3)))
    assert len(eqns_of(text, "integer_pow")) == 1 and len(eqns_of(text, "mul")) == 1, text


def test_transposes_around_dots_are_blas_flags_not_copies():
    source = render_jaxpr(ft.make_jaxpr(ft.value_and_grad(loss))(np.ones((6, 3))).jaxpr)
    kernel = source.split("def functrans_kernel")[1]
    assert kernel.count("batched_matmul(") == 2 and "True, False)" in kernel
    assert kernel.count("fused_loop(") == 1       # the tanh loop only: no transpose loop
    swapped = render_jaxpr(ft.make_jaxpr(lambda a, b: (a @ b).T)(np.ones((2, 3)), np.ones((3, 4))).jaxpr)
    assert "fused_loop(" not in swapped and "batched_matmul(lhs_c, rhs_c, prod_c, True, True)" in swapped


def test_folded_dots_compute_the_same_values():
    a, b = X[:, :4], np.random.default_rng(1).normal(size=(16, 5))
    c = np.random.default_rng(2).normal(size=(3, 5, 4))

    def f(a, b, c):
        return a.T @ b, (a.T @ b[:, :4]).T @ b[:, :4].T, fnp.einsum("kij,kil->kjl", c, c), (b.T @ a).T
    for got, want in zip(ft.jit(f)(a, b, c), f(a, b, c)):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


def chain(x, y):
    """Broadcast, transpose, slice, reverse, expand and squeeze chains read by loops."""
    t = lax.rev(lax.slice(lax.transpose(x, (1, 0)), (1, 0), (4, 4)), dimensions=(1,))   # (3, 4): a view of views
    b = lax.broadcast_in_dim(y, shape=(3, 4), broadcast_dimensions=(0,))
    e = lax.squeeze(lax.expand_dims(t, dimensions=(0,)), dimensions=(0,))
    return fnp.sin(t) * b + e * 2.0, fnp.sum(b * t, axis=1)


def chain_numpy(x, y):
    t = x.T[1:, ::-1]
    b = np.broadcast_to(y[:, None], (3, 4))
    return np.sin(t) * b + t * 2.0, np.sum(b * t, axis=1)


def test_index_map_chains_are_read_through_not_materialized():
    x, y = np.arange(16.0).reshape(4, 4) / 7.0, np.arange(3.0)
    source = render_jaxpr(ft.make_jaxpr(chain)(x, y).jaxpr)
    kernel = source.split("def functrans_kernel")[1]
    assert kernel.count("fused_loop(") == 1 and kernel.count("np.empty") == 2, source   # the two outputs
    for got, want in zip(ft.jit(chain)(x, y), chain_numpy(x, y)):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def strided(x):
    return fnp.sum(x[0::2] ** 3) + fnp.sum(fnp.sin(x[1::2]))


def test_interior_padding_loops_by_blocks_of_its_stride():
    # The gradient of strided slices interleaves with pads: by blocks of 2, each
    # residue's `i % 2 == 0` is a constant LLVM folds (W7: 14x faster).
    x = np.linspace(-1.0, 1.0, 10)
    source = render_jaxpr(ft.make_jaxpr(ft.grad(strided))(x).jaxpr)
    assert "for r0 in range(2):" in source and "i0 = 2 * b0 + r0" in source
    odd = render_jaxpr(ft.make_jaxpr(ft.grad(strided))(np.ones(9)).jaxpr)
    assert "for r0" not in odd                 # 9 is no multiple of the stride
    want = np.empty_like(x)
    want[0::2], want[1::2] = 3 * x[0::2] ** 2, np.cos(x[1::2])
    np.testing.assert_allclose(ft.jit(ft.grad(strided))(x), want, rtol=1e-15)
