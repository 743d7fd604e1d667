"""Indexing primitives: gather / scatter / scatter_add along one axis with an
integer index array, and dynamic_slice / dynamic_update_slice with scalar
(possibly traced) start indices.

Out-of-range indices are clamped, in the impl and in every rule alike, so a
gather and its transpose (a scatter_add) agree on which element was read.
`functrans.numpy` turns any NumPy index expression into these.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..core import Primitive
from ..errors import DTypeError, ShapeError
from ..ir import ShapedArray
from . import rules, shape
from .rules import UndefinedPrimal, not_mapped


def _axis_index(ndim, axis, index):
    return (builtins.slice(None),) * axis + (index,) + (builtins.slice(None),) * (ndim - axis - 1)


def _clipped(indices, n):
    return np.clip(np.asarray(indices), 0, max(n - 1, 0))


def _check_indices(name, indices):
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"{name} needs integer indices, got {indices.dtype.name}")


def _gathered_shape(x_shape, idx_shape, axis):
    return tuple(x_shape[:axis]) + tuple(idx_shape) + tuple(x_shape[axis + 1:])


# gather ------------------------------------------------------------------------------

def _gather_shape(x, indices, axis):
    _check_indices("gather", indices)
    if not 0 <= axis < len(x.shape):
        raise ShapeError(f"gather axis {axis} is out of range for shape {x.shape}")
    return ShapedArray(_gathered_shape(x.shape, indices.shape, axis), x.dtype, x.weak_type)


def _gather_impl(x, indices, axis):
    x = np.asarray(x)
    return np.take(x, _clipped(indices, x.shape[axis]), axis=axis)


def _gather_transpose(ct, x, indices, axis):
    return [scatter_add(rules.zeros(x.aval), indices, ct, axis=axis), None]


def _gather_batch(args, dims, params):
    (x, idx), (dx, di) = args, dims
    axis = params["axis"]
    if di is not_mapped:
        return gather(rules.move_bdim(x, dx, 0), idx, axis=axis + 1), 0
    if dx is not_mapped:
        return gather(x, idx, axis=axis), axis + di
    # Both batched: fold the batch into the gathered axis of a flat operand.
    x, idx = rules.move_bdim(x, dx, 0), rules.move_bdim(idx, di, 0)
    x_shape, idx_shape = rules.aval_of(x).shape, rules.aval_of(idx).shape
    size, n = x_shape[0], x_shape[axis + 1]
    others = [a for a in range(1, len(x_shape)) if a != axis + 1]
    flat = shape.reshape(shape.transpose(x, permutation=(0, axis + 1, *others)),
                         new_sizes=(size * n,) + tuple(x_shape[a] for a in others))
    offsets = shape.iota(dtype=idx.dtype, shape=idx_shape, dimension=0) * n
    from .. import numpy as fnp
    out = gather(flat, fnp.clip(idx, 0, n - 1) + offsets, axis=0)
    # out: (batch, idx..., pre..., post...) -> (batch, pre..., idx..., post...)
    n_idx, n_pre = len(idx_shape) - 1, axis
    idx_axes = list(range(1, 1 + n_idx))
    pre_axes = list(range(1 + n_idx, 1 + n_idx + n_pre))
    post_axes = list(range(1 + n_idx + n_pre, len(rules.aval_of(out).shape)))
    return shape.transpose(out, permutation=tuple([0] + pre_axes + idx_axes + post_axes)), 0


gather = Primitive("gather", shape=_gather_shape, impl=_gather_impl, transpose=_gather_transpose,
                   batch=_gather_batch)
gather.jvp = rules.linear_jvp(gather, linear_argnums=(0,))


# scatter_add / scatter ------------------------------------------------------------------

def _scatter_shape(name):
    def rule(x, indices, updates, axis):
        _check_indices(name, indices)
        expected = _gathered_shape(x.shape, indices.shape, axis)
        if updates.shape != expected or updates.dtype != x.dtype:
            raise ShapeError(f"{name}: updates of shape {updates.shape} ({updates.dtype.name}) do not "
                             f"fit indices of shape {indices.shape} into an operand of shape {x.shape} "
                             f"along axis {axis}; expected shape {expected}")
        return x
    return rule


def _scatter_add_impl(x, indices, updates, axis):
    out = np.array(x, copy=True)
    np.add.at(out, _axis_index(out.ndim, axis, _clipped(indices, out.shape[axis])), updates)
    return out


def _scatter_impl(x, indices, updates, axis):
    out = np.array(x, copy=True)
    out[_axis_index(out.ndim, axis, _clipped(indices, out.shape[axis]))] = updates
    return out


def _scatter_add_transpose(ct, x, indices, updates, axis):
    ct_updates = gather(ct, indices, axis=axis) if type(updates) is UndefinedPrimal else None
    return [ct if type(x) is UndefinedPrimal else None, None, ct_updates]


def _scatter_transpose(ct, x, indices, updates, axis):
    ct_x = ct_updates = None
    if type(x) is UndefinedPrimal:
        ct_x = scatter(ct, indices, rules.zeros(rules.aval_of(updates)), axis=axis)
    if type(updates) is UndefinedPrimal:
        ct_updates = gather(ct, indices, axis=axis)
        if not _surely_unique(indices):
            ct_updates = ct_updates * _kept_updates(indices, rules.aval_of(x).shape[axis],
                                                    rules.aval_of(updates), axis)
    return [ct_x, None, ct_updates]


def _surely_unique(indices) -> bool:
    return isinstance(indices, np.ndarray) and np.unique(indices).size == indices.size


def _kept_updates(indices, n, updates_aval, axis):
    """1 for the updates scatter keeps (of repeated indices, the last one
    written), 0 for the overwritten ones, broadcast to the updates' shape.
    Found by scattering each update's own number and reading it back."""
    idx_shape = rules.aval_of(indices).shape
    size = int(np.prod(idx_shape, dtype=np.int64))
    ids = np.arange(size, dtype=np.int64).reshape(idx_shape)
    owner = scatter(np.full((n,), -1, np.int64), indices, ids, axis=0)
    kept = gather(owner, indices, axis=0) == ids
    kept = kept.astype(updates_aval.dtype)
    return shape.broadcast_in_dim(kept, shape=updates_aval.shape,
                                  broadcast_dimensions=tuple(range(axis, axis + len(idx_shape))))


def _scatter_batch(prim):
    def rule(args, dims, params):
        (x, idx, updates), (dx, di, du) = args, dims
        if di is not not_mapped:
            from ..errors import UnsupportedError
            raise UnsupportedError(f"vmap of {prim.name} with batched indices is not supported yet; "
                                   "index with unbatched indices, or loop with lax.map")
        size = next(rules.aval_of(a).shape[d] for a, d in ((x, dx), (updates, du)) if d is not not_mapped)
        x, updates = rules.bdim_at_front(x, dx, size), rules.bdim_at_front(updates, du, size)
        return prim(x, idx, updates, axis=params["axis"] + 1), 0
    return rule


scatter_add = Primitive("scatter-add", shape=_scatter_shape("scatter-add"), impl=_scatter_add_impl,
                        transpose=_scatter_add_transpose)
scatter_add.jvp = rules.linear_jvp(scatter_add, linear_argnums=(0, 2))
scatter_add.batch = _scatter_batch(scatter_add)
scatter = Primitive("scatter", shape=_scatter_shape("scatter"), impl=_scatter_impl,
                    transpose=_scatter_transpose)
scatter.jvp = rules.linear_jvp(scatter, linear_argnums=(0, 2))
scatter.batch = _scatter_batch(scatter)


# dynamic_slice / dynamic_update_slice ------------------------------------------------

def _check_starts(name, x, starts):
    if len(starts) != len(x.shape) or any(s.shape != () or s.dtype.kind not in "iu" for s in starts):
        raise ShapeError(f"{name} needs one scalar integer start index per dimension of shape {x.shape}")


def _window(x_shape, starts, sizes):
    starts = [builtins.min(builtins.max(int(s), 0), n - k) for s, n, k in zip(starts, x_shape, sizes)]
    return tuple(builtins.slice(s, s + k) for s, k in zip(starts, sizes))


def _dynamic_slice_shape(x, *starts, slice_sizes):
    _check_starts("dynamic_slice", x, starts)
    if len(slice_sizes) != len(x.shape) or any(not 0 <= k <= n for k, n in zip(slice_sizes, x.shape)):
        raise ShapeError(f"dynamic_slice sizes {slice_sizes} do not fit shape {x.shape}")
    return ShapedArray(slice_sizes, x.dtype, x.weak_type)


def _dynamic_slice_transpose(ct, x, *starts, slice_sizes):
    return [dynamic_update_slice(rules.zeros(x.aval), ct, *starts)] + [None] * len(starts)


def _unbatched_starts(name, dims):
    if any(d is not not_mapped for d in dims):
        from ..errors import UnsupportedError
        raise UnsupportedError(f"vmap of {name} with batched start indices is not supported yet; "
                               "use fnp.take / x[idx] with an index array instead")


def _dynamic_slice_batch(args, dims, params):
    _unbatched_starts("dynamic_slice", dims[1:])
    x, starts = rules.move_bdim(args[0], dims[0], 0), args[1:]
    zero = np.zeros((), rules.aval_of(starts[0]).dtype)[()] if starts else np.int64(0)
    size = rules.aval_of(x).shape[0]
    return dynamic_slice(x, zero, *starts, slice_sizes=(size,) + tuple(params["slice_sizes"])), 0


dynamic_slice = Primitive(
    "dynamic_slice", shape=_dynamic_slice_shape,
    impl=lambda x, *starts, slice_sizes: np.asarray(x)[_window(np.shape(x), starts, slice_sizes)],
    transpose=_dynamic_slice_transpose, batch=_dynamic_slice_batch)
dynamic_slice.jvp = rules.linear_jvp(dynamic_slice, linear_argnums=(0,))


def _dynamic_update_shape(x, update, *starts):
    _check_starts("dynamic_update_slice", x, starts)
    if len(update.shape) != len(x.shape) or any(k > n for k, n in zip(update.shape, x.shape)) \
            or update.dtype != x.dtype:
        raise ShapeError(f"dynamic_update_slice: update of shape {update.shape} ({update.dtype.name}) does "
                         f"not fit in an operand of shape {x.shape} ({x.dtype.name})")
    return x


def _dynamic_update_impl(x, update, *starts):
    out = np.array(x, copy=True)
    out[_window(out.shape, starts, np.shape(update))] = update
    return out


def _dynamic_update_transpose(ct, x, update, *starts):
    update_aval = rules.aval_of(update)
    ct_x = ct_update = None
    if type(x) is UndefinedPrimal:
        ct_x = dynamic_update_slice(ct, rules.zeros(update_aval), *starts)
    if type(update) is UndefinedPrimal:
        ct_update = dynamic_slice(ct, *starts, slice_sizes=update_aval.shape)
    return [ct_x, ct_update] + [None] * len(starts)


def _dynamic_update_batch(args, dims, params):
    _unbatched_starts("dynamic_update_slice", dims[2:])
    (x, update), starts = args[:2], args[2:]
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args[:2], dims[:2]) if d is not not_mapped)
    x, update = rules.bdim_at_front(x, dims[0], size), rules.bdim_at_front(update, dims[1], size)
    zero = np.zeros((), rules.aval_of(starts[0]).dtype)[()] if starts else np.int64(0)
    return dynamic_update_slice(x, update, zero, *starts), 0


dynamic_update_slice = Primitive("dynamic_update_slice", shape=_dynamic_update_shape,
                                 impl=_dynamic_update_impl, transpose=_dynamic_update_transpose,
                                 batch=_dynamic_update_batch)
dynamic_update_slice.jvp = rules.linear_jvp(dynamic_update_slice, linear_argnums=(0, 1))


# numba lowering: loops with the same clamping as the impls ----------------------------

def _clamped(emit, k, index, n):
    """Source of input k (an index array) at `index`, clamped into [0, n)."""
    return emit.clamp(emit.read(k, index), builtins.max(n - 1, 0), emit.in_avals[k].dtype)


def _render_gather(emit, axis):
    x, indices = emit.in_avals[:2]
    out = emit.out_avals[0]
    idx = emit.indices(len(out.shape))
    k = len(indices.shape)
    source = idx[:axis] + [_clamped(emit, 1, idx[axis:axis + k], x.shape[axis])] + idx[axis + k:]
    return emit.alloc(0) + emit.loops(zip(idx, out.shape), [emit.write(0, idx, emit.element(emit.ins[0], x, source))])


def _render_scatter(operator):
    def render(emit, axis):
        x, indices, updates = emit.in_avals
        idx = emit.indices(len(updates.shape))
        k = len(indices.shape)
        target = idx[:axis] + [_clamped(emit, 1, idx[axis:axis + k], x.shape[axis])] + idx[axis + k:]
        store = f"{emit.element(emit.outs[0], x, target)} {operator} {emit.read(2, idx)}"
        return [f"{emit.outs[0]} = {emit.ins[0]}.copy()"] + emit.loops(zip(idx, updates.shape), [store])
    return render


def _window_at(emit, starts, x_shape, sizes):
    """Statements clamping the start indices like `_window`, and the slice."""
    lines, window = [], []
    for d, (start, aval, n, k) in enumerate(zip(starts, emit.in_avals[-len(starts):], x_shape, sizes)):
        name = emit.temp(f"start{d}")
        lines.append(f"{name} = {emit.clamp(start, n - k, aval.dtype)}")
        window.append(f"{name}:{name} + {k}")
    return lines, ", ".join(window)


def _render_dynamic_slice(emit, slice_sizes):
    x, out = emit.ins[0], emit.outs[0]
    if not slice_sizes:
        return [f"{out} = {x}"]
    lines, window = _window_at(emit, emit.ins[1:], emit.in_avals[0].shape, slice_sizes)
    return lines + [f"{out} = {x}[{window}]"]


def _render_dynamic_update_slice(emit):
    (x, update), starts, out = emit.ins[:2], emit.ins[2:], emit.outs[0]
    if not starts:
        return [f"{out} = {update}"]
    lines, window = _window_at(emit, starts, emit.in_avals[0].shape, emit.in_avals[1].shape)
    return lines + [f"{out} = {x}.copy()", f"{out}[{window}] = {update}"]


gather.numba = _render_gather
scatter_add.numba = _render_scatter("+=")
scatter.numba = _render_scatter("=")
dynamic_slice.numba = _render_dynamic_slice
dynamic_update_slice.numba = _render_dynamic_update_slice
