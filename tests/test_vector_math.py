"""Vector math in fused loops: glibc's 4-wide variants of libm functions,
checked for accuracy against NumPy, and present in the machine code only
where they should be."""
from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import scipy.special

import functrans as ft
import functrans.numpy as fnp
import functrans.scipy.special as fsp
from functrans.backend import compile_jaxpr, vector_math

needs_libmvec = pytest.mark.skipif(not vector_math.VECTORIZABLE,
                                   reason="no AVX2 or no glibc libmvec here: fused loops call scalar libm")

# (functrans, NumPy/SciPy reference) for every function with a vector variant
PAIRS = {"exp": (fnp.exp, np.exp), "log": (fnp.log, np.log), "log1p": (fnp.log1p, np.log1p),
         "expm1": (fnp.expm1, np.expm1), "sin": (fnp.sin, np.sin), "cos": (fnp.cos, np.cos),
         "tan": (fnp.tan, np.tan), "tanh": (fnp.tanh, np.tanh), "sinh": (fnp.sinh, np.sinh),
         "cosh": (fnp.cosh, np.cosh), "asin": (fnp.arcsin, np.arcsin), "acos": (fnp.arccos, np.arccos),
         "atan": (fnp.arctan, np.arctan), "asinh": (fnp.arcsinh, np.arcsinh),
         "acosh": (fnp.arccosh, np.arccosh), "atanh": (fnp.arctanh, np.arctanh),
         "erf": (fsp.erf, scipy.special.erf)}
# A wide grid, in and out of every domain, with the special values.
GRID = np.concatenate([np.linspace(-30.0, 30.0, 4001), np.linspace(-1.0, 1.0, 2001), np.geomspace(1e-300, 1e300, 601),
                       [np.nan, np.inf, -np.inf, 0.0, -0.0, 709.7, -745.0, 5e-324, 1.0, -1.0]])


def vector_calls(kernel) -> set:
    """The functions whose vector variant the kernel's optimized LLVM calls."""
    (llvm,) = kernel.dispatcher.inspect_llvm().values()
    return set(re.findall(r"call <(?:4 x double|8 x float)> @_ZGVdN[48]v_(\w+)\(", llvm))


def test_every_function_with_a_variant_is_covered_here():
    assert set(PAIRS) == set(vector_math.FUNCTIONS)
    assert set(vector_math.VECTORIZABLE.values()) <= set(PAIRS)


@needs_libmvec
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vector_variants_are_within_four_ulp_with_numpys_special_values(dtype):
    with np.errstate(over="ignore"):     # float32 overflows the grid's largest values to inf, on purpose
        names, grid = list(PAIRS), GRID.astype(dtype)
    closed = ft.make_jaxpr(lambda x: tuple(PAIRS[n][0](x) for n in names))(grid)
    kernel = compile_jaxpr(closed)                    # one compile for all 17 functions
    called = vector_calls(kernel)
    suffix = "f" if dtype == np.float32 else ""
    for name, got in zip(names, kernel(grid)):
        assert got.dtype == dtype
        if getattr(math, name) in vector_math.VECTORIZABLE:
            assert name + suffix in called, name
        with np.errstate(all="ignore"):    # the float64 result, rounded: (nearly) the exact answer
            want = PAIRS[name][1](grid.astype(np.float64)).astype(dtype)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        finite = np.isfinite(want)
        np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)], err_msg=name)
        ulps = np.abs(got[finite] - want[finite]) / np.spacing(np.abs(want[finite]))
        assert ulps.max() <= 4, (name, ulps.max(), grid[finite][ulps.argmax()])


@needs_libmvec
def test_the_w1_gradient_loop_calls_the_vector_variants():
    def w1(x):
        return fnp.sum(fnp.tanh(x) * fnp.exp(-x * x) + fnp.sin(x) * fnp.cos(x) + fnp.log1p(x * x))
    x = np.linspace(-2.0, 2.0, 1003)                  # not a multiple of 4: a scalar remainder too
    closed = ft.make_jaxpr(ft.grad(w1))(x)
    kernel = compile_jaxpr(closed)
    assert {"tanh", "exp", "sin", "cos"} <= vector_calls(kernel)
    np.testing.assert_allclose(kernel(x)[0], ft.grad(w1)(x), rtol=1e-13, atol=1e-15)


def test_functrans_vector_math_0_turns_them_off(tmp_path):
    script = ("import numpy as np, functrans as ft, functrans.numpy as fnp\n"
              "from functrans.backend import compile_jaxpr, vector_math\n"
              "kernel = compile_jaxpr(ft.make_jaxpr(fnp.tanh)(np.ones(64)))\n"
              "(llvm,) = kernel.dispatcher.inspect_llvm().values()\n"
              "err = abs(kernel(np.ones(64))[0][0] - np.tanh(1.0)) / np.spacing(np.tanh(1.0))\n"
              "print(len(vector_math.VECTORIZABLE), 'ZGV' in llvm, err <= 4)\n")
    def run(**env):
        env = {**os.environ, "FUNCTRANS_CACHE_DIR": str(tmp_path), **env}
        return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                              check=True).stdout.split()
    if vector_math.VECTORIZABLE:
        assert run() == [str(len(vector_math.VECTORIZABLE)), "True", "True"]
    # Same cache directory: the kernel that calls the variants is not loaded.
    assert run(FUNCTRANS_VECTOR_MATH="0") == ["0", "False", "True"]
