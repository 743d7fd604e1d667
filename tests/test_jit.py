"""jit: agreement with eager evaluation across transform compositions, its
cache (compile counts), static arguments and its errors. Every distinct
Jaxpr here costs a numba compile, so functions are shared across tests."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.backend.compile import KERNELS
from functrans.errors import ConcretizationError

rng = np.random.default_rng(5)


def w1(x):
    return fnp.sum(fnp.tanh(x) * fnp.exp(-x * x) + fnp.sin(x) * fnp.cos(x) + fnp.log1p(x * x))


X = rng.standard_normal(50)
jit_grad_w1 = ft.jit(ft.grad(w1))


XM = X.reshape(5, 10)


@pytest.mark.parametrize("make, arg, reference", [
    (lambda: ft.jit(w1), X, lambda: w1(X)),
    (lambda: jit_grad_w1, X, lambda: ft.grad(w1)(X)),
    (lambda: ft.grad(ft.jit(w1)), X, lambda: ft.grad(w1)(X)),
    (lambda: ft.jit(ft.grad(ft.jit(w1))), X, lambda: ft.grad(w1)(X)),
    (lambda: ft.jit(lambda x: ft.jit(w1)(x) * 2.0), X, lambda: 2.0 * w1(X)),
    (lambda: ft.jit(ft.vmap(ft.grad(lambda r: fnp.sum(fnp.sin(r) ** 2)))), XM,
     lambda: 2 * np.sin(XM) * np.cos(XM)),
], ids=["jit", "jit(grad)", "grad(jit)", "jit(grad(jit))", "jit(jit)", "jit(vmap(grad))"])
def test_agreement_matrix_with_eager(make, arg, reference):
    np.testing.assert_allclose(make()(arg), reference(), rtol=1e-12)


def test_second_order_under_jit():
    for x in (-0.3, 0.8):
        np.testing.assert_allclose(ft.jit(ft.grad(ft.grad(fnp.tanh)))(x),
                                   -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), rtol=1e-12)


def test_jit_of_grad_compiles_once_for_a_hundred_calls():
    f = ft.jit(ft.grad(lambda x: fnp.sum(fnp.sin(x) ** 2)))
    before = len(KERNELS)
    for _ in range(100):
        f(X)
    assert len(KERNELS) - before <= 1
    assert f._cache_size() == 1
    f(X[:10])          # a new shape is a new specialisation
    assert f._cache_size() == 2


def test_pytrees_kwargs_and_outputs():
    @ft.jit
    def affine(params, x, *, scale):
        return {"y": (params["w"] @ x + params["b"]) * scale, "n": fnp.sum(x)}
    params = {"w": rng.standard_normal((3, 4)), "b": rng.standard_normal(3)}
    x = rng.standard_normal(4)
    out = affine(params, x, scale=2.0)
    np.testing.assert_allclose(out["y"], (params["w"] @ x + params["b"]) * 2.0, rtol=1e-12)
    assert isinstance(out["y"], np.ndarray)
    np.testing.assert_allclose(out["n"], x.sum())


def test_static_argnums_are_hashed_and_select_specialisations():
    power = ft.jit(lambda x, n: x ** n, static_argnums=1)
    assert power(2.0, 3) == 8.0 and power(2.0, 2) == 4.0
    assert power._cache_size() == 2
    with pytest.raises(TypeError, match="hashable"):
        power(2.0, [3])


def test_python_control_flow_under_jit_names_the_alternatives():
    def branchy(x):
        if x > 0:                   # the line users must see in the traceback
            return x
        return -x
    with pytest.raises(ConcretizationError, match=r"lax\.cond.*lax\.while_loop.*static_argnums") as info:
        ft.jit(branchy)(1.0)
    assert any(frame.name == "branchy" for frame in info.traceback)


def test_float32_stays_float32_and_scalars_are_weak():
    f = ft.jit(lambda x: x * 2.0 + 1)
    out = f(np.ones(3, np.float32))
    assert out.dtype == np.float32
    assert f(3.0) == 7.0


def test_fast_path_takes_any_layout_and_returns_exact_types():
    # The fast path hands C-contiguous arrays and Python floats to numba as
    # they are (Arrays viewed as plain ndarrays); everything else goes
    # through the kernel's conversions. Outputs are Arrays of exact dtypes,
    # rank-0 ones too.
    f = ft.jit(lambda x, s: (x * s, fnp.sum(x) * s))
    base = np.arange(12.0)
    for x in (base, base[::2], base.reshape(3, 4).T[0], base.copy().view(np.ndarray), fnp.asarray(base),
              fnp.asarray(base)[::2]):
        for s in (2.0, 2, True, np.float64(2.0), np.array(2.0), fnp.asarray(2.0)):
            y, total = f(x, s)
            np.testing.assert_array_equal(y, x * float(s))
            assert type(y) is ft.Array and y.dtype == np.float64
            assert type(total) is ft.Array and total.shape == () and total.dtype == np.float64
            assert total == x.sum() * float(s)
    frozen = base.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(f(frozen, 3.0)[0], base * 3.0)
    g = ft.jit(lambda x: fnp.sum(x))
    small = np.arange(4, dtype=np.int32)
    for x in (base, small, fnp.asarray(base), fnp.asarray(small)):
        out = g(x)
        assert type(out) is ft.Array and out.shape == () and out.dtype == np.sum(np.asarray(x)).dtype
    out = ft.jit(lambda b: b & True)(True)
    assert type(out) is ft.Array and out.dtype == np.bool_ and out


def test_log_compiles_says_why_the_cache_missed(capsys, monkeypatch):
    monkeypatch.setenv("FUNCTRANS_LOG_COMPILES", "1")
    f = ft.jit(lambda x: x + 1.0)
    f(np.ones(2))
    f(np.ones(3))
    f(np.ones(3, np.float32))
    out = capsys.readouterr().err
    assert "first call" in out and "new shapes" in out and "new dtypes" in out


def test_outside_jit_grad_compiles_nothing():
    before = len(KERNELS)
    ft.grad(lambda x: fnp.sum(fnp.cos(x) * x))(X)
    assert len(KERNELS) == before


def test_a_second_process_loads_kernels_from_the_disk_cache(tmp_path):
    script = textwrap.dedent("""
        import numpy as np, functrans as ft, functrans.numpy as fnp
        from functrans.backend.compile import KERNELS
        f = ft.jit(ft.grad(lambda x: fnp.sum(fnp.tanh(x) * x)))
        f(np.ones(8))
        (dispatcher,) = KERNELS._dispatchers.values()
        print("hits", sum(dispatcher.stats.cache_hits.values()), "misses", sum(dispatcher.stats.cache_misses.values()))
    """)
    env = {**os.environ, "FUNCTRANS_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "hits 0" in first.stdout, first.stdout
    assert "hits 1 misses 0" in second.stdout, second.stdout


def test_read_only_arrays_do_not_compile_a_kernel_a_second_time():
    c = np.arange(6.0).reshape(2, 3)
    c.flags.writeable = False      # numba types a read-only array apart
    f = ft.jit(lambda x: x * c - 1.0)      # jit hands its consts to the kernel as leading inputs
    x = np.ones((2, 3))
    f(x)
    f(x)
    frozen = np.ones((2, 3))
    frozen.flags.writeable = False
    np.testing.assert_allclose(f(frozen), c - 1.0)
    assert len(f._lookup((x,), {}).kernel.dispatcher.signatures) == 1
