"""debug_nans: the first primitive making a NaN from inputs without one
raises FloatingPointError naming it and the user's line, eagerly, under
grad/vmap/control flow and under jit (by re-running eagerly); off, the
checking code is not in place at all (issue 15, section 7)."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.api.jit import JitFunction
from functrans.core import REGISTRY, Trace

X = np.array([0.5, 1.0])
ORIGINALS = {"impls": {name: p.impl for name, p in REGISTRY.items()}, "record": Trace.record,
             "call": JitFunction.__call__}


def log_of_negative(x):
    y = fnp.sin(x) - 2.0
    return fnp.sum(fnp.log(y))          # LOG LINE


def sqrt_times_zero(x):
    return fnp.sum(fnp.sqrt(x) * 0.0)   # SQRT LINE


def line_of(marker):
    with open(__file__) as f:
        return next(i for i, text in enumerate(f, 1) if marker in text and "line_of" not in text)


@pytest.fixture
def debug_nans():
    ft.config.update("debug_nans", True)
    yield
    ft.config.update("debug_nans", False)


def raises_at(marker, primitive, extra=""):
    return pytest.raises(FloatingPointError, match=rf"`{primitive}` produced NaN from inputs without NaN.*{extra}"
                                                   rf".*test_debug_nans.py:{line_of(marker)} in \w+:\n.*{marker}")


@pytest.mark.parametrize("call", [
    lambda: log_of_negative(X),
    lambda: ft.grad(log_of_negative)(X),
    lambda: ft.vmap(log_of_negative)(np.stack([X, X])),
    lambda: ft.jit(log_of_negative)(X),
    lambda: ft.grad(ft.jit(log_of_negative))(X),
    lambda: ft.value_and_grad(lambda x: lax.scan(lambda c, xi: (c + log_of_negative(xi), c), 0.0, x)[0])(X),
    lambda: lax.cond(True, log_of_negative, lambda x: 0.0, X),
], ids=["eager", "grad", "vmap", "jit", "grad_of_jit", "scan_under_grad", "cond"])
def test_a_nan_from_log_of_a_negative_names_log_and_the_users_line(debug_nans, call):
    with raises_at("LOG LINE", "log"):
        call()


@pytest.mark.parametrize("call", [lambda: ft.grad(sqrt_times_zero)(np.array([0.0, 1.0])),
                                  lambda: ft.jit(ft.grad(sqrt_times_zero))(np.array([0.0, 1.0]))],
                         ids=["grad", "jit_of_grad"])
def test_a_nan_in_the_backward_pass_names_the_forward_primitive_it_comes_from(debug_nans, call):
    """sqrt's derivative at 0 is inf; times the cotangent 0.0 it is 0 / 0."""
    with raises_at("SQRT LINE", "div", extra="part of the derivative of `sqrt` at"):
        call()


def test_under_jit_the_error_says_it_was_found_by_running_again_without_jit(debug_nans):
    with pytest.raises(FloatingPointError) as info:
        ft.jit(log_of_negative)(X)
    assert any("running the jitted log_of_negative again without jit" in n for n in info.value.__notes__)


def test_nan_inputs_propagating_are_not_reported(debug_nans):
    assert np.isnan(fnp.sin(np.array([np.nan, 1.0]))[0])
    assert np.isnan(ft.jit(fnp.sin)(np.array([np.nan, 1.0]))[0])
    assert np.isnan(ft.grad(lambda x: fnp.sum(fnp.sin(x)))(np.array([np.nan, 1.0]))[0])


def test_a_nan_that_does_not_reach_a_jitted_output_is_not_reported_under_jit(debug_nans):
    """As JAX: jit checks its outputs; eagerly, the intermediate NaN raises."""
    f = lambda x: fnp.where(x > 5.0, fnp.log(x - 6.0), 0.0)
    np.testing.assert_array_equal(ft.jit(f)(X), np.zeros(2))
    with pytest.raises(FloatingPointError, match="`log`"):
        f(X)


def test_off_the_checking_code_is_not_in_place():
    ft.config.update("debug_nans", True)
    assert REGISTRY["log"].impl is not ORIGINALS["impls"]["log"]
    ft.config.update("debug_nans", False)
    assert {name: p.impl for name, p in REGISTRY.items()} == ORIGINALS["impls"]
    assert Trace.record is ORIGINALS["record"] and JitFunction.__call__ is ORIGINALS["call"]
    with np.errstate(invalid="ignore"):
        assert np.isnan(log_of_negative(X))


def test_config_names_its_options_and_accepts_jaxs_spelling():
    with pytest.raises(ValueError, match=r"no option 'debug_nan'; the options are "
                       r"\['compilation_cache_max_size', 'debug_nans', 'max_kernels'\]"):
        ft.config.update("debug_nan", True)
    ft.config.update("jax_debug_nans", True)
    try:
        assert ft.config.debug_nans and ft.config.jax_debug_nans
    finally:
        ft.config.update("debug_nans", False)
    assert not ft.config.debug_nans


def test_the_environment_variable_turns_it_on():
    program = textwrap.dedent("""
        import numpy as np, functrans as ft, functrans.numpy as fnp
        try:
            fnp.log(np.array([-1.0]))
        except FloatingPointError as error:
            print("raised:", error)
    """)
    env = {**os.environ, "FUNCTRANS_DEBUG_NANS": "1"}
    out = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120)
    assert "raised: debug_nans: `log` produced NaN" in out.stdout, out.stderr
