"""while_vjp: reverse mode through `while` as a loop program
(loop_program.py), with rules that map programs to programs, so that it
differentiates to any order under jit.

`while_lin`'s transpose is a program of one sweep: the known loop records
each iteration's residuals, then the transposed body runs over them in
reverse, summing the cotangents of the unknown consts and carrying those of
the carry. The rules treat the recording loop and every sweep alike, as
phases over the steps k in [0, n):
- JVP: a program of the JVP phases (tangents ride in carries and stacks);
- partial evaluation: the known program, and `while_vjp_lin`, which reruns
  everything (the trip count cannot leave the primitive) for the unknown
  outputs: a chain of linear phases L0 (the loop's) .. Lm;
- its transpose: the known program recording the linear phases' residuals,
  then Lmᵀ .. L0ᵀ, each in the other direction, reading the cotangents of
  the stacks its phase wrote and writing (summed) those of the stacks it read.
"""
from __future__ import annotations

from typing import NamedTuple

from ...core import Primitive, eval_closed
from ...errors import UnsupportedError
from ...ir import ClosedJaxpr, Eqn
from ...transforms.jvp import jvp_jaxpr
from ...transforms.partial_eval import partial_eval_jaxpr
from ...transforms.passes import simplify
from ...transforms.staging import build_jaxpr, pass_trace
from ...transforms.transpose import transpose_jaxpr
from ...transforms.vmap import vmap_jaxpr
from .. import rules
from ..elementwise import add
from ..rules import Zero, not_mapped
from .bodies import (
    batched_carry,
    carry_fixed_point,
    ignoring,
    interleave_order,
    keep_inputs,
    keep_outputs,
    pick,
    reads_any,
    reorder,
    split,
    unpick,
)
from .calls import open_jaxpr
from .loop_program import Sweep, render, run


def refused_on_linearization(what):
    """The JVP or batch rule of a while linearization, which only lives in
    the linear Jaxpr reverse mode transposes away (ft.linearize's function)."""
    def rule(*args, **kwargs):
        raise UnsupportedError(
            f"{what} of the linearization of a while_loop is not supported under jit: its trip count is only "
            "known at run time. Differentiate the function itself (grad, jvp, hessian work to any order), "
            "use lax.fori_loop with Python int bounds or lax.scan, or run it without jit.")
    return rule


# the program's layout ----------------------------------------------------------------------

def _sweeps(p) -> list:
    return [Sweep(body, *layout) for body, layout in zip(p["bodies"], p["layouts"])]


def _program(args, p):
    """Inputs (or flags, dims) of a program: cond consts, record consts,
    initial carry, then each sweep's consts and carry. Returns (cond, record,
    cond consts, record consts, init, sweeps, per sweep (consts, carry))."""
    sweeps = _sweeps(p)
    cond_consts, record_consts, rest = split(args, p["cond_nconsts"], p["record_nconsts"])
    init, rest = split(rest, len(p["record"].jaxpr.invars) - p["record_nconsts"])
    sweep_args = []
    for sweep in sweeps:
        consts, carry, rest = split(rest, sweep.n_consts, sweep.n_carry)
        sweep_args.append((consts, carry))
    return p["cond_jaxpr"], p["record"], cond_consts, record_consts, init, sweeps, sweep_args


def _params(cond, record, cond_nconsts, record_nconsts, sweeps, masked) -> dict:
    return {"cond_jaxpr": cond, "record": record, "cond_nconsts": cond_nconsts, "record_nconsts": record_nconsts,
            "bodies": tuple(s.body for s in sweeps),
            "layouts": tuple((s.descending, s.n_consts, tuple(s.reads), s.n_acc) for s in sweeps), "masked": masked}


def bind_program(cond, cond_consts, record, record_consts, init, sweeps, sweep_args, masked):
    """Bind while_vjp, turning the consts the Jaxprs picked up into inputs."""
    cond, cond_extra = open_jaxpr(cond)
    record, record_extra = open_jaxpr(record)
    ins = [*cond_extra, *cond_consts, *record_extra, *record_consts, *init]
    opened = []
    for sweep, (consts, carry) in zip(sweeps, sweep_args):
        body, extra = open_jaxpr(sweep.body)
        ins += [*extra, *consts, *carry]
        opened.append(sweep._replace(body=body, n_consts=len(extra) + sweep.n_consts))
    return while_vjp(*ins, **_params(cond, record, len(cond_extra) + len(cond_consts),
                                     len(record_extra) + len(record_consts), opened, masked))


def _program_shape(*avals, **p):
    return [a for sweep in _program(avals, p)[5] for a in sweep.out_avals()]


def _program_impl(*args, **p):
    return run(*_program(args, p), p["masked"])


def _render_program(emit, **p):
    return render(emit, *_program(emit.ins, p), p["masked"])


def _recorded(p) -> int:
    return len(p["record"].out_avals) - (len(p["record"].jaxpr.invars) - p["record_nconsts"])


def _written(p, sweeps):
    """The stack numbers each sweep writes."""
    start, out = _recorded(p), []
    for sweep in sweeps:
        out.append(range(start, start + sweep.n_writes))
        start += sweep.n_writes
    return out


# JVP ------------------------------------------------------------------------------------

def _nonzero(tangents):
    return [type(t) is not Zero for t in tangents]


def _grouped_jvp(body, in_sizes, in_nz, out_sizes, instantiate):
    """`jvp_jaxpr` of a phase body whose inputs and outputs come in groups:
    each group's primals, then its nonzero tangents. Returns (jaxpr, out_nz)."""
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


def _phase_jvp(body, consts, d_consts, reads_nz, d_carry, n_acc, n_writes):
    """The JVP of one phase, its carry tangents a fixed point. Returns (body,
    nonzero flags of the carry tangents, of the terms' and of the writes')."""
    n_carry = len(d_carry)
    fixed = _nonzero(d_consts) + list(reads_nz)
    carry_nz = carry_fixed_point(
        lambda nz: jvp_jaxpr(body, fixed + nz, instantiate_outs=[False] * n_acc + nz + [False] * n_writes)[1]
        [n_acc:n_acc + n_carry], _nonzero(d_carry))
    body, out_nz = _grouped_jvp(body, [len(consts), len(reads_nz), n_carry], fixed + carry_nz,
                                [n_acc, n_carry, n_writes], [False] * n_acc + carry_nz + [False] * n_writes)
    return body, carry_nz, out_nz[:n_acc], out_nz[n_acc + n_carry:]


class _Numbering:
    """Stack numbers of a transformed program: each old stack keeps a
    primal one and may get a tangent one, in the order phases write them."""

    def __init__(self):
        self.primal, self.tangent, self.count = {}, {}, 0

    def add(self, old, nonzeros):
        for s in old:
            self.primal[s], self.count = self.count, self.count + 1
        for s, nz in zip(old, nonzeros):
            if nz:
                self.tangent[s], self.count = self.count, self.count + 1

    def reads(self, old) -> tuple:
        return tuple([self.primal[s] for s in old] + [self.tangent[s] for s in old if s in self.tangent])


def _program_jvp(primals, tangents, p):
    cond, record, cond_consts, record_consts, init, sweeps, sweep_args = _program(primals, p)
    _, _, _, d_record_consts, d_init, _, d_sweep_args = _program(tangents, p)
    live = lambda ts: [t for t in ts if type(t) is not Zero]
    filled = lambda ts, nz: [rules.instantiate(t) for t, f in zip(ts, nz) if f]
    n_rec = _recorded(p)
    record, carry_nz, _, rec_nz = _phase_jvp(record, record_consts, d_record_consts, [], d_init, 0, n_rec)
    stacks = _Numbering()
    stacks.add(range(n_rec), rec_nz)
    new_sweeps, new_args, out_nz = [], [], []
    for sweep, (consts, carry), (d_consts, d_carry), written in zip(sweeps, sweep_args, d_sweep_args,
                                                                    _written(p, sweeps)):
        body, c_nz, acc_nz, w_nz = _phase_jvp(sweep.body, consts, d_consts, [s in stacks.tangent for s in sweep.reads],
                                              d_carry, sweep.n_acc, sweep.n_writes)
        new_sweeps.append(Sweep(body, sweep.descending, len(consts) + len(live(d_consts)),
                                stacks.reads(sweep.reads), sweep.n_acc + sum(acc_nz)))
        new_args.append((consts + live(d_consts), carry + filled(d_carry, c_nz)))
        stacks.add(written, w_nz)
        out_nz.append((acc_nz, c_nz))
    init_avals = [rules.aval_of(c) for c in init]
    outs = bind_program(ignoring(cond, pick(init_avals, carry_nz)), cond_consts, record,
                        record_consts + live(d_record_consts), init + filled(d_init, carry_nz), new_sweeps, new_args,
                        p["masked"])
    primals_out, tangents_out, out_avals = [], [], iter(_program_shape(*[rules.aval_of(x) for x in primals], **p))
    for acc_nz, c_nz in out_nz:
        acc, d_acc, carry, d_carry, outs = split(outs, len(acc_nz), sum(acc_nz), len(c_nz), sum(c_nz))
        avals = [next(out_avals) for _ in range(len(acc_nz) + len(c_nz))]
        primals_out += acc + carry
        tangents_out += unpick(acc_nz + c_nz, d_acc + d_carry, lambda i: Zero(avals[i]))
    return primals_out, tangents_out


# partial evaluation ------------------------------------------------------------------------

class _Part(NamedTuple):
    """A phase split by partial evaluation: `known` also returns `n_res`
    residuals, which `unknown` reads first (then its unknown inputs)."""
    known: ClosedJaxpr
    unknown: ClosedJaxpr
    n_res: int
    consts_uk: list
    reads_uk: list
    carry_uk: list
    out_uk: list        # terms, carry, writes


def _phase_split(body, consts_uk, reads_uk, carry_uk, n_acc, n_writes) -> _Part:
    fixed, n_carry = list(consts_uk) + list(reads_uk), len(carry_uk)
    inst = lambda uk: [False] * n_acc + uk + [False] * n_writes
    carry_uk = carry_fixed_point(
        lambda uk: partial_eval_jaxpr(body, fixed + uk, instantiate=inst(uk))[2][n_acc:n_acc + n_carry], carry_uk)
    known, unknown, out_uk, n_res = partial_eval_jaxpr(body, fixed + carry_uk, instantiate=inst(carry_uk))
    return _Part(known, unknown, n_res, list(consts_uk), list(reads_uk), carry_uk, out_uk)


def _split(p, unknowns):
    """(record part, sweep parts, unknown flag per stack); None when the
    trip count itself would be unknown."""
    cond, record, cc_uk, rc_uk, init_uk, sweeps, sweep_uk = _program(unknowns, p)
    n_rec = _recorded(p)
    rec = _phase_split(record, rc_uk, [], init_uk, 0, n_rec)
    if any(cc_uk) or reads_any(cond, [len(cc_uk) + i for i, u in enumerate(rec.carry_uk) if u]):
        return None
    stack_uk = rec.out_uk[len(init_uk):]
    parts = []
    for sweep, (consts_uk, carry_uk) in zip(sweeps, sweep_uk):
        part = _phase_split(sweep.body, consts_uk, [stack_uk[s] for s in sweep.reads], carry_uk, sweep.n_acc,
                            sweep.n_writes)
        parts.append(part)
        stack_uk = stack_uk + part.out_uk[sweep.n_acc + sweep.n_carry:]
    return rec, parts, stack_uk


def _known_cond(p, rec):
    return keep_inputs(p["cond_jaxpr"], [True] * p["cond_nconsts"] + [not u for u in rec.carry_uk])


class _Known(NamedTuple):
    record: ClosedJaxpr
    record_consts: list
    init: list
    sweeps: list
    sweep_args: list
    residuals: list     # per phase, the stack numbers of its residuals (`with_residuals`)
    n_stacks: int


def _known_program(p, split_, args, with_residuals) -> _Known:
    """The known phases, on the known `args`. `with_residuals`: they also
    record the residuals of the linear phases (the loop's after its stacks,
    a sweep's after its writes), and the sweeps drop their terms."""
    rec, parts, stack_uk = split_
    _, _, _, record_consts, init, sweeps, sweep_args = _program(args, p)
    known = lambda xs, flags: pick(xs, flags, False)
    numbers = {}

    def number(stacks):      # the known stacks, numbered among the residual ones
        for s in stacks:
            if not stack_uk[s]:
                numbers[s] = len(numbers) + n_res
    n_res = 0
    number(range(_recorded(p)))
    residuals = [range(len(numbers), len(numbers) + rec.n_res)]
    n_res = rec.n_res if with_residuals else 0
    n_out = len(rec.known.out_avals)
    record = keep_outputs(rec.known, [True] * (n_out - rec.n_res) + [with_residuals] * rec.n_res)
    new_sweeps, new_args = [], []
    for sweep, part, (consts, carry), written in zip(sweeps, parts, sweep_args, _written(p, sweeps)):
        n_acc = sweep.n_acc - sum(part.out_uk[:sweep.n_acc])
        n_out = len(part.known.out_avals)
        keep = [not with_residuals] * n_acc + [True] * (n_out - n_acc - part.n_res) + [with_residuals] * part.n_res
        new_sweeps.append(Sweep(keep_outputs(part.known, keep), sweep.descending, part.consts_uk.count(False),
                                tuple(numbers[s] for s, uk in zip(sweep.reads, part.reads_uk) if not uk),
                                0 if with_residuals else n_acc))
        new_args.append((known(consts, part.consts_uk), known(carry, part.carry_uk)))
        number(written)
        residuals.append(range(len(numbers) + n_res, len(numbers) + n_res + part.n_res))
        n_res += part.n_res if with_residuals else 0
    return _Known(record, known(record_consts, rec.consts_uk), known(init, rec.carry_uk), new_sweeps, new_args,
                  residuals, len(numbers) + n_res)


def _program_partial_eval(eqn, unknowns):
    p = eqn.params
    split_ = _split(p, unknowns)
    if split_ is None:
        return [], [eqn]      # the trip count itself is unknown: nothing runs early
    rec, parts, _ = split_
    _, _, cond_consts, _, _, sweeps, _ = _program(eqn.invars, p)
    out_uk = [u for sweep, part in zip(sweeps, parts) for u in part.out_uk[:sweep.n_acc + sweep.n_carry]]
    known = _known_program(p, split_, eqn.invars, False)
    ins = [*cond_consts, *known.record_consts, *known.init] + [x for c, k in known.sweep_args for x in c + k]
    known_eqn = Eqn(while_vjp, ins, pick(eqn.outvars, out_uk, False),
                    _params(_known_cond(p, rec), known.record, len(cond_consts), len(known.record_consts),
                            known.sweeps, p["masked"]))
    unknown_eqn = Eqn(while_vjp_lin, list(eqn.invars), pick(eqn.outvars, out_uk),
                      {**p, "unknowns": tuple(unknowns), "out_unknowns": tuple(out_uk)})
    return [known_eqn] if known_eqn.outvars else [], [unknown_eqn]


# while_vjp_lin and its transpose -----------------------------------------------------------

class _Linear(NamedTuple):
    """A linear phase: `body` (residuals, consts, reads, carry) -> (terms,
    carry, writes) is linear in all but the residuals, which it reads from
    the stacks `residuals` of the transposed program; `reads` and `writes`
    are the (old) numbers of the linear stacks it reads and writes."""
    body: ClosedJaxpr
    residuals: range
    n_consts: int
    reads: list
    n_carry: int
    writes: list
    descending: bool


def _linear_phases(p, split_, residuals):
    rec, parts, stack_uk = split_
    sweeps = _sweeps(p)
    phases = [_Linear(rec.unknown, residuals[0], sum(rec.consts_uk), [], sum(rec.carry_uk),
                      [s for s in range(_recorded(p)) if stack_uk[s]], False)]
    for sweep, part, written, res in zip(sweeps, parts, _written(p, sweeps), residuals[1:]):
        phases.append(_Linear(part.unknown, res, sum(part.consts_uk),
                              [s for s, uk in zip(sweep.reads, part.reads_uk) if uk], sum(part.carry_uk),
                              [s for s in written if stack_uk[s]], sweep.descending))
    return phases


def _transposed(lin, ct_stack, count):
    """Lᵀ as a sweep the other way round: consts the terms' cts; reads its
    residuals, the cts of the stacks L wrote (zero if no later phase read
    them) and the cts so far of the stacks it reads; carry the carry's ct.
    Returns (sweep, next stack number); it writes the new cts of L's reads."""
    jaxpr, n_res = lin.body.jaxpr, len(lin.residuals)
    # (residuals, ct terms, ct carry, ct writes) -> (ct consts, ct reads, ct carry)
    body_t = transpose_jaxpr(lin.body, [False] * n_res + [True] * (len(jaxpr.invars) - n_res))
    out_avals = lin.body.out_avals
    n_terms = len(out_avals) - lin.n_carry - len(lin.writes)
    write_avals = out_avals[n_terms + lin.n_carry:]
    read_avals = dict(zip(lin.reads, [v.aval for v in jaxpr.invars[n_res + lin.n_consts:]]))
    targets = list(dict.fromkeys(lin.reads))          # a stack read twice gets one ct
    have_w = [s in ct_stack for s in lin.writes]
    have_r = [s in ct_stack for s in targets]
    with pass_trace() as trace:
        new = lambda avals: [trace.new_arg(a) for a in avals]
        ct_terms, res = new(out_avals[:n_terms]), new([v.aval for v in jaxpr.invars[:n_res]])
        ct_writes, so_far = new(pick(write_avals, have_w)), new([read_avals[s] for s in pick(targets, have_r)])
        ct_carry = new(out_avals[n_terms:n_terms + lin.n_carry])
        all_writes = unpick(have_w, ct_writes, lambda i: rules.zeros(write_avals[i]))
        outs = eval_closed(body_t, res + ct_terms + ct_carry + all_writes)
        ct_consts, ct_reads, ct_carry_in = split(outs, lin.n_consts, len(lin.reads))
        total = dict(zip(pick(targets, have_r), so_far))
        for s, ct in zip(lin.reads, ct_reads):
            total[s] = add(total[s], ct) if s in total else ct
        body = build_jaxpr(trace, [], [], ct_terms + res + ct_writes + so_far + ct_carry,
                           ct_consts + ct_carry_in + [total[s] for s in targets])
    reads = (tuple(lin.residuals) + tuple(ct_stack[s] for s in pick(lin.writes, have_w))
             + tuple(ct_stack[s] for s in pick(targets, have_r)))
    ct_stack.update((s, count + k) for k, s in enumerate(targets))
    return Sweep(body, not lin.descending, n_terms, reads, lin.n_consts), count + len(targets)


def _lin_transpose(cts, *args, unknowns, out_unknowns, **p):
    """The known program recording the linear phases' residuals, then their
    transposes in reverse order."""
    split_ = _split(p, unknowns)
    rec, parts, _ = split_
    _, _, cond_consts, _, init, sweeps, _ = _program(args, p)
    known = _known_program(p, split_, args, True)
    count = known.n_stacks
    # The cts of the outputs, per sweep (terms, carry); the loop's final carry is no output.
    phase_cts, rest = [([], [rules.zeros(rules.aval_of(x)) for x in pick(init, rec.carry_uk)])], list(cts)
    for sweep, part in zip(sweeps, parts):
        terms, carry, rest = split(rest, sum(part.out_uk[:sweep.n_acc]), sum(part.carry_uk))
        phase_cts.append(([rules.instantiate(c) for c in terms], [rules.instantiate(c) for c in carry]))
    ct_stack, transposed = {}, []
    for lin in reversed(_linear_phases(p, split_, known.residuals)):
        sweep, count = _transposed(lin, ct_stack, count)
        transposed.append(sweep)
    outs = bind_program(_known_cond(p, rec), cond_consts, known.record, known.record_consts, known.init,
                        known.sweeps + transposed, known.sweep_args + phase_cts[::-1], p["masked"])
    _, rest = split(outs, sum(s.n_carry for s in known.sweeps))
    ct_phases = []
    for sweep in transposed:
        ct_consts, ct_carry, rest = split(rest, sweep.n_acc, sweep.n_carry)
        ct_phases.append((ct_consts, ct_carry))
    none = lambda i: None
    out = [None] * len(cond_consts)
    for part, (ct_consts, ct_carry) in zip([rec] + parts, ct_phases[::-1]):
        out += unpick(part.consts_uk, ct_consts, none) + unpick(part.carry_uk, ct_carry, none)
    return out


def _lin_shape(*avals, unknowns, out_unknowns, **p):
    return pick(_program_shape(*avals, **p), out_unknowns)


def _lin_impl(*args, unknowns, out_unknowns, **p):
    return pick(_program_impl(*args, **p), out_unknowns)


def _render_while_vjp_lin(emit, unknowns, out_unknowns, **p):
    return render(emit, *_program(emit.ins, p), p["masked"], keep=out_unknowns)


# batching ------------------------------------------------------------------------------------

def _program_batch(args, dims, p):
    """Every example runs the same number of steps. The loop's carry and
    stacks stay unbatched unless it mixes batched values into them, so the
    condition stays unbatched when it can: a batched one masks, in every
    phase, the steps an example did not take."""
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    cond, record, cond_consts, record_consts, init, sweeps, sweep_args = _program(args, p)
    _, _, cc_dims, rc_dims, init_dims, _, sweep_dims = _program(dims, p)
    carry_b, cond, masked = batched_carry(cond, record, cc_dims, rc_dims, init_dims, size, p["masked"])
    at = lambda flags: [0 if f else not_mapped for f in flags]
    _, rec_dims = vmap_jaxpr(record, rc_dims + at(carry_b), size)
    stack_b = [d is not not_mapped for d in rec_dims[len(init):]]
    record, _ = vmap_jaxpr(record, rc_dims + at(carry_b), size, outs_at_front=carry_b + stack_b)
    init = [rules.bdim_at_front(x, d, size) if b else x for x, d, b in zip(init, init_dims, carry_b)]
    new_sweeps, new_args = [], []
    for sweep, (consts, carry), (const_dims, carry_dims) in zip(sweeps, sweep_args, sweep_dims):
        body, _ = vmap_jaxpr(sweep.body, const_dims + at([stack_b[s] for s in sweep.reads]) + [0] * sweep.n_carry,
                             size, outs_at_front=True)
        new_sweeps.append(sweep._replace(body=body))
        new_args.append((consts, [rules.bdim_at_front(c, d, size) for c, d in zip(carry, carry_dims)]))
        stack_b += [True] * sweep.n_writes
    outs = bind_program(cond, cond_consts, record, record_consts, init, new_sweeps, new_args, masked)
    return outs, [0] * len(outs)


while_vjp = Primitive("while_vjp", shape_rule=_program_shape, impl=_program_impl, multiple_results=True,
                      jvp=_program_jvp, partial_eval=_program_partial_eval, batch=_program_batch,
                      numba=_render_program)
while_vjp_lin = Primitive("while_vjp_lin", shape_rule=_lin_shape, impl=_lin_impl, multiple_results=True,
                          transpose=_lin_transpose, numba=_render_while_vjp_lin,
                          jvp=refused_on_linearization("Differentiation"), batch=refused_on_linearization("vmap"))
