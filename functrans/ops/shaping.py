"""Shaping primitives: broadcast_in_dim, reshape, transpose, squeeze,
expand_dims, rev, concatenate, pad, slice, iota.

All are linear, so their JVP is the primitive applied to the tangent and each
has a transpose rule; batching rules keep the batch dimension where the
operand has it whenever the primitive allows.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..backend.lowering import IndexMap
from ..core import Primitive
from ..errors import ShapeError
from ..ir import ShapedArray
from . import rules
from .elementwise import select_n
from .reduce import reduce_sum
from .rules import UndefinedPrimal, not_mapped


def _linear(name, shape_rule, impl, transpose, batch, linear_argnums=None, **fields):
    fields.setdefault("forward", rules.forward_if_same_type)
    prim = Primitive(name, shape_rule=shape_rule, impl=impl, transpose=transpose, batch=batch, **fields)
    prim.jvp = rules.linear_jvp(prim, linear_argnums)
    return prim


def _shift(axes, bdim):
    """Per-example axes renumbered for an operand whose batch dim is `bdim`."""
    return tuple(a + (a >= bdim) for a in axes)


# broadcast_in_dim -----------------------------------------------------------

def _broadcast_shape(x, shape, broadcast_dimensions):
    if len(broadcast_dimensions) != len(x.shape) or any(
            d >= len(shape) or x.shape[i] not in (1, shape[d]) for i, d in enumerate(broadcast_dimensions)) \
            or list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
        raise ShapeError(f"cannot broadcast an array of shape {x.shape} to shape {tuple(shape)} "
                         f"along dimensions {broadcast_dimensions}")
    return ShapedArray(shape, x.dtype, x.weak_type)


def _broadcast_impl(x, shape, broadcast_dimensions):
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = np.shape(x)[i]
    return np.broadcast_to(np.reshape(x, expanded), shape)


def _broadcast_transpose(ct, x_aval, shape, broadcast_dimensions):
    summed = tuple(i for i in range(len(shape)) if i not in broadcast_dimensions) + tuple(
        d for i, d in enumerate(broadcast_dimensions) if x_aval.shape[i] == 1 and shape[d] != 1)
    out = reduce_sum(ct, axes=tuple(sorted(summed))) if summed else ct
    return reshape(out, new_sizes=x_aval.shape) if out.shape != x_aval.shape else out


def _broadcast_batch(args, dims, params):
    (x,), (d,) = args, dims
    x = rules.move_bdim(x, d, 0)
    size = rules.aval_of(x).shape[0]
    dimensions = (0,) + tuple(b + 1 for b in params["broadcast_dimensions"])
    return broadcast_in_dim(x, shape=(size,) + tuple(params["shape"]), broadcast_dimensions=dimensions), 0


broadcast_in_dim = _linear("broadcast_in_dim", _broadcast_shape, _broadcast_impl,
                           rules.linear_transpose(_broadcast_transpose), _broadcast_batch,
                           scalar_broadcast=lambda inputs, params: inputs[0] if inputs[0].aval.shape == () else None)


# reshape ------------------------------------------------------------------------

def _reshape_shape(x, new_sizes):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise ShapeError(f"cannot reshape an array of shape {x.shape} (size {x.size}) "
                         f"into shape {tuple(new_sizes)} (size {int(np.prod(new_sizes, dtype=np.int64))}); "
                         "the sizes must match: one entry may be -1 to have it computed")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


def _reshape_batch(args, dims, params):
    (x,), (d,) = args, dims
    x = rules.move_bdim(x, d, 0)
    return reshape(x, new_sizes=(rules.aval_of(x).shape[0],) + tuple(params["new_sizes"])), 0


reshape = _linear("reshape", _reshape_shape, lambda x, new_sizes: np.reshape(x, new_sizes),
                  rules.linear_transpose(lambda ct, x, new_sizes: reshape(ct, new_sizes=x.shape)),
                  _reshape_batch)


# transpose ----------------------------------------------------------------------

def _transpose_shape(x, permutation):
    if sorted(permutation) != list(range(len(x.shape))):
        raise ShapeError(f"transpose permutation {permutation} is not a permutation of the "
                         f"{len(x.shape)} axes of an array of shape {x.shape}")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


def _transpose_transpose(ct, x, permutation):
    return transpose(ct, permutation=tuple(np.argsort(permutation).tolist()))


def _transpose_batch(args, dims, params):
    (x,), (d,) = args, dims
    perm = (d,) + _shift(params["permutation"], d)
    return transpose(x, permutation=perm), 0


transpose = _linear("transpose", _transpose_shape, lambda x, permutation: np.transpose(x, permutation),
                    rules.linear_transpose(_transpose_transpose), _transpose_batch,
                    forward=lambda inputs, params, out_aval: (
                        0 if params["permutation"] == tuple(range(len(out_aval.shape))) else None))


# squeeze / expand_dims ----------------------------------------------------------

def _squeeze_shape(x, dimensions):
    if any(x.shape[d] != 1 for d in dimensions):
        raise ShapeError(f"cannot squeeze dimensions {dimensions} of shape {x.shape}: they must have size 1")
    return ShapedArray(tuple(s for i, s in enumerate(x.shape) if i not in dimensions), x.dtype, x.weak_type)


squeeze = _linear("squeeze", _squeeze_shape, lambda x, dimensions: np.squeeze(x, dimensions),
                  rules.linear_transpose(lambda ct, x, dimensions: reshape(ct, new_sizes=x.shape)),
                  lambda args, dims, params: (squeeze(args[0], dimensions=_shift(params["dimensions"], dims[0])),
                                              dims[0] - sum(d < dims[0] for d in params["dimensions"])))


def _expand_shape(x, dimensions):
    shape = list(x.shape)
    for d in sorted(dimensions):
        shape.insert(d, 1)
    return ShapedArray(shape, x.dtype, x.weak_type)


def _expand_batch(args, dims, params):
    (x,), (d,) = args, dims
    x = rules.move_bdim(x, d, 0)
    return expand_dims(x, dimensions=tuple(a + 1 for a in params["dimensions"])), 0


expand_dims = _linear("expand_dims", _expand_shape, lambda x, dimensions: np.expand_dims(x, dimensions),
                      rules.linear_transpose(lambda ct, x, dimensions: reshape(ct, new_sizes=x.shape)),
                      _expand_batch)


# rev ------------------------------------------------------------------------------

rev = _linear("rev", lambda x, dimensions: x, lambda x, dimensions: np.flip(x, dimensions),
              rules.linear_transpose(lambda ct, x, dimensions: rev(ct, dimensions=dimensions)),
              lambda args, dims, params: (rev(args[0], dimensions=_shift(params["dimensions"], dims[0])), dims[0]),
              forward=lambda inputs, params, out_aval: None if params["dimensions"] else 0)


# concatenate ----------------------------------------------------------------------

def _concatenate_shape(*xs, dimension):
    first = xs[0]
    for x in xs[1:]:
        if x.dtype != first.dtype or len(x.shape) != len(first.shape) or any(
                a != b for i, (a, b) in enumerate(zip(x.shape, first.shape)) if i != dimension):
            raise ShapeError("concatenate needs arrays of one dtype whose shapes agree except along "
                             f"axis {dimension}, got {', '.join(str(x.shape) for x in xs)}")
    shape = list(first.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return ShapedArray(shape, first.dtype, all(x.weak_type for x in xs))


def _concatenate_transpose(ct, *xs, dimension):
    cts, start = [], 0
    for x in xs:
        n = rules.aval_of(x).shape[dimension]
        if type(x) is UndefinedPrimal:
            starts = [0] * len(x.aval.shape)
            starts[dimension] = start
            limits = list(x.aval.shape)
            limits[dimension] = start + n
            cts.append(slice(ct, start_indices=tuple(starts), limit_indices=tuple(limits), strides=None))
        else:
            cts.append(None)
        start += n
    return cts


def _concatenate_batch(args, dims, params):
    size = next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    xs = [rules.bdim_at_front(a, d, size) for a, d in zip(args, dims)]
    return concatenate(*xs, dimension=params["dimension"] + 1), 0


concatenate = _linear("concatenate", _concatenate_shape,
                      lambda *xs, dimension: np.concatenate(xs, axis=dimension),
                      _concatenate_transpose, _concatenate_batch,
                      forward=lambda inputs, params, out_aval: 0 if len(inputs) == 1 else None)


# pad: (lo, hi, interior) per dimension, all >= 0 -------------------------------------

def _pad_shape(x, padding_value, padding_config):
    if len(padding_config) != len(x.shape) or any(min(c) < 0 for c in padding_config):
        raise ShapeError(f"pad needs one non-negative (low, high, interior) triple per dimension "
                         f"of shape {x.shape}, got {padding_config}")
    if padding_value.shape != () or padding_value.dtype != x.dtype:
        raise ShapeError("pad needs a scalar padding value of the operand's dtype")
    shape = [lo + hi + n + max(n - 1, 0) * interior for n, (lo, hi, interior) in zip(x.shape, padding_config)]
    return ShapedArray(shape, x.dtype, x.weak_type)


def _window_limits(shape, padding_config):
    """Where the operand's last element lands in the padded array, plus one."""
    return tuple(lo + (n - 1) * (interior + 1) + 1 if n else lo
                 for n, (lo, _, interior) in zip(shape, padding_config))


def _pad_impl(x, padding_value, padding_config):
    x = np.asarray(x)
    out_shape = _pad_shape(ShapedArray(x.shape, x.dtype), ShapedArray((), x.dtype), padding_config).shape
    out = np.full(out_shape, padding_value, dtype=x.dtype)
    window = tuple(builtins.slice(lo, limit, interior + 1) for (lo, _, interior), limit
                   in zip(padding_config, _window_limits(x.shape, padding_config)))
    out[window] = x
    return out


def _pad_transpose(ct, x, padding_value, padding_config):
    window = slice(ct, start_indices=tuple(lo for lo, _, _ in padding_config),
                   limit_indices=_window_limits(rules.aval_of(x).shape, padding_config),
                   strides=tuple(interior + 1 for _, _, interior in padding_config))
    ct_pad = None
    if type(padding_value) is UndefinedPrimal:
        everything = tuple(range(len(rules.aval_of(ct).shape)))
        ct_pad = reduce_sum(ct, axes=everything) - reduce_sum(window, axes=everything)
    return [window if type(x) is UndefinedPrimal else None, ct_pad]


def _pad_batch(args, dims, params):
    (x, value), (dx, dv) = args, dims
    config = tuple(params["padding_config"])
    # The batch dim stays where it is: one more axis, padded with nothing.
    x_config = config if dx is not_mapped else config[:dx] + ((0, 0, 0),) + config[dx:]
    if dv is not_mapped:
        return pad(x, value, padding_config=x_config), dx
    # A batched padding value: pad with zeros, then select each example's
    # value outside x's elements (a mask of them, padded with False).
    aval = rules.aval_of(x)
    padded = pad(x, np.zeros((), aval.dtype)[()], padding_config=x_config)
    example_shape = aval.shape if dx is not_mapped else aval.shape[:dx] + aval.shape[dx + 1:]
    mask = pad(np.ones(example_shape, bool), np.False_, padding_config=config)
    return select_n.batch([mask, value, padded], [not_mapped, dv, dx], {})


pad = _linear("pad", _pad_shape, _pad_impl, _pad_transpose, _pad_batch, forward=None)


# slice ------------------------------------------------------------------------------

def _slice_shape(x, start_indices, limit_indices, strides):
    strides = strides or (1,) * len(x.shape)
    ranks_agree = len(start_indices) == len(limit_indices) == len(strides) == len(x.shape)
    if not ranks_agree or min(strides, default=1) < 1 or any(
            not 0 <= s <= l <= n for s, l, n in zip(start_indices, limit_indices, x.shape)):
        raise ShapeError(f"slice [{start_indices}:{limit_indices}:{strides}] is out of bounds "
                         f"for shape {x.shape}")
    return ShapedArray([-(-(l - s) // st) for s, l, st in zip(start_indices, limit_indices, strides)],
                       x.dtype, x.weak_type)


def _slice_impl(x, start_indices, limit_indices, strides):
    strides = strides or (1,) * len(start_indices)
    return np.asarray(x)[tuple(builtins.slice(s, l, st) for s, l, st in zip(start_indices, limit_indices, strides))]


def _slice_transpose(ct, x, start_indices, limit_indices, strides):
    strides = strides or (1,) * len(start_indices)
    out_shape = rules.aval_of(ct).shape
    config = tuple((s, n - (s + max(k - 1, 0) * st + 1) if k else n - s, st - 1)
                   for s, st, k, n in zip(start_indices, strides, out_shape, x.shape))
    zero = np.zeros((), x.dtype)[()]
    return pad(ct, zero, padding_config=config)


def _slice_batch(args, dims, params):
    (x,), (d,) = args, dims
    n = rules.aval_of(x).shape[d]
    starts, limits = list(params["start_indices"]), list(params["limit_indices"])
    strides = list(params["strides"] or (1,) * len(starts))
    starts.insert(d, 0), limits.insert(d, n), strides.insert(d, 1)
    return slice(x, start_indices=tuple(starts), limit_indices=tuple(limits), strides=tuple(strides)), d


slice = _linear("slice", _slice_shape, _slice_impl, rules.linear_transpose(_slice_transpose), _slice_batch)


# iota ------------------------------------------------------------------------------

iota = Primitive("iota", shape_rule=lambda dtype, shape, dimension: ShapedArray(shape, dtype),
                 impl=lambda dtype, shape, dimension: np.broadcast_to(
                     np.arange(shape[dimension], dtype=dtype).reshape(
                         [n if i == dimension else 1 for i, n in enumerate(shape)]), shape))
iota.jvp = rules.zero_jvp(iota)


# numba lowering: index maps fuse into loops; the rest are statements ----------------

def _broadcast_source(idx, x, out, shape, broadcast_dimensions):
    return [idx[d] if x.shape[i] == shape[d] else "0" for i, d in enumerate(broadcast_dimensions)]


def _transpose_source(idx, x, out, permutation):
    source = [None] * len(permutation)
    for j, p in enumerate(permutation):
        source[p] = idx[j]
    return source


def _squeeze_source(idx, x, out, dimensions):
    rest = iter(idx)
    return ["0" if a in dimensions else next(rest) for a in range(len(x.shape))]


def _expand_source(idx, x, out, dimensions):
    return [i for j, i in enumerate(idx) if j not in dimensions]


def _rev_source(idx, x, out, dimensions):
    return [f"{n - 1} - {i}" if a in dimensions else i for a, (i, n) in enumerate(zip(idx, x.shape))]


def _strided(i, start, stride):
    scaled = i if stride == 1 else f"{stride} * {i}"
    return f"{start} + {scaled}" if start else scaled


def _slice_source(idx, x, out, start_indices, limit_indices, strides):
    return [_strided(i, s, st) for i, s, st in zip(idx, start_indices, strides or (1,) * len(idx))]


broadcast_in_dim.numba = IndexMap(_broadcast_source)
transpose.numba = IndexMap(_transpose_source)
squeeze.numba = IndexMap(_squeeze_source)
expand_dims.numba = IndexMap(_expand_source)
rev.numba = IndexMap(_rev_source)
slice.numba = IndexMap(_slice_source)


def _render_reshape(emit, new_sizes):
    (x,), (aval,), (out,) = emit.ins, emit.in_avals, emit.outs
    if not aval.shape:
        return [f"{out} = np.full({tuple(new_sizes)!r}, {x}, {emit.dtype_expr(aval.dtype)})"]
    if not new_sizes:
        return [f"{out} = {x}[{', '.join(['0'] * len(aval.shape))}]"]
    return [f"{out} = np.ascontiguousarray({x}).reshape({tuple(new_sizes)!r})"]


def _render_concatenate(emit, dimension):
    lines, start = emit.alloc(0), 0
    for x, aval in zip(emit.ins, emit.in_avals):
        shifted = lambda idx, start=start: [f"{i} + {start}" if a == dimension and start else i
                                            for a, i in enumerate(idx)]
        lines += emit.copy(emit.outs[0], shifted, x, list, aval.shape)
        start += aval.shape[dimension]
    return lines


def _pad_source(idx, x, out, padding_config):
    """Where output element `idx` reads the operand (where the guard holds)."""
    source = []
    for i, (lo, _, interior) in zip(idx, padding_config):
        shifted = f"({i} - {lo})" if lo else i
        source.append(f"{shifted} // {interior + 1}" if interior else shifted)
    return source


def _pad_guard(idx, x, out, padding_config):
    """Whether output element `idx` is an operand element, not padding: pad
    then fuses into loops as index arithmetic (the gradient of a strided
    slice is a pad, so this keeps such gradients in one loop)."""
    conditions = []
    for i, n, limit, (lo, hi, interior) in zip(idx, x.shape, _window_limits(x.shape, padding_config),
                                              padding_config):
        if n == 0:
            return "False"
        if lo:
            conditions.append(f"{i} >= {lo}")
        if interior:
            conditions.append(f"({i} - {lo}) % {interior + 1} == 0" if lo else f"{i} % {interior + 1} == 0")
        if hi:
            conditions.append(f"{i} < {limit}")
    return " and ".join(conditions) or "True"


def _render_iota(emit, dtype, shape, dimension):
    idx = emit.indices(len(shape))
    return emit.alloc(0) + emit.loops(zip(idx, shape), [emit.write(0, idx, idx[dimension])])


reshape.numba = _render_reshape
concatenate.numba = _render_concatenate
pad.numba = IndexMap(_pad_source, _pad_guard)
iota.numba = _render_iota
