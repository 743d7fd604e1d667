"""Compositions that are differentiated by a rule of their own rather than
through their steps, as `jax.custom_jvp` does for `solve` and `det`: a
linear solve's derivative is one more solve with the same factors, where
differentiating the factorization would cost several.

`with_jvp(fun, jvp)` is the facade's flat form of `custom_jvp` (arrays in,
a tuple of arrays out): outside any trace it is `fun`; under one it binds
`custom_jvp_call`, so jit inlines `fun`, vmap batches both, and the rule,
written in functrans ops, is itself differentiable to any order.
"""
from __future__ import annotations

from ..core import Tracer
from ..ops.control_flow.calls import open_jaxpr
from ..ops.custom import custom_jvp_call
from ..transforms.staging import trace_flat
from ._base import aval, operand, result


def with_jvp(fun, jvp):
    """`fun(*arrays) -> tuple of arrays` whose JVP is
    `jvp(primals, tangents) -> (outputs, output tangents)` (lists)."""
    def call(*args):
        args = [result(operand(a)) for a in args]
        if not any(type(a) is Tracer for a in args):
            return tuple(fun(*args))
        closed = trace_flat(lambda *xs: list(fun(*xs)), [aval(a) for a in args], providers=args,
                            transform="custom_jvp")
        call_jaxpr, consts = open_jaxpr(closed)
        outs = custom_jvp_call(*consts, *args, call_jaxpr=call_jaxpr, num_consts=len(consts),
                               jvp=lambda primals, tangents: tuple(map(list, jvp(primals, tangents))))
        return tuple(outs)
    call.__name__ = call.__qualname__ = fun.__name__
    return call
