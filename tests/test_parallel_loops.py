"""Large loops run in chunks over numba's threads (`parallel_loops`), small
ones stay serial; results do not depend on the thread count. One parallel
kernel compile; the rest only renders."""
from __future__ import annotations

import numba
import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans.backend.parallel_loops import PARALLEL_MIN_ITERATIONS
from functrans.backend.render import render_jaxpr

LARGE = PARALLEL_MIN_ITERATIONS + 3     # not a multiple of the chunk count: rows left over


def source_of(fun, *args) -> str:
    return render_jaxpr(ft.make_jaxpr(fun)(*args).jaxpr)


def loss(x):
    return fnp.sum(fnp.tanh(x) * fnp.exp(-x * x) + fnp.sin(x) * fnp.cos(x))


def test_large_loops_are_parallel_and_their_results_do_not_depend_on_the_thread_count():
    f = ft.jit(ft.value_and_grad(loss))
    x = np.linspace(-1.0, 2.0, LARGE)
    assert "prange(" in f.lower(x).compile().as_text()
    value, grad = f(x)
    np.testing.assert_allclose(value, np.sum(np.tanh(x) * np.exp(-x * x) + np.sin(x) * np.cos(x)), rtol=1e-12)
    t = np.tanh(x)
    expected = (1 - t * t) * np.exp(-x * x) - 2 * x * t * np.exp(-x * x) + np.cos(2 * x)
    np.testing.assert_allclose(grad, expected, rtol=1e-11, atol=1e-14)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial_value, serial_grad = f(x)
    finally:
        numba.set_num_threads(threads)
    assert float(serial_value) == float(value) and np.array_equal(serial_grad, grad)


def test_small_loops_stay_serial():
    assert "prange(" not in source_of(lambda x: fnp.sum(fnp.sin(x)), np.ones(PARALLEL_MIN_ITERATIONS - 1))


def test_a_reduction_over_the_outer_axis_into_an_array_stays_serial():
    # Chunks of rows would race on the accumulators of the column sums.
    x = np.ones((PARALLEL_MIN_ITERATIONS // 4, 4))
    assert "prange(" not in source_of(lambda x: fnp.sum(x * 2.0, axis=0), x)
    assert "prange(" in source_of(lambda x: fnp.sum(x * 2.0, axis=1), x)
