"""Helpers shared by the control-flow primitives: Jaxprs re-laid-out for a
new operand order, carry fixed points, and typechecks of bodies whose errors
name the mismatching leaves."""
from __future__ import annotations

from ..errors import DTypeError
from ..ir import ClosedJaxpr, Jaxpr


def reorder(closed: ClosedJaxpr, in_order, out_order=None) -> ClosedJaxpr:
    """`closed` with invars (and outvars) taken in the given index order."""
    jaxpr = closed.jaxpr
    invars = [jaxpr.invars[i] for i in in_order]
    outvars = jaxpr.outvars if out_order is None else [jaxpr.outvars[i] for i in out_order]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, invars, jaxpr.eqns, outvars), closed.consts)


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
        raise DTypeError(f"{what} {rule}, but {described}. "
                         "Cast (e.g. x.astype(...)) so that the types match.")
