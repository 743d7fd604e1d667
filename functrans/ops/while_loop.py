"""while: loop a body Jaxpr while a condition Jaxpr holds.

Forward mode carries tangents through the loop. Reverse mode, which JAX
refuses, works here: partial evaluation leaves a `while_lin` (the tangent
loop, linear in the unknown inputs) whose transpose is `while_vjp`, which
runs the known loop storing each iteration's residuals in a growable stack,
then applies the transposed body that many times in reverse. The trip count
is only known at run time, so that stack lives inside one primitive rather
than in the (statically shaped) IR.
"""
from __future__ import annotations

import numpy as np

from ..core import Primitive, eval_jaxpr
from ..errors import UnsupportedError
from ..ir import ClosedJaxpr, Eqn, Jaxpr, Var
from . import rules
from .calls import open_jaxpr
from .loop_utils import reorder, split
from .rules import UndefinedPrimal, Zero, not_mapped


def _run(jaxpr, args):
    return eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, args)


def _while_shape(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    return list(body_jaxpr.out_avals)


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cond_consts, body_consts, carry = split(args, cond_nconsts, body_nconsts)
    while _run(cond_jaxpr, cond_consts + carry)[0]:
        carry = _run(body_jaxpr, body_consts + carry)
    return carry


def bind_while(cond_consts, body_consts, carry, cond_jaxpr, body_jaxpr):
    """Bind while_p, turning consts the Jaxprs picked up into inputs."""
    cond_open, cond_extra = open_jaxpr(cond_jaxpr)
    body_open, body_extra = open_jaxpr(body_jaxpr)
    return while_p(*cond_extra, *cond_consts, *body_extra, *body_consts, *carry,
                   cond_jaxpr=cond_open, body_jaxpr=body_open,
                   cond_nconsts=len(cond_extra) + len(cond_consts), body_nconsts=len(body_extra) + len(body_consts))


def _ignoring(closed, extra_avals):
    """`closed` with extra trailing inputs it does not read."""
    jaxpr = closed.jaxpr
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars + [Var(a) for a in extra_avals], jaxpr.eqns,
                             jaxpr.outvars), closed.consts)


def _carry_fixed_point(step, flags):
    """Grow `flags` (per carry) until `step(flags)` adds none."""
    while True:
        grown = [a or b for a, b in zip(flags, step(flags))]
        if grown == flags:
            return flags
        flags = grown


# JVP ------------------------------------------------------------------------------------

def _while_jvp(primals, tangents, params):
    from ..transforms.jvp import jvp_jaxpr
    cn, bn = params["cond_nconsts"], params["body_nconsts"]
    body = params["body_jaxpr"]
    cond_consts, body_consts, carry = split(primals, cn, bn)
    _, t_body_consts, t_carry = split(tangents, cn, bn)
    bc_nz = [type(t) is not Zero for t in t_body_consts]
    carry_nz = _carry_fixed_point(
        lambda nz: jvp_jaxpr(body, bc_nz + nz, instantiate_outs=nz)[1],
        [type(t) is not Zero for t in t_carry])
    jvp_body, _ = jvp_jaxpr(body, bc_nz + carry_nz, instantiate_outs=carry_nz)
    nb, nk, nbt, nkt = bn, len(carry), sum(bc_nz), sum(carry_nz)
    # (consts, carry, const tangents, carry tangents) -> (consts, const tangents, carry, carry tangents)
    order = (list(range(nb)) + list(range(nb + nk, nb + nk + nbt)) + list(range(nb, nb + nk))
             + list(range(nb + nk + nbt, nb + nk + nbt + nkt)))
    carry_avals = [rules.aval_of(c) for c in carry]
    cond = _ignoring(params["cond_jaxpr"], [a for a, nz in zip(carry_avals, carry_nz) if nz])
    outs = bind_while(cond_consts, body_consts + [t for t in t_body_consts if type(t) is not Zero],
                      carry + [rules.instantiate(t) for t, nz in zip(t_carry, carry_nz) if nz],
                      cond, reorder(jvp_body, order))
    t_iter = iter(outs[nk:])
    return outs[:nk], [next(t_iter) if nz else Zero(a) for nz, a in zip(carry_nz, carry_avals)]


# partial evaluation: the known loop, and a linear loop of the rest ---------------------

def _reads_any(jaxpr, positions):
    used = {x for e in jaxpr.jaxpr.eqns for x in e.inputs} | set(jaxpr.jaxpr.outvars)
    return any(jaxpr.jaxpr.invars[i] in used for i in positions)


def _while_partial_eval(eqn, unknowns):
    from ..transforms.partial_eval import partial_eval_jaxpr
    from ..transforms.passes import dce
    p = eqn.params
    cn, bn = p["cond_nconsts"], p["body_nconsts"]
    cc_uk, bc_uk, carry_uk = split(unknowns, cn, bn)
    body = p["body_jaxpr"]
    carry_uk = _carry_fixed_point(
        lambda uk: partial_eval_jaxpr(body, bc_uk + uk, instantiate=uk)[2], carry_uk)
    if any(cc_uk) or _reads_any(p["cond_jaxpr"], [cn + i for i, u in enumerate(carry_uk) if u]):
        return [], [eqn]      # the trip count itself is unknown: nothing runs early
    known, _, _, num_res = partial_eval_jaxpr(body, bc_uk + carry_uk, instantiate=carry_uk)
    kj = known.jaxpr
    known_body = ClosedJaxpr(dce(Jaxpr(kj.constvars, kj.invars, kj.eqns, kj.outvars[:len(kj.outvars) - num_res])),
                             known.consts)
    cond = p["cond_jaxpr"]
    known_cond = ClosedJaxpr(Jaxpr([], cond.jaxpr.invars[:cn] + [v for v, u in zip(cond.jaxpr.invars[cn:], carry_uk)
                                                                  if not u], cond.jaxpr.eqns, cond.jaxpr.outvars), [])
    ins = split(eqn.inputs, cn, bn)
    pick = lambda xs, flags, want: [x for x, f in zip(xs, flags) if f == want]
    known_bc = pick(ins[1], bc_uk, False)
    known_eqn = Eqn(while_p, ins[0] + known_bc + pick(ins[2], carry_uk, False),
                    pick(eqn.outputs, carry_uk, False),
                    {"cond_jaxpr": known_cond, "body_jaxpr": known_body, "cond_nconsts": cn,
                     "body_nconsts": len(known_bc)})
    unknown_eqn = Eqn(while_lin, list(eqn.inputs), pick(eqn.outputs, carry_uk, True),
                      {**p, "body_unknown": tuple(bc_uk), "carry_unknown": tuple(carry_uk)})
    return [known_eqn], [unknown_eqn]


def _lin_shape(*avals, body_jaxpr, carry_unknown, **params):
    return [a for a, u in zip(body_jaxpr.out_avals, carry_unknown) if u]


def _lin_impl(*args, carry_unknown, body_unknown, **params):
    return [c for c, u in zip(_while_impl(*args, **params), carry_unknown) if u]


def _lin_transpose(cts, *args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, body_unknown, carry_unknown):
    from ..transforms.partial_eval import partial_eval_jaxpr
    from ..transforms.transpose import transpose_jaxpr
    known, unknown, _, num_res = partial_eval_jaxpr(body_jaxpr, list(body_unknown) + list(carry_unknown),
                                                    instantiate=list(carry_unknown))
    n_lin = sum(body_unknown) + sum(carry_unknown)
    body_t = transpose_jaxpr(unknown, [False] * num_res + [True] * n_lin)
    cond_consts, body_consts, carry = split(args, cond_nconsts, body_nconsts)
    pick = lambda xs, flags, want: [x for x, f in zip(xs, flags) if f == want]
    cond = cond_jaxpr.jaxpr
    known_cond = ClosedJaxpr(Jaxpr([], cond.invars[:cond_nconsts] + pick(cond.invars[cond_nconsts:], carry_unknown, False),
                                   cond.eqns, cond.outvars), [])
    ub_avals = [rules.aval_of(c) for c in pick(body_consts, body_unknown, True)]
    cts = [rules.zeros(ct.aval) if type(ct) is Zero else ct for ct in cts]
    known_body, known_consts = open_jaxpr(known)
    body_t, body_t_consts = open_jaxpr(body_t)
    outs = while_vjp(*cond_consts, *known_consts, *pick(body_consts, body_unknown, False),
                     *body_t_consts, *pick(carry, carry_unknown, False), *cts,
                     cond_jaxpr=known_cond, known_body=known_body, body_t=body_t, cond_nconsts=cond_nconsts,
                     known_nconsts=len(known_consts) + len(pick(body_consts, body_unknown, False)),
                     t_nconsts=len(body_t_consts), num_res=num_res, unknown_const_avals=tuple(ub_avals))
    ct_bc, ct_carry = split(outs, len(ub_avals))
    bc_iter, carry_iter = iter(ct_bc), iter(ct_carry)
    return ([None] * cond_nconsts + [next(bc_iter) if u else None for u in body_unknown]
            + [next(carry_iter) if u else None for u in carry_unknown])


def _no_higher_order(what):
    def rule(*args, **kwargs):
        raise UnsupportedError(
            f"{what} of the reverse-mode derivative of a while_loop is not supported (grad(grad(f)), "
            "jvp(grad(f)) and hessian(f) need it): its trip count is only known at run time. Use "
            "lax.fori_loop with Python int bounds, or lax.scan, which are differentiable to any order.")
    return rule


# numba lowering: native `while` loops, with the bodies inlined ---------------------------

def _render_loop(emit, cond_jaxpr, body_jaxpr, cond_consts, body_consts, init, stem):
    """Lines running `while cond(carry): carry = body(carry)`; the carry's
    names, and the body's residual outputs beyond the carry, each iteration."""
    carry = [emit.temp(f"{stem}{k}") for k in range(len(init))]
    cond_lines, (pred,) = emit.inline(cond_jaxpr, cond_consts + carry, stem + "cond")
    body_lines, outs = emit.inline(body_jaxpr, body_consts + carry, stem + "body")
    head = [f"{c} = {i}" for c, i in zip(carry, init)]
    loop = cond_lines + [f"if not {pred}:", "    break"] + body_lines
    return head, loop, carry, outs


def _render_while(emit, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, keep=None):
    cond_consts, body_consts, init = split(emit.ins, cond_nconsts, body_nconsts)
    head, loop, carry, outs = _render_loop(emit, cond_jaxpr, body_jaxpr, cond_consts, body_consts, init, "carry")
    loop += [f"{c} = {o}" for c, o in zip(carry, outs)]
    kept = carry if keep is None else [c for c, k in zip(carry, keep) if k]
    return head + ["while True:"] + emit.indent(loop) + [f"{out} = {c}" for out, c in zip(emit.outs, kept)]


def _render_lin(emit, carry_unknown, body_unknown, **params):
    return _render_while(emit, keep=carry_unknown, **params)


def _render_vjp(emit, cond_jaxpr, known_body, body_t, cond_nconsts, known_nconsts, t_nconsts, num_res,
                unknown_const_avals, masked=False):
    """The known loop pushing residuals on stacks that double when full,
    then the transposed body popping them in reverse."""
    if masked:
        raise UnsupportedError("jit of vmap of the reverse-mode derivative of a while_loop whose condition "
                               "differs per example is not supported yet; run it without jit, or use "
                               "lax.fori_loop / lax.scan")
    cond_consts, known_consts, t_consts, rest = split(emit.ins, cond_nconsts, known_nconsts, t_nconsts)
    n_carry = len(known_body.out_avals) - num_res
    head, loop, carry, outs = _render_loop(emit, cond_jaxpr, known_body, cond_consts, known_consts,
                                           rest[:n_carry], "carry")
    count, capacity = emit.temp("count"), emit.temp("capacity")
    res_avals = known_body.out_avals[n_carry:]
    stacks = [emit.temp(f"stack{r}") for r in range(num_res)]
    alloc = lambda st, a, n: f"{st} = np.empty(({n},) + {a.shape!r}, {emit.dtype_expr(a.dtype)})"
    head += [f"{count} = 0", f"{capacity} = 16"] + [alloc(st, a, capacity) for st, a in zip(stacks, res_avals)]
    grow = []
    for st, a in zip(stacks, res_avals):
        grow += [alloc(st + "_grown", a, f"2 * {capacity}"), f"{st}_grown[:{capacity}] = {st}", f"{st} = {st}_grown"]
    loop += [f"if {count} == {capacity}:"] + emit.indent(grow + [f"{capacity} = 2 * {capacity}"])
    loop += [f"{st}[{count}] = {r}" for st, r in zip(stacks, outs[n_carry:])] + [f"{count} += 1"]
    loop += [f"{c} = {o}" for c, o in zip(carry, outs[:n_carry])]
    lines = head + ["while True:"] + emit.indent(loop)
    acc = [emit.temp(f"acc{k}") for k in range(len(unknown_const_avals))]
    cts = [emit.temp(f"ct{k}") for k in range(len(rest) - n_carry)]
    lines += [f"{a} = np.zeros({av.shape!r}, {emit.dtype_expr(av.dtype)})" if av.shape
              else f"{a} = {emit.literal(0, av.dtype)}" for a, av in zip(acc, unknown_const_avals)]
    lines += [f"{c} = {v}" for c, v in zip(cts, rest[n_carry:])]
    step = emit.temp("step")
    back, back_outs = emit.inline(body_t, t_consts + [f"{st}[{step}]" for st in stacks] + cts, "transposed")
    back += [f"{a} = {a} + {o}" for a, o in zip(acc, back_outs)]
    back += [f"{c} = {o}" for c, o in zip(cts, back_outs[len(acc):])]
    lines += [f"for {step} in range({count} - 1, -1, -1):"] + emit.indent(back)
    return lines + [f"{out} = {v}" for out, v in zip(emit.outs, acc + cts)]


while_lin = Primitive("while_lin", shape=_lin_shape, impl=_lin_impl, multiple_results=True, numba=_render_lin,
                      transpose=_lin_transpose, jvp=_no_higher_order("Differentiation"),
                      batch=_no_higher_order("vmap of a linearization"))


# while_vjp: the known loop with a residual stack, then the transposed body in reverse --

def _vjp_shape(*avals, body_t, **params):
    return list(body_t.out_avals)     # cotangents of the unknown consts, then of the carry


def _where_active(active, new, old):
    """Per example: `new` where the example is still running, else `old`."""
    return np.where(active.reshape(active.shape + (1,) * (np.ndim(new) - 1)), new, old)


def _vjp_impl(*args, cond_jaxpr, known_body, body_t, cond_nconsts, known_nconsts, t_nconsts, num_res,
              unknown_const_avals, masked=False):
    cond_consts, known_consts, t_consts, rest = split(args, cond_nconsts, known_nconsts, t_nconsts)
    n_known_carry = len(known_body.out_avals) - num_res
    carry, cts = rest[:n_known_carry], rest[n_known_carry:]
    # Forward: the known loop, pushing each iteration's residuals (and, when
    # batched, which examples were still running) on a growable stack.
    stack = []
    active = np.asarray(_run(cond_jaxpr, cond_consts + carry)[0])
    while active.any():
        outs = _run(known_body, known_consts + carry)
        new_carry, residuals = outs[:n_known_carry], outs[n_known_carry:]
        carry = [_where_active(active, n, c) for n, c in zip(new_carry, carry)] if masked else new_carry
        stack.append((residuals, active))
        active = np.asarray(_run(cond_jaxpr, cond_consts + carry)[0])
        if masked:
            active = active & stack[-1][1]
    # Backward: the transposed body, once per stored iteration, in reverse.
    acc = [np.zeros(a.shape, a.dtype) for a in unknown_const_avals]
    for residuals, was_active in reversed(stack):
        outs = _run(body_t, t_consts + residuals + cts)
        ct_consts, new_cts = outs[:len(acc)], outs[len(acc):]
        if masked:
            ct_consts = [_where_active(was_active, c, np.zeros_like(a)) for c, a in zip(ct_consts, acc)]
            new_cts = [_where_active(was_active, n, c) for n, c in zip(new_cts, cts)]
        acc = [a + c for a, c in zip(acc, ct_consts)]
        cts = new_cts
    return acc + list(cts)


def _vjp_batch(args, dims, params):
    """Every example runs the same number of stored steps; a batched
    condition masks the steps an example did not take, both ways."""
    from ..transforms.vmap import vmap_jaxpr
    cn, kn, tn, num_res = (params["cond_nconsts"], params["known_nconsts"], params["t_nconsts"],
                           params["num_res"])
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    cond_consts, known_consts, t_consts, rest = split(args, cn, kn, tn)
    cc_dims, kc_dims, tc_dims, _ = split(dims, cn, kn, tn)
    rest = [rules.bdim_at_front(x, d, size) for x, d in zip(rest, dims[cn + kn + tn:])]
    n_carry = len(params["known_body"].out_avals) - num_res
    cond, pred_dims = vmap_jaxpr(params["cond_jaxpr"], cc_dims + [0] * n_carry, size)
    known, _ = vmap_jaxpr(params["known_body"], kc_dims + [0] * n_carry, size, outs_at_front=True)
    n_cts = len(rest) - n_carry
    body_t, _ = vmap_jaxpr(params["body_t"], tc_dims + [0] * (num_res + n_cts), size, outs_at_front=True)
    cond, cond_extra = open_jaxpr(cond)
    known, known_extra = open_jaxpr(known)
    body_t, t_extra = open_jaxpr(body_t)
    outs = while_vjp(*cond_extra, *cond_consts, *known_extra, *known_consts, *t_extra, *t_consts, *rest,
                     cond_jaxpr=cond, known_body=known, body_t=body_t,
                     cond_nconsts=len(cond_extra) + cn, known_nconsts=len(known_extra) + kn,
                     t_nconsts=len(t_extra) + tn, num_res=num_res,
                     unknown_const_avals=tuple(a.update(shape=(size,) + a.shape)
                                               for a in params["unknown_const_avals"]),
                     masked=pred_dims[0] is not not_mapped)
    return outs, [0] * len(outs)


while_vjp = Primitive("while_vjp", shape=_vjp_shape, impl=_vjp_impl, multiple_results=True,
                      jvp=_no_higher_order("Differentiation"), batch=_vjp_batch, numba=_render_vjp)


# batching ---------------------------------------------------------------------------------

def _while_batch(args, dims, params):
    from ..transforms.staging import build_jaxpr, pass_trace
    from ..transforms.vmap import vmap_jaxpr
    cn, bn = params["cond_nconsts"], params["body_nconsts"]
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    cond_consts, body_consts, carry = split(args, cn, bn)
    cc_dims, bc_dims, carry_dims = split(dims, cn, bn)
    carry = [rules.bdim_at_front(c, d, size) for c, d in zip(carry, carry_dims)]   # every carry batched
    nk = len(carry)
    cond, pred_dims = vmap_jaxpr(params["cond_jaxpr"], cc_dims + [0] * nk, size)
    body, _ = vmap_jaxpr(params["body_jaxpr"], bc_dims + [0] * nk, size, outs_at_front=True)
    if pred_dims[0] is not_mapped:
        outs = bind_while(cond_consts, body_consts, carry, cond, body)
        return outs, [0] * nk
    # A batched predicate: loop while any example is running; finished
    # examples keep their carry.
    carry_avals = [rules.aval_of(c) for c in carry]
    with pass_trace() as trace:
        cc = [trace.new_arg(rules.aval_of(c)) for c in cond_consts]
        cs = [trace.new_arg(a) for a in carry_avals]
        (pred,) = _run(cond, cc + cs)
        any_cond = build_jaxpr(trace, [], [], cc + cs, [rules.reduce.reduce_max(pred, axes=(0,))])
    with pass_trace() as trace:
        cc = [trace.new_arg(rules.aval_of(c)) for c in cond_consts]
        bc = [trace.new_arg(rules.aval_of(c)) for c in body_consts]
        cs = [trace.new_arg(a) for a in carry_avals]
        (pred,) = _run(cond, cc + cs)
        new = _run(body, bc + cs)
        kept = [rules.elementwise.select_n(
                    rules.shape.broadcast_in_dim(pred, shape=a.shape, broadcast_dimensions=(0,)), old, upd)
                for a, old, upd in zip(carry_avals, cs, new)]
        masked_body = build_jaxpr(trace, [], [], cc + bc + cs, kept)
    outs = bind_while(cond_consts, list(cond_consts) + list(body_consts), carry, any_cond, masked_body)
    return outs, [0] * nk


while_p = Primitive("while", shape=_while_shape, impl=_while_impl, multiple_results=True, jvp=_while_jvp,
                    batch=_while_batch, partial_eval=_while_partial_eval, numba=_render_while)
