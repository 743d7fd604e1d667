"""Building blocks for primitive rules: symbolic zeros, linear-map JVPs,
transpose markers and the batching conventions.

A rule author writes one linear map per input (`lambda t, x, out: t * cos(x)`)
and `jvp_maps` turns it into the full rule the JVP pass calls, skipping zero
tangents; so rules never see a `Zero`. Everything here is written with
functrans ops, so rules are themselves traceable and differentiable.
"""
from __future__ import annotations

import numpy as np

from ..core import bind
from ..ir import Literal, ShapedArray

not_mapped = None   # the batch dimension of an unbatched vmap operand


class Zero:
    """A tangent or cotangent known to be zero, never materialised."""
    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Zero({self.aval.str_short()})"


class UndefinedPrimal:
    """Marks, in a transpose rule's arguments, the input the rule is linear in."""
    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"UndefinedPrimal({self.aval.str_short()})"


def zeros(aval: ShapedArray):
    """A zero array of `aval`, as a broadcast of a literal (cheap to stage)."""
    scalar = np.zeros((), aval.dtype)[()]
    return shape.broadcast_in_dim(scalar, shape=aval.shape, broadcast_dimensions=())


def instantiate(tangent, aval=None):
    """A real array for a possibly symbolic-zero tangent."""
    if type(tangent) is Zero:
        return zeros(tangent.aval)
    return tangent


def is_differentiable(aval: ShapedArray) -> bool:
    return aval.dtype.kind in "fc"


def match_aval(term, aval: ShapedArray):
    """Broadcast a rank-0 term, or cast a term, to the output's aval: the
    elementwise primitives accept rank-0 operands beside arrays."""
    if term.dtype != aval.dtype:
        term = elementwise.convert_element_type(term, new_dtype=aval.dtype, weak_type=aval.weak_type)
    if term.shape != aval.shape:
        assert term.shape == (), (term.shape, aval.shape)
        term = shape.broadcast_in_dim(term, shape=aval.shape, broadcast_dimensions=())
    return term


def unbroadcast(ct, aval: ShapedArray):
    """The cotangent of a rank-0 operand that was broadcast against an array."""
    if ct.shape != aval.shape:
        assert aval.shape == (), (ct.shape, aval.shape)
        ct = reduce.reduce_sum(ct, axes=tuple(range(len(ct.shape))))
    return ct


def aval_of(x) -> ShapedArray:
    from ..ir import aval_of as concrete_aval
    return x.aval if hasattr(x, "aval") else concrete_aval(x)


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
        if total is None or out.dtype.kind not in "fc":
            return out, Zero(aval_of(out))
        if total.shape != out.shape or total.dtype != out.dtype:
            total = match_aval(total, aval_of(out))
        return out, total
    return rule


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


# -------------------------------------------------------------- batching

def move_bdim(x, src: int, dst: int):
    """Move a batch dimension of `x` from axis `src` to axis `dst`."""
    if src == dst:
        return x
    perm = [i for i in range(len(x.shape)) if i != src]
    perm.insert(dst, src)
    return shape.transpose(x, permutation=tuple(perm))


def bdim_at_front(x, bdim, size: int):
    """`x` with its batch dimension at axis 0, broadcasting an unbatched `x`."""
    if bdim is not_mapped:
        x_shape = aval_of(x).shape
        return shape.broadcast_in_dim(
            x, shape=(size,) + x_shape, broadcast_dimensions=tuple(range(1, len(x_shape) + 1)))
    return move_bdim(x, bdim, 0)


# ------------------------------------------------------------- forwarding

def _same_type(a: ShapedArray, b: ShapedArray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


def _is_literal(x, value) -> bool:
    from ..ir import Literal
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


# The rule helpers above build with these primitives; they import this module
# themselves, so the reference goes last (used at call time only).
from . import elementwise, reduce, shape  # noqa: E402
