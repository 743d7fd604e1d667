"""Building blocks for primitive rules: linear-map JVPs, linear transposes
and forwarding rules, beside the transformations' markers and helpers
(`Zero`, `UndefinedPrimal`, `not_mapped`, `zeros`, `move_bdim`, ...), which
live in `transforms.markers` and are handed on here for rule authors.

A rule author writes one linear map per input (`lambda t, x, out: t * cos(x)`)
and `jvp_maps` turns it into the full rule the JVP pass calls, skipping zero
tangents; so rules never see a `Zero`. Everything here is written with
functrans ops, so rules are themselves traceable and differentiable.
"""
from __future__ import annotations

from ..core import bind
from ..ir import Literal, ShapedArray, aval_of
from ..transforms.markers import (
    UndefinedPrimal,
    Zero,
    bdim_at_front,
    broadcast,
    instantiate,
    is_differentiable,
    match_aval,
    move_bdim,
    not_mapped,
    unbroadcast,
    zeros,
)

__all__ = ["UndefinedPrimal", "Zero", "aval_of", "bdim_at_front", "broadcast", "instantiate",
           "is_differentiable", "match_aval", "move_bdim", "not_mapped", "unbroadcast", "zeros",
           "jvp_maps", "linear_jvp", "zero_jvp", "linear_transpose", "forward_neutral",
           "forward_if_same_type"]

# ------------------------------------------------------------------- JVPs

def jvp_maps(prim, *maps):
    """The JVP rule of `prim` from one linear map per input:
    `map(t, *primals, out, **params)`; `None` marks a non-differentiable input."""
    def rule(primals, tangents, params):
        out = bind(prim, primals, params)
        # Maps do arithmetic on the primals (`y - 1.0`), which inline
        # Literals do not support: they get them as Python scalars, which,
        # like the Literals, are weakly typed (`t32 * 2.0` stays float32).
        values = [p.value.item() if type(p) is Literal else p for p in primals]
        total = None
        for fn, t in zip(maps, tangents):
            if fn is None or type(t) is Zero:
                continue
            term = fn(t, *values, out, **params)
            if term is not None:   # a map may declare its term zero
                total = term if total is None else total + term
        return _finish(out, total)

    if len(maps) != 1 or maps[0] is None:
        return rule
    fn = maps[0]

    def unary_rule(primals, tangents, params):
        # The one-operand case (sin, tanh, exp, ...) without the loop: it is
        # the hot path of eager differentiation.
        out = bind(prim, primals, params)
        t = tangents[0]
        if type(t) is Zero:
            return out, Zero(aval_of(out))
        x = primals[0]
        return _finish(out, fn(t, x.value.item() if type(x) is Literal else x, out, **params))
    return unary_rule


def _finish(out, total):
    """A JVP's output pair: a Zero tangent when no map contributed or the
    output is not differentiable; else the sum of terms fitted to the output."""
    if total is None or out.dtype.kind not in "fc":
        return out, Zero(aval_of(out))
    if total.shape != out.shape or total.dtype != out.dtype:
        total = match_aval(total, aval_of(out))
    return out, total


def linear_jvp(prim, linear_argnums=None):
    """The JVP rule of a primitive linear in the inputs `linear_argnums`
    (all by default): the tangent is the primitive applied to the tangents."""
    def rule(primals, tangents, params):
        out = bind(prim, primals, params)
        argnums = range(len(primals)) if linear_argnums is None else linear_argnums
        if all(type(tangents[i]) is Zero for i in argnums):
            outs = out if prim.multiple_results else [out]
            zero = [Zero(aval_of(o)) for o in outs]
            return out, (zero if prim.multiple_results else zero[0])
        args = list(primals)
        for i in argnums:
            args[i] = instantiate(tangents[i])
        return out, bind(prim, args, params)
    return rule


def zero_jvp(prim):
    """The JVP rule of a primitive with zero derivative (comparisons, argmax,
    integer ops, stop_gradient)."""
    def rule(primals, tangents, params):
        out = bind(prim, primals, params)
        if prim.multiple_results:
            return out, [Zero(aval_of(o)) for o in out]
        return out, Zero(aval_of(out))
    return rule


def linear_transpose(transpose_fn):
    """A transpose rule for a primitive of one linear input (the first):
    `transpose_fn(ct, aval_of_input, *other_args, **params)`."""
    def rule(ct, operand, *rest, **params):
        assert type(operand) is UndefinedPrimal
        return [transpose_fn(ct, operand.aval, *rest, **params)] + [None] * len(rest)
    return rule


# ------------------------------------------------------------- forwarding

def _same_type(a: ShapedArray, b: ShapedArray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


def _is_literal(x, value) -> bool:
    return type(x) is Literal and x.value == value


def forward_neutral(left=None, right=None):
    """`forward` rule of a binary op with a neutral element: `x + 0`, `1 * x`."""
    def rule(inputs, params, out_aval):
        x, y = inputs
        if right is not None and _is_literal(y, right) and _same_type(x.aval, out_aval):
            return 0
        if left is not None and _is_literal(x, left) and _same_type(y.aval, out_aval):
            return 1
        return None
    return rule


def forward_if_same_type(inputs, params, out_aval):
    """`forward` rule of shape ops and casts: a no-op when nothing changes."""
    return 0 if _same_type(inputs[0].aval, out_aval) and out_aval.weak_type <= inputs[0].aval.weak_type else None

