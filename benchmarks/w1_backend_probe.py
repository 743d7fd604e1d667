"""W1 backward pass: the compiled gradient kernel against a hand-written
serial numba loop computing the same gradient, one thread each.

    NUMBA_NUM_THREADS=1 python benchmarks/w1_backend_probe.py [n]

Prints the median seconds per call of each and their ratio; compile time is
kept out (both are called once before timing).
"""
import os
import sys
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import math  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402

import functrans as ft  # noqa: E402
import functrans.numpy as fnp  # noqa: E402
from functrans.backend import compile_jaxpr  # noqa: E402
from functrans.transforms.passes import simplify  # noqa: E402


def f(x):
    return fnp.sum(fnp.tanh(x) * fnp.exp(-x * x) + fnp.sin(x) * fnp.cos(x) + fnp.log1p(x * x))


@numba.njit
def hand_gradient(x):
    """d/dx of tanh(x) exp(-x^2) + sin(x) cos(x) + log1p(x^2), elementwise."""
    g = np.empty_like(x)
    for i in range(x.shape[0]):
        a = x[i]
        t = math.tanh(a)
        e = math.exp(-a * a)
        s, c = math.sin(a), math.cos(a)
        g[i] = (1.0 - t * t) * e - 2.0 * a * t * e + c * c - s * s + 2.0 * a / (1.0 + a * a)
    return g


def median_seconds(funs, repeats):
    """Median time of each function, calls interleaved so that load from
    other processes on this shared machine hits both alike."""
    times = [[] for _ in funs]
    for _ in range(repeats):
        for fun, samples in zip(funs, times):
            start = time.perf_counter()
            fun()
            samples.append(time.perf_counter() - start)
    return [float(np.median(samples)) for samples in times]


def main(n=10_000_000, repeats=15):
    x = np.random.default_rng(0).uniform(-2.0, 2.0, n)
    kernel = compile_jaxpr(simplify(ft.make_jaxpr(ft.grad(f))(x)))   # what jit compiles
    np.testing.assert_allclose(kernel(x)[0], hand_gradient(x), rtol=1e-9, atol=1e-12)
    hand, ours = median_seconds([lambda: hand_gradient(x), lambda: kernel(x)], repeats)
    print(f"W1 grad, n={n:.0e}, threads={numba.get_num_threads()}")
    print(f"  hand-written numba loop  {hand * 1e3:8.2f} ms")
    print(f"  functrans kernel         {ours * 1e3:8.2f} ms")
    print(f"  ratio                    {ours / hand:8.3f}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 10_000_000)
