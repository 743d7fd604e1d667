"""Indexing with traced indices under jit, and its errors. The op table
(`op_table_numpy.INDEXING`) checks each index form against NumPy, its
derivatives and vmap, and test_backend each primitive under jit; here one
form per lowering runs in one jitted program, with its gradient, against
eager evaluation (one compile)."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.errors import ConcretizationError

X = np.random.default_rng(0).standard_normal((3, 4, 5))
I, J = np.int64(-1), np.int64(2)
A, B = np.array([2, 0, -1]), np.array([1, 3, 3])


def forms(x, i, j, a, b):
    """One index form of each lowering (dynamic_slice, one-axis gather,
    flat gather at computed positions), read and written; a scalar of all."""
    reads = [x[i, 1:3], x[:, b], x[a, :, b], fnp.take_along_axis(x, fnp.reshape(b % 3, (3, 1, 1)), axis=0)]
    writes = [x.at[i, j].add(2.0), x.at[a].multiply(x[0], unique_indices=True), x.at[a, b].max(0.5)]
    return sum(fnp.sum(r * r) for r in reads) + sum(fnp.sum(w * x) for w in writes)


def test_each_lowering_of_traced_indices_agrees_under_jit_with_its_gradient():
    both = ft.value_and_grad(forms)
    value, grad = both(X, I, J, A, B)
    jit_value, jit_grad = ft.jit(both)(X, I, J, A, B)
    np.testing.assert_allclose(jit_value, value, rtol=1e-12)
    np.testing.assert_allclose(jit_grad, grad, rtol=1e-12, atol=1e-12)


def test_the_cross_entropy_idiom():
    logits = np.random.default_rng(1).standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])

    def loss(logits, labels):
        logp = logits - fnp.log(fnp.sum(fnp.exp(logits), axis=1, keepdims=True))
        return -fnp.mean(logp[fnp.arange(labels.shape[0]), labels])
    want = -np.mean((logits - np.log(np.exp(logits).sum(1, keepdims=True)))[np.arange(4), labels])
    assert np.isclose(ft.jit(loss)(logits, labels), want)
    g = ft.jit(ft.grad(loss))(logits, labels)
    softmax = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(g, (softmax - np.eye(3)[labels]) / 4, rtol=1e-12)


def test_out_of_range_traced_indices_are_clamped_and_negative_ones_wrap():
    x = fnp.arange(5.0)
    read = ft.jit(lambda i: x[i])
    assert [float(read(i)) for i in (-1, -5, 7, -9)] == [4.0, 0.0, 4.0, 0.0]
    np.testing.assert_array_equal(ft.jit(lambda i: x.at[i].set(-1.0))(-2), [0, 1, 2, -1, 4])


def test_repeated_indices_accumulate_as_in_jax():
    x = fnp.ones(3)
    idx = np.array([0, 0, 2])
    np.testing.assert_array_equal(x.at[idx].add(2.0), [5, 1, 3])
    np.testing.assert_array_equal(x.at[idx].multiply(np.array([2.0, 3.0, 4.0])), [6, 1, 4])
    np.testing.assert_array_equal(x.at[idx].min(np.array([0.5, -1.0, 3.0])), [-1, 1, 1])
    f = ft.jit(lambda x, idx: x.at[idx].add(1.0))
    np.testing.assert_array_equal(f(x, idx), [3, 1, 2])


def test_a_traced_boolean_mask_updates_by_where_but_cannot_select_under_jit():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(ft.jit(lambda x: x.at[x < 0].set(0.0))(x), [1, 0, 3])
    np.testing.assert_array_equal(ft.jit(lambda x: x.at[x > 0].multiply(2.0))(x), [2, -2, 6])
    with pytest.raises(ConcretizationError, match=r"fnp\.where\(mask, x, 0\)"):
        ft.jit(lambda x: x[x > 0])(x)
    # Under grad the mask has a value: NumPy's semantics.
    np.testing.assert_array_equal(ft.grad(lambda x: fnp.sum(x[x > 0] ** 2))(x), [2, 0, 6])


@pytest.mark.parametrize("index, error, pattern", [
    (lambda i: (i.astype(np.float64),), IndexError, "integer"),
    (lambda i: (i, i, i, i), IndexError, "too many indices"),
    (lambda i: (i, Ellipsis, Ellipsis), IndexError, "single ellipsis"),
    (lambda i: (i, 9), IndexError, "out of bounds"),
])
def test_bad_traced_indices_raise_indexerror_as_numpy(index, error, pattern):
    with pytest.raises(error, match=pattern):
        ft.jit(lambda x, i: x[index(i)])(X, np.int64(0))


def test_multiply_by_repeated_traced_indices_has_no_derivative_in_the_updates():
    f = lambda v, idx: fnp.sum(fnp.ones(3).at[idx].multiply(v))
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        ft.jit(ft.grad(f))(np.ones(2), np.array([0, 0]))
    g = ft.grad(lambda v, idx: fnp.sum(fnp.ones(3).at[idx].multiply(v, unique_indices=True)))
    np.testing.assert_array_equal(ft.jit(g)(np.array([2.0, 3.0]), np.array([0, 2])), [1.0, 1.0])
