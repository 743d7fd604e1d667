"""Reductions over axes: reduce_sum, reduce_max, reduce_min, argmax, argmin,
and the scan-like cumsum.

`reduce_sum` and `cumsum` are linear; the max/min JVP weights the tangent by
where the extremum is attained, sharing it evenly between ties (JAX's rule).
Batching renumbers the axes around the batch dimension.
"""
from __future__ import annotations

import numpy as np

from ..backend.lowering import Reduction
from ..core import Primitive
from ..errors import ShapeError
from ..ir import ShapedArray
from . import rules


def _check_axes(name, x, axes):
    if len(set(axes)) != len(axes) or any(not 0 <= a < len(x.shape) for a in axes):
        raise ShapeError(f"{name}: axes {axes} are out of range (or repeated) for an array "
                         f"of shape {x.shape}")


def _reduced_shape(name, dtype=None):
    def rule(x, axes, **params):
        _check_axes(name, x, axes)
        out_dtype = params.get("index_dtype", dtype) or x.dtype
        weak = x.weak_type and out_dtype == x.dtype
        return ShapedArray(tuple(n for i, n in enumerate(x.shape) if i not in axes), out_dtype, weak)
    return rule


def _shift_axes_batch(prim):
    """vmap rule of a reduction: the batch dim stays; axes move around it."""
    def rule(args, dims, params):
        (x,), (d,) = args, dims
        axes = tuple(a + (a >= d) for a in params["axes"])
        out_dim = d - sum(a < d for a in axes)
        return prim(x, **{**params, "axes": axes}), out_dim
    return rule


def _keep_dims(x, out, axes):
    """`out` (reduced over `axes`) broadcast back to the shape of `x`."""
    x_shape = rules.aval_of(x).shape
    kept = tuple(i for i in range(len(x_shape)) if i not in axes)
    return rules.broadcast(out, x_shape, kept)


# reduce_sum ------------------------------------------------------------------------

def _sum_impl(x, axes):
    return np.sum(x, axis=axes, dtype=np.result_type(x))   # NumPy would widen int32 to int64


reduce_sum = Primitive("reduce_sum", shape_rule=_reduced_shape("reduce_sum"), impl=_sum_impl,
                       transpose=rules.linear_transpose(lambda ct, x, axes: _keep_dims(x, ct, axes)))
reduce_sum.jvp = rules.linear_jvp(reduce_sum)
reduce_sum.batch = _shift_axes_batch(reduce_sum)
reduce_sum.forward = lambda inputs, params, out_aval: None if params["axes"] else 0


# reduce_max / reduce_min ------------------------------------------------------------

def _extremum_tangent(t, x, out, axes):
    location = (x == _keep_dims(x, out, axes)).astype(out.dtype)
    return reduce_sum(t * location, axes=axes) / reduce_sum(location, axes=axes)


def _extremum(name, impl):
    prim = Primitive(name, shape_rule=_reduced_shape(name), impl=impl)
    prim.jvp = rules.jvp_maps(prim, _extremum_tangent)
    prim.batch = _shift_axes_batch(prim)
    return prim


reduce_max = _extremum("reduce_max", lambda x, axes: np.max(x, axis=axes))
reduce_min = _extremum("reduce_min", lambda x, axes: np.min(x, axis=axes))


# argmax / argmin: one axis, like lax.argmax ------------------------------------------

def _arg_extremum(name, impl):
    def shape_rule(x, axes, index_dtype):
        if len(axes) != 1:
            raise ShapeError(f"{name} reduces exactly one axis, got {axes}")
        return _reduced_shape(name)(x, axes, index_dtype=index_dtype)

    prim = Primitive(name, shape_rule=shape_rule,
                     impl=lambda x, axes, index_dtype: impl(x, axis=axes[0]).astype(index_dtype))
    prim.jvp = rules.zero_jvp(prim)
    prim.batch = _shift_axes_batch(prim)
    return prim


argmax = _arg_extremum("argmax", np.argmax)
argmin = _arg_extremum("argmin", np.argmin)


# cumsum ------------------------------------------------------------------------------

def _cumsum_shape(x, axis, reverse):
    _check_axes("cumsum", x, (axis,))
    return x


def _cumsum_impl(x, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=np.result_type(x)), axis)
    return np.cumsum(x, axis=axis, dtype=np.result_type(x))


def _cumsum_batch(args, dims, params):
    (x,), (d,) = args, dims
    axis = params["axis"] + (params["axis"] >= d)
    return cumsum(x, axis=axis, reverse=params["reverse"]), d


cumsum = Primitive("cumsum", shape_rule=_cumsum_shape, impl=_cumsum_impl, batch=_cumsum_batch,
                   transpose=rules.linear_transpose(
                       lambda ct, x, axis, reverse: cumsum(ct, axis=axis, reverse=not reverse)))
cumsum.jvp = rules.linear_jvp(cumsum)


# numba lowering ----------------------------------------------------------------------

def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else False if dtype == np.bool_ else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else True if dtype == np.bool_ else np.iinfo(dtype).max


reduce_sum.numba = Reduction(lambda dtype: 0, "({0} + {1})")
reduce_max.numba = Reduction(_lowest, "np.maximum({0}, {1})")   # both propagate NaN, like np.max
reduce_min.numba = Reduction(_highest, "np.minimum({0}, {1})")


def _render_arg_extremum(beats):
    """Loop over the reduced axis innermost; the first NaN wins, as in NumPy."""
    def render(emit, axes, index_dtype):
        (axis,), x = axes, emit.in_avals[0]
        idx = emit.indices(len(x.shape))
        at_first, at_j = list(idx), list(idx)
        at_first[axis], at_j[axis] = "0", "j0"
        best, where, value = emit.temp("best"), emit.temp("where"), emit.temp("value")
        scan = emit.loops([("j0", f"range(1, {x.shape[axis]})")], [
            f"{value} = {emit.read(0, at_j)}",
            f"if {value} {beats} {best} or ({value} != {value} and {best} == {best}):",
            f"    {best} = {value}",
            f"    {where} = j0"])
        kept = [(i, n) for a, (i, n) in enumerate(zip(idx, x.shape)) if a != axis]
        body = [f"{best} = {emit.read(0, at_first)}", f"{where} = 0", *scan,
                emit.write(0, [i for i, _ in kept], where)]
        return emit.alloc(0) + emit.loops(kept, body)
    return render


argmax.numba = _render_arg_extremum(">")
argmin.numba = _render_arg_extremum("<")


def _render_cumsum(emit, axis, reverse):
    x = emit.in_avals[0]
    n, dtype = x.shape[axis], x.dtype
    idx = emit.indices(len(x.shape))
    idx[axis] = "j0"
    acc = emit.temp("acc")
    steps = f"range({n - 1}, -1, -1)" if reverse else n
    scan = emit.loops([("j0", steps)], [f"{acc} = {emit.cast(f'{acc} + {emit.read(0, idx)}', dtype)}",
                                        emit.write(0, idx, acc)])
    kept = [(i, k) for a, (i, k) in enumerate(zip(idx, x.shape)) if a != axis]
    return emit.alloc(0) + emit.loops(kept, [f"{acc} = {emit.literal(0, dtype)}", *scan])


cumsum.numba = _render_cumsum
