"""Compiling, loading and caching from many threads at once: 4 threads call
one new jitted function, a new function each, and one existing function,
20 rounds, untiered (each thread's first call compiles or waits for the
compile) and tiered (tier 0, the worker's build, the switch to tier 1
while the other threads call). Every value is checked; no call may raise.

Each round's shared function is a new program (a new kernel to compile);
the per-thread functions are new function objects of four programs made
in the first round (kernels found in memory or on disk afterwards).
"""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.backend import tiers

THREADS, ROUNDS = 4, 20
X = np.linspace(-1.0, 1.0, 5)
EXISTING = ft.jit(lambda x: fnp.sum(fnp.tanh(x)))


def run_rounds(seed: float, until_tier1: bool):
    """Run the rounds; returns the errors (empty if every call was right)."""
    errors = []
    for r in range(ROUNDS):
        c = seed + r
        shared = ft.jit(lambda x: fnp.sin(x) * c)
        own = [ft.jit(lambda x, i=i: fnp.cos(x) * (i + 0.5)) for i in range(THREADS)]
        start = threading.Barrier(THREADS)

        def work(i):
            try:
                start.wait()
                deadline = time.monotonic() + 120
                while True:
                    np.testing.assert_allclose(shared(X), np.sin(X) * c, rtol=1e-14)
                    np.testing.assert_allclose(own[i](X), np.cos(X) * (i + 0.5), rtol=1e-14)
                    np.testing.assert_allclose(EXISTING(X), np.sum(np.tanh(X)), rtol=1e-14)
                    if not until_tier1 or shared._lookup((X,), {}).kernel_now() is not None:
                        break
                    assert time.monotonic() < deadline, "no switch to tier 1 within 120 s"
                    time.sleep(0.001)
            except BaseException as e:      # reported by the test, with the round
                errors.append(f"round {r}, thread {i}: {type(e).__name__}: {e}")
        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return errors


def test_four_threads_compile_and_load_new_and_existing_functions_untiered():
    assert run_rounds(1.25, until_tier1=False) == []


@pytest.fixture
def tiered(monkeypatch):
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "1")
    monkeypatch.setattr(tiers, "BUILDER", tiers.Builder())
    yield
    worker = tiers.BUILDER.worker()
    if worker is not None:
        worker.close()


def test_four_threads_switch_tiers_while_calling_new_and_existing_functions(tiered):
    assert run_rounds(100.25, until_tier1=True) == []
    assert all(build.kernel is not None for build in tiers.BUILDER.builds), [
        build.error for build in tiers.BUILDER.builds if build.kernel is None]
