"""How reverse mode through `while` runs: a *loop program*, one `while` loop
recording per-step values on stacks, then sweeps over the recorded steps.

The trip count n is known only when the loop has run, so the stacks cannot
be values of the (statically shaped) IR: a primitive runs the whole program.
Each sweep visits k in [0, n) ascending or descending with
`body(consts, stacks[reads][k], carry) -> (terms, carry, writes)`: terms are
summed over the steps, `writes` become new stacks (numbered after the
recorded ones, then sweep by sweep). Under vmap a batched condition masks the
steps an example did not take, in every phase. `run` is the NumPy
evaluation, `render` the numba lowering; the primitives in while_vjp.py
build their programs from their params.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...core import eval_closed
from ...ir import Literal
from .bodies import pick, split


class Sweep(NamedTuple):
    """One pass over the recorded steps; its body's inputs are
    (consts, one value per read stack, carry), its outputs (terms, carry, writes)."""
    body: object            # a ClosedJaxpr (without consts in a primitive's params)
    descending: bool
    n_consts: int
    reads: tuple            # stack numbers
    n_acc: int

    @property
    def n_carry(self) -> int:
        return len(self.body.jaxpr.invars) - self.n_consts - len(self.reads)

    @property
    def n_writes(self) -> int:
        return len(self.body.out_avals) - self.n_acc - self.n_carry

    def out_avals(self) -> list:
        """The program returns each sweep's summed terms and final carry."""
        return list(self.body.out_avals[:self.n_acc + self.n_carry])


# NumPy -----------------------------------------------------------------------------------

def _where_active(active, new, old):
    """Per example: `new` where the example is still running, else `old`."""
    return np.where(active.reshape(active.shape + (1,) * (np.ndim(new) - 1)), new, old)


def _record(cond, body, cond_consts, consts, carry, masked):
    """Run the loop; per step, its outputs beyond the carry and (masked)
    which examples were still running."""
    steps, actives = [], []
    active = np.asarray(eval_closed(cond, cond_consts + carry)[0])
    while active.any():
        outs = eval_closed(body, consts + carry)
        new_carry, recorded = outs[:len(carry)], outs[len(carry):]
        carry = [_where_active(active, n, c) for n, c in zip(new_carry, carry)] if masked else new_carry
        steps.append(recorded)
        actives.append(active)
        active = np.asarray(eval_closed(cond, cond_consts + carry)[0])
        if masked:
            active = active & actives[-1]
    return [list(column) for column in zip(*steps)] if steps else [[] for _ in body.out_avals[len(carry):]], actives


def _sweep(sweep, consts, carry, stacks, actives, masked):
    acc = [np.zeros(a.shape, a.dtype) for a in sweep.body.out_avals[:sweep.n_acc]]
    n = len(actives)
    writes = [[None] * n for _ in range(sweep.n_writes)]
    for k in (range(n - 1, -1, -1) if sweep.descending else range(n)):
        outs = eval_closed(sweep.body, consts + [stacks[s][k] for s in sweep.reads] + carry)
        terms, new_carry, written = split(outs, sweep.n_acc, sweep.n_carry)
        if masked:
            terms = [_where_active(actives[k], t, np.zeros_like(a)) for t, a in zip(terms, acc)]
            new_carry = [_where_active(actives[k], c, old) for c, old in zip(new_carry, carry)]
        acc = [a + t for a, t in zip(acc, terms)]
        carry = new_carry
        for column, w in zip(writes, written):
            column[k] = w
    return acc + list(carry), writes


def run(cond, record, cond_consts, record_consts, init, sweeps, sweep_args, masked=False) -> list:
    """Evaluate the program; `sweep_args` holds each sweep's (consts, initial
    carry). Returns every sweep's summed terms and final carry, in order."""
    stacks, actives = _record(cond, record, list(cond_consts), list(record_consts), list(init), masked)
    outs = []
    for sweep, (consts, carry) in zip(sweeps, sweep_args):
        results, writes = _sweep(sweep, list(consts), list(carry), stacks, actives, masked)
        outs += results
        stacks += writes
    return outs


# numba -----------------------------------------------------------------------------------

def render_loop(emit, cond, body, cond_consts, consts, init, active=None):
    """Lines of `while cond(carry): outs = body(carry)` up to the body's
    outputs, which the caller assigns: (head, loop, carry names, outputs).
    With a batched condition, the loop runs while any example is `active`."""
    carry = [emit.temp(f"carry{k}") for k in range(len(init))]
    cond_lines, (pred,) = emit.inline(cond, cond_consts + carry, "cond")
    body_lines, outs = emit.inline(body, consts + carry, "body")
    head = [f"{c} = {i}" for c, i in zip(carry, init)]
    if active is None:
        return head, cond_lines + [f"if not {pred}:", "    break"] + body_lines, carry, outs
    head.append(f"{active} = np.ones({cond.out_avals[0].shape!r}, np.bool_)")
    stop = [f"{active} = {active} & {pred}", f"if not {active}.any():", "    break"]
    return head, cond_lines + stop + body_lines, carry, outs


def _masked(emit, mask, size, pairs, stem) -> list:
    """Lines assigning each `target = new` for the examples (along axis 0)
    where `mask` holds; the others keep theirs. `pairs`: (target, new)."""
    if not pairs:
        return []
    lane = emit.temp(stem + "lane")
    merged = [emit.temp(f"{stem}merged{k}") for k in range(len(pairs))]
    lines = [f"{m} = np.copy({new})" for m, (_, new) in zip(merged, pairs)]
    lines += [f"for {lane} in range({size}):", f"    if not {mask}[{lane}]:"]
    lines += [f"        {m}[{lane}] = {target}[{lane}]" for m, (target, _) in zip(merged, pairs)]
    return lines + [f"{target} = {m}" for m, (target, _) in zip(merged, pairs)]


def _stacking(jaxpr, in_templates, out_exprs, first, stack_name):
    """How a later sweep reads back the body outputs from `first` on, stored
    per step: a template each (`.format(step)` gives the expression), and
    the (stack, expression, aval) of those needing a stack of their own. An
    output that is an input readable later (an invariant const, a stack read
    at the same step) or repeats an earlier output needs none."""
    readable = {v: t for v, t in zip(jaxpr.invars, in_templates) if t is not None}
    templates, new = [], []
    for v, expr in zip(jaxpr.outvars[first:], out_exprs[first:]):
        if type(v) is Literal:
            templates.append(expr)
            continue
        if v not in readable:
            name = stack_name(len(new))
            new.append((name, expr, v.aval))
            readable[v] = name + "[{}]"
        templates.append(readable[v])
    return templates, new


def _render_record(emit, cond, record, cond_consts, consts, init, masked):
    """The loop, pushing what it records (and, masked, which examples were
    still running) on stacks that double when full. Returns (lines, trip
    count name, read templates of the recorded values, (read template of
    the masks, batch size) or None)."""
    active = emit.temp("active") if masked else None
    head, loop, carry, outs = render_loop(emit, cond, record, cond_consts, consts, init, active)
    count, capacity = emit.temp("count"), emit.temp("capacity")
    templates, new = _stacking(record.jaxpr, consts + [None] * len(init), outs, len(init),
                               lambda k: emit.temp(f"stack{k}"))
    if masked:
        new.append((emit.temp("masks"), active, cond.out_avals[0]))
    alloc = lambda st, a, n: f"{st} = np.empty(({n},) + {a.shape!r}, {emit.dtype_expr(a.dtype)})"
    head += [f"{count} = 0", f"{capacity} = 16"] + [alloc(st, a, capacity) for st, _, a in new]
    grow, k = [], emit.temp("growk")
    for st, _, a in new:
        moved = emit.copy(st + "_grown", lambda idx: [k, *idx], st, lambda idx: [k, *idx], a.shape)
        grow += [alloc(st + "_grown", a, f"2 * {capacity}"), f"for {k} in range({capacity}):",
                 *emit.indent(moved), f"{st} = {st}_grown"]
    loop += [f"if {count} == {capacity}:"] + emit.indent(grow + [f"{capacity} = 2 * {capacity}"])
    for st, r, a in new:
        loop += emit.copy(st, lambda idx: [count, *idx], r, list, a.shape)
    loop += [f"{count} += 1"]
    if masked:
        loop += _masked(emit, active, cond.out_avals[0].shape[0], list(zip(carry, outs)), "carry")
    else:
        loop += [f"{c} = {o}" for c, o in zip(carry, outs[:len(init)])]
    masks = (new[-1][0] + "[{}]", cond.out_avals[0].shape[0]) if masked else None
    return head + ["while True:"] + emit.indent(loop), count, templates, masks


def _render_sweep(emit, sweep, number, consts, init, count, stacks, masks):
    """Lines of one sweep; (lines, names of its results, read templates of
    its writes). `masks`: (read template of the steps' masks, batch size), or None."""
    stem = f"sweep{number}"
    acc = [emit.temp(f"{stem}acc{k}") for k in range(sweep.n_acc)]
    carry = [emit.temp(f"{stem}carry{k}") for k in range(sweep.n_carry)]
    lines = [f"{a} = np.zeros({av.shape!r}, {emit.dtype_expr(av.dtype)})" if av.shape
             else f"{a} = {emit.literal(0, av.dtype)}" for a, av in zip(acc, sweep.body.out_avals)]
    lines += [f"{c} = {i}" for c, i in zip(carry, init)]
    step = emit.temp(f"{stem}step")
    reads = [stacks[s] for s in sweep.reads]
    body, outs = emit.inline(sweep.body, consts + [r.format(step) for r in reads] + carry, stem)
    templates, new = _stacking(sweep.body.jaxpr, consts + reads + [None] * sweep.n_carry, outs,
                               sweep.n_acc + sweep.n_carry, lambda k: emit.temp(f"{stem}stack{k}"))
    lines += [f"{st} = np.empty(({count},) + {av.shape!r}, {emit.dtype_expr(av.dtype)})" for st, _, av in new]
    terms, new_carry, _ = split(outs, sweep.n_acc, sweep.n_carry)
    if masks is None:
        body += [f"{a} = {a} + {t}" for a, t in zip(acc, terms)]
        body += [f"{c} = {o}" for c, o in zip(carry, new_carry)]
    else:     # terms of the examples still running; the others keep their carry
        mask, size = masks[0].format(step), masks[1]
        lane = emit.temp(f"{stem}lane")
        if acc:
            body += [f"for {lane} in range({size}):", f"    if {mask}[{lane}]:"]
            body += [f"        {a}[{lane}] = {a}[{lane}] + {t}[{lane}]" for a, t in zip(acc, terms)]
        body += _masked(emit, mask, size, list(zip(carry, new_carry)), stem + "carry")
    for st, o, av in new:
        body += emit.copy(st, lambda idx: [step, *idx], o, list, av.shape)
    steps = f"range({count} - 1, -1, -1)" if sweep.descending else f"range({count})"
    return lines + [f"for {step} in {steps}:"] + emit.indent(body), acc + carry, templates


def render(emit, cond, record, cond_consts, record_consts, init, sweeps, sweep_args, masked=False,
           keep=None) -> list:
    """Statements running the program, assigning `emit.outs` (every sweep's
    summed terms and final carry, in order; those flagged in `keep`)."""
    lines, count, stacks, masks = _render_record(emit, cond, record, list(cond_consts), list(record_consts),
                                                 list(init), masked)
    results = []
    for number, (sweep, (consts, carry)) in enumerate(zip(sweeps, sweep_args)):
        sweep_lines, names, written = _render_sweep(emit, sweep, number, list(consts), list(carry), count, stacks,
                                                    masks)
        lines += sweep_lines
        results += names
        stacks = stacks + written
    kept = results if keep is None else pick(results, keep)
    return lines + [f"{out} = {v}" for out, v in zip(emit.outs, kept)]
