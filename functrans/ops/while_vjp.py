"""while_vjp (the transpose of `while_lin`) and what second-order reverse
mode through `while` makes of it; all three run as loop programs
(loop_program.py).

`while_vjp`: the known loop F records each iteration's residuals r_k, then
one descending sweep runs the transposed body B over them, summing the
cotangents of the unknown consts and carrying those of the carry. Its JVP is
a while_vjp of the JVP bodies (tangents ride in the carries and stacks).
Partial evaluation splits that into a known while_vjp and `while_vjp_lin`,
linear in the tangents: P1, a forward recurrence emitting per-step dr_k, then
P2, a backward one consuming them. Its transpose `while_vjp_vjp` is
P1ᵀ∘P2ᵀ: after the recording loop, the primal backward sweep (recording its
residuals), P2ᵀ ascending (recording ct dr_k), then P1ᵀ descending.
Differentiating that again (a third derivative under jit) is refused.
"""
from __future__ import annotations

from typing import NamedTuple

from ..core import Primitive
from ..errors import UnsupportedError
from ..ir import ClosedJaxpr, Eqn
from . import rules
from .calls import open_jaxpr
from .loop_program import Sweep, render, run
from .loop_utils import (batched_carry, carry_fixed_point, ignoring, interleave_order, keep_inputs, keep_outputs,
                         pick, reads_any, reorder, split, unpick)
from .rules import Zero, not_mapped


def no_higher_order(what):
    def rule(*args, **kwargs):
        raise UnsupportedError(
            f"{what} of a linearization or a second-order reverse-mode derivative of a while_loop is not "
            "supported under jit (a third derivative needs it): its trip count is only known at run time. "
            "Use lax.fori_loop with Python int bounds, or lax.scan, which are differentiable to any order, "
            "or differentiate without jit (eagerly a while_loop is a scan of its trip count).")
    return rule


# while_vjp -------------------------------------------------------------------------------

def _vjp_inputs(args, p):
    """(cond consts, known consts, carry, transposed-body consts, cts)."""
    cond_consts, known_consts, t_consts, rest = split(args, p["cond_nconsts"], p["known_nconsts"], p["t_nconsts"])
    n_carry = len(p["known_body"].out_avals) - p["num_res"]
    return cond_consts, known_consts, rest[:n_carry], t_consts, rest[n_carry:]


def _vjp_program(args, p):
    """The arguments of `loop_program.run` and `render`: one descending sweep."""
    cond_consts, known_consts, carry, t_consts, cts = _vjp_inputs(args, p)
    sweep = Sweep(p["body_t"], True, p["t_nconsts"], tuple(range(p["num_res"])), len(p["unknown_const_avals"]))
    return p["cond_jaxpr"], p["known_body"], cond_consts, known_consts, carry, [sweep], [(t_consts, cts)]


def _vjp_shape(*avals, body_t, **params):
    return list(body_t.out_avals)     # cotangents of the unknown consts, then of the carry


def _vjp_impl(*args, **p):
    return run(*_vjp_program(args, p), p["masked"])


def _render_vjp(emit, **p):
    return render(emit, *_vjp_program(emit.ins, p), p["masked"])


def _nonzero(tangents):
    return [type(t) is not Zero for t in tangents]


def _grouped_jvp(body, in_sizes, in_nz, out_sizes, instantiate):
    """`jvp_jaxpr` of a loop body whose inputs and outputs come in groups:
    each group's primals, then its nonzero tangents. Returns (jaxpr, out_nz)."""
    from ..transforms.jvp import jvp_jaxpr
    from ..transforms.passes import simplify
    jvp_body, out_nz = jvp_jaxpr(body, in_nz, instantiate_outs=instantiate)

    def order(sizes, flags):
        primal, tangent, start, t_start = [], [], 0, 0
        for n in sizes:
            k = sum(flags[start:start + n])
            primal.append(range(start, start + n))
            tangent.append(range(t_start, t_start + k))
            start, t_start = start + n, t_start + k
        return interleave_order(primal, tangent)
    # The primal and the tangent rules compute some values twice (`cos x`): CSE
    # keeps a loop body, and what its loop records, lean.
    return simplify(reorder(jvp_body, order(in_sizes, in_nz), order(out_sizes, out_nz))), out_nz


def _vjp_jvp(primals, tangents, p):
    """A while_vjp of the JVP bodies: the recording loop carries (carry,
    d carry) and records (r, dr); the sweep sums (terms, d terms) and carries
    (cts, d cts)."""
    from ..transforms.jvp import jvp_jaxpr
    cond_consts, known_consts, carry, t_consts, cts = _vjp_inputs(primals, p)
    _, d_known, d_carry, d_t, d_cts = _vjp_inputs(tangents, p)
    forward, back = p["known_body"], p["body_t"]
    nk, nc, nr, nt, nct = len(known_consts), len(carry), p["num_res"], len(t_consts), len(cts)
    acc_avals = list(p["unknown_const_avals"])
    na = len(acc_avals)
    carry_nz = carry_fixed_point(
        lambda nz: jvp_jaxpr(forward, _nonzero(d_known) + nz, instantiate_outs=nz + [False] * nr)[1][:nc],
        _nonzero(d_carry))
    forward, f_out_nz = _grouped_jvp(forward, [nk, nc], _nonzero(d_known) + carry_nz, [nc, nr],
                                     carry_nz + [False] * nr)
    res_nz = f_out_nz[nc:]
    cts_nz = carry_fixed_point(
        lambda nz: jvp_jaxpr(back, _nonzero(d_t) + res_nz + nz, instantiate_outs=[False] * na + nz)[1][na:],
        _nonzero(d_cts))
    back, b_out_nz = _grouped_jvp(back, [nt, nr, nct], _nonzero(d_t) + res_nz + cts_nz, [na, nct],
                                  [False] * na + cts_nz)
    acc_nz = b_out_nz[:na]
    forward, f_extra = open_jaxpr(forward)
    back, b_extra = open_jaxpr(back)
    live = lambda ts: [t for t in ts if type(t) is not Zero]
    filled = lambda ts, nz: [rules.instantiate(t) for t, f in zip(ts, nz) if f]
    carry_avals = [rules.aval_of(c) for c in carry]
    outs = while_vjp(*cond_consts, *f_extra, *known_consts, *live(d_known), *b_extra, *t_consts, *live(d_t),
                     *carry, *filled(d_carry, carry_nz), *cts, *filled(d_cts, cts_nz),
                     cond_jaxpr=ignoring(p["cond_jaxpr"], pick(carry_avals, carry_nz)), known_body=forward,
                     body_t=back, cond_nconsts=p["cond_nconsts"], known_nconsts=len(f_extra) + nk + len(live(d_known)),
                     t_nconsts=len(b_extra) + nt + len(live(d_t)), num_res=nr + sum(res_nz),
                     unknown_const_avals=tuple(acc_avals + pick(acc_avals, acc_nz)), masked=p["masked"])
    acc, d_acc, cts_out, d_cts_out = split(outs, na, sum(acc_nz), nct)
    out_avals = p["body_t"].out_avals
    return acc + cts_out, (unpick(acc_nz, d_acc, lambda i: Zero(out_avals[i]))
                           + unpick(cts_nz, d_cts_out, lambda i: Zero(out_avals[na + i])))


class _Split(NamedTuple):
    """A while_vjp's bodies split by partial evaluation: unknown flags per
    group (fixed points for the carries), and each body's known part (which
    also returns `n_*` residuals) and unknown part (which reads them first)."""
    known_consts: list
    carry: list
    t_consts: list
    cts: list
    res: list
    acc: list
    forward_known: ClosedJaxpr
    forward_unknown: ClosedJaxpr
    n_e: int
    back_known: ClosedJaxpr
    back_unknown: ClosedJaxpr
    n_g: int


def _split(p, unknowns):
    """None when the trip count itself would be unknown."""
    from ..transforms.partial_eval import partial_eval_jaxpr
    cc_uk, kc_uk, carry_uk, t_uk, cts_uk = _vjp_inputs(unknowns, p)
    forward, back = p["known_body"], p["body_t"]
    nc, nr, na = len(carry_uk), p["num_res"], len(p["unknown_const_avals"])
    carry_uk = carry_fixed_point(
        lambda uk: partial_eval_jaxpr(forward, kc_uk + uk, instantiate=uk + [False] * nr)[2][:nc], carry_uk)
    if any(cc_uk) or reads_any(p["cond_jaxpr"], [p["cond_nconsts"] + i for i, u in enumerate(carry_uk) if u]):
        return None
    f_known, f_unknown, f_out_uk, n_e = partial_eval_jaxpr(forward, kc_uk + carry_uk,
                                                           instantiate=carry_uk + [False] * nr)
    res_uk = f_out_uk[nc:]
    cts_uk = carry_fixed_point(
        lambda uk: partial_eval_jaxpr(back, t_uk + res_uk + uk, instantiate=[False] * na + uk)[2][na:], cts_uk)
    b_known, b_unknown, b_out_uk, n_g = partial_eval_jaxpr(back, t_uk + res_uk + cts_uk,
                                                           instantiate=[False] * na + cts_uk)
    return _Split(kc_uk, carry_uk, t_uk, cts_uk, res_uk, b_out_uk[:na], f_known, f_unknown, n_e, b_known,
                  b_unknown, n_g)


def _known_cond(p, s):
    return keep_inputs(p["cond_jaxpr"], [True] * p["cond_nconsts"] + [not u for u in s.carry])


def _vjp_partial_eval(eqn, unknowns):
    """The known while_vjp, and a `while_vjp_lin` that reruns everything
    for the unknown outputs (the trip count cannot leave the primitive)."""
    p = eqn.params
    s = _split(p, unknowns)
    if s is None:
        return [], [eqn]      # the trip count itself is unknown: nothing runs early
    cond_consts, known_consts, carry, t_consts, cts = _vjp_inputs(eqn.inputs, p)
    out_uk = s.acc + s.cts
    known = lambda xs, flags: pick(xs, flags, False)
    n_f, n_b = len(s.forward_known.out_avals), len(s.back_known.out_avals)
    known_eqn = Eqn(while_vjp, cond_consts + known(known_consts, s.known_consts) + known(t_consts, s.t_consts)
                    + known(carry, s.carry) + known(cts, s.cts), known(eqn.outputs, out_uk),
                    {"cond_jaxpr": _known_cond(p, s),
                     "known_body": keep_outputs(s.forward_known, [True] * (n_f - s.n_e) + [False] * s.n_e),
                     "body_t": keep_outputs(s.back_known, [True] * (n_b - s.n_g) + [False] * s.n_g),
                     "cond_nconsts": p["cond_nconsts"], "known_nconsts": s.known_consts.count(False),
                     "t_nconsts": s.t_consts.count(False), "num_res": s.res.count(False),
                     "unknown_const_avals": tuple(known(p["unknown_const_avals"], s.acc)), "masked": p["masked"]})
    unknown_eqn = Eqn(while_vjp_lin, list(eqn.inputs), pick(eqn.outputs, out_uk),
                      {**p, "unknowns": tuple(unknowns), "out_unknowns": tuple(out_uk)})
    return [known_eqn] if known_eqn.outputs else [], [unknown_eqn]


def _vjp_batch(args, dims, params):
    """Every example runs the same number of stored steps. Carries and
    residuals stay unbatched unless the loop mixes batched values into them,
    so the condition stays unbatched when it can (jit cannot lower a batched
    one, which masks the steps an example did not take, both ways)."""
    from ..transforms.vmap import vmap_jaxpr
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    cond_consts, known_consts, carry, t_consts, cts = _vjp_inputs(args, params)
    cc_dims, kc_dims, carry_dims, tc_dims, _ = _vjp_inputs(dims, params)
    forward, nr = params["known_body"], params["num_res"]
    carry_b, cond, masked = batched_carry(params["cond_jaxpr"], forward, cc_dims, kc_dims, carry_dims, size,
                                          params["masked"])
    carry = [rules.bdim_at_front(c, d, size) if b else c for c, d, b in zip(carry, carry_dims, carry_b)]
    cts = [rules.bdim_at_front(c, d, size) for c, d in zip(cts, dims[len(dims) - len(cts):])]
    at = lambda flags: [0 if f else not_mapped for f in flags]
    _, f_dims = vmap_jaxpr(forward, kc_dims + at(carry_b), size)
    res_b = [d is not not_mapped for d in f_dims[len(carry):]]     # unbatched residuals stay so, on the stacks
    forward, _ = vmap_jaxpr(forward, kc_dims + at(carry_b), size, outs_at_front=carry_b + res_b)
    body_t, _ = vmap_jaxpr(params["body_t"], tc_dims + at(res_b) + [0] * len(cts), size, outs_at_front=True)
    cond, cond_extra = open_jaxpr(cond)
    forward, f_extra = open_jaxpr(forward)
    body_t, t_extra = open_jaxpr(body_t)
    outs = while_vjp(*cond_extra, *cond_consts, *f_extra, *known_consts, *t_extra, *t_consts, *carry, *cts,
                     cond_jaxpr=cond, known_body=forward, body_t=body_t,
                     cond_nconsts=len(cond_extra) + len(cond_consts), known_nconsts=len(f_extra) + len(known_consts),
                     t_nconsts=len(t_extra) + len(t_consts), num_res=nr,
                     unknown_const_avals=tuple(a.update(shape=(size,) + a.shape)
                                               for a in params["unknown_const_avals"]),
                     masked=masked)
    return outs, [0] * len(outs)


while_vjp = Primitive("while_vjp", shape=_vjp_shape, impl=_vjp_impl, multiple_results=True, jvp=_vjp_jvp,
                      partial_eval=_vjp_partial_eval, batch=_vjp_batch, numba=_render_vjp)


# while_vjp_lin: the tangent part of a JVP'd while_vjp ---------------------------------

def _vjp_lin_shape(*avals, out_unknowns, unknowns, **p):
    return pick(p["body_t"].out_avals, out_unknowns)


def _vjp_lin_impl(*args, out_unknowns, unknowns, **p):
    return pick(_vjp_impl(*args, **p), out_unknowns)


def _vjp_lin_shape(*avals, out_unknowns, unknowns, **p):
    return pick(p["body_t"].out_avals, out_unknowns)


def _vjp_lin_impl(*args, out_unknowns, unknowns, **p):
    return pick(_vjp_impl(*args, **p), out_unknowns)


def _render_vjp_lin(emit, out_unknowns, unknowns, **p):
    return render(emit, *_vjp_program(emit.ins, p), p["masked"], keep=out_unknowns)


def _vjp_lin_transpose(cts, *args, out_unknowns, unknowns, **p):
    """P1ᵀ∘P2ᵀ as a while_vjp_vjp program (see the module docstring)."""
    from ..transforms.transpose import transpose_jaxpr
    s = _split(p, unknowns)
    cond_consts, known_consts, carry, t_consts, cts_in = _vjp_inputs(args, p)
    known = lambda xs, flags: pick(xs, flags, False)
    n_r, n_e, n_g, n_a = s.res.count(False), s.n_e, s.n_g, s.acc.count(False)
    n_da, n_dt, n_dr, n_dct, n_dk, n_dc = (sum(s.acc), sum(s.t_consts), sum(s.res), sum(s.cts),
                                           sum(s.known_consts), sum(s.carry))
    # Stacks: the loop's r and e, then g (by the primal backward sweep), then ct dr (by P2ᵀ).
    e_ids = tuple(range(n_r, n_r + n_e))
    g_ids = tuple(range(n_r + n_e, n_r + n_e + n_g))
    dr_ids = tuple(range(n_r + n_e + n_g, n_r + n_e + n_g + n_dr))
    record, record_extra = open_jaxpr(s.forward_known)          # (k, carry) -> (carry, r, e)
    n_b = len(s.back_known.out_avals)                             # (t, r, ct) -> (terms, ct, g)
    primal_back, pb_extra = open_jaxpr(keep_outputs(s.back_known, [False] * n_a + [True] * (n_b - n_a)))
    # P2ᵀ: (g, ct da, ct dct') -> (ct dt, ct dr, ct dct), laid out as (ct da; g; ct dct') -> (ct dt; ct dct; ct dr)
    p2t = transpose_jaxpr(s.back_unknown, [False] * n_g + [True] * (n_dt + n_dr + n_dct))
    p2t, p2_extra = open_jaxpr(reorder(
        p2t, [*range(n_g, n_g + n_da), *range(n_g), *range(n_g + n_da, n_g + n_da + n_dct)],
        [*range(n_dt), *range(n_dt + n_dr, n_dt + n_dr + n_dct), *range(n_dt, n_dt + n_dr)]))
    # P1ᵀ: (e, ct dc', ct dr) -> (ct dk, ct dc), laid out as (; e, ct dr; ct dc') -> (ct dk; ct dc)
    p1t = transpose_jaxpr(s.forward_unknown, [False] * n_e + [True] * (n_dk + n_dc))
    p1t, p1_extra = open_jaxpr(reorder(
        p1t, [*range(n_e), *range(n_e + n_dc, n_e + n_dc + n_dr), *range(n_e, n_e + n_dc)]))
    sweeps = (Sweep(primal_back, True, len(pb_extra) + s.t_consts.count(False), tuple(range(n_r)), 0),
              Sweep(p2t, False, len(p2_extra) + n_da, g_ids, n_dt),
              Sweep(p1t, True, len(p1_extra), e_ids + dr_ids, n_dk))
    ct_da, ct_dct = split([rules.instantiate(ct) for ct in cts], n_da)
    zeros = [rules.zeros(rules.aval_of(c)) for c in pick(carry, s.carry)]   # the final carry is no output
    outs = while_vjp_vjp(
        *cond_consts, *record_extra, *known(known_consts, s.known_consts), *known(carry, s.carry),
        *pb_extra, *known(t_consts, s.t_consts), *known(cts_in, s.cts), *p2_extra, *ct_da, *ct_dct,
        *p1_extra, *zeros,
        cond_jaxpr=_known_cond(p, s), record=record, cond_nconsts=p["cond_nconsts"],
        record_nconsts=len(record_extra) + s.known_consts.count(False), bodies=tuple(sw.body for sw in sweeps),
        layouts=tuple(tuple(sw)[1:] for sw in sweeps), masked=p["masked"])
    _, ct_dt, ct_dct0, ct_dk, ct_dc = split(outs, s.cts.count(False), n_dt, n_dct, n_dk)
    none = lambda i: None
    return ([None] * p["cond_nconsts"] + unpick(s.known_consts, ct_dk, none) + unpick(s.t_consts, ct_dt, none)
            + unpick(s.carry, ct_dc, none) + unpick(s.cts, ct_dct0, none))


while_vjp_lin = Primitive("while_vjp_lin", shape=_vjp_lin_shape, impl=_vjp_lin_impl, multiple_results=True,
                          transpose=_vjp_lin_transpose, numba=_render_vjp_lin,
                          jvp=no_higher_order("Differentiation"), batch=no_higher_order("vmap"))


# while_vjp_vjp: a loop program of several sweeps ----------------------------------------

def _program(args, p):
    """The arguments of `loop_program.run` and `render`. Inputs: cond
    consts, record consts, initial carry, then each sweep's consts and carry."""
    sweeps = [Sweep(body, *layout) for body, layout in zip(p["bodies"], p["layouts"])]
    cond_consts, record_consts, rest = split(args, p["cond_nconsts"], p["record_nconsts"])
    init, rest = split(rest, len(p["record"].jaxpr.invars) - p["record_nconsts"])
    sweep_args = []
    for sweep in sweeps:
        consts, carry, rest = split(rest, sweep.n_consts, sweep.n_carry)
        sweep_args.append((consts, carry))
    return p["cond_jaxpr"], p["record"], cond_consts, record_consts, init, sweeps, sweep_args


def _program_shape(*avals, **p):
    return [a for sweep in _program(avals, p)[5] for a in sweep.out_avals()]


def _program_impl(*args, **p):
    return run(*_program(args, p), p["masked"])


def _render_program(emit, **p):
    return render(emit, *_program(emit.ins, p), p["masked"])


def _program_batch(args, dims, params):
    """Everything batched at axis 0; a batched condition masks the steps an
    example did not take, in every phase."""
    from ..transforms.vmap import vmap_jaxpr
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    front = lambda xs, ds: [rules.bdim_at_front(x, d, size) for x, d in zip(xs, ds)]

    def batched(body, const_dims):
        body, _ = vmap_jaxpr(body, const_dims + [0] * (len(body.jaxpr.invars) - len(const_dims)), size,
                             outs_at_front=True)
        return open_jaxpr(body)
    cond, record, cond_consts, record_consts, init, sweeps, sweep_args = _program(args, params)
    _, _, cc_dims, rc_dims, init_dims, _, sweep_dims = _program(dims, params)
    cond, pred_dims = vmap_jaxpr(cond, cc_dims + [0] * len(init), size)
    cond, cond_extra = open_jaxpr(cond)
    record, record_extra = batched(record, rc_dims)
    ins, bodies, layouts = [*cond_extra, *cond_consts, *record_extra, *record_consts, *front(init, init_dims)], [], []
    for sweep, (consts, carry), (const_dims, carry_dims) in zip(sweeps, sweep_args, sweep_dims):
        body, extra = batched(sweep.body, const_dims)
        ins += [*extra, *consts, *front(carry, carry_dims)]
        bodies.append(body)
        layouts.append((sweep.descending, len(extra) + sweep.n_consts, sweep.reads, sweep.n_acc))
    outs = while_vjp_vjp(*ins, cond_jaxpr=cond, record=record, cond_nconsts=len(cond_extra) + len(cond_consts),
                         record_nconsts=len(record_extra) + len(record_consts), bodies=tuple(bodies),
                         layouts=tuple(layouts), masked=params["masked"] or pred_dims[0] is not not_mapped)
    return outs, [0] * len(outs)


while_vjp_vjp = Primitive("while_vjp_vjp", shape=_program_shape, impl=_program_impl, multiple_results=True,
                          numba=_render_program, batch=_program_batch, jvp=no_higher_order("Differentiation"))
