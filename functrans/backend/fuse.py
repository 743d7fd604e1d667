"""Partition a Jaxpr's equations into loop groups and standalone statements.

A `LoopGroup` is a maximal run of loopable equations over one iteration
space: elementwise ones, `IndexMap`s (broadcasts, transposes, slices: index
arithmetic) and `Reduction`s fed by them (epilogues accumulating inside the
same loop). Invariant: the steps are in a valid evaluation order; inside a
group, values that nothing outside the group reads stay scalars, and the
rest (`live`) are written to arrays once.
"""
from __future__ import annotations

from ..ir import Jaxpr, Var
from .lowering import IndexMap, Reduction

ELEMENTWISE, INDEX_MAP, REDUCTION, STATEMENT = "elementwise", "index map", "reduction", "statement"


def lowering_of(eqn) -> str:
    """How an equation lowers, read off its primitive's `numba` field."""
    prim = eqn.primitive
    if prim.elementwise:
        return ELEMENTWISE
    if isinstance(prim.numba, IndexMap):
        return INDEX_MAP
    if isinstance(prim.numba, Reduction):
        return REDUCTION
    return STATEMENT


def loop_shape(eqn) -> tuple:
    """The iteration space of a loopable equation: a reduction loops over its
    operand, everything else over its output."""
    aval = eqn.invars[0].aval if lowering_of(eqn) == REDUCTION else eqn.outvars[0].aval
    return aval.shape


def index_views(jaxpr: Jaxpr) -> dict:
    """{Var: its equation} for the unguarded index maps (broadcasts,
    transposes, squeezes, slices) of an array that only loops read: such a
    value is never an array of its own, its readers index its operand
    through it (chains compose), so a broadcast or reshape chain costs no
    loop and no allocation. Any other reader, or being an output, makes it
    an array."""
    outvars = {v for v in jaxpr.outvars if type(v) is Var}
    views = {}
    for eqn in jaxpr.eqns:
        operand = eqn.invars[0] if eqn.invars else None
        if (lowering_of(eqn) == INDEX_MAP and eqn.primitive.numba.guard is None and type(operand) is Var
                and operand.aval.shape and eqn.outvars[0].aval.shape and eqn.outvars[0] not in outvars):
            views[eqn.outvars[0]] = eqn
    for eqn in jaxpr.eqns:      # a statement reading a view needs it as an array
        if lowering_of(eqn) == STATEMENT:
            for x in eqn.invars:
                views.pop(x, None)
    return views


def root_of(x, views):
    """The array a (chain of) index views reads."""
    while type(x) is Var and x in views:
        x = views[x].invars[0]
    return x


class LoopGroup:
    """Equations evaluated together in one loop nest over `shape` (no loop at
    all for shape `()`). `views`: the Jaxpr's `index_views`, read through."""

    def __init__(self, shape, views=None):
        self.shape = shape
        self.views = views or {}
        self.eqns = []
        self.produced = set()   # outputs of the loop body: scalars per iteration
        self.reduced = set()    # outputs of reductions: ready only after the loop
        self.live = set()       # body outputs that something outside reads

    def add(self, eqn):
        self.eqns.append(eqn)
        (self.reduced if lowering_of(eqn) == REDUCTION else self.produced).update(eqn.outvars)

    def makes_any(self, atoms) -> bool:
        atoms = [root_of(x, self.views) for x in atoms]
        return any(type(x) is Var and (x in self.produced or x in self.reduced) for x in atoms)

    def accepts(self, eqn) -> bool:
        how = lowering_of(eqn)
        if how == STATEMENT or loop_shape(eqn) != self.shape:
            return False
        roots = [root_of(x, self.views) for x in eqn.invars]
        if any(type(x) is Var and x in self.reduced for x in roots):
            return False   # a reduction's result exists only after the loop
        # A view reads its root at another index: the root must be an array.
        if any(r is not x and r in self.produced for r, x in zip(roots, eqn.invars)):
            return False
        # An index map reads its operand at another index: it must be an array.
        return how != INDEX_MAP or roots[0] not in self.produced

    def __repr__(self):
        return f"LoopGroup({self.shape}, {[e.primitive.name for e in self.eqns]})"


class Statement:
    """One equation rendered by its primitive's statement renderer."""

    def __init__(self, eqn):
        self.eqn = eqn

    def __repr__(self):
        return f"Statement({self.eqn.primitive.name})"


def partition(jaxpr: Jaxpr) -> list:
    """The Jaxpr's equations as `LoopGroup`s and `Statement`s, in order.

    Walks the equations once, keeping one group open. An equation that
    cannot join it but does not depend on it (a statement, or a scalar
    computation) is hoisted before it, so that an unrelated `dot_general` or
    `1 / n` does not split an elementwise chain."""
    steps, group = [], None
    views = index_views(jaxpr)
    for eqn in jaxpr.eqns:
        if eqn.outvars and eqn.outvars[0] in views:
            continue       # read through by the loops that read it
        if group is not None and group.accepts(eqn):
            group.add(eqn)
            continue
        depends = group is not None and group.makes_any(eqn.invars)
        if lowering_of(eqn) == STATEMENT:
            step = Statement(eqn)
        else:
            step = LoopGroup(loop_shape(eqn), views)
            step.add(eqn)
        if group is not None and not depends and (isinstance(step, Statement) or step.shape == ()):
            steps.append(step)
            continue
        if group is not None:
            steps.append(group)
        if isinstance(step, Statement):
            steps.append(step)
            group = None
        else:
            group = step
    if group is not None:
        steps.append(group)
    _mark_live(jaxpr, steps, views)
    return steps


def _mark_live(jaxpr, steps, views):
    readers = {}
    for i, step in enumerate(steps):
        for eqn in step.eqns if isinstance(step, LoopGroup) else [step.eqn]:
            for x in eqn.invars:
                x = root_of(x, views)
                if type(x) is Var:
                    readers.setdefault(x, set()).add(i)
    outvars = {v for v in jaxpr.outvars if type(v) is Var}
    for i, step in enumerate(steps):
        if isinstance(step, LoopGroup):
            step.live = {v for v in step.produced if v in outvars or readers.get(v, set()) - {i}}


def loop_count(jaxpr: Jaxpr) -> int:
    """How many loop nests the backend emits for `jaxpr` (what the W1
    fusion test pins)."""
    return sum(1 for s in partition(jaxpr) if isinstance(s, LoopGroup) and s.shape)
