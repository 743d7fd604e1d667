"""fused_loop, the compiler of loop groups that bypasses numba's frontend:
its subset check, its parameters, a direct call, and the vectorizer hint on
long loops. (Its semantics are checked by the op table's jit-vs-eager rows,
every one of which runs its loops through it.)"""
from __future__ import annotations

import numba
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.backend import compile_jaxpr, loop_compiler, loopgen
from functrans.backend.loopgen import fused_loop
from functrans.errors import UnsupportedError


@pytest.mark.parametrize("statement", ["while True:\n        pass", "b = a[0:2]", "b = 'text'", "b = [a[0]]",
                                       "b += 1.0", "for i in range(len(a)):\n        b = i", "b = a[0][1]",
                                       "b = a.shape"])
def test_code_outside_the_subset_is_refused_before_numba(statement):
    with pytest.raises(UnsupportedError, match="fused_loop cannot compile"):
        loopgen.parse(f"def loop(a):\n    {statement}\n")


def test_a_return_must_come_last():
    with pytest.raises(UnsupportedError, match="return"):
        loopgen.parse("def loop(a):\n    return (a,)\n    b = a\n")


def test_parameters_are_the_names_the_loop_reads_but_never_assigns():
    lines = loopgen.call_lines(["t = 0.0", "for i0 in range(3):", "    x_i = x[i0]", "    y = sin(x_i) * s",
                                "    t = (t + y)", "    out[i0] = y"], ["t"])
    assert lines[0] == '(t,) = fused_loop("""'
    assert lines[1] == "def loop(x, s, out):"        # not t, y, x_i, i0 or sin
    assert lines[-2] == "    return (t,)"
    assert lines[-1] == '""", x, s, out)'


@numba.njit
def _direct(x, flags, scale):
    out = np.empty(x.shape, np.int32)
    total, count = fused_loop("""
        def loop(x, flags, scale, out):
            total = 0.0
            count = 0
            for i0 in range(2):
                for i1 in range(3):
                    v = x[i0, i1]
                    keep = flags[i1]
                    out[i0, i1] = np.int32(v * scale if keep and v > 0.0 else -1)
                    total = (total + (v if keep else 0.0))
                    count = (count + (1 if keep else 0))
            return (total, count)
        """, x, flags, scale, out)
    return out, total, count


def test_a_direct_call_with_scalars_bools_ints_accumulators_and_results():
    x = np.array([[1.5, -2.0, 3.0], [4.0, 5.0, -6.0]])
    flags = np.array([True, False, True])
    out, total, count = _direct(x, flags, 2.0)
    np.testing.assert_array_equal(out, [[3, -1, 6], [8, -1, -1]])
    assert out.dtype == np.int32
    assert total == 1.5 + 3.0 + 4.0 - 6.0 and count == 4


def _kernel_llvm(shift):
    closed = ft.make_jaxpr(lambda x: fnp.sum(fnp.tanh(fnp.sin(x) + shift) * x))(np.ones(1000))
    kernel = compile_jaxpr(closed)
    np.testing.assert_allclose(kernel(np.ones(1000))[0], 1000 * np.tanh(np.sin(1.0) + shift))
    (llvm,) = kernel.dispatcher.inspect_llvm().values()
    return llvm


def test_only_loops_longer_than_the_limit_skip_the_vectorizer(monkeypatch, tmp_path):
    monkeypatch.setenv("FUNCTRANS_CACHE_DIR", str(tmp_path))     # compiled here, not loaded from disk
    assert "llvm.loop.vectorize.enable" not in _kernel_llvm(0.123456)
    monkeypatch.setattr(loop_compiler, "VECTORIZE_MAX_STATEMENTS", 3)
    assert "llvm.loop.vectorize.enable" in _kernel_llvm(0.654321)
