"""Tracing a Python function into a ClosedJaxpr.

`trace_flat` runs `fun` on fresh tracers of a new trace. Each input may carry
a *provider* of its concrete value (an array, or a tracer of an enclosing
trace); then Python control flow on values derived from it works, as under
`grad`. `build_jaxpr` is what a pass uses to close its own trace.
"""
from __future__ import annotations

from ..core import new_trace
from ..ir import ClosedJaxpr, Jaxpr
from .passes import dce


def trace_flat(fun, in_avals, providers=None, transform="make_jaxpr") -> ClosedJaxpr:
    """The Jaxpr of `fun(*flat_args) -> flat list of outputs`."""
    with new_trace(transform) as trace:
        if providers is None:
            args = [trace.new_arg(aval) for aval in in_avals]
        else:
            args = [trace.new_arg(aval, provider) for aval, provider in zip(in_avals, providers)]
        outs = fun(*args)
        closed = trace.to_jaxpr(args, outs)
    return ClosedJaxpr(dce(closed.jaxpr), closed.consts)


def build_jaxpr(trace, const_args, const_values, in_args, outs) -> ClosedJaxpr:
    """Close a pass's trace: `const_args` (tracers standing for the values
    `const_values`) become constvars beside any the pass itself lifted."""
    closed = trace.to_jaxpr(in_args, outs)
    jaxpr = closed.jaxpr
    jaxpr = Jaxpr(list(jaxpr.constvars) + [t.ir_var for t in const_args], jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return ClosedJaxpr(jaxpr, list(closed.consts) + list(const_values))


def pass_trace():
    """A fresh trace for a rewrite: its inputs are abstract."""
    return new_trace("pass")
