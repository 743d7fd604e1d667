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
    mark_env = {v: m for v, m in zip(jaxpr.invars, marks) if not is_blank(m)}

    def read(x):
        return x if type(x) is Literal else env[x]

    def mark(x):
        m = None if type(x) is Literal else mark_env.get(x)
        return blank(x) if m is None else m

    for eqn in jaxpr.eqns:
        vals = [read(x) for x in eqn.inputs]
        ms = [mark(x) for x in eqn.inputs]
        prim = eqn.primitive
        if all(is_blank(m) for m in ms):
            out = bind(prim, vals, eqn.params)
            outs, out_marks = (out if prim.multiple_results else [out]), ()
        else:
            rule = getattr(prim, rule_name)
            if rule is None:
                raise UnsupportedError(f"{what} rule for '{prim.name}' is not implemented")
            out, out_mark = rule(vals, ms, eqn.params)
            outs, out_marks = (out, out_mark) if prim.multiple_results else ([out], [out_mark])
        env.update(zip(eqn.outputs, outs))
        for v, m in zip(eqn.outputs, out_marks):
            if not is_blank(m) and keep(v):
                mark_env[v] = m
    return [read(v) for v in jaxpr.outvars], [mark(v) for v in jaxpr.outvars]
