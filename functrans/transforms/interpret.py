"""The interpreter behind the JVP and batching passes: evaluate a Jaxpr on
values that each carry an annotation (a tangent, a batch dimension).

An equation none of whose inputs is annotated is simply bound; otherwise the
primitive's rule for the transformation computes outputs and their
annotations. Annotations that mean "nothing" (a `Zero` tangent, an unbatched
value) are never stored.
"""
from __future__ import annotations

from ..core import bind
from ..errors import UnsupportedError
from ..ir import Literal


def interpret(jaxpr, consts, args, marks, rule_name, blank, is_blank, what, keep=lambda var: True):
    """Returns (output values, output annotations). `blank(var)` is the
    annotation of an unannotated value; `rule_name` names the Primitive
    field holding the rule `(values, marks, params) -> (outs, out_marks)`;
    `keep(var)` says whether an output may carry an annotation at all."""
    env = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    # Annotations are stored only when they mean something; a Literal or an
    # unannotated Var reads as None here and becomes `blank(x)` only when a
    # rule needs it (this loop is the hot path of eager differentiation).
    mark_env = {v: m for v, m in zip(jaxpr.invars, marks) if not is_blank(m)}
    get_mark = mark_env.get     # a Literal is never a key: it reads as None
    for eqn in jaxpr.eqns:
        inputs = eqn.invars
        vals = [x if type(x) is Literal else env[x] for x in inputs]
        ms = [get_mark(x) for x in inputs]
        prim = eqn.primitive
        blanks = 0
        for m in ms:     # (not `None in ms`: tracers overload ==)
            if m is None:
                blanks += 1
        if blanks == len(ms):
            out = bind(prim, vals, eqn.params)
            if prim.multiple_results:
                env.update(zip(eqn.outvars, out))
            else:
                env[eqn.outvars[0]] = out
            continue
        rule = getattr(prim, rule_name)
        if rule is None:
            raise UnsupportedError(f"{what} rule for '{prim.name}' is not implemented")
        if blanks:
            ms = [blank(x) if m is None else m for x, m in zip(inputs, ms)]
        out, out_mark = rule(vals, ms, eqn.params)
        if prim.multiple_results:
            env.update(zip(eqn.outvars, out))
            for v, m in zip(eqn.outvars, out_mark):
                if not is_blank(m) and keep(v):
                    mark_env[v] = m
        else:
            v = eqn.outvars[0]
            env[v] = out
            if not is_blank(out_mark) and keep(v):
                mark_env[v] = out_mark

    def mark(x):
        m = mark_env.get(x)
        return blank(x) if m is None else m
    return [x if type(x) is Literal else env[x] for x in jaxpr.outvars], [mark(x) for x in jaxpr.outvars]
