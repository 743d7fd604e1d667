"""Call primitives: `closed_call` (what `jit` binds under a transform) and
`remat` (what `checkpoint` binds). Both hold a Jaxpr in `params["call_jaxpr"]`
and implement every rule with the Jaxpr passes, so a transform of a call is a
call of the transformed Jaxpr.

`remat` differs only in partial evaluation: it saves its inputs, not its
intermediates, and the unknown half recomputes the forward pass inside the
backward one.
"""
from __future__ import annotations

from ...backend import compile_jaxpr
from ...core import Primitive, eval_jaxpr
from ...ir import ClosedJaxpr, Eqn, Jaxpr, Var
from ...transforms.jvp import jvp_jaxpr
from ...transforms.partial_eval import partial_eval_jaxpr
from ...transforms.passes import dce
from ...transforms.transpose import transpose_jaxpr
from ...transforms.vmap import vmap_jaxpr
from .. import rules
from ..rules import UndefinedPrimal, Zero, not_mapped


def open_jaxpr(closed: ClosedJaxpr):
    """`closed` with its consts turned into leading inputs: (jaxpr, consts)."""
    jaxpr = closed.jaxpr
    return ClosedJaxpr(Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.eqns, jaxpr.outvars), []), closed.consts


def _shape(*avals, call_jaxpr, **params):
    return call_jaxpr.out_avals


def _call_jvp(prim):
    def rule(primals, tangents, params):
        nonzeros = [type(t) is not Zero for t in tangents]
        jvp_closed, out_nonzeros = jvp_jaxpr(params["call_jaxpr"], nonzeros)
        opened, consts = open_jaxpr(jvp_closed)
        outs = prim(*consts, *primals, *[t for t in tangents if type(t) is not Zero],
                    **{**params, "call_jaxpr": opened})
        n = len(out_nonzeros)
        tangent_iter = iter(outs[n:])
        return outs[:n], [next(tangent_iter) if nz else Zero(aval)
                          for nz, aval in zip(out_nonzeros, params["call_jaxpr"].out_avals)]
    return rule


def _call_transpose(prim):
    def rule(cts, *args, call_jaxpr, **params):
        linear = [type(a) is UndefinedPrimal for a in args]
        transposed, consts = open_jaxpr(transpose_jaxpr(call_jaxpr, linear))
        residuals = [a for a in args if type(a) is not UndefinedPrimal]
        cts = [rules.zeros(ct.aval) if type(ct) is Zero else ct for ct in cts]
        cts_in = iter(prim(*consts, *residuals, *cts, call_jaxpr=transposed, **params))
        return [next(cts_in) if lin else None for lin in linear]
    return rule


def _call_batch(prim):
    def rule(args, dims, params):
        size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
        batched, out_dims = vmap_jaxpr(params["call_jaxpr"], dims, size)
        opened, consts = open_jaxpr(batched)
        outs = prim(*consts, *args, **{**params, "call_jaxpr": opened})
        return outs, out_dims
    return rule


def _new_eqn(prim, inputs, outputs, params, jaxpr):
    opened, consts = open_jaxpr(jaxpr)
    assert not consts, "partial evaluation keeps consts as inputs"
    return Eqn(prim, list(inputs), list(outputs), {**params, "call_jaxpr": opened})


def _call_partial_eval(prim):
    """Split a call into a known call (which also returns the residuals) and
    an unknown one reading them."""
    def rule(eqn, unknowns):
        known, unknown, out_unknowns, num_res = partial_eval_jaxpr(eqn.params["call_jaxpr"], unknowns)
        residuals = [Var(v.aval) for v in known.jaxpr.outvars[len(known.jaxpr.outvars) - num_res:]]
        known_outs = [v for v, u in zip(eqn.outvars, out_unknowns) if not u]
        unknown_outs = [v for v, u in zip(eqn.outvars, out_unknowns) if u]
        known_ins = [x for x, u in zip(eqn.invars, unknowns) if not u]
        unknown_ins = [x for x, u in zip(eqn.invars, unknowns) if u]
        params = {k: v for k, v in eqn.params.items() if k != "call_jaxpr"}
        return ([_new_eqn(prim, known_ins, known_outs + residuals, params, known)],
                [_new_eqn(prim, residuals + unknown_ins, unknown_outs, params, unknown)])
    return rule


def _remat_partial_eval(eqn, unknowns):
    """Save the inputs, not the intermediates: the unknown half recomputes
    the primal values it needs from them."""
    call_jaxpr = eqn.params["call_jaxpr"]
    known, _, out_unknowns, num_res = partial_eval_jaxpr(call_jaxpr, unknowns)
    jaxpr = known.jaxpr
    primal_only = ClosedJaxpr(dce(Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.eqns,
                                        jaxpr.outvars[:len(jaxpr.outvars) - num_res])), known.consts)
    known_ins = [x for x, u in zip(eqn.invars, unknowns) if not u]
    known_outs = [v for v, u in zip(eqn.outvars, out_unknowns) if not u]
    unknown_outs = [v for v, u in zip(eqn.outvars, out_unknowns) if u]
    everything = ClosedJaxpr(Jaxpr([], call_jaxpr.jaxpr.invars, call_jaxpr.jaxpr.eqns,
                                   [v for v, u in zip(call_jaxpr.jaxpr.outvars, out_unknowns) if u]), [])
    params = {k: v for k, v in eqn.params.items() if k != "call_jaxpr"}
    return ([_new_eqn(remat, known_ins, known_outs, params, primal_only)],
            [_new_eqn(remat, eqn.invars, unknown_outs, params, everything)])


def _call_impl(*args, call_jaxpr, **params):
    return eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, args)


def _jit_impl(*args, call_jaxpr, **params):
    return list(compile_jaxpr(call_jaxpr)(*args))


def _call_primitive(name, impl, partial_eval=None):
    prim = Primitive(name, shape_rule=_shape, impl=impl, multiple_results=True,
                     inline=lambda params: params["call_jaxpr"])
    prim.jvp = _call_jvp(prim)
    prim.transpose = _call_transpose(prim)
    prim.batch = _call_batch(prim)
    prim.partial_eval = partial_eval or _call_partial_eval(prim)
    return prim


closed_call = _call_primitive("closed_call", _jit_impl)
remat = _call_primitive("checkpoint", _call_impl, _remat_partial_eval)
