"""while: loop a body Jaxpr while a condition Jaxpr holds.

Forward mode carries tangents through the loop. Reverse mode, which JAX
refuses, works here: partial evaluation leaves a `while_lin` (the tangent
loop, linear in the unknown inputs) whose transpose is `while_vjp`
(while_vjp.py), which runs the known loop storing each iteration's residuals
in a growable stack, then applies the transposed body that many times in
reverse. The trip count is only known at run time, so that stack lives
inside one primitive rather than in the (statically shaped) IR. while_vjp is
differentiable in turn, to any order (grad(grad), hessian under jit).
"""
from __future__ import annotations

from ...core import Primitive, eval_closed
from ...ir import Eqn
from ...transforms.jvp import jvp_jaxpr
from ...transforms.partial_eval import partial_eval_jaxpr
from ...transforms.staging import build_jaxpr, pass_trace
from ...transforms.transpose import transpose_jaxpr
from ...transforms.vmap import vmap_jaxpr
from .. import rules
from ..elementwise import select_n
from ..reduce import reduce_max
from ..rules import Zero, not_mapped
from ..shaping import broadcast_in_dim
from .bodies import (
    batched_carry,
    carry_fixed_point,
    ignoring,
    keep_inputs,
    keep_outputs,
    pick,
    reads_any,
    reorder,
    split,
    unpick,
)
from .calls import open_jaxpr
from .loop_program import Sweep, render_loop
from .while_vjp import bind_program, refused_on_linearization


def _while_shape(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    return list(body_jaxpr.out_avals)


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts, body_consts, carry = split(args, cond_nconsts, body_nconsts)
    while eval_closed(cond_jaxpr, cond_consts + carry)[0]:
        carry = eval_closed(body_jaxpr, body_consts + carry)
    return carry


def bind_while(cond_consts, body_consts, carry, cond_jaxpr, body_jaxpr):
    """Bind while_p, turning consts the Jaxprs picked up into inputs."""
    cond_open, cond_extra = open_jaxpr(cond_jaxpr)
    body_open, body_extra = open_jaxpr(body_jaxpr)
    return while_p(*cond_extra, *cond_consts, *body_extra, *body_consts, *carry,
                   cond_jaxpr=cond_open, body_jaxpr=body_open,
                   cond_nconsts=len(cond_extra) + len(cond_consts), body_nconsts=len(body_extra) + len(body_consts))


# JVP ------------------------------------------------------------------------------------

def _while_jvp(primals, tangents, params):
    cn, bn = params["cond_nconsts"], params["body_nconsts"]
    body = params["body_jaxpr"]
    cond_consts, body_consts, carry = split(primals, cn, bn)
    _, t_body_consts, t_carry = split(tangents, cn, bn)
    bc_nz = [type(t) is not Zero for t in t_body_consts]
    carry_nz = carry_fixed_point(
        lambda nz: jvp_jaxpr(body, bc_nz + nz, instantiate_outs=nz)[1],
        [type(t) is not Zero for t in t_carry])
    jvp_body, _ = jvp_jaxpr(body, bc_nz + carry_nz, instantiate_outs=carry_nz)
    nb, nk, nbt, nkt = bn, len(carry), sum(bc_nz), sum(carry_nz)
    # (consts, carry, const tangents, carry tangents) -> (consts, const tangents, carry, carry tangents)
    order = (list(range(nb)) + list(range(nb + nk, nb + nk + nbt)) + list(range(nb, nb + nk))
             + list(range(nb + nk + nbt, nb + nk + nbt + nkt)))
    carry_avals = [rules.aval_of(c) for c in carry]
    cond = ignoring(params["cond_jaxpr"], [a for a, nz in zip(carry_avals, carry_nz) if nz])
    outs = bind_while(cond_consts, body_consts + [t for t in t_body_consts if type(t) is not Zero],
                      carry + [rules.instantiate(t) for t, nz in zip(t_carry, carry_nz) if nz],
                      cond, reorder(jvp_body, order))
    t_iter = iter(outs[nk:])
    return outs[:nk], [next(t_iter) if nz else Zero(a) for nz, a in zip(carry_nz, carry_avals)]


# partial evaluation: the known loop, and a linear loop of the rest ---------------------

def _while_partial_eval(eqn, unknowns):
    p = eqn.params
    cn, bn = p["cond_nconsts"], p["body_nconsts"]
    cc_uk, bc_uk, carry_uk = split(unknowns, cn, bn)
    body = p["body_jaxpr"]
    carry_uk = carry_fixed_point(
        lambda uk: partial_eval_jaxpr(body, bc_uk + uk, instantiate=uk)[2], carry_uk)
    if any(cc_uk) or reads_any(p["cond_jaxpr"], [cn + i for i, u in enumerate(carry_uk) if u]):
        return [], [eqn]      # the trip count itself is unknown: nothing runs early
    known, _, _, num_res = partial_eval_jaxpr(body, bc_uk + carry_uk, instantiate=carry_uk)
    n_out = len(known.out_avals)
    known_body = keep_outputs(known, [True] * (n_out - num_res) + [False] * num_res)
    known_cond = keep_inputs(p["cond_jaxpr"], [True] * cn + [not u for u in carry_uk])
    ins = split(eqn.invars, cn, bn)
    known_bc = pick(ins[1], bc_uk, False)
    known_eqn = Eqn(while_p, ins[0] + known_bc + pick(ins[2], carry_uk, False),
                    pick(eqn.outvars, carry_uk, False),
                    {"cond_jaxpr": known_cond, "body_jaxpr": known_body, "cond_nconsts": cn,
                     "body_nconsts": len(known_bc)})
    unknown_eqn = Eqn(while_lin, list(eqn.invars), pick(eqn.outvars, carry_uk, True),
                      {**p, "body_unknown": tuple(bc_uk), "carry_unknown": tuple(carry_uk)})
    return [known_eqn], [unknown_eqn]


def _lin_shape(*avals, body_jaxpr, carry_unknown, **params):
    return [a for a, u in zip(body_jaxpr.out_avals, carry_unknown) if u]


def _lin_impl(*args, carry_unknown, body_unknown, **params):
    return [c for c, u in zip(_while_impl(*args, **params), carry_unknown) if u]


def _lin_transpose(cts, *args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, body_unknown, carry_unknown):
    known, unknown, _, num_res = partial_eval_jaxpr(body_jaxpr, list(body_unknown) + list(carry_unknown),
                                                    instantiate=list(carry_unknown))
    n_lin = sum(body_unknown) + sum(carry_unknown)
    body_t = transpose_jaxpr(unknown, [False] * num_res + [True] * n_lin)
    cond_consts, body_consts, carry = split(args, cond_nconsts, body_nconsts)
    known_cond = keep_inputs(cond_jaxpr, [True] * cond_nconsts + [not u for u in carry_unknown])
    cts = [rules.zeros(ct.aval) if type(ct) is Zero else ct for ct in cts]
    # The known loop records the residuals; one descending sweep runs the
    # transposed body, summing the unknown consts' cts and carrying the carry's.
    sweep = Sweep(body_t, True, 0, tuple(range(num_res)), sum(body_unknown))
    outs = bind_program(known_cond, cond_consts, known, pick(body_consts, body_unknown, False),
                        pick(carry, carry_unknown, False), [sweep], [([], cts)], masked=False)
    ct_bc, ct_carry = split(outs, sum(body_unknown))
    none = lambda i: None
    return [None] * cond_nconsts + unpick(body_unknown, ct_bc, none) + unpick(carry_unknown, ct_carry, none)


# numba lowering: native `while` loops, with the bodies inlined ---------------------------

def _render_while(emit, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, keep=None):
    cond_consts, body_consts, init = split(emit.ins, cond_nconsts, body_nconsts)
    head, loop, carry, outs = render_loop(emit, cond_jaxpr, body_jaxpr, cond_consts, body_consts, init)
    loop += [f"{c} = {o}" for c, o in zip(carry, outs)]
    kept = carry if keep is None else pick(carry, keep)
    return head + ["while True:"] + emit.indent(loop) + [f"{out} = {c}" for out, c in zip(emit.outs, kept)]


def _render_while_lin(emit, carry_unknown, body_unknown, **params):
    return _render_while(emit, keep=carry_unknown, **params)


while_lin = Primitive("while_lin", shape_rule=_lin_shape, impl=_lin_impl, multiple_results=True,
                      numba=_render_while_lin, transpose=_lin_transpose,
                      jvp=refused_on_linearization("Differentiation"),
                      batch=refused_on_linearization("vmap of a linearization"))


# batching ---------------------------------------------------------------------------------

def _while_batch(args, dims, params):
    cn, bn = params["cond_nconsts"], params["body_nconsts"]
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    cond_consts, body_consts, carry = split(args, cn, bn)
    cc_dims, bc_dims, carry_dims = split(dims, cn, bn)
    flags, cond, masked = batched_carry(params["cond_jaxpr"], params["body_jaxpr"], cc_dims, bc_dims, carry_dims,
                                        size)
    carry = [rules.bdim_at_front(c, d, size) if b else c for c, d, b in zip(carry, carry_dims, flags)]
    nk = len(carry)
    body, _ = vmap_jaxpr(params["body_jaxpr"], bc_dims + [0 if b else not_mapped for b in flags], size,
                         outs_at_front=flags)
    if not masked:
        outs = bind_while(cond_consts, body_consts, carry, cond, body)
        return outs, [0 if b else not_mapped for b in flags]
    # A batched predicate: loop while any example is running; finished
    # examples keep their carry.
    carry_avals = [rules.aval_of(c) for c in carry]
    with pass_trace() as trace:
        cc = [trace.new_arg(rules.aval_of(c)) for c in cond_consts]
        cs = [trace.new_arg(a) for a in carry_avals]
        (pred,) = eval_closed(cond, cc + cs)
        any_cond = build_jaxpr(trace, [], [], cc + cs, [reduce_max(pred, axes=(0,))])
    with pass_trace() as trace:
        cc = [trace.new_arg(rules.aval_of(c)) for c in cond_consts]
        bc = [trace.new_arg(rules.aval_of(c)) for c in body_consts]
        cs = [trace.new_arg(a) for a in carry_avals]
        (pred,) = eval_closed(cond, cc + cs)
        new = eval_closed(body, bc + cs)
        kept = [select_n(
                    broadcast_in_dim(pred, shape=a.shape, broadcast_dimensions=(0,)), old, upd)
                for a, old, upd in zip(carry_avals, cs, new)]
        masked_body = build_jaxpr(trace, [], [], cc + bc + cs, kept)
    outs = bind_while(cond_consts, list(cond_consts) + list(body_consts), carry, any_cond, masked_body)
    return outs, [0] * nk


while_p = Primitive("while", shape_rule=_while_shape, impl=_while_impl, multiple_results=True, jvp=_while_jvp,
                    batch=_while_batch, partial_eval=_while_partial_eval, numba=_render_while)
