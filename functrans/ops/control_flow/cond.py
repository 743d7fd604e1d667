"""cond: choose one of several branch Jaxprs by an integer index
(`lax.cond` passes `int(pred)`, `lax.switch` the clamped index).

All branches take the same operands and return the same types. Rules apply
the Jaxpr passes to every branch with the same flags, so the transformed
branches again agree; partial evaluation gives every branch the union of all
branches' residuals (zeros for the ones it does not compute). A batched
index turns into computing every branch and selecting per example.
"""
from __future__ import annotations

import numpy as np

from ...core import Primitive, eval_jaxpr
from ...errors import DTypeError
from ...ir import ClosedJaxpr, Eqn, Jaxpr, Var
from ...transforms.jvp import jvp_jaxpr
from ...transforms.partial_eval import partial_eval_jaxpr
from ...transforms.staging import build_jaxpr, pass_trace
from ...transforms.transpose import transpose_jaxpr
from ...transforms.vmap import vmap_jaxpr
from .. import rules
from ..elementwise import convert_element_type, select_n
from ..rules import UndefinedPrimal, Zero, not_mapped
from ..shaping import broadcast_in_dim
from .calls import open_jaxpr


def join_consts(closed_branches):
    """Branches (ClosedJaxprs with consts of their own) as opened Jaxprs that
    all take every branch's consts first. Returns (branches, consts)."""
    opened = [open_jaxpr(b) for b in closed_branches]
    all_consts = [c for _, consts in opened for c in consts]
    const_avals = [rules.aval_of(c) for c in all_consts]
    joined, start = [], 0
    for jaxpr, consts in opened:
        own = jaxpr.jaxpr
        before = [Var(a) for a in const_avals[:start]]
        after = [Var(a) for a in const_avals[start + len(consts):]]
        invars = before + own.invars[:len(consts)] + after + own.invars[len(consts):]
        joined.append(ClosedJaxpr(Jaxpr([], invars, own.eqns, own.outvars), []))
        start += len(consts)
    return tuple(joined), all_consts


def _cond_shape(index, *avals, branches):
    if index.shape != () or index.dtype.kind not in "iu":
        raise DTypeError(f"cond needs a scalar integer index, got {index.str_short()}")
    return list(branches[0].out_avals)


def _cond_impl(index, *operands, branches):
    branch = branches[int(np.clip(index, 0, len(branches) - 1))]
    return eval_jaxpr(branch.jaxpr, branch.consts, operands)


def bind_cond(index, consts, operands, closed_branches):
    branches, extra = join_consts(closed_branches)
    return cond_p(index, *extra, *consts, *operands, branches=branches)


def _cond_jvp(primals, tangents, params):
    index, operands = primals[0], primals[1:]
    nonzeros = [type(t) is not Zero for t in tangents[1:]]
    branches = params["branches"]
    out_nz = [False] * len(branches[0].out_avals)
    for branch in branches:    # the union of what each branch makes nonzero
        _, nz = jvp_jaxpr(branch, nonzeros)
        out_nz = [a or b for a, b in zip(out_nz, nz)]
    jvp_branches = [jvp_jaxpr(b, nonzeros, instantiate_outs=out_nz)[0] for b in branches]
    outs = bind_cond(index, [], list(operands) + [t for t in tangents[1:] if type(t) is not Zero], jvp_branches)
    n = len(out_nz)
    t_iter = iter(outs[n:])
    return outs[:n], [next(t_iter) if nz else Zero(a) for nz, a in zip(out_nz, branches[0].out_avals)]


def _staged_zeros(trace, aval):
    """Zeros recorded in `trace`: `rules.zeros` alone would evaluate (it has
    no traced input) and an array of zeros would become a const of the branch."""
    return trace.record(broadcast_in_dim, [np.zeros((), aval.dtype)[()]],
                        {"shape": aval.shape, "broadcast_dimensions": ()})


def _cond_partial_eval(eqn, unknowns):
    if unknowns[0]:            # an unknown index: nothing can run early
        return [], [eqn]
    branches = eqn.params["branches"]
    op_uk = unknowns[1:]
    out_uk = [False] * len(branches[0].out_avals)
    for branch in branches:
        out_uk = [a or b for a, b in zip(out_uk, partial_eval_jaxpr(branch, op_uk)[2])]
    splits = [partial_eval_jaxpr(b, op_uk, instantiate=out_uk) for b in branches]
    res_avals = [[v.aval for v in known.jaxpr.outvars[len(known.jaxpr.outvars) - n:]] if n else []
                 for known, _, _, n in splits]
    all_res = [a for avals in res_avals for a in avals]
    known_branches, unknown_branches, start = [], [], 0
    for (known, unknown, _, n), avals in zip(splits, res_avals):
        with pass_trace() as trace:      # known branch: its residuals in its slots, zeros elsewhere
            ins = [trace.new_arg(v.aval) for v in known.jaxpr.invars]
            outs = eval_jaxpr(known.jaxpr, known.consts, ins)
            k = len(outs) - n
            residuals = [_staged_zeros(trace, a) for a in all_res[:start]] + outs[k:] + [
                _staged_zeros(trace, a) for a in all_res[start + n:]]
            known_branches.append(build_jaxpr(trace, [], [], ins, outs[:k] + residuals))
        with pass_trace() as trace:      # unknown branch: reads its own slots
            res = [trace.new_arg(a) for a in all_res]
            ins = [trace.new_arg(v.aval) for v in unknown.jaxpr.invars[n:]]
            outs = eval_jaxpr(unknown.jaxpr, unknown.consts, res[start:start + n] + ins)
            unknown_branches.append(build_jaxpr(trace, [], [], res + ins, outs))
        start += n
    known_b, known_consts = join_consts(known_branches)
    unknown_b, unknown_consts = join_consts(unknown_branches)
    assert not known_consts and not unknown_consts, "branch residuals are computed, not constant"
    res_vars = [Var(a) for a in all_res]
    index = eqn.invars[0]
    ops = eqn.invars[1:]
    known_eqn = Eqn(cond_p, [index] + [x for x, u in zip(ops, op_uk) if not u],
                    [v for v, u in zip(eqn.outvars, out_uk) if not u] + res_vars, {"branches": known_b})
    unknown_eqn = Eqn(cond_p, [index] + res_vars + [x for x, u in zip(ops, op_uk) if u],
                      [v for v, u in zip(eqn.outvars, out_uk) if u], {"branches": unknown_b})
    return [known_eqn], [unknown_eqn]


def _cond_transpose(cts, index, *operands, branches):
    assert type(index) is not UndefinedPrimal
    linear = [type(x) is UndefinedPrimal for x in operands]
    transposed = [transpose_jaxpr(b, linear) for b in branches]
    residuals = [x for x in operands if type(x) is not UndefinedPrimal]
    cts = [rules.zeros(ct.aval) if type(ct) is Zero else ct for ct in cts]
    cts_in = iter(bind_cond(index, [], residuals + cts, transposed))
    return [None] + [next(cts_in) if lin else None for lin in linear]


def _cond_batch(args, dims, params):
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    (index, *operands), (index_dim, *op_dims) = args, dims
    batched = [vmap_jaxpr(b, op_dims, size, outs_at_front=True)[0] for b in params["branches"]]
    if index_dim is not_mapped:
        outs = bind_cond(index, [], operands, batched)
        return outs, [0] * len(outs)
    # A batched index: every branch runs, and each example selects its own.
    index = rules.move_bdim(index, index_dim, 0)
    per_branch = [eval_jaxpr(b.jaxpr, b.consts, operands) for b in batched]
    outs = []
    for results in zip(*per_branch):
        shape = rules.aval_of(results[0]).shape
        which = broadcast_in_dim(index, shape=shape, broadcast_dimensions=(0,))
        which = convert_element_type(which, new_dtype=np.dtype(np.int32), weak_type=False)
        outs.append(select_n(which, *results))
    return outs, [0] * len(outs)


def _render_cond(emit, branches):
    """An if/elif chain over the clamped index, each branch inlined."""
    index, operands = emit.ins[0], emit.ins[1:]
    chosen = emit.temp("branch")
    lines = [f"{chosen} = {emit.clamp(index, len(branches) - 1, emit.in_avals[0].dtype)}"]
    for i, branch in enumerate(branches):
        body, outs = emit.inline(branch, operands, f"branch{i}")
        body += [f"{out} = {o}" for out, o in zip(emit.outs, outs)]
        if len(branches) == 1:
            return lines + body
        test = "else:" if i == len(branches) - 1 else f"{'if' if i == 0 else 'elif'} {chosen} == {i}:"
        lines += [test] + emit.indent(body)
    return lines


cond_p = Primitive("cond", shape_rule=_cond_shape, impl=_cond_impl, multiple_results=True, jvp=_cond_jvp,
                   transpose=_cond_transpose, batch=_cond_batch, partial_eval=_cond_partial_eval,
                   numba=_render_cond)
