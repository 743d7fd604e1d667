"""make_jaxpr prints the IR as JAX does: golden tests of a few programs."""
import textwrap

import numpy as np

import functrans as ft
import functrans.numpy as fnp


def golden(text):
    return textwrap.dedent(text).strip()


def test_sum_of_sin_times_two():
    jaxpr = ft.make_jaxpr(lambda x: fnp.sum(fnp.sin(x) * 2.0))(np.ones(3))
    assert str(jaxpr) == golden("""
        { lambda ; a:f64[3]. let
            b:f64[3] = sin a
            c:f64[3] = mul b 2.0:f64[]
            d:f64[] = reduce_sum[axes=(0,)] c
          in (d,) }""")


def test_closure_over_an_array_becomes_a_constvar():
    w = np.arange(3.0)
    jaxpr = ft.make_jaxpr(lambda x: fnp.dot(w, x))(np.ones(3))
    assert str(jaxpr) == golden("""
        { lambda a:f64[3]; b:f64[3]. let
            c:f64[] = dot_general[dimension_numbers=(((0,), (0,)), ((), ()))] a b
          in (c,) }""")
    np.testing.assert_array_equal(jaxpr.consts[0], w)


def test_nested_call_of_jit_shows_a_closed_call():
    inner = ft.jit(lambda y: fnp.exp(y) + 1.0)
    jaxpr = ft.make_jaxpr(lambda x: inner(x * 2.0))(np.float32(1.0))
    assert str(jaxpr) == golden("""
        { lambda ; a:f32[]. let
            b:f32[] = mul a 2.0:f32[]
            c:f32[] = closed_call[call_jaxpr={ lambda ; a:f32[]. let
                    b:f32[] = exp a
                    c:f32[] = add b 1.0:f32[]
                  in (c,) } name=<lambda>] b
          in (c,) }""")


def test_float32_with_python_scalars_stays_float32():
    jaxpr = ft.make_jaxpr(lambda x: x * 2 + 1.5)(np.ones(2, np.float32))
    assert [str(v.aval.str_short()) for v in jaxpr.jaxpr.outvars] == ["f32[2]"]


def test_static_argnums_are_python_values_while_tracing():
    jaxpr = ft.make_jaxpr(lambda x, n: x ** n, static_argnums=(1,))(np.ones(2), 3)
    assert "integer_pow[y=3]" in str(jaxpr)
