"""Kernel buffers: large temporaries that only loops read are per-thread
scratch buffers kept across calls, outputs stay arrays the caller owns
alone (recycled only once dropped), and a const
of one repeated value becomes a scalar in the loops. One kernel compile."""
from __future__ import annotations

import threading

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans.backend import render
from functrans.transforms.passes import _uniform_value

N = render.SCRATCH_MIN_BYTES // 8 + 10    # float64 elements: just above the scratch size


def two_loops(x):
    """`y` is read shifted, so it is its own loop's array: a scratch buffer."""
    y = fnp.exp(x) * 2.0
    return y[:, 1:] + y[:, :-1]


def expected(x):
    y = np.exp(x) * 2.0
    return y[:, 1:] + y[:, :-1]


def test_large_temporaries_are_scratch_outputs_stay_fresh_and_threads_do_not_share():
    f = ft.jit(two_loops)
    x = np.linspace(-1.0, 1.0, 2 * N).reshape(2, N)    # a 2-d scratch shape, as W2's
    source = f.lower(x).compile().as_text()
    assert source.count("#: scratch ") == 1 and source.count("#: output ") == 1 and "np.empty" not in source
    first = f(x)
    view = f(x + 1.0)[:, 1:]
    third = f(x + 2.0)
    assert not np.shares_memory(first, view.base) and not np.shares_memory(first, third)
    assert not np.shares_memory(view.base, third)         # a view keeps its output from being recycled
    np.testing.assert_allclose(first, expected(x), rtol=1e-14)       # unchanged by the later calls
    np.testing.assert_allclose(view, expected(x + 1.0)[:, 1:], rtol=1e-14)
    np.testing.assert_allclose(third, expected(x + 2.0), rtol=1e-14)
    address = first.__array_interface__["data"][0]
    del first
    assert f(x).__array_interface__["data"][0] == address    # dropped by the caller: recycled

    errors = []

    def worker(k):
        xs = x * (k + 1) / 8
        for _ in range(20):
            if not np.allclose(f(xs), expected(xs), rtol=1e-14):
                errors.append(k)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_uniform_values_are_found_bit_for_bit():
    assert _uniform_value(np.full(5, 3.0)) == 3.0
    assert _uniform_value(np.array([0.0, -0.0])) is None     # a sign of zero is kept
    assert _uniform_value(np.array([1.0, 2.0])) is None
    assert _uniform_value(np.ones(1)) is None                # nothing to gain
    assert np.isnan(_uniform_value(np.full((2, 3), np.nan)))


def test_a_folded_cotangent_of_ones_is_a_scalar_argument_not_an_array():
    f = ft.jit(lambda x: ft.grad(lambda y: fnp.sum(fnp.sin(y[1:])))(x) * 3.0)
    x = np.linspace(0.0, 1.0, 7)
    lowered = f.lower(x)
    assert "f64[6]" not in lowered.as_text().split("let")[0]   # no const array among the inputs
    np.testing.assert_allclose(f(x), np.concatenate([[0.0], 3.0 * np.cos(x[1:])]), rtol=1e-15)
    # The value is an argument, not source text: another value needs no other kernel.
    g = ft.jit(lambda x: x * np.full(x.shape, 2.5))
    h = ft.jit(lambda x: x * np.full(x.shape, 4.0))
    assert g.lower(x).compile().as_text() == h.lower(x).compile().as_text()
    np.testing.assert_array_equal(h(x), x * 4.0)
