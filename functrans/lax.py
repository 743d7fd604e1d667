"""functrans.lax: the primitives by their lax names, for code ported from
`jax.lax`. These are strict: operands must already share a dtype and shape
(a rank-0 operand may stand beside an array); `functrans.numpy` is the
broadcasting, promoting layer.
"""
from .ops.elementwise import (abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, ceil,  # noqa: F401
                              convert_element_type, cos, cosh, div, eq, erf, exp, expm1, floor, ge, gt,
                              integer_pow, is_finite, le, log, log1p, logistic, lt, max, min, mul, ne,
                              neg, pow, rem, round, rsqrt, select_n, sign, sin, sinh, sqrt, stop_gradient,
                              sub, tan, tanh)
from .ops.indexing import dynamic_slice as _dynamic_slice, dynamic_update_slice  # noqa: F401
from .ops.linalg import dot_general  # noqa: F401
from .ops.reduce import argmax, argmin, cumsum, reduce_max, reduce_min, reduce_sum  # noqa: F401
from .ops.shape import (broadcast_in_dim, concatenate as _concatenate, expand_dims, iota, pad,  # noqa: F401
                        reshape as _reshape, rev, slice as _slice, squeeze, transpose as _transpose)


def select(pred, on_true, on_false):
    """`on_true` where `pred` holds, else `on_false` (same shapes)."""
    return select_n(pred, on_false, on_true)


def reshape(operand, new_sizes):
    return _reshape(operand, new_sizes=tuple(new_sizes))


def transpose(operand, permutation):
    return _transpose(operand, permutation=tuple(permutation))


def concatenate(operands, dimension):
    return _concatenate(*operands, dimension=dimension)


def slice(operand, start_indices, limit_indices, strides=None):
    return _slice(operand, start_indices=tuple(start_indices), limit_indices=tuple(limit_indices),
                  strides=None if strides is None else tuple(strides))


def dynamic_slice(operand, start_indices, slice_sizes):
    return _dynamic_slice(operand, *start_indices, slice_sizes=tuple(slice_sizes))
from .api.control import cond, fori_loop, scan, switch, while_loop  # noqa: E402,F401
