"""functrans.lax: the primitives by their lax names, for code ported from
`jax.lax`. These are strict: operands must already share a dtype and shape
(a rank-0 operand may stand beside an array; a Python scalar takes the
other operands' dtype); `functrans.numpy` is the broadcasting, promoting
layer. Bad operands raise here, eagerly as under a trace.
"""
import numpy as np

from .api.control import cond, fori_loop, scan, switch, while_loop  # noqa: F401
from .core import REGISTRY
from .errors import ShapeError
from .ir import aval_of as _aval_of
from .numpy._base import cast as _cast
from .numpy._base import operand as _operand
from .numpy._math import stop_gradient  # noqa: F401
from .ops import special as _special  # noqa: F401  (its primitives join the registry lax lists)
from .ops.fft import FftType, fft  # noqa: F401
from .ops.indexing import dynamic_slice as _dynamic_slice  # noqa: F401
from .ops.indexing import dynamic_update_slice  # noqa: F401
from .ops.linalg import dot_general as _dot_general
from .ops.reduce import argmax, argmin, cumsum, reduce_max, reduce_min, reduce_sum  # noqa: F401
from .ops.shaping import broadcast_in_dim, expand_dims, iota, pad, rev, squeeze  # noqa: F401
from .ops.shaping import concatenate as _concatenate
from .ops.shaping import reshape as _reshape
from .ops.shaping import slice as _slice
from .ops.shaping import transpose as _transpose
from .precision import Precision, check_precision  # noqa: F401


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
    fn.primitive = prim
    return fn


# Every elementwise primitive, under its lax name: core's registry is the one
# list. A new elementwise primitive appears here (and in the op-table tests)
# with no edit to this file. JAX names the bitwise ones after the operation.
_JAX_NAMES = {"and": "bitwise_and", "or": "bitwise_or", "not": "bitwise_not", "xor": "bitwise_xor"}
_ELEMENTWISE = {_JAX_NAMES.get(p.name, p.name): _checked(p) for p in REGISTRY.values() if p.elementwise}
globals().update(_ELEMENTWISE)


def select(pred, on_true, on_false):
    """`on_true` where `pred` holds, else `on_false` (same shapes)."""
    return _ELEMENTWISE["select_n"](pred, on_false, on_true)


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


from .ops.sorting import sort as _sort  # noqa: E402


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """`operand` sorted along `dimension`; a sequence of operands is sorted
    together by the first (NaNs last, stable)."""
    operands = list(operand) if isinstance(operand, (tuple, list)) else [operand]
    ndim = len(_aval_of(operands[0]).shape)
    dimension = dimension + ndim if dimension < 0 else dimension
    params = {"dimension": dimension, "is_stable": bool(is_stable), "num_keys": num_keys}
    _sort.abstract_eval([_aval_of(o) for o in operands], params)   # vetted eagerly too, as _checked does
    outs = _sort(*operands, **params)
    return tuple(outs) if isinstance(operand, (tuple, list)) else outs[0]


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    """(keys sorted along `dimension`, `values` in the same order)."""
    return sort((keys, values), dimension, is_stable)


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """The contraction primitive: `dimension_numbers = ((lhs_contract,
    rhs_contract), (lhs_batch, rhs_batch))`; the output's axes are the batch
    axes, then lhs's and rhs's free axes. `precision` is accepted and has no
    effect (functrans.precision); `preferred_element_type` is the dtype the
    product is computed and returned in."""
    check_precision(precision, "dot_general")
    (lc, rc), (lb, rb) = dimension_numbers
    numbers = ((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb)))
    if preferred_element_type is not None:
        lhs, rhs = (_cast(_operand(x), np.dtype(preferred_element_type)) for x in (lhs, rhs))
    _dot_general.abstract_eval([_aval_of(lhs), _aval_of(rhs)], {"dimension_numbers": numbers})
    return _dot_general(lhs, rhs, dimension_numbers=numbers)


dot_general.primitive = _dot_general


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector and matrix products of rank-1/2 operands: contracts the last
    axis of `lhs` with the first of `rhs` (strict dtypes, as in lax)."""
    nl, nr = np.ndim(lhs), np.ndim(rhs)
    if not (1 <= nl <= 2 and 1 <= nr <= 2):
        raise ShapeError(f"lax.dot takes rank-1 or rank-2 operands, got shapes {np.shape(lhs)} and "
                         f"{np.shape(rhs)}; use lax.dot_general or fnp.matmul for batches")
    return dot_general(lhs, rhs, (((nl - 1,), (0,)), ((), ())), precision, preferred_element_type)
