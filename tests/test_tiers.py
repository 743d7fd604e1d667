"""Tiered jit: tier 0 (the Jaxpr on NumPy) serves new signatures at once,
the kernel (tier 1) takes over at a call boundary, and neither a dead
compile worker nor a missing one breaks a call.

The suite runs untiered (conftest); the tests here turn tiering on. Most
replace the builder with `HeldBuild`s that the test finishes itself, so
that the switch happens where the test says and no worker is started; the
worker tests start three workers in all (a real build, a kill, a crash).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from op_table import ROWS
from test_control_flow import CASES, IDS, test_under_jit_values_and_both_modes_match_eager

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.backend import compile_jaxpr, tiers
from functrans.backend.cache import Entry, kernel_digest
from functrans.backend.numpy_eval import UNKNOWN_TRIPS, NumpyProgram, estimated_seconds
from functrans.backend.worker import WorkerClient

X = np.linspace(-1.0, 1.0, 7)


class HeldBuild(tiers.KernelBuild):
    """A build that finishes when the test says: `release()` compiles the
    kernel here, `fail(why)` leaves the function on tier 0."""

    def release(self):
        self.finish(compile_jaxpr(self.closed))

    def fail(self, why="held build failed"):
        self.finish(error=why)


@pytest.fixture
def held(monkeypatch):
    """Tiered jit whose builds are HeldBuilds, listed in the returned list."""
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "1")
    monkeypatch.setattr(tiers, "prestart", lambda: None)
    builds = []

    def request(closed, label):
        builds.append(HeldBuild(closed, label))
        return builds[-1]
    monkeypatch.setattr(tiers, "request", request)
    return builds


def tier(f, *args) -> int:
    """Which tier serves f(*args) now: 1 if its signature's kernel is in use."""
    entry = f._lookup(args, {})
    return 0 if entry.kernel is None else 1


def test_first_calls_run_on_numpy_and_switch_to_the_kernel_at_a_call_boundary(held, capsys, monkeypatch):
    monkeypatch.setenv("FUNCTRANS_LOG_COMPILES", "1")
    f = ft.jit(ft.value_and_grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(-x * x))))
    before = [f(X) for _ in range(3)]
    assert tier(f, X) == 0 and len(held) == 1
    held[0].release()
    assert tier(f, X) == 0          # nothing switches until the next call starts
    after = [f(X) for _ in range(3)]
    assert tier(f, X) == 1
    for (v0, g0), (v1, g1) in zip(before, after):
        assert type(v0) is type(v1) is ft.Array and v0.shape == v1.shape == () and v0.dtype == v1.dtype
        assert type(g0) is type(g1) is ft.Array
        np.testing.assert_allclose(v1, v0, rtol=1e-13)
        np.testing.assert_allclose(g1, g0, rtol=1e-13)
    log = capsys.readouterr().err
    assert "tracing <lambda> for (f64[7]): first call" in log and "switches to its kernel (tier 1)" in log


def test_the_general_call_path_switches_too(held):
    f = ft.jit(lambda d, s: {"y": d["a"] * s}, static_argnums=1)
    assert f({"a": X}, 2.0)["y"][3] == X[3] * 2.0
    held[0].release()
    np.testing.assert_allclose(f({"a": X}, 2.0)["y"], X * 2.0)
    assert f._lookup(({"a": X}, 2.0), {}).kernel is not None


def test_a_failed_build_leaves_the_function_on_tier0_with_correct_results(held):
    f = ft.jit(lambda x: fnp.sin(x) * 2.0)
    f(X)
    held[0].fail()
    for _ in range(3):
        np.testing.assert_allclose(f(X), np.sin(X) * 2.0, rtol=1e-15)
    assert tier(f, X) == 0


def test_threads_calling_across_the_switch_all_get_correct_results(held):
    f = ft.jit(lambda x: fnp.cos(x) + x)
    want = np.cos(X) + X
    f(X)
    errors, start, released = [], threading.Barrier(5), threading.Event()

    def hammer():
        start.wait()
        after = 0
        while after < 200:      # calls on both sides of the switch
            after += released.is_set()
            got = f(X)
            if not np.allclose(got, want, rtol=1e-14):
                errors.append(got)
    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    start.wait()
    held[0].release()
    released.set()
    for t in threads:
        t.join()
    assert not errors and tier(f, X) == 1


FACADE = [r for r in ROWS if not r.is_primitive and r.numpy_name is not None]


def test_tier0_matches_eager_on_every_numpy_facade_row(held):
    checked = 0
    for row in FACADE:
        args = row.args()
        try:
            want = row.fun(*args)
        except Exception:      # rows that test error messages
            continue
        if any(np.iscomplexobj(a) for a in ft.tree_util.tree_leaves(args)):
            continue           # jit holds no complex values, on either tier (test_user_mistakes)
        got = ft.jit(row.fun)(*args)
        for g, w in zip(ft.tree_util.tree_leaves(got), ft.tree_util.tree_leaves(want)):
            assert np.asarray(g).dtype == np.asarray(w).dtype, row.id
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=row.id)
        checked += 1
    assert checked > 0.9 * len(FACADE) and all(b.kernel is None for b in held)


def test_tier0_reuses_dead_intermediates_but_never_inputs_outputs_or_live_views(held):
    """Ufunc results write into operands that die there; a buffer that an
    input, an output or a view still holds is never written."""
    def f(x):
        y = fnp.sin(x) * 2.0                 # y dies in `z`: z may take its buffer
        z = y * y + 1.0
        view = fnp.reshape(z, (4, 2))        # a view of z lives on to the outputs
        w = fnp.exp(z) - z                   # z is read by reshape: never overwritten
        return w, view, fnp.cos(x) * x       # x is an input: never overwritten
    x = np.linspace(-1.0, 1.0, 8)
    program = NumpyProgram(ft.make_jaxpr(f)(x).jaxpr)
    reused = [step[-1] for step in program.steps if step[-1] is not None]
    assert reused and not set(reused) & (set(range(program.n_inputs)) | set(program.outputs))
    before = x.copy()
    got = ft.jit(f)(x)
    want = f(before)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-14)
    np.testing.assert_array_equal(x, before)
    grad = ft.jit(ft.grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(-x * x) + fnp.sin(x) * fnp.cos(x))))
    t = np.tanh(x)
    np.testing.assert_allclose(grad(x), (1 - t * t) * np.exp(-x * x) - 2 * x * t * np.exp(-x * x) + np.cos(2 * x),
                               rtol=1e-13)
    np.testing.assert_array_equal(x, before)
    assert all(b.kernel is None for b in held)


@pytest.mark.parametrize("fn, reference, points", CASES, ids=IDS)
def test_control_flow_on_tier0_matches_eager_in_both_modes(held, fn, reference, points):
    test_under_jit_values_and_both_modes_match_eager(fn, reference, points)   # tier 0 all along
    assert held and all(b.kernel is None for b in held)


def test_a_long_scan_is_estimated_slower_than_compiling_and_a_short_chain_is_not():
    def loss(a, xs):
        return fnp.sum(lax.scan(lambda h, x: (fnp.tanh(a * h + x),) * 2, 0.0, xs)[1])
    long_scan = ft.make_jaxpr(ft.grad(loss))(0.5, np.ones(10**5)).jaxpr
    chain = ft.make_jaxpr(ft.grad(lambda x: fnp.sum(fnp.tanh(x) * x)))(np.ones(10**6)).jaxpr
    assert estimated_seconds(long_scan) > 1.0 > 0.1 > estimated_seconds(chain)
    spin = ft.make_jaxpr(lambda a: lax.while_loop(lambda b: b < 10.0, lambda b: b * 2.0, a))(1.0).jaxpr
    assert estimated_seconds(spin) >= UNKNOWN_TRIPS * 2e-6


def test_a_signature_estimated_slower_than_compiling_waits_for_its_kernel(held, monkeypatch):
    jit_module = sys.modules["functrans.api.jit"]
    monkeypatch.setattr(jit_module, "estimated_seconds", lambda jaxpr: 10.0)
    monkeypatch.setattr(HeldBuild, "wait", lambda self, timeout=None: self.release() or self.kernel)

    class NoTier0(jit_module.NumpyProgram):
        def __call__(self, *args):
            pytest.fail("tier 0 ran a call estimated to take 10 s")
    monkeypatch.setattr(jit_module, "NumpyProgram", NoTier0)
    monkeypatch.setattr(tiers, "worker_ready", lambda: True)
    f = ft.jit(lambda x: x * 3.0)
    np.testing.assert_allclose(f(X), X * 3.0)
    assert tier(f, X) == 1 and len(held) == 1       # the worker's kernel
    monkeypatch.setattr(tiers, "worker_ready", lambda: False)
    g = ft.jit(lambda x: x * 4.0)
    np.testing.assert_allclose(g(X), X * 4.0)
    assert tier(g, X) == 1 and len(held) == 1       # compiled here: no warm worker to wait for


def test_untiered_jit_compiles_on_the_first_call(monkeypatch):
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "0")
    monkeypatch.setattr(tiers, "request", lambda *a: pytest.fail("untiered jit requested a build"))
    f = ft.jit(lambda x: x * 2.0 + 1.0)
    np.testing.assert_allclose(f(X), X * 2.0 + 1.0)
    assert tier(f, X) == 1


def test_lower_gives_the_jaxpr_and_compile_a_kernel_that_checks_its_signature(held):
    f = ft.jit(lambda x, n: x ** n, static_argnums=1)
    lowered = f.lower(X, 3)
    assert "integer_pow" in lowered.as_text() or "mul" in lowered.as_text()
    np.testing.assert_allclose(f(X, 3), X ** 3)      # tier 0
    held[0].fail("no worker here")    # .compile() then compiles in process
    compiled = lowered.compile()
    np.testing.assert_allclose(compiled(X), X ** 3)
    assert "def functrans_kernel" in compiled.as_text()
    with pytest.raises(TypeError, match=r"takes \(f64\[7\]\), but was called with \(f64\[3\]\)"):
        compiled(np.ones(3))


# ---------------------------------------------------------------- the worker

def run(script: str, env_extra: dict, tmp_path) -> list[str]:
    env = {k: v for k, v in __import__("os").environ.items() if k != "FUNCTRANS_JIT_TIERED"}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=300, env={**env, "FUNCTRANS_CACHE_DIR": str(tmp_path), **env_extra})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.split()


def test_numba_is_imported_neither_by_functrans_nor_by_a_tier0_call_and_the_worker_builds_the_kernel(tmp_path):
    out = run("""
        import sys, numpy as np
        import functrans as ft, functrans.numpy as fnp
        from functrans.backend import tiers
        print("numba" in sys.modules)
        f = ft.jit(ft.grad(lambda x: fnp.sum(fnp.sin(x) * x)))
        x = np.linspace(0.0, 1.0, 5)
        g0 = f(x)
        print("numba" in sys.modules)
        print(tiers.wait_all(timeout=240) is not None)
        print(bool(np.allclose(f(x), g0, rtol=1e-14)), bool(np.allclose(g0, np.cos(x) * x + np.sin(x))))
        print(f._lookup((x,), {}).kernel is not None)
    """, {}, tmp_path)
    assert out == ["False", "False", "True", "True", "True", "True"]
    assert list(tmp_path.glob("*.kernel")), "the worker wrote no complete cache entry"


def crashing_source(how: str) -> str:
    return f"import ctypes, os, signal\n{how}\n\ndef functrans_kernel(x):\n    return (x,)\n"


@pytest.mark.parametrize("how", ["os.kill(os.getpid(), signal.SIGKILL)", "ctypes.string_at(0)"],
                         ids=["killed", "segfault"])
def test_a_worker_that_dies_fails_its_builds_once_and_never_hangs(how, tmp_path):
    worker = WorkerClient()
    outcome, done = [], threading.Event()
    source = crashing_source(how)

    def finished(seconds, error):
        outcome.append((seconds, error))
        done.set()
    assert worker.submit(tmp_path, kernel_digest(source), source, [], finished)
    assert done.wait(240), "the build of a crashing kernel never finished"
    (seconds, error), = outcome
    assert seconds is None and "compile worker" in error and ("signal 9" in error or "signal 11" in error)
    assert worker.dead is not None and not worker.submit(tmp_path, "x", source, [], finished)
    assert not Entry(kernel_digest(source), tmp_path).is_complete()


def test_a_dead_worker_leaves_jit_on_tier0_and_says_so_once(monkeypatch, capsys):
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "1")
    monkeypatch.setenv("FUNCTRANS_LOG_COMPILES", "1")
    monkeypatch.setattr(tiers, "BUILDER", tiers.Builder())
    monkeypatch.setattr(tiers, "MAX_WORKER_STARTS", 1)
    render = sys.modules["functrans.backend.render"]
    monkeypatch.setattr(render, "render_jaxpr", lambda jaxpr: crashing_source("ctypes.string_at(0)"))
    f, g = ft.jit(lambda x: fnp.exp(x) - 1.0), ft.jit(lambda x: fnp.log1p(x))
    np.testing.assert_allclose(f(X), np.expm1(X), rtol=1e-13)
    np.testing.assert_allclose(g(X + 1.0), np.log1p(X + 1.0), rtol=1e-13)
    assert tiers.wait_all(timeout=240) is None
    for _ in range(3):
        np.testing.assert_allclose(f(X), np.expm1(X), rtol=1e-13)
    assert tier(f, X) == 0 and tier(g, X + 1.0) == 0
    log = capsys.readouterr().err
    assert log.count("was killed by signal 11") == 1, log


def test_where_no_worker_can_start_kernels_compile_in_process(monkeypatch):
    monkeypatch.setenv("FUNCTRANS_JIT_TIERED", "1")
    monkeypatch.setattr(tiers, "BUILDER", tiers.Builder())
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    f = ft.jit(lambda x: fnp.exp(x) - 1.0)
    np.testing.assert_allclose(f(X), np.expm1(X), rtol=1e-13)
    assert tiers.wait_all(timeout=240) is not None      # built by the builder thread, here
    np.testing.assert_allclose(f(X), np.expm1(X), rtol=1e-13)
    assert tier(f, X) == 1
