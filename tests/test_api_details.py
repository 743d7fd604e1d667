"""API details real JAX programs hit (issue 16, section 5): static
arguments by position or keyword, `lax.Precision` / `precision=`, refusals
that are TypeErrors as in JAX, vjp cotangents given as scalars, and
`checkpoint` / nested `jit` under other transformations."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.errors import ShapeError, TransformTypeError, UnsupportedError

X = np.linspace(-1.0, 1.0, 3)
A = np.arange(6.0).reshape(2, 3) / 4.0
B = np.arange(12.0).reshape(3, 4) / 5.0


def scaled_tile(x, n, *, mode="sum"):
    """Needs `n` and `mode` as Python values (a shape and a branch)."""
    tiled = fnp.concatenate([x] * n)
    return fnp.sum(tiled) if mode == "sum" else fnp.max(tiled)


@pytest.mark.parametrize("call", [lambda f: f(X, 2), lambda f: f(X, n=2), lambda f: f(x=X, n=2)],
                         ids=["positional", "keyword", "all_keywords"])
@pytest.mark.parametrize("make", [lambda: ft.jit(scaled_tile, static_argnames="n"),
                                  lambda: ft.jit(scaled_tile, static_argnums=1)], ids=["argnames", "argnums"])
def test_a_static_argument_is_static_by_position_and_by_keyword(make, call):
    f = make()
    np.testing.assert_allclose(call(f), 2 * X.sum())
    np.testing.assert_allclose(f(X, 3), 3 * X.sum())
    assert len(f._cache) == 2     # one trace per static value, however it was passed


def test_static_argnames_of_a_keyword_only_parameter():
    f = ft.jit(scaled_tile, static_argnames=("n", "mode"))
    assert float(f(X, 2, mode="max")) == X.max()
    assert float(f(X, n=2, mode="sum")) == pytest.approx(2 * X.sum())


def test_precision_is_accepted_everywhere_and_changes_nothing():
    expected = A @ B
    for precision in (None, lax.Precision.DEFAULT, lax.Precision.HIGH, lax.Precision.HIGHEST, "highest",
                      (lax.Precision.HIGHEST, lax.Precision.DEFAULT)):
        np.testing.assert_array_equal(fnp.dot(A, B, precision=precision), expected)
        np.testing.assert_array_equal(fnp.matmul(A, B, precision=precision), expected)
        np.testing.assert_array_equal(fnp.einsum("ij,jk->ik", A, B, precision=precision), expected)
        np.testing.assert_array_equal(lax.dot_general(A, B, (((1,), (0,)), ((), ())), precision=precision),
                                      expected)
        np.testing.assert_array_equal(lax.dot(A, B, precision=precision), expected)
    assert lax.Precision("highest") is lax.Precision.HIGHEST and str(lax.Precision.HIGH) == "HIGH"
    with pytest.raises(ValueError, match="precision='fast' is not a lax.Precision"):
        fnp.dot(A, B, precision="fast")


def test_precision_under_grad_and_jit():
    loss = lambda a: fnp.sum(fnp.tanh(fnp.matmul(a, B, precision=lax.Precision.HIGHEST)))
    np.testing.assert_allclose(ft.grad(loss)(A), (1 - np.tanh(A @ B) ** 2) @ B.T, rtol=1e-13)
    contract = ft.jit(lambda a: lax.dot_general(a, B, (((1,), (0,)), ((), ())), precision=lax.Precision.HIGH))
    np.testing.assert_allclose(contract(A), A @ B, rtol=1e-14)


def test_preferred_element_type_is_the_dtype_of_the_product():
    a32, b32 = A.astype(np.float32), B.astype(np.float32)
    out = lax.dot_general(a32, b32, (((1,), (0,)), ((), ())), preferred_element_type=np.float64)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, a32.astype(np.float64) @ b32.astype(np.float64), rtol=1e-15)
    assert fnp.dot(np.arange(3), np.arange(3), preferred_element_type=np.float32).dtype == np.float32
    with pytest.raises(ShapeError, match="rank-1 or rank-2"):
        lax.dot(np.ones((2, 2, 2)), np.ones(2))


def _custom_square():
    @ft.custom_vjp
    def square(x):
        return x * x
    square.defvjp(lambda x: (x * x, x), lambda x, ct: (2.0 * x * ct,))
    return square


def test_refusals_jax_makes_with_type_error_are_type_errors():
    square = _custom_square()
    with pytest.raises(TypeError, match="custom_vjp") as info:
        ft.jvp(square, (1.0,), (1.0,))
    assert isinstance(info.value, (TransformTypeError, UnsupportedError))
    with pytest.raises(TypeError, match="real-valued outputs"):
        ft.grad(lambda x: x * 1j)(1.0)
    with pytest.raises(TypeError, match="floating-point"):
        ft.grad(lambda x: x * 2)(3)
    np.testing.assert_allclose(ft.grad(square)(3.0), 6.0)


@pytest.mark.parametrize("ct", [2.0, 2, np.float64(2.0), np.array(2.0), np.float32(2.0)],
                         ids=["float", "int", "float64", "0-d", "float32"])
def test_vjp_pullback_takes_scalar_cotangents(ct):
    _, pullback = ft.vjp(lambda x: fnp.sum(x ** 2), X)
    np.testing.assert_allclose(pullback(ct)[0], 4.0 * X)
    _, pullback = ft.vjp(fnp.sin, 0.5)
    np.testing.assert_allclose(pullback(ct)[0], 2.0 * np.cos(0.5))
    _, pullback = ft.vjp(ft.jit(lambda x: fnp.sum(x ** 2)), X)
    np.testing.assert_allclose(pullback(ct)[0], 4.0 * X)


def test_vjp_pullback_names_both_shapes_and_dtypes_of_a_wrong_cotangent():
    _, pullback = ft.vjp(fnp.sin, X)
    with pytest.raises(ValueError, match=r"cotangent of shape \(2,\) for an output of shape \(3,\)"):
        pullback(np.ones(2))
    with pytest.raises(TypeError, match=r"cotangent of dtype int64 for an output of type f64\[3\]"):
        pullback(np.ones(3, dtype=np.int64))
    with pytest.raises(TypeError, match=r"cotangent of dtype complex128 for an output of type f64\[3\]"):
        pullback(np.ones(3, dtype=complex))


def test_checkpoint_under_jit_is_inlined_and_matches_eager():
    def f(x):
        return fnp.sum(fnp.sin(fnp.cos(x)) ** 2)
    expected = ft.grad(f)(X)
    for g in (ft.checkpoint(f), ft.remat(f)):
        np.testing.assert_allclose(ft.jit(ft.grad(g))(X), expected, rtol=1e-13)
    np.testing.assert_allclose(ft.jit(ft.checkpoint(f))(X), f(X), rtol=1e-14)
    assert "jit" in ft.checkpoint.__doc__ and "inlined" in ft.checkpoint.__doc__    # documented, as chosen


def test_vmap_of_a_jitted_function_inlines_it():
    inner = ft.jit(lambda x: fnp.sin(x) * 2.0)
    batch = np.stack([X, 2 * X])
    np.testing.assert_allclose(ft.vmap(inner)(batch), 2.0 * np.sin(batch), rtol=1e-15)
    np.testing.assert_allclose(ft.vmap(ft.grad(lambda x: fnp.sum(inner(x))))(batch), 2.0 * np.cos(batch))
