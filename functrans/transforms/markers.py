"""What the transformations pass beside values, and the few array operations
they (and every primitive's rules) need on them.

`Zero` is a tangent or cotangent known to be zero, never materialised;
`UndefinedPrimal` marks, in a transpose rule's arguments, the input the rule
is linear in; `not_mapped` is the batch dimension of an unbatched value.

The operations here (materialising zeros, summing cotangents, moving batch
dimensions, fitting a tangent to an aval) bind five primitives that
`functrans.ops` declares: add, convert_element_type, broadcast_in_dim,
transpose and reduce_sum. The primitives sit above this layer (their rules
are built from these helpers), so they are found through core's registry by
name when called, not imported.
"""
from __future__ import annotations

import numpy as np

from ..core import REGISTRY, bind
from ..ir import ShapedArray, aval_of

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


def is_differentiable(aval: ShapedArray) -> bool:
    """Whether values of `aval` have tangents (floating-point and complex ones)."""
    return aval.dtype.kind in "fc"


def _bind(name: str, *args, **params):
    return bind(REGISTRY[name], args, params)


def broadcast(x, shape: tuple, broadcast_dimensions: tuple):
    """`broadcast_in_dim(x)`: the axes of `x` become `broadcast_dimensions` of `shape`."""
    return _bind("broadcast_in_dim", x, shape=shape, broadcast_dimensions=broadcast_dimensions)


def zeros(aval: ShapedArray):
    """A zero array of `aval`, as a broadcast of a literal (cheap to stage)."""
    scalar = np.zeros((), aval.dtype)[()]
    return broadcast(scalar, aval.shape, ())


def instantiate(tangent):
    """A real array for a possibly symbolic-zero tangent."""
    if type(tangent) is Zero:
        return zeros(tangent.aval)
    return tangent


def add_cotangents(x, y):
    """`x + y` for two cotangents of one value (the transpose of fan-out)."""
    return _bind("add", x, y)


def match_aval(term, aval: ShapedArray):
    """Broadcast a rank-0 term, or cast a term, to the output's aval: the
    elementwise primitives accept rank-0 operands beside arrays."""
    if term.dtype != aval.dtype:
        term = _bind("convert_element_type", term, new_dtype=aval.dtype, weak_type=aval.weak_type)
    if term.shape != aval.shape:
        assert term.shape == (), (term.shape, aval.shape)
        term = broadcast(term, aval.shape, ())
    return term


def unbroadcast(ct, aval: ShapedArray):
    """The cotangent of a rank-0 operand that was broadcast against an array."""
    if ct.shape != aval.shape:
        assert aval.shape == (), (ct.shape, aval.shape)
        ct = _bind("reduce_sum", ct, axes=tuple(range(len(ct.shape))))
    return ct


def move_bdim(x, src: int, dst: int):
    """Move a batch dimension of `x` from axis `src` to axis `dst`."""
    if src == dst:
        return x
    perm = [i for i in range(len(x.shape)) if i != src]
    perm.insert(dst, src)
    return _bind("transpose", x, permutation=tuple(perm))


def bdim_at_front(x, bdim, size: int):
    """`x` with its batch dimension at axis 0, broadcasting an unbatched `x`."""
    if bdim is not_mapped:
        x_shape = aval_of(x).shape
        return broadcast(x, (size,) + x_shape, tuple(range(1, len(x_shape) + 1)))
    return move_bdim(x, bdim, 0)
