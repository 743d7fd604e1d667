"""Simplification passes run between transforms: forwarding of identities
(`x * 1`, `x + 0`, casts and reshapes to the same type), common-subexpression
elimination and dead-code elimination.

Constant folding needs no pass of its own: `bind` evaluates any operation
whose inputs are all concrete instead of recording it. Passes never name a
primitive: what an equation may forward is the primitive's `forward` field.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..ir import ClosedJaxpr, Eqn, Jaxpr, Literal, ShapedArray, Var


def dce(jaxpr: Jaxpr) -> Jaxpr:
    """Drop equations none of whose outputs are used; an equation some of
    whose outputs are unused is narrowed by its primitive's `dce` rule."""
    live = {v for v in jaxpr.outvars if type(v) is Var}
    kept = []
    narrowed = False
    for eqn in reversed(jaxpr.eqns):
        outs = eqn.outvars
        if len(outs) == 1:
            if outs[0] not in live:
                continue
        else:
            used = [v in live for v in outs]
            if True not in used:
                continue
            if eqn.primitive.dce is not None and False in used:
                new = eqn.primitive.dce(eqn, used)
                narrowed = narrowed or new is not eqn
                eqn = new
        kept.append(eqn)
        live.update(eqn.invars)    # Literals too: harmless (no equation outputs one), and one C call
    if len(kept) == len(jaxpr.eqns) and not narrowed:
        return jaxpr
    kept.reverse()
    return Jaxpr(jaxpr.constvars, jaxpr.invars, kept, jaxpr.outvars)


def _literal_key(x: Literal):
    return ("literal", x.value.item() if hasattr(x.value, "item") else x.value, x.aval.dtype, x.aval.weak_type)


def _fold_scalar_broadcasts(inputs, scalar_of, out_shape):
    """Elementwise operands that are broadcasts of a rank-0 value are
    replaced by that value (primitives accept rank-0 operands), as long as
    another operand still carries the output's shape."""
    folded = [scalar_of.get(x) if type(x) is Var else None for x in inputs]
    if not any(f is not None for f in folded):
        return inputs
    if not any(f is None and x.aval.shape == out_shape for f, x in zip(folded, inputs)):
        first = next(i for i, f in enumerate(folded) if f is not None)
        folded[first] = None
    return [x if f is None else f for f, x in zip(folded, inputs)]


def _cse_key(primitive, inputs, params):
    """What makes two equations equal for CSE: a primitive's `cse_form`
    (`(inputs, params) -> (primitive, inputs, params)` of an equal equation,
    or None: `integer_pow[y=2] x` is `mul x x`) is applied first, and the
    operands of a `commutative` primitive are compared as a multiset."""
    form = getattr(primitive, "cse_form", None)
    if form is not None:
        primitive, inputs, params = form(inputs, params) or (primitive, inputs, params)
    keys = tuple(_literal_key(x) if type(x) is Literal else x for x in inputs)
    if getattr(primitive, "commutative", False):
        keys = frozenset(Counter(keys).items())
    return primitive, keys, tuple(params.items())


def forward_and_cse(jaxpr: Jaxpr) -> Jaxpr:
    """Replace identity equations by their input, fold scalar broadcasts into
    elementwise operations and replace repeated equations by the first
    occurrence, in one forward walk."""
    subst = {}
    seen = {}
    scalar_of = {}    # Var -> the rank-0 atom it is a broadcast of
    eqns = []
    changed = False
    for eqn in jaxpr.eqns:
        inputs = [subst.get(x, x) if type(x) is Var else x for x in eqn.invars]
        if eqn.primitive.elementwise and scalar_of:
            inputs = _fold_scalar_broadcasts(inputs, scalar_of, eqn.outvars[0].aval.shape)
        if any(a is not b for a, b in zip(inputs, eqn.invars)):
            changed = True
        if eqn.primitive.scalar_broadcast is not None:
            source = eqn.primitive.scalar_broadcast(inputs, eqn.params)
            if source is not None:
                scalar_of[eqn.outvars[0]] = source
        forward = eqn.primitive.forward
        if forward is not None and len(eqn.outvars) == 1:
            index = forward(inputs, eqn.params, eqn.outvars[0].aval)
            if index is not None:
                subst[eqn.outvars[0]] = inputs[index]
                changed = True
                continue
        try:
            key = _cse_key(eqn.primitive, inputs, eqn.params)
            hash(key)
        except TypeError:
            key = None
        if key is not None and key in seen:
            subst.update(zip(eqn.outvars, seen[key]))
            changed = True
            continue
        if key is not None:
            seen[key] = eqn.outvars
        eqns.append(eqn if inputs == eqn.invars else Eqn(eqn.primitive, inputs, eqn.outvars, eqn.params))
    if not changed:
        return jaxpr
    outvars = [subst.get(v, v) if type(v) is Var else v for v in jaxpr.outvars]
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, outvars)


def bind_literals(closed: ClosedJaxpr, literals: dict) -> ClosedJaxpr:
    """`closed` with the inputs at the given positions replaced by Literals
    (and removed from its inputs), so that simplification can use them."""
    jaxpr = closed.jaxpr
    subst = {jaxpr.invars[i]: lit for i, lit in literals.items()}
    eqns = [Eqn(e.primitive, [subst.get(x, x) if type(x) is Var else x for x in e.invars], e.outvars, e.params)
            for e in jaxpr.eqns]
    invars = [v for i, v in enumerate(jaxpr.invars) if i not in literals]
    outvars = [subst.get(v, v) if type(v) is Var else v for v in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(jaxpr.constvars, invars, eqns, outvars), closed.consts)


def _inline_bodies(params):
    """`params` with the calls inside their Jaxprs (loop bodies, branches)
    inlined too; the same dict when there are none. A body whose inlined
    calls would bring consts keeps its calls: bodies carry none."""
    new = {}
    for key, value in params.items():
        subs = value if isinstance(value, tuple) else (value,)
        if not subs or not all(isinstance(sub, ClosedJaxpr) for sub in subs):
            continue
        inlined = tuple(inline_calls(sub) for sub in subs)
        if all(i is not s for i, s in zip(inlined, subs)) and not any(i.consts for i in inlined):
            new[key] = inlined if isinstance(value, tuple) else inlined[0]
    return {**params, **new} if new else params


def inline_calls(closed: ClosedJaxpr) -> ClosedJaxpr:
    """Replace every equation of a call-like primitive (its `inline` field)
    by the equations of the Jaxpr it calls, recursively, with fresh Vars.
    The consts of inlined Jaxprs join the outer consts."""
    constvars, consts = list(closed.jaxpr.constvars), list(closed.consts)

    def splice(jaxpr, env, eqns):
        for eqn in jaxpr.eqns:
            inputs = [env.get(x, x) if type(x) is Var else x for x in eqn.invars]
            if eqn.primitive.inline is None:
                outputs = [Var(v.aval) for v in eqn.outvars]
                env.update(zip(eqn.outvars, outputs))
                eqns.append(Eqn(eqn.primitive, inputs, outputs, _inline_bodies(eqn.params)))
                continue
            inner = eqn.primitive.inline(eqn.params)
            inner_env = dict(zip(inner.jaxpr.invars, inputs))
            for v, c in zip(inner.jaxpr.constvars, inner.consts):
                inner_env[v] = Var(v.aval)
                constvars.append(inner_env[v])
                consts.append(c)
            splice(inner.jaxpr, inner_env, eqns)
            env.update(zip(eqn.outvars, [inner_env.get(v, v) if type(v) is Var else v
                                         for v in inner.jaxpr.outvars]))

    jaxpr = closed.jaxpr
    if not any(e.primitive.inline is not None or _inline_bodies(e.params) is not e.params for e in jaxpr.eqns):
        return closed
    env, eqns = {}, []
    splice(jaxpr, env, eqns)
    outvars = [env.get(v, v) if type(v) is Var else v for v in jaxpr.outvars]
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, eqns, outvars), consts)


def _uniform_value(const):
    """The one element every element of the array `const` equals bit for bit
    (so -0.0 and NaN payloads stay as they are), or None."""
    if not isinstance(const, np.ndarray) or const.size < 2:
        return None
    rows = np.ascontiguousarray(const).reshape(const.size, 1).view(np.uint8)
    return const.reshape(-1)[0] if (rows == rows[0]).all() else None


def fold_uniform_consts(closed: ClosedJaxpr, broadcast) -> ClosedJaxpr:
    """Consts whose elements are all one value (a cotangent of ones that
    `bind` folded, scaled) become a rank-0 const and a `broadcast` of it,
    so that jit's loops read a scalar instead of streaming an array through
    memory. The value stays a const, not a Literal: the kernel's source, and
    so its compile, does not depend on it. A float64 or bool value is a
    Python scalar (what kernels take without conversion). `broadcast` is the
    broadcast_in_dim primitive (passes name none)."""
    jaxpr = closed.jaxpr
    constvars, consts, eqns = [], [], []
    for v, c in zip(jaxpr.constvars, closed.consts):
        value = _uniform_value(c)
        if value is None:
            constvars.append(v)
            consts.append(c)
            continue
        scalar = Var(ShapedArray((), v.aval.dtype, v.aval.weak_type))
        constvars.append(scalar)
        consts.append(value.item() if value.dtype in (np.float64, np.bool_) else value)
        eqns.append(Eqn(broadcast, [scalar], [v], {"shape": v.aval.shape, "broadcast_dimensions": ()}))
    if not eqns:
        return closed
    return ClosedJaxpr(Jaxpr(constvars, jaxpr.invars, eqns + list(jaxpr.eqns), jaxpr.outvars), consts)


def simplify(closed: ClosedJaxpr) -> ClosedJaxpr:
    """All simplification passes, to a Jaxpr as lean as a hand-written one."""
    jaxpr = dce(forward_and_cse(closed.jaxpr))
    if jaxpr is closed.jaxpr:
        return closed
    return ClosedJaxpr(jaxpr, closed.consts)
