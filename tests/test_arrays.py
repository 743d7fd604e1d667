"""`functrans.Array`: what constructors and transformed functions return,
and how it behaves as an ndarray and as a JAX array."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp


@pytest.mark.parametrize("make", [lambda: fnp.zeros(3), lambda: fnp.ones((2, 2)), lambda: fnp.array([1.0, 2.0]),
                                  lambda: fnp.asarray(np.ones(2)), lambda: fnp.arange(4), lambda: fnp.eye(2),
                                  lambda: fnp.linspace(0, 1, 3), lambda: fnp.full(2, 3.0),
                                  lambda: fnp.zeros_like(np.ones(2)), lambda: fnp.array(2.0)],
                         ids=["zeros", "ones", "array", "asarray", "arange", "eye", "linspace", "full", "zeros_like",
                              "0-d"])
def test_constructors_return_arrays(make):
    out = make()
    assert type(out) is ft.Array and isinstance(out, np.ndarray)
    assert out.block_until_ready() is out


def test_transformed_functions_return_arrays_of_every_rank():
    x = np.linspace(-1.0, 1.0, 3)
    f = lambda x: fnp.sum(fnp.sin(x) ** 2)
    for out in (ft.grad(f)(x), ft.jit(f)(x), ft.jit(ft.grad(f))(x), ft.vmap(fnp.sin)(x), ft.grad(fnp.sin)(1.0),
                ft.jvp(f, (x,), (x,))[1], ft.vjp(fnp.sin, x)[1](x)[0], ft.hessian(f)(x)):
        assert type(out) is ft.Array
        assert out.block_until_ready() is out


def test_numpy_on_arrays_keeps_the_subclass_and_plain_arrays_stay_plain():
    a = fnp.arange(3.0)
    assert type(np.sin(a)) is ft.Array and type(a + 1) is ft.Array and type(fnp.sin(a)) is ft.Array
    assert type(fnp.sin(np.arange(3.0))) is np.ndarray
    np.testing.assert_array_equal(np.sin(a), np.sin(np.arange(3.0)))


def test_at_updates_on_fresh_arrays_chain_and_leave_the_original_alone():
    x = fnp.zeros(4)
    y = x.at[1].set(5.0).at[2].add(2.0).at[1].multiply(3.0)
    assert type(y) is ft.Array
    np.testing.assert_array_equal(y, [0.0, 15.0, 2.0, 0.0])
    np.testing.assert_array_equal(x, np.zeros(4))
    np.testing.assert_array_equal(y.at[1].min(4.0).at[3].max(-1.0), [0.0, 4.0, 2.0, 0.0])
    assert y.at[1].get() == 15.0


def test_a_closed_over_array_indexed_by_a_traced_integer():
    table = fnp.array([1.0, 2.0, 3.0, 4.0])
    f = ft.jit(lambda i: table[i] * 2.0)
    assert [float(f(i)) for i in range(4)] == [2.0, 4.0, 6.0, 8.0]
    assert float(f(-1)) == 8.0
    np.testing.assert_array_equal(ft.vmap(lambda i: table[i])(np.array([3, 0])), [4.0, 1.0])
    np.testing.assert_array_equal(ft.jit(lambda i: table.at[i].set(0.0))(1), [1.0, 0.0, 3.0, 4.0])


def test_a_closed_over_array_is_one_constant_however_often_it_is_used():
    table = fnp.arange(3.0)
    jaxpr = ft.make_jaxpr(lambda x: x * table + x / table + table)(np.ones(3))
    assert len(jaxpr.jaxpr.constvars) == 1


def test_isinstance_array_holds_for_traced_values_as_in_jax():
    seen = []
    ft.jit(lambda x: seen.append(isinstance(x, ft.Array)) or x)(1.0)
    assert seen == [True] and not isinstance(np.ones(2), ft.Array) and isinstance(fnp.ones(2), ft.Array)
    assert fnp.ndarray is ft.Array


def test_arrays_into_jit_take_the_fast_path_and_give_the_same_values():
    f = ft.jit(lambda x, y: x * y + 1.0)
    x = fnp.arange(3.0)
    out = f(x, x)
    np.testing.assert_array_equal(out, np.arange(3.0) ** 2 + 1)
    assert len(f._fast) == 1 and len(f._cache) == 1
    np.testing.assert_array_equal(f(np.arange(3.0), np.arange(3.0)), out)   # same trace, another fast key
    assert len(f._cache) == 1
