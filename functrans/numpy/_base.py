"""What every facade function starts with: operands, dtype promotion and
NumPy broadcasting, turned into strict primitive calls.

Primitives accept equal shapes (plus rank-0 beside arrays) and one dtype;
this module inserts the `convert_element_type` and `broadcast_in_dim` that
make NumPy's rules hold. Python scalars stay weakly typed literals.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Tracer, bind
from ..errors import ShapeError, canonicalize_axis
from ..ir import Literal, ShapedArray, weak_scalar_aval
from ..ops import elementwise as ew
from ..ops import shaping as sh


def operand(x):
    """A value a primitive accepts: Tracer, Literal, or a NumPy array/scalar."""
    if type(x) in (Tracer, Literal) or isinstance(x, (np.ndarray, np.generic)):
        return x
    if dtypes.is_python_scalar(x):
        dtype = dtypes.python_scalar_dtype(x)
        return Literal(dtype.type(x), weak_scalar_aval(dtype))
    if hasattr(x, "__jax_array__"):
        x = x.__jax_array__()
    if isinstance(x, (list, tuple)) and holds_tracer(x):
        raise TypeError(
            f"functrans.numpy got a Python {type(x).__name__} of traced values, not an array. A list "
            "argument of a transformed function is a pytree: each element is traced separately; pass an array "
            "instead (f(np.asarray(x))). A list built inside the function becomes an array with "
            "fnp.stack(...) or fnp.array(...)")
    array = np.asarray(x)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"functrans.numpy needs numbers or arrays of numbers, got {type(x).__name__} "
                        f"{x!r:.40}" + (f" (an array of dtype {array.dtype.name})" if array.dtype.kind != "O" else "")
                        + "; pass a number or an array of numbers (np.asarray(x, dtype=float))")
    return array


def holds_tracer(x) -> bool:
    """Whether a (nested) list or tuple holds a traced value."""
    return any(type(v) is Tracer or type(v) in (list, tuple) and holds_tracer(v) for v in x)


def result(x):
    """What a facade function hands back when it would return an operand
    untouched: never an internal Literal (a Python scalar became one)."""
    return np.asarray(x.value) if type(x) is Literal else x


def aval(x) -> ShapedArray:
    if type(x) in (Tracer, Literal):
        return x.aval
    if dtypes.is_python_scalar(x):
        return ShapedArray((), dtypes.python_scalar_dtype(x), weak_type=True)
    return ShapedArray(np.shape(x), np.result_type(x))


def cast(x, dtype, weak_type=False):
    """`x` (an operand) as `dtype`."""
    x_aval = aval(x)
    if x_aval.dtype == dtype and x_aval.weak_type == weak_type:
        return x
    if type(x) is Literal:
        return Literal(dtype.type(x.value), ShapedArray((), dtype, weak_type))
    if type(x) is Tracer:
        if x_aval.dtype == dtype:
            return x
        return ew.convert_element_type(x, new_dtype=dtype, weak_type=weak_type)
    return np.asarray(x, dtype=dtype)


def promote(*args):
    """Operands of one dtype, by NumPy 2 / JAX weak-type promotion."""
    args = [operand(a) for a in args]
    avals = [aval(a) for a in args]
    dtype, weak = dtypes.result_type(*[(a.dtype, a.weak_type) for a in avals])
    return [cast(a, dtype, weak) for a in args]


def broadcast_shapes(*shapes, op="operation"):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(f"{op}: operands could not be broadcast together with shapes "
                         f"{' '.join(str(tuple(s)) for s in shapes)}. Broadcasting lines axes up from the "
                         "right and needs each pair equal or 1: reshape, transpose or index an operand "
                         "(e.g. x[:, None]) so that they match") from None


def broadcast_to(x, shape):
    """`x` broadcast to `shape` by NumPy's rules (aligned on the right)."""
    x = operand(x)
    x_shape = aval(x).shape
    shape = tuple(shape)
    if x_shape == shape:
        return x
    if len(x_shape) > len(shape) or broadcast_shapes(x_shape, shape, op="broadcast_to") != shape:
        raise ShapeError(f"broadcast_to: cannot broadcast an array of shape {x_shape} to shape {shape}")
    if type(x) is not Tracer:
        return np.broadcast_to(x.value if type(x) is Literal else x, shape)
    lead = len(shape) - len(x_shape)
    # Size-1 axes that are stretched are squeezed out first, so that the
    # broadcast maps only real axes (its transpose is then a plain sum).
    stretched = tuple(i for i, n in enumerate(x_shape) if n == 1 and shape[lead + i] != 1)
    if stretched:
        x = sh.squeeze(x, dimensions=stretched)
    kept = tuple(lead + i for i in range(len(x_shape)) if i not in stretched)
    return sh.broadcast_in_dim(x, shape=shape, broadcast_dimensions=kept)


def broadcast_args(op, *args):
    """Broadcast operands against each other; rank-0 ones are left for the
    primitive, which accepts them beside arrays."""
    shapes = [aval(a).shape for a in args]
    if all(s == shapes[0] or s == () for s in shapes):
        return list(args)
    out_shape = broadcast_shapes(*shapes, op=op)
    return [a if s == () or s == out_shape else broadcast_to(a, out_shape) for a, s in zip(args, shapes)]


def _operand_beside(value, array):
    """`value` as an operand of a binary op with `array` (a tracer or an
    ndarray) if no promotion or broadcasting is needed (the common case
    inside rules), else None."""
    t = type(value)
    aval = array.aval if type(array) is Tracer else array
    if t is float or t is int:    # a weak literal of the tracer's (float) dtype
        if aval.dtype.kind == "f":
            return Literal(aval.dtype.type(value), weak_scalar_aval(aval.dtype))
        return None
    if t is Literal or t is np.ndarray or t is Tracer:
        other = value.aval if t is not np.ndarray else value
        if other.dtype == aval.dtype and (other.shape == aval.shape or other.shape == () or aval.shape == ()):
            if t is not Tracer or type(array) is not Tracer or other.weak_type == aval.weak_type:
                return value
    return None


def numpy_binary(prim, op_name, on_bools=None):
    """A NumPy-style binary function over the strict primitive `prim`;
    `on_bools` replaces it when both operands are booleans (NumPy adds bools
    with `or` and multiplies them with `and`)."""
    def fn(x, y):
        tx, ty = type(x), type(y)     # fast paths: nothing to promote or broadcast
        if tx is Tracer or (tx is np.ndarray and ty is not Tracer):
            operand = _operand_beside(y, x)
            if operand is not None and (on_bools is None or (x.aval if tx is Tracer else x).dtype.kind != "b"):
                return bind(prim, (x, operand), {})
        elif ty is Tracer or ty is np.ndarray:
            operand = _operand_beside(x, y)
            if operand is not None and (on_bools is None or (y.aval if ty is Tracer else y).dtype.kind != "b"):
                return bind(prim, (operand, y), {})
        x, y = promote(x, y)
        if on_bools is not None and aval(x).dtype.kind == "b":
            return on_bools(x, y)
        return prim(*broadcast_args(op_name, x, y))
    fn.__name__ = op_name
    fn.__doc__ = f"Elementwise `{op_name}` with NumPy broadcasting and type promotion."
    return fn


def to_float(x):
    """`x` as an inexact operand (ints and bools become float64, like NumPy)."""
    t = type(x)
    if (t is Tracer and x.aval.dtype.kind in "fc") or (t is np.ndarray and x.dtype.kind in "fc"):
        return x      # the common case, decided without building an aval
    x = operand(x)
    x_aval = aval(x)
    if dtypes.is_float(x_aval.dtype):
        return x
    return cast(x, dtypes.DEFAULT_FLOAT, x_aval.weak_type)


def numpy_unary_float(prim, op_name):
    def fn(x):
        return prim(to_float(x))
    fn.__name__ = op_name
    fn.__doc__ = f"Elementwise `{op_name}`; integer inputs are computed in float64."
    return fn


def numpy_unary(prim, op_name):
    def fn(x):
        return prim(operand(x))
    fn.__name__ = op_name
    fn.__doc__ = f"Elementwise `{op_name}`."
    return fn


def normalize_axis(axis, ndim, op="operation", argname="axis"):
    """`axis` checked and made non-negative (`errors.canonicalize_axis`)."""
    return canonicalize_axis(axis, ndim, argname, op)


def normalize_axes(axis, ndim, op="reduction"):
    """`axis` (None, int or tuple) as a sorted tuple of non-negative axes.
    Like NumPy, a reduction of a rank-0 array accepts axis 0 or -1 (and
    reduces nothing)."""
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0 and not isinstance(axis, (bool, np.bool_)) and (axis == 0 or axis == -1):
        return ()
    if isinstance(axis, (tuple, list)):
        axes = tuple(sorted(normalize_axis(a, ndim, op) for a in axis))
        if len(set(axes)) != len(axes):
            raise ShapeError(f"{op}: repeated axis in {axis}")
        return axes
    return (normalize_axis(axis, ndim, op),)
