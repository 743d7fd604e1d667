"""Transposes around `dot_general` folded into it before rendering.

Reverse mode writes `transpose(x)` into the operand of a dot and
`transpose(dot(...))` around one (W2's weight gradients). Each would be a
copy loop; folded into the dot's dimension numbers they become the BLAS
transpose flags of `blas.batched_matmul` (or a swap of the operands).
"""
from __future__ import annotations

from ..ir import Eqn, Jaxpr, Var


def _free(ndim, contract, batch):
    return [i for i in range(ndim) if i not in contract and i not in batch]


def _fold_operand(eqn, producers, readers):
    """The dot with each operand that is a transpose read only here replaced
    by the transpose's input, when that keeps the dot's output order."""
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    operands, dims = list(eqn.invars), [[lc, lb], [rc, rb]]
    changed = False
    for k, x in enumerate(operands):
        source = producers.get(x) if type(x) is Var else None
        if source is None or source.primitive.name != "transpose" or readers[x] != 1:
            continue
        perm = source.params["permutation"]
        contract, batch = dims[k]
        new_contract, new_batch = tuple(perm[a] for a in contract), tuple(perm[a] for a in batch)
        old_free = _free(len(perm), contract, batch)
        if [perm[a] for a in old_free] != _free(len(perm), new_contract, new_batch):
            continue       # the output's free axes would come out in another order
        operands[k], dims[k], changed = source.invars[0], [new_contract, new_batch], True
    if not changed:
        return eqn
    numbers = ((dims[0][0], dims[1][0]), (dims[0][1], dims[1][1]))
    return Eqn(eqn.primitive, operands, eqn.outvars, {**eqn.params, "dimension_numbers": numbers})


def _swapped(dot, transpose):
    """`transpose(dot(x, y))` as `dot(y, x)` when the transpose only swaps
    the two operands' free axes (no batch axes), else None."""
    (lc, rc), (lb, rb) = dot.params["dimension_numbers"]
    if lb:
        return None
    x, y = dot.invars
    nl = len(_free(len(x.aval.shape), lc, lb))
    nr = len(_free(len(y.aval.shape), rc, rb))
    if list(transpose.params["permutation"]) != list(range(nl, nl + nr)) + list(range(nl)):
        return None
    return Eqn(dot.primitive, [y, x], transpose.outvars, {**dot.params, "dimension_numbers": ((rc, lc), ((), ()))})


def fold_dot_transposes(jaxpr: Jaxpr) -> Jaxpr:
    """`jaxpr` with transposes feeding or wrapping dot_generals folded in;
    the transposes left unread are dropped."""
    readers = {}
    for eqn in jaxpr.eqns:
        for x in eqn.invars:
            if type(x) is Var:
                readers[x] = readers.get(x, 0) + 1
    for v in jaxpr.outvars:
        if type(v) is Var:
            readers[v] = readers.get(v, 0) + 2     # an output is always materialized
    if not any(e.primitive.name == "dot_general" for e in jaxpr.eqns):
        return jaxpr
    producers, eqns = {}, []
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == "dot_general":
            eqn = _fold_operand(eqn, producers, readers)
        elif eqn.primitive.name == "transpose":
            dot = producers.get(eqn.invars[0]) if type(eqn.invars[0]) is Var else None
            swapped = _swapped(dot, eqn) if dot is not None and dot.primitive.name == "dot_general" \
                and readers[eqn.invars[0]] == 1 else None
            if swapped is not None:
                eqns.remove(dot)
                eqn = swapped
        eqns.append(eqn)
        for v in eqn.outvars:
            producers[v] = eqn
    used = {x for e in eqns for x in e.invars if type(x) is Var} | {v for v in jaxpr.outvars if type(v) is Var}
    eqns = [e for e in eqns if e.primitive.name != "transpose" or any(v in used for v in e.outvars)]
    if len(eqns) == len(jaxpr.eqns) and all(a is b for a, b in zip(eqns, jaxpr.eqns)):
        return jaxpr
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outvars)
