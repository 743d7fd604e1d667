"""functrans.lax: the primitives by their lax names, for code ported from
`jax.lax`. These are strict: operands must already share a dtype and shape
(a rank-0 operand may stand beside an array; a Python scalar takes the
other operands' dtype); `functrans.numpy` is the broadcasting, promoting
layer. Bad operands raise here, eagerly as under a trace.
"""
from .api.control import cond, fori_loop, scan, switch, while_loop  # noqa: F401
from .ir import aval_of as _aval_of
from .numpy._base import cast as _cast, operand as _operand
from .ops import elementwise as _ew


def _checked(prim):
    """`prim` as a lax function: Python scalars become weak literals of the
    array operands' dtype, and the shape rule vets the operands even when
    nothing is traced (bind alone would just run NumPy)."""
    def fn(*args, **params):
        arrays = [a for a in args if not isinstance(a, (bool, int, float))]
        dtype = _aval_of(arrays[0]).dtype if arrays else None
        args = [_cast(_operand(a), dtype, True) if isinstance(a, (bool, int, float)) and dtype is not None
                else a for a in args]
        prim.abstract_eval([_aval_of(a) for a in args], params)
        return prim(*args, **params)
    fn.__name__ = fn.__qualname__ = prim.name
    fn.__doc__ = f"The `{prim.name}` primitive (strict operands)."
    return fn


(abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, ceil, convert_element_type, cos, cosh, div, eq, erf,
 exp, expm1, floor, ge, gt, integer_pow, is_finite, le, log, log1p, logistic, lt, max, min, mul, ne, neg, pow,
 rem, round, rsqrt, select_n, sign, sin, sinh, sqrt, stop_gradient, sub, tan, tanh) = [
    _checked(p) for p in (
        _ew.abs, _ew.acos, _ew.acosh, _ew.add, _ew.asin, _ew.asinh, _ew.atan, _ew.atan2, _ew.atanh, _ew.ceil,
        _ew.convert_element_type, _ew.cos, _ew.cosh, _ew.div, _ew.eq, _ew.erf, _ew.exp, _ew.expm1, _ew.floor,
        _ew.ge, _ew.gt, _ew.integer_pow, _ew.is_finite, _ew.le, _ew.log, _ew.log1p, _ew.logistic, _ew.lt,
        _ew.max, _ew.min, _ew.mul, _ew.ne, _ew.neg, _ew.pow, _ew.rem, _ew.round, _ew.rsqrt, _ew.select_n,
        _ew.sign, _ew.sin, _ew.sinh, _ew.sqrt, _ew.stop_gradient, _ew.sub, _ew.tan, _ew.tanh)]
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
