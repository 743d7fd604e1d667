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
from ..ir import Literal, ShapedArray
from . import elementwise, rules, shaping
from .rules import UndefinedPrimal, not_mapped


def axis_index(ndim, axis, index):
    return (builtins.slice(None),) * axis + (index,) + (builtins.slice(None),) * (ndim - axis - 1)


def clipped(indices, n):
    return np.clip(np.asarray(indices), 0, max(n - 1, 0))


def _check_indices(name, indices):
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"{name} needs integer indices, got {indices.dtype.name}")


def _gathered_shape(x_shape, idx_shape, axis):
    return tuple(x_shape[:axis]) + tuple(idx_shape) + tuple(x_shape[axis + 1:])


def _clamp(x, lo, hi):
    """`x` (integers, possibly traced) clamped into [lo, hi], as functrans ops."""
    dtype = rules.aval_of(x).dtype
    return elementwise.min(elementwise.max(x, np.asarray(lo, dtype)[()]), np.asarray(hi, dtype)[()])


# gather ------------------------------------------------------------------------------

def _gather_shape(x, indices, axis):
    _check_indices("gather", indices)
    if not 0 <= axis < len(x.shape):
        raise ShapeError(f"gather axis {axis} is out of range for shape {x.shape}")
    return ShapedArray(_gathered_shape(x.shape, indices.shape, axis), x.dtype, x.weak_type)


def _gather_impl(x, indices, axis):
    x = np.asarray(x)
    return np.take(x, clipped(indices, x.shape[axis]), axis=axis)


def _gather_transpose(ct, x, indices, axis):
    return [scatter_add(rules.zeros(x.aval), indices, ct, axis=axis), None]


# Batched indices into a batched operand: the batch is folded into the indexed
# axis of a flat operand, (batch * n, other axes...), and example b's indices
# are offset by b * n into its own block. Batch dims are at 0 throughout.

def _folded(x, axis):
    """x (batch at 0) as (batch * n, other axes...), n its length along `axis`."""
    x = rules.move_bdim(x, axis + 1, 1)
    x_shape = rules.aval_of(x).shape
    return shaping.reshape(x, new_sizes=(x_shape[0] * x_shape[1],) + x_shape[2:])


def _unfolded(flat, size, axis):
    """The inverse of `_folded`."""
    flat_shape = rules.aval_of(flat).shape
    x = shaping.reshape(flat, new_sizes=(size, flat_shape[0] // size) + flat_shape[1:])
    return rules.move_bdim(x, 1, axis + 1)


def _offset_indices(idx, n):
    """Batched indices (batch at 0) clamped into [0, n), then into example b's block."""
    idx_aval = rules.aval_of(idx)
    offsets = shaping.iota(dtype=idx_aval.dtype, shape=idx_aval.shape, dimension=0) * n
    return _clamp(idx, 0, n - 1) + offsets


def _swap_blocks(x, n_first, n_second):
    """(batch, first..., second..., rest...) -> (batch, second..., first..., rest...),
    the blocks of `n_first` and `n_second` axes."""
    ndim, end = len(rules.aval_of(x).shape), 1 + n_first + n_second
    perm = (0, *range(1 + n_first, end), *range(1, 1 + n_first), *range(end, ndim))
    return shaping.transpose(x, permutation=perm)


def _gather_batch(args, dims, params):
    (x, idx), (dx, di) = args, dims
    axis = params["axis"]
    if di is not_mapped:
        return gather(rules.move_bdim(x, dx, 0), idx, axis=axis + 1), 0
    if dx is not_mapped:
        return gather(x, idx, axis=axis), axis + di
    x, idx = rules.move_bdim(x, dx, 0), rules.move_bdim(idx, di, 0)
    n = rules.aval_of(x).shape[axis + 1]
    out = gather(_folded(x, axis), _offset_indices(idx, n), axis=0)
    # out: (batch, idx..., pre..., post...) -> (batch, pre..., idx..., post...)
    return _swap_blocks(out, len(rules.aval_of(idx).shape) - 1, axis), 0


gather = Primitive("gather", shape_rule=_gather_shape, impl=_gather_impl, transpose=_gather_transpose,
                   batch=_gather_batch)
gather.jvp = rules.linear_jvp(gather, linear_argnums=(0,))


# scatter_add / scatter ------------------------------------------------------------------

def scatter_shape(name):
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
    np.add.at(out, axis_index(out.ndim, axis, clipped(indices, out.shape[axis])), updates)
    return out


def _scatter_impl(x, indices, updates, axis):
    out = np.array(x, copy=True)
    out[axis_index(out.ndim, axis, clipped(indices, out.shape[axis]))] = updates
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
        n = rules.aval_of(x).shape[axis]
        if not surely_unique(indices, n):
            ct_updates = ct_updates * _kept_updates(indices, n, rules.aval_of(updates), axis)
    return [ct_x, None, ct_updates]


def surely_unique(indices, n) -> bool:
    """Concrete indices that stay distinct once clamped into [0, n)."""
    return isinstance(indices, np.ndarray) and np.unique(clipped(indices, n)).size == indices.size


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
    return shaping.broadcast_in_dim(kept, shape=updates_aval.shape,
                                  broadcast_dimensions=tuple(range(axis, axis + len(idx_shape))))


def scatter_batch(prim):
    """The vmap rule of a scatter-like primitive `prim(x, indices, updates,
    axis=..., **other params)`."""
    def rule(args, dims, params):
        (x, idx, updates), (dx, di, du) = args, dims
        axis = params["axis"]
        size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
        x, updates = rules.bdim_at_front(x, dx, size), rules.bdim_at_front(updates, du, size)
        if di is not_mapped:
            return prim(x, idx, updates, **{**params, "axis": axis + 1}), 0
        # Batched indices: scatter into the folded operand, with the updates'
        # indexed axes first to match the offset indices.
        idx = rules.move_bdim(idx, di, 0)
        n = rules.aval_of(x).shape[axis + 1]
        updates = _swap_blocks(updates, axis, len(rules.aval_of(idx).shape) - 1)
        flat = prim(_folded(x, axis), _offset_indices(idx, n), updates, **{**params, "axis": 0})
        return _unfolded(flat, size, axis), 0
    return rule


scatter_add = Primitive("scatter-add", shape_rule=scatter_shape("scatter-add"), impl=_scatter_add_impl,
                        transpose=_scatter_add_transpose)
scatter_add.jvp = rules.linear_jvp(scatter_add, linear_argnums=(0, 2))
scatter_add.batch = scatter_batch(scatter_add)
scatter = Primitive("scatter", shape_rule=scatter_shape("scatter"), impl=_scatter_impl,
                    transpose=_scatter_transpose)
scatter.jvp = rules.linear_jvp(scatter, linear_argnums=(0, 2))
scatter.batch = scatter_batch(scatter)


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


# Batched start indices: example b reads (or writes) positions start_b + i
# along each axis, which a batched gather of an iota reads.

def _example_shape(x, d):
    x_shape = rules.aval_of(x).shape
    return x_shape if d is not_mapped else x_shape[:d] + x_shape[d + 1:]


def _start_and_iota(s, size, n, k, length):
    """The start `s` (batched (size,) or shared ()), clamped as `_window`
    clamps it for a window of k in n, and an iota along `length`; both
    (size, length)."""
    s = _clamp(s.value if type(s) is Literal else s, 0, builtins.max(n - k, 0))
    s_aval = rules.aval_of(s)
    s = shaping.broadcast_in_dim(s, shape=(size, length), broadcast_dimensions=(0,) if s_aval.shape else ())
    return s, shaping.iota(dtype=s_aval.dtype, shape=(size, length), dimension=1)


def _dynamic_slice_batch(args, dims, params):
    (x, *starts), (dx, *start_dims) = args, dims
    sizes, x_shape = params["slice_sizes"], _example_shape(x, dx)
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    batched = [d is not not_mapped for d in start_dims]
    # The shared starts in one dynamic_slice, which keeps the other axes whole
    # and the batch dim where it is.
    zero = np.zeros((), rules.aval_of(starts[0]).dtype)[()] if starts else np.int64(0)
    fixed = [zero if b else s for s, b in zip(starts, batched)]
    kept = tuple(n if b else k for n, k, b in zip(x_shape, sizes, batched))
    if dx is not_mapped:
        x = dynamic_slice(x, *fixed, slice_sizes=kept)
    else:
        x = dynamic_slice(x, *fixed[:dx], zero, *fixed[dx:], slice_sizes=kept[:dx] + (size,) + kept[dx:])
    # Each batched start: a gather of start_b + i, i < k, along its axis.
    for axis, (s, b, n, k) in enumerate(zip(starts, batched, x_shape, sizes)):
        if b:
            start, i = _start_and_iota(s, size, n, k, k)
            x, dx = _gather_batch((x, start + i), (dx, 0), {"axis": axis})
    return x, dx


dynamic_slice = Primitive(
    "dynamic_slice", shape_rule=_dynamic_slice_shape,
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
    (x, update), starts = args[:2], args[2:]
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    x, update = rules.bdim_at_front(x, dims[0], size), rules.bdim_at_front(update, dims[1], size)
    if all(d is not_mapped for d in dims[2:]):
        zero = np.zeros((), rules.aval_of(starts[0]).dtype)[()] if starts else np.int64(0)
        return dynamic_update_slice(x, update, zero, *starts), 0
    x_shape, update_shape = rules.aval_of(x).shape[1:], rules.aval_of(update).shape[1:]
    if 0 in update_shape:
        return x, 0
    # Batched starts: spread each example's update over the whole operand
    # (position i reads update[i - start], clamped), then select it inside
    # the window and x outside.
    inside = None
    for axis, (s, n, k) in enumerate(zip(starts, x_shape, update_shape)):
        start, i = _start_and_iota(s, size, n, k, n)
        offsets = i - start
        update, _ = _gather_batch((update, offsets), (0, 0), {"axis": axis})
        k = np.asarray(k, rules.aval_of(offsets).dtype)[()]
        here = elementwise.and_(elementwise.ge(i, start), elementwise.lt(offsets, k))
        here = shaping.broadcast_in_dim(here, shape=(size,) + x_shape, broadcast_dimensions=(0, axis + 1))
        inside = here if inside is None else elementwise.and_(inside, here)
    return elementwise.select_n(inside, x, update), 0


dynamic_update_slice = Primitive("dynamic_update_slice", shape_rule=_dynamic_update_shape,
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


def render_scatter(combine):
    """The numba lowering of a scatter-like primitive: a copy of the operand,
    then one statement per update, `combine(target, update)` (source text)."""
    def render(emit, axis, **_):
        x, indices, updates = emit.in_avals
        idx = emit.indices(len(updates.shape))
        k = len(indices.shape)
        target = idx[:axis] + [_clamped(emit, 1, idx[axis:axis + k], x.shape[axis])] + idx[axis + k:]
        store = combine(emit.element(emit.outs[0], x, target), emit.read(2, idx))
        return [f"{emit.outs[0]} = {emit.ins[0]}.copy()"] + emit.loops(zip(idx, updates.shape), [store])
    return render


def _window_at(emit, starts, x_shape, sizes):
    """Statements clamping the start indices like `_window`, and the names
    of the clamped starts."""
    lines, names = [], []
    for d, (start, aval, n, k) in enumerate(zip(starts, emit.in_avals[-len(starts):], x_shape, sizes)):
        names.append(emit.temp(f"start{d}"))
        lines.append(f"{names[-1]} = {emit.clamp(start, n - k, aval.dtype)}")
    return lines, names


def _render_dynamic_slice(emit, slice_sizes):
    x, out = emit.ins[0], emit.outs[0]
    if not slice_sizes:
        return [f"{out} = {x}"]
    lines, starts = _window_at(emit, emit.ins[1:], emit.in_avals[0].shape, slice_sizes)
    return lines + [f"{out} = {x}[{', '.join(f'{s}:{s} + {k}' for s, k in zip(starts, slice_sizes))}]"]


def _render_dynamic_update_slice(emit):
    (x, update), starts, out = emit.ins[:2], emit.ins[2:], emit.outs[0]
    if not starts:
        return [f"{out} = {update}"]
    shape = emit.in_avals[1].shape
    lines, starts = _window_at(emit, starts, emit.in_avals[0].shape, shape)
    at = lambda idx: [f"{s} + {i}" for s, i in zip(starts, idx)]
    return lines + [f"{out} = {x}.copy()"] + emit.copy(out, at, update, list, shape)


gather.numba = _render_gather
scatter_add.numba = render_scatter(lambda target, update: f"{target} += {update}")
scatter.numba = render_scatter(lambda target, update: f"{target} = {update}")
dynamic_slice.numba = _render_dynamic_slice
dynamic_update_slice.numba = _render_dynamic_update_slice
