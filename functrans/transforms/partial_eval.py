"""Partial evaluation: split a Jaxpr into what can be computed from the known
inputs now and what must wait for the unknown ones.

Applied to a JVP Jaxpr with primals known and tangents unknown, the known
part is the forward pass and the unknown part is linear in the tangents, fed
by *residuals* (known values it reads). `linearize` = jvp + this; transposing
the unknown part gives reverse mode. It is a pure graph pass: equations move
whole, except those of higher-order primitives, whose `partial_eval` rule
splits them in two.
"""
from __future__ import annotations

from ..ir import ClosedJaxpr, Jaxpr, Var
from .passes import dce


def partial_eval_jaxpr(closed: ClosedJaxpr, unknowns, instantiate=False):
    """Split `closed` by which inputs are unknown.

    Returns (known, unknown, out_unknowns, num_residuals):
      known:   known inputs -> known outputs + residuals (consts stay here)
      unknown: residuals + unknown inputs -> unknown outputs
    `instantiate` (bool or list per output) makes known outputs unknown ones
    (the unknown Jaxpr then just returns them, as residuals).
    """
    jaxpr = closed.jaxpr
    unknown_vars = {v for v, u in zip(jaxpr.invars, unknowns) if u}
    known_eqns, unknown_eqns = [], []
    for eqn in jaxpr.eqns:
        is_unknown = [type(x) is Var and x in unknown_vars for x in eqn.invars]
        if not any(is_unknown):
            known_eqns.append(eqn)
        elif eqn.primitive.partial_eval is not None:
            known_part, unknown_part = eqn.primitive.partial_eval(eqn, is_unknown)
            known_eqns.extend(known_part)
            unknown_eqns.extend(unknown_part)
            for e in unknown_part:
                unknown_vars.update(e.outvars)
        else:
            unknown_eqns.append(eqn)
            unknown_vars.update(eqn.outvars)

    if not isinstance(instantiate, (list, tuple)):
        instantiate = [instantiate] * len(jaxpr.outvars)
    out_unknowns = [(type(v) is Var and v in unknown_vars) or inst for v, inst in zip(jaxpr.outvars, instantiate)]

    # Residuals: known Vars the unknown side reads, in first-use order.
    residuals, seen = [], set()

    def need(x):
        if type(x) is Var and x not in unknown_vars and x not in seen:
            seen.add(x)
            residuals.append(x)

    for eqn in unknown_eqns:
        for x in eqn.invars:
            need(x)
    for v, u in zip(jaxpr.outvars, out_unknowns):
        if u:
            need(v)

    known_invars = [v for v, u in zip(jaxpr.invars, unknowns) if not u]
    unknown_invars = [v for v, u in zip(jaxpr.invars, unknowns) if u]
    known_outs = [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u]
    unknown_outs = [v for v, u in zip(jaxpr.outvars, out_unknowns) if u]
    known = dce(Jaxpr(jaxpr.constvars, known_invars, known_eqns, known_outs + residuals))
    unknown = dce(Jaxpr([], residuals + unknown_invars, unknown_eqns, unknown_outs))
    return ClosedJaxpr(known, closed.consts), ClosedJaxpr(unknown, []), out_unknowns, len(residuals)
