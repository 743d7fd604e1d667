"""scan: a loop over the leading axis of `xs` threading a carry, with the
body held as a Jaxpr in params (`jaxpr`: consts + carry + x slices ->
carry + y slices).

Every rule is the corresponding Jaxpr pass applied to the body: the JVP is a
scan of the JVP body; partial evaluation splits it into a known scan that
also stacks the residuals as extra `ys` and an unknown scan that reads them
as extra `xs`; the transpose is a scan in the other direction whose carry is
the carry cotangent plus the accumulated cotangents of linear consts.
"""
from __future__ import annotations

import numpy as np

from ...core import Primitive, bind, eval_jaxpr
from ...errors import ShapeError
from ...ir import Eqn, Var
from ...transforms.jvp import jvp_jaxpr
from ...transforms.partial_eval import partial_eval_jaxpr
from ...transforms.staging import build_jaxpr, pass_trace
from ...transforms.transpose import transpose_jaxpr
from ...transforms.vmap import vmap_jaxpr
from .. import rules
from ..elementwise import add
from ..rules import UndefinedPrimal, Zero, not_mapped
from .bodies import carry_fixed_point, interleave_order, keep_inputs, keep_outputs, pick, reorder, split
from .calls import open_jaxpr


def _stacked(aval, length):
    return aval.update(shape=(length,) + aval.shape)


def _scan_shape(*avals, jaxpr, length, reverse, num_consts, num_carry):
    _, carry, xs = split(avals, num_consts, num_carry)
    for x in xs:
        if not x.shape or x.shape[0] != length:
            raise ShapeError(f"scan: every xs leaf needs leading axis {length}, got shape {x.shape}")
    out = jaxpr.out_avals
    return list(out[:num_carry]) + [_stacked(y, length) for y in out[num_carry:]]


def _scan_impl(*args, jaxpr, length, reverse, num_consts, num_carry):
    consts, carry, xs = split(args, num_consts, num_carry)
    steps = range(length - 1, -1, -1) if reverse else range(length)
    ys = []
    for i in steps:
        outs = eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, consts + carry + [x[i] for x in xs])
        carry, y = outs[:num_carry], outs[num_carry:]
        ys.append(y)
    if reverse:
        ys.reverse()
    y_avals = jaxpr.out_avals[num_carry:]
    stacked = [np.stack([np.asarray(y[j]) for y in ys]) if ys else np.zeros((0,) + a.shape, a.dtype)
               for j, a in enumerate(y_avals)]
    return list(carry) + stacked


def _bind_scan(consts, carry, xs, jaxpr, **params):
    opened, extra = open_jaxpr(jaxpr)
    return scan_p(*extra, *consts, *carry, *xs, jaxpr=opened,
                  num_consts=len(extra) + len(consts), num_carry=len(carry), **params)


# JVP -----------------------------------------------------------------------------

def _scan_jvp(primals, tangents, params):
    nc, nk = params["num_consts"], params["num_carry"]
    nonzeros = [type(t) is not Zero for t in tangents]
    const_nz, carry_nz, xs_nz = split(nonzeros, nc, nk)
    body = params["jaxpr"]
    n_ys = len(body.out_avals) - nk
    while True:   # a carry whose tangent becomes nonzero in the body is nonzero throughout
        jvp_body, out_nz = jvp_jaxpr(body, const_nz + carry_nz + xs_nz, instantiate_outs=carry_nz + [False] * n_ys)
        grown = [a or b for a, b in zip(carry_nz, out_nz[:nk])]
        if grown == carry_nz:
            break
        carry_nz = grown
    ys_nz = out_nz[nk:]
    # jvp_body lays out (primals, nonzero tangents); the scan needs each group
    # (consts, carry, xs / carry out, ys) to hold its primals then tangents.
    in_order = interleave_order([range(nc), range(nc, nc + nk), range(nc + nk, len(nonzeros))],
                                [range(sum(const_nz)), range(sum(const_nz), sum(const_nz) + sum(carry_nz)),
                                 range(sum(const_nz) + sum(carry_nz), sum(const_nz) + sum(carry_nz) + sum(xs_nz))])
    n_out = nk + n_ys
    out_order = interleave_order([range(nk), range(nk, n_out)],
                                 [range(sum(carry_nz)), range(sum(carry_nz), sum(carry_nz) + sum(ys_nz))])
    body = reorder(jvp_body, in_order, out_order)
    consts, carry, xs = split(primals, nc, nk)
    t_consts, t_carry, t_xs = split(tangents, nc, nk)
    t_carry = [rules.instantiate(t) for t, nz in zip(t_carry, carry_nz) if nz]
    outs = _bind_scan(consts + [t for t in t_consts if type(t) is not Zero], carry + t_carry,
                      xs + [t for t in t_xs if type(t) is not Zero], body,
                      length=params["length"], reverse=params["reverse"])
    carry_out, t_carry_out, ys, t_ys = split(outs, nk, sum(carry_nz), n_ys)
    t_carry_iter, t_ys_iter = iter(t_carry_out), iter(t_ys)
    out_avals = _scan_shape(*[rules.aval_of(p) for p in primals], **params)
    tangents_out = ([next(t_carry_iter) if nz else Zero(a) for nz, a in zip(carry_nz, out_avals[:nk])]
                    + [next(t_ys_iter) if nz else Zero(a) for nz, a in zip(ys_nz, out_avals[nk:])])
    return carry_out + ys, tangents_out


# partial evaluation -----------------------------------------------------------------

def _scan_partial_eval(eqn, unknowns):
    p = eqn.params
    nc, nk, length = p["num_consts"], p["num_carry"], p["length"]
    const_uk, carry_uk, xs_uk = split(unknowns, nc, nk)
    body = p["jaxpr"]
    n_ys = len(body.out_avals) - nk
    while True:
        known, unknown, out_uk, num_res = partial_eval_jaxpr(body, const_uk + carry_uk + xs_uk,
                                                             instantiate=carry_uk + [False] * n_ys)
        grown = [a or b for a, b in zip(carry_uk, out_uk[:nk])]
        if grown == carry_uk:
            break
        carry_uk = grown
    ins = split(eqn.invars, nc, nk)
    outs = split(eqn.outvars, nk)
    ys_uk = out_uk[nk:]
    known_consts, known_carry = pick(ins[0], const_uk, False), pick(ins[1], carry_uk, False)
    known_xs = pick(ins[2], xs_uk, False)
    # A residual that is a known const or xs slice of the body needs no
    # stacking: the unknown scan reads the outer const (once, not a copy per
    # step) or the outer xs itself, as JAX's scan partial evaluation does.
    body_ins = known.jaxpr.invars
    n_kc, n_kk = len(known_consts), len(known_carry)
    outer_of = {v: o for v, o in zip(body_ins[:n_kc], known_consts)}
    outer_xs = {v: o for v, o in zip(body_ins[n_kc + n_kk:], known_xs)}
    residuals = known.jaxpr.outvars[len(known.jaxpr.outvars) - num_res:]
    as_const = [type(r) is Var and r in outer_of for r in residuals]
    as_xs = [not c and type(r) is Var and r in outer_xs for r, c in zip(residuals, as_const)]
    stacked = [not c and not x for c, x in zip(as_const, as_xs)]
    stacked_res = [Var(_stacked(r.aval, length)) for r, keep in zip(residuals, stacked) if keep]
    res_iter = iter(stacked_res)
    res_xs = [outer_xs[r] if x else next(res_iter) for r, x, keep in zip(residuals, as_xs, stacked) if x or keep]
    kept_outs = [True] * (len(known.jaxpr.outvars) - num_res) + stacked
    opened_known, extra = open_jaxpr(keep_outputs(known, kept_outs))
    assert not extra
    known_eqn = Eqn(scan_p, known_consts + known_carry + known_xs,
                    pick(outs[0], carry_uk, False) + pick(outs[1], ys_uk, False) + stacked_res,
                    {**p, "jaxpr": opened_known, "num_consts": n_kc, "num_carry": n_kk})
    # The unknown body reads (residuals, unknown consts, carry, xs): residual
    # consts go first, then the unknown consts and carry, then the residual
    # xs (stacked or forwarded) and the unknown xs.
    n_uc, n_uk = sum(const_uk), sum(carry_uk)
    res_const_pos = [i for i, c in enumerate(as_const) if c]
    res_xs_pos = [i for i, c in enumerate(as_const) if not c]
    order = (res_const_pos + list(range(num_res, num_res + n_uc + n_uk)) + res_xs_pos
             + list(range(num_res + n_uc + n_uk, len(unknown.jaxpr.invars))))
    unknown_consts, unknown_carry = pick(ins[0], const_uk, True), pick(ins[1], carry_uk, True)
    res_consts = [outer_of[r] for r, c in zip(residuals, as_const) if c]
    unknown_eqn = Eqn(scan_p, res_consts + unknown_consts + unknown_carry + res_xs + pick(ins[2], xs_uk, True),
                      pick(outs[0], carry_uk, True) + pick(outs[1], ys_uk, True),
                      {**p, "jaxpr": reorder(unknown, order), "num_consts": len(res_consts) + n_uc,
                       "num_carry": n_uk})
    return [known_eqn], [unknown_eqn]


# dead-code elimination ---------------------------------------------------------------

def _read_inputs(closed):
    jaxpr = closed.jaxpr
    read = {x for e in jaxpr.eqns for x in e.invars} | set(jaxpr.outvars)
    return [v in read for v in jaxpr.invars]


def _scan_dce(eqn, used):
    """Drop the ys nobody reads, then the carries only they needed, then the
    consts and xs the rest does not read: a loop stores no dead arrays."""
    p = eqn.params
    nc, nk = p["num_consts"], p["num_carry"]
    body, used_ys = p["jaxpr"], used[nk:]
    carry = carry_fixed_point(
        lambda flags: _read_inputs(keep_outputs(body, flags + used_ys))[nc:nc + nk], used[:nk])
    new_body = keep_outputs(body, carry + used_ys)
    reads = _read_inputs(new_body)
    in_flags = reads[:nc] + carry + reads[nc + nk:]
    return Eqn(scan_p, pick(eqn.invars, in_flags), pick(eqn.outvars, carry + used_ys),
               {**p, "jaxpr": keep_inputs(new_body, in_flags), "num_consts": sum(reads[:nc]),
                "num_carry": sum(carry)})


# transpose ------------------------------------------------------------------------------

def _scan_transpose(cts, *args, jaxpr, length, reverse, num_consts, num_carry):
    consts, carry, xs = split(args, num_consts, num_carry)
    const_lin = [type(c) is UndefinedPrimal for c in consts]
    xs_lin = [type(x) is UndefinedPrimal for x in xs]
    # A carry slot is linear even when its initial value is known: in AD that
    # value is an instantiated zero tangent, whose cotangent nobody needs.
    body_t = transpose_jaxpr(jaxpr, const_lin + [True] * num_carry + xs_lin)
    res_consts = [c for c, lin in zip(consts, const_lin) if not lin]
    res_xs = [x for x, lin in zip(xs, xs_lin) if not lin]
    lin_const_avals = [c.aval for c, lin in zip(consts, const_lin) if lin]
    ct_carry, ct_ys = split([rules.instantiate(ct) for ct in cts], num_carry)
    carry_known = [type(c) is not UndefinedPrimal for c in carry]
    # Body of the transposed scan: carry = (accumulated const cts, carry cts).
    with pass_trace() as trace:
        b_consts = [trace.new_arg(rules.aval_of(c)) for c in res_consts]
        b_acc = [trace.new_arg(a) for a in lin_const_avals]
        b_ct_carry = [trace.new_arg(rules.aval_of(c)) for c in ct_carry]
        b_res_xs = [trace.new_arg(rules.aval_of(x).update(shape=rules.aval_of(x).shape[1:])) for x in res_xs]
        b_ct_ys = [trace.new_arg(rules.aval_of(y).update(shape=rules.aval_of(y).shape[1:])) for y in ct_ys]
        outs = eval_jaxpr(body_t.jaxpr, body_t.consts, b_consts + b_res_xs + b_ct_carry + b_ct_ys)
        ct_consts_i, ct_carry_prev, ct_xs_i = split(outs, len(b_acc), num_carry)
        acc = [bind(add, [a, c], {}) for a, c in zip(b_acc, ct_consts_i)]
        step = build_jaxpr(trace, [], [], b_consts + b_acc + b_ct_carry + b_res_xs + b_ct_ys,
                           acc + ct_carry_prev + ct_xs_i)
    zeros = [rules.zeros(a) for a in lin_const_avals]
    outs = _bind_scan(res_consts, zeros + ct_carry, res_xs + ct_ys, step, length=length, reverse=not reverse)
    acc_final, ct_init, ct_xs = split(outs, len(zeros), num_carry)
    acc_iter, ct_xs_iter = iter(acc_final), iter(ct_xs)
    return ([next(acc_iter) if lin else None for lin in const_lin]
            + [None if known else ct for ct, known in zip(ct_init, carry_known)]
            + [next(ct_xs_iter) if lin else None for lin in xs_lin])


# batching ------------------------------------------------------------------------------

def _scan_batch(args, dims, params):
    nc, nk = params["num_consts"], params["num_carry"]
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    consts, carry, xs = split(args, nc, nk)
    const_dims, carry_dims, xs_dims = split(dims, nc, nk)
    # Batched xs carry their batch dim at axis 1, so each slice has it at 0.
    xs = [x if d is not_mapped else rules.move_bdim(x, d, 1) for x, d in zip(xs, xs_dims)]
    slice_dims = [not_mapped if d is not_mapped else 0 for d in xs_dims]
    # Every carry is batched (at 0): a carry the body mixes with batched
    # values would become batched after one step anyway.
    carry = [rules.bdim_at_front(c, d, size) for c, d in zip(carry, carry_dims)]
    body, _ = vmap_jaxpr(params["jaxpr"], const_dims + [0] * nk + slice_dims, size, outs_at_front=True)
    outs = _bind_scan(consts, carry, xs, body, length=params["length"], reverse=params["reverse"])
    return outs, [0] * nk + [1] * (len(outs) - nk)


# numba lowering: a native `for` loop around the inlined body ----------------------------

def _render_scan(emit, jaxpr, length, reverse, num_consts, num_carry):
    consts, init, xs = split(emit.ins, num_consts, num_carry)
    carry = [emit.temp(f"carry{k}") for k in range(num_carry)]
    step = emit.temp("step")
    lines = [f"{c} = {i}" for c, i in zip(carry, init)]
    ys = emit.outs[num_carry:]
    lines += [f"{y} = np.empty({(length,) + a.shape!r}, {emit.dtype_expr(a.dtype)})"
              for y, a in zip(ys, jaxpr.out_avals[num_carry:])]
    body, outs = emit.inline(jaxpr, consts + carry + [f"{x}[{step}]" for x in xs], "body")
    body += [f"{c} = {o}" for c, o in zip(carry, outs[:num_carry])]
    for y, o, a in zip(ys, outs[num_carry:], jaxpr.out_avals[num_carry:]):
        body += emit.copy(y, lambda idx: [step, *idx], o, list, a.shape)
    steps = f"range({length - 1}, -1, -1)" if reverse else f"range({length})"
    lines += [f"for {step} in {steps}:"] + emit.indent(body)
    return lines + [f"{out} = {c}" for out, c in zip(emit.outs[:num_carry], carry)]


scan_p = Primitive("scan", shape_rule=_scan_shape, impl=_scan_impl, multiple_results=True, jvp=_scan_jvp,
                   transpose=_scan_transpose, batch=_scan_batch, partial_eval=_scan_partial_eval,
                   numba=_render_scan, dce=_scan_dce)
