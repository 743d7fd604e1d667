"""Helpers shared by the control-flow primitives: Jaxprs re-laid-out for a
new operand order, carry fixed points, and typechecks of bodies whose errors
name the mismatching leaves."""
from __future__ import annotations

from ...errors import DTypeError
from ...ir import ClosedJaxpr, Jaxpr, Var
from ...transforms.passes import dce
from ...transforms.vmap import vmap_jaxpr
from ..rules import not_mapped


def reorder(closed: ClosedJaxpr, in_order, out_order=None) -> ClosedJaxpr:
    """`closed` with invars (and outvars) taken in the given index order."""
    jaxpr = closed.jaxpr
    invars = [jaxpr.invars[i] for i in in_order]
    outvars = jaxpr.outvars if out_order is None else [jaxpr.outvars[i] for i in out_order]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, invars, jaxpr.eqns, outvars), closed.consts)


def ignoring(closed: ClosedJaxpr, extra_avals) -> ClosedJaxpr:
    """`closed` with extra trailing inputs it does not read."""
    jaxpr = closed.jaxpr
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, jaxpr.invars + [Var(a) for a in extra_avals], jaxpr.eqns,
                             jaxpr.outvars), closed.consts)


def reads_any(closed: ClosedJaxpr, positions) -> bool:
    """Whether `closed` reads any of the inputs at `positions`."""
    used = {x for e in closed.jaxpr.eqns for x in e.invars} | set(closed.jaxpr.outvars)
    return any(closed.jaxpr.invars[i] in used for i in positions)


def carry_fixed_point(step, flags):
    """Grow `flags` (per carry) until `step(flags)` adds none: a carry whose
    tangent is nonzero (or which is unknown, or batched) after one step is so
    throughout."""
    while True:
        grown = [a or b for a, b in zip(flags, step(flags))]
        if grown == flags:
            return flags
        flags = grown


def keep_inputs(closed: ClosedJaxpr, flags) -> ClosedJaxpr:
    """`closed` without the inputs whose flag is False (it must not read them)."""
    jaxpr = closed.jaxpr
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, pick(jaxpr.invars, flags), jaxpr.eqns, jaxpr.outvars), closed.consts)


def keep_outputs(closed: ClosedJaxpr, flags) -> ClosedJaxpr:
    """`closed` computing only the outputs whose flag is True."""
    jaxpr = closed.jaxpr
    return ClosedJaxpr(dce(Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.eqns, pick(jaxpr.outvars, flags))),
                       closed.consts)


def unpick(flags, values, fill) -> list:
    """Inverse of `pick`: `values` at the flagged positions, `fill(i)` elsewhere."""
    it = iter(values)
    return [next(it) if f else fill(i) for i, f in enumerate(flags)]


def batched_carry(cond, body, cond_const_dims, body_const_dims, carry_dims, size, masked=False):
    """Which carries of a `while` under vmap are batched: those batched at
    the start or mixed with batched values by the body; all of them when the
    condition is batched (`masked`: finished examples keep their carry).
    Returns (flags, the batched condition, masked)."""
    at = lambda flags: [0 if f else not_mapped for f in flags]
    n = len(carry_dims)
    flags = carry_fixed_point(
        lambda b: [d is not not_mapped for d in vmap_jaxpr(body, body_const_dims + at(b), size)[1][:n]],
        [d is not not_mapped for d in carry_dims])
    batched_cond, pred_dims = vmap_jaxpr(cond, cond_const_dims + at(flags), size)
    masked = masked or pred_dims[0] is not not_mapped
    if masked and not all(flags):
        flags = [True] * n
        batched_cond, _ = vmap_jaxpr(cond, cond_const_dims + at(flags), size)
    return flags, batched_cond, masked


def pick(xs, flags, want=True) -> list:
    """The members of `xs` whose flag is `want`."""
    return [x for x, f in zip(xs, flags) if f == want]


def split(seq, *sizes):
    """`seq` cut into consecutive pieces of the given sizes (the rest last)."""
    out, start = [], 0
    for n in sizes:
        out.append(list(seq[start:start + n]))
        start += n
    out.append(list(seq[start:]))
    return out


def interleave_order(groups_primal, groups_tangent):
    """Index order that puts, group by group, the primal members then the
    tangent members of a JVP Jaxpr laid out as (all primals, all tangents).
    Each group is a list of positions within its half."""
    n_primal = sum(len(g) for g in groups_primal)
    order = []
    for p, t in zip(groups_primal, groups_tangent):
        order += list(p) + [n_primal + i for i in t]
    return order


def check_same_types(what, in_avals, out_avals, names=None, rule="must keep the type of every value it carries"):
    """A loop body must keep, and branches must share, every leaf's shape and dtype."""
    if len(in_avals) != len(out_avals):
        raise DTypeError(f"{what}: expected {len(in_avals)} values but got {len(out_avals)}")
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(in_avals, out_avals))
           if a.shape != b.shape or a.dtype != b.dtype]
    if bad:
        described = "; ".join(
            f"leaf {i}{f' ({names[i]})' if names else ''}: {a.str_short()} became {b.str_short()}"
            for i, a, b in bad)
        fix = ("Cast (e.g. x.astype(...))" if all(a.shape == b.shape for _, a, b in bad) else
               "Reshape, broadcast (fnp.broadcast_to) or cast")
        raise DTypeError(f"{what} {rule}, but {described}. {fix} so that the types match.")
