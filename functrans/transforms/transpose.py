"""Transposition of linear Jaxprs: reverse mode is `linearize` + this.

`transpose_jaxpr` walks the linear equations backwards, calling each
primitive's transpose rule (the input it is linear in arrives as an
`UndefinedPrimal`) and summing cotangents with `add_cotangents`. Equations that read
only residuals are replayed forwards first. No primitive has a hand-written
VJP: every VJP in functrans comes out of this pass.
"""
from __future__ import annotations

from ..core import bind
from ..errors import UnsupportedError
from ..ir import ClosedJaxpr, Literal, Var
from .markers import UndefinedPrimal, Zero, add_cotangents, zeros
from .staging import build_jaxpr, pass_trace


def backward_pass(jaxpr, consts, args, cts_out):
    """Cotangents of the linear inputs of `jaxpr` (those `args` that are
    `UndefinedPrimal`), given cotangents of its outputs (possibly Zero)."""
    primal_env = dict(zip(jaxpr.constvars, consts))
    linear_vars = set()
    for v, a in zip(jaxpr.invars, args):
        if type(a) is UndefinedPrimal:
            linear_vars.add(v)
        else:
            primal_env[v] = a

    # This loop and the next run once per equation: they are the backward
    # half of eager differentiation's per-operation cost, so they stay flat.
    linear_eqns = []
    for eqn in jaxpr.eqns:
        for x in eqn.invars:
            if type(x) is Var and x in linear_vars:
                linear_eqns.append(eqn)
                linear_vars.update(eqn.outvars)
                break
        else:
            out = bind(eqn.primitive, [x if type(x) is Literal else primal_env[x] for x in eqn.invars], eqn.params)
            primal_env.update(zip(eqn.outvars, out if eqn.primitive.multiple_results else [out]))

    ct_env = {}

    def accumulate(v, ct):
        if ct is None or type(ct) is Zero or type(v) is not Var or v not in linear_vars:
            return
        ct_env[v] = ct if v not in ct_env else add_cotangents(ct_env[v], ct)

    for v, ct in zip(jaxpr.outvars, cts_out):
        accumulate(v, ct)
    pop = ct_env.pop
    for eqn in reversed(linear_eqns):
        prim = eqn.primitive
        if prim.multiple_results:
            cts = [pop(v, None) for v in eqn.outvars]
            if all(ct is None for ct in cts):
                continue
        else:
            ct = pop(eqn.outvars[0], None)
            if ct is None:
                continue
        if prim.transpose is None:
            raise UnsupportedError(
                f"Reverse-mode differentiation needs a transpose rule for '{prim.name}', which is not "
                "linear or has none; use forward mode (jvp, jacfwd) for this function")
        args_in = [UndefinedPrimal(x.aval) if x in linear_vars else primal_env[x] if type(x) is Var else x
                   for x in eqn.invars]
        if prim.multiple_results:
            cts = [Zero(v.aval) if ct is None else ct for v, ct in zip(eqn.outvars, cts)]
            cts_in = prim.transpose(cts, *args_in, **eqn.params)
        else:
            cts_in = prim.transpose(ct, *args_in, **eqn.params)
        for x, ct in zip(eqn.invars, cts_in):
            if ct is not None and type(ct) is not Zero and type(x) is Var and x in linear_vars:
                ct_env[x] = ct if x not in ct_env else add_cotangents(ct_env[x], ct)
    return [ct_env.get(v, Zero(v.aval)) if type(a) is UndefinedPrimal else None
            for v, a in zip(jaxpr.invars, args)]


def transpose_jaxpr(closed: ClosedJaxpr, linear) -> ClosedJaxpr:
    """The transpose of `closed`, linear in the inputs flagged in `linear`.

    Result: inputs = the non-linear inputs (residuals) + one cotangent per
    output; outputs = one cotangent per linear input (zeros materialised).
    """
    jaxpr = closed.jaxpr
    with pass_trace() as trace:
        consts = [trace.new_arg(v.aval) for v in jaxpr.constvars]
        residuals = [trace.new_arg(v.aval) for v, lin in zip(jaxpr.invars, linear) if not lin]
        cts_in = [trace.new_arg(v.aval) for v in jaxpr.outvars]
        res_iter = iter(residuals)
        args = [UndefinedPrimal(v.aval) if lin else next(res_iter) for v, lin in zip(jaxpr.invars, linear)]
        cts_out = backward_pass(jaxpr, consts, args, cts_in)
        outs = [zeros(ct.aval) if type(ct) is Zero else ct for ct, lin in zip(cts_out, linear) if lin]
        return build_jaxpr(trace, consts, closed.consts, residuals + cts_in, outs)
