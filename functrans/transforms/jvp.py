"""Forward mode: `jvp_jaxpr` rewrites a Jaxpr into one that computes primal
outputs and their tangents.

Each equation's JVP rule is called on staging tracers of a fresh trace, so
the result is a new Jaxpr. Tangents known to be zero (inputs not
differentiated, integer values, outputs of `stop_gradient`) are symbolic
`Zero`s and never materialised; rules built with `ops.rules` never see them.
"""
from __future__ import annotations

from ..ir import ClosedJaxpr
from .interpret import interpret
from .markers import Zero, instantiate, is_differentiable
from .staging import build_jaxpr, pass_trace


def jvp_eval(jaxpr, consts, primals, tangents):
    """Interpret `jaxpr` on (primal, tangent) pairs; tangents may be Zero
    (and integer values always have one). Returns (primals_out, tangents_out)."""
    return interpret(jaxpr, consts, primals, tangents, "jvp", lambda x: Zero(x.aval),
                     lambda t: type(t) is Zero, "Differentiation", keep=lambda v: is_differentiable(v.aval))


def jvp_jaxpr(closed: ClosedJaxpr, nonzeros, instantiate_outs=False):
    """The JVP of `closed`: inputs `primals + tangents[nonzeros]`, outputs
    `primals_out + tangents_out[out_nonzeros]`. Returns (jaxpr, out_nonzeros).
    `instantiate_outs` (bool or list) forces tangent outputs to be real arrays."""
    jaxpr = closed.jaxpr
    with pass_trace() as trace:
        consts = [trace.new_arg(v.aval) for v in jaxpr.constvars]
        primals = [trace.new_arg(v.aval) for v in jaxpr.invars]
        tangents = [trace.new_arg(v.aval) if nz else Zero(v.aval) for v, nz in zip(jaxpr.invars, nonzeros)]
        primals_out, tangents_out = jvp_eval(jaxpr, consts, primals, tangents)
        if not isinstance(instantiate_outs, (list, tuple)):
            instantiate_outs = [instantiate_outs] * len(tangents_out)
        tangents_out = [instantiate(t) if inst and type(t) is Zero else t
                        for t, inst in zip(tangents_out, instantiate_outs)]
        out_nonzeros = [type(t) is not Zero for t in tangents_out]
        new = build_jaxpr(trace, consts, closed.consts,
                          primals + [t for t in tangents if type(t) is not Zero],
                          primals_out + [t for t in tangents_out if type(t) is not Zero])
    return new, out_nonzeros
