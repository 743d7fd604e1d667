"""Shape manipulation and array creation, NumPy-style."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..arrays import to_array
from ..core import Tracer
from ..errors import ShapeError, UnsupportedError
from ..ops import shaping as sh
from ._base import aval, broadcast_to, normalize_axis, operand, promote, result
from ._math import astype

# creation: concrete NumPy arrays, unless a traced value is involved ------------

def array(object, dtype=None, copy=True):
    """An array from `object`; traced values (also inside lists) stay traced."""
    if type(object) is Tracer:
        return astype(object, dtype) if dtype is not None else object
    if isinstance(object, (list, tuple)) and _contains_tracer(object):
        return stack([array(o, dtype) for o in object])
    return to_array(np.array(object, dtype=dtype, copy=copy))


def asarray(a, dtype=None):
    """`a` as an array, without a copy when it already is one."""
    if type(a) is Tracer or isinstance(a, (list, tuple)) and _contains_tracer(a):
        return array(a, dtype=dtype)
    return to_array(np.asarray(a, dtype=dtype))


def _contains_tracer(seq):
    return any(type(o) is Tracer or (isinstance(o, (list, tuple)) and _contains_tracer(o)) for o in seq)


def _float_default(dtype):
    return np.dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT


def _static_shape(shape, fn):
    """`shape` with traced entries replaced by their concrete values: array
    shapes are static, so under jit a traced one raises ConcretizationError
    (NumPy would turn it into a bare TypeError)."""
    if type(shape) is Tracer:
        return int(shape.concrete(f"The shape given to {fn}"))
    if isinstance(shape, (tuple, list)) and any(type(n) is Tracer for n in shape):
        return tuple(int(n.concrete(f"The shape given to {fn}")) if type(n) is Tracer else n for n in shape)
    return shape


def zeros(shape, dtype=None):
    return to_array(np.zeros(_static_shape(shape, "zeros"), _float_default(dtype)))


def ones(shape, dtype=None):
    return to_array(np.ones(_static_shape(shape, "ones"), _float_default(dtype)))


def full(shape, fill_value, dtype=None):
    """`shape` filled with `fill_value`, which may be traced."""
    if type(fill_value) is Tracer:
        value = fill_value if dtype is None else astype(fill_value, dtype)
        return broadcast_to(value, tuple(np.atleast_1d(shape)) if np.ndim(shape) else (shape,))
    return to_array(np.full(_static_shape(shape, "full"), fill_value, dtype))


def _like_dtype(a, dtype):
    return np.dtype(dtype) if dtype is not None else aval(operand(a)).dtype


def zeros_like(a, dtype=None):
    return zeros(aval(operand(a)).shape, _like_dtype(a, dtype))


def ones_like(a, dtype=None):
    return ones(aval(operand(a)).shape, _like_dtype(a, dtype))


def full_like(a, fill_value, dtype=None):
    return full(aval(operand(a)).shape, fill_value, _like_dtype(a, dtype))


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def arange(start, stop=None, step=None, dtype=None):
    if stop is None:
        return to_array(np.arange(start, dtype=dtype))
    return to_array(np.arange(start, stop, step, dtype=dtype))


def eye(N, M=None, k=0, dtype=None):
    return to_array(np.eye(N, M, k, dtype=_float_default(dtype)))


# shape functions ------------------------------------------------------------

def shape(a):
    return aval(operand(a)).shape


def ndim(a):
    return len(shape(a))


def size(a):
    return int(np.prod(shape(a), dtype=np.int64))


def reshape(a, newshape, order="C"):
    """`a` with a new shape (one entry may be -1)."""
    if order != "C":
        raise UnsupportedError("reshape supports order='C' only")
    a = operand(a)
    a_shape = aval(a).shape
    newshape = (newshape,) if isinstance(newshape, (int, np.integer)) else tuple(int(n) for n in newshape)
    if newshape.count(-1) == 1:
        known = int(np.prod([n for n in newshape if n != -1], dtype=np.int64))
        total = int(np.prod(a_shape, dtype=np.int64))
        if known == 0 or total % known:
            raise ShapeError(f"cannot reshape an array of shape {a_shape} into shape {newshape}")
        newshape = tuple(total // known if n == -1 else n for n in newshape)
    if newshape == a_shape:
        return result(a)
    return sh.reshape(a, new_sizes=newshape)


def ravel(a):
    return reshape(a, (-1,))


def transpose(a, axes=None):
    """`a` with its axes permuted (reversed by default)."""
    a = operand(a)
    ndim_ = aval(a).ndim
    if axes is None:
        axes = tuple(range(ndim_))[::-1]
    else:
        given = axes
        axes = tuple(normalize_axis(x, ndim_, "transpose", "axes") for x in given)
        if sorted(axes) != list(range(ndim_)):
            raise ShapeError(f"transpose: axes={tuple(given)} is not a permutation of the {ndim_} axes of an "
                             f"array of shape {aval(a).shape}; give each of 0..{ndim_ - 1} once")
    if axes == tuple(range(ndim_)):
        return result(a)
    return sh.transpose(a, permutation=axes)


def swapaxes(a, axis1, axis2):
    ndim_ = ndim(a)
    perm = list(range(ndim_))
    i, j = normalize_axis(axis1, ndim_, "swapaxes", "axis1"), normalize_axis(axis2, ndim_, "swapaxes", "axis2")
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
    ndim_ = ndim(a)
    src = normalize_axis(source, ndim_, "moveaxis", "source")
    dst = normalize_axis(destination, ndim_, "moveaxis", "destination")
    perm = [i for i in range(ndim_) if i != src]
    perm.insert(dst, src)
    return transpose(a, perm)


def expand_dims(a, axis):
    a = operand(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = aval(a).ndim + len(axes)
    dims = tuple(sorted(normalize_axis(x, out_ndim, "expand_dims") for x in axes))
    return sh.expand_dims(a, dimensions=dims)


def squeeze(a, axis=None):
    a = operand(a)
    a_shape = aval(a).shape
    if axis is None:
        dims = tuple(i for i, n in enumerate(a_shape) if n == 1)
    else:
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        dims = tuple(sorted(normalize_axis(x, len(a_shape), "squeeze") for x in axes))
    return sh.squeeze(a, dimensions=dims) if dims else result(a)


def atleast_1d(*arys):
    """Each array with at least one dimension; several arrays give a list."""
    out = [reshape(a, (1,)) if ndim(a) == 0 else operand(a) for a in arys]
    return out[0] if len(out) == 1 else out


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis."""
    arrays = promote(*arrays)
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    ndim_ = aval(arrays[0]).ndim
    if ndim_ == 0:
        raise ShapeError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, ndim_, "concatenate")
    return arrays[0] if len(arrays) == 1 else sh.concatenate(*arrays, dimension=axis)


def stack(arrays, axis=0):
    """Join arrays along a new axis."""
    arrays = promote(*arrays)
    shapes = {aval(a).shape for a in arrays}
    if len(shapes) != 1:
        raise ShapeError(f"stack needs arrays of one shape, got {sorted(shapes)}")
    axis = normalize_axis(axis, aval(arrays[0]).ndim + 1, "stack")
    return concatenate([expand_dims(a, axis) for a in arrays], axis)


def hstack(arrays):
    return concatenate([atleast_1d(a) for a in arrays], axis=0 if ndim(arrays[0]) <= 1 else 1)


def vstack(arrays):
    return concatenate([reshape(a, (1, -1)) if ndim(a) <= 1 else a for a in arrays], axis=0)


def split(a, indices_or_sections, axis=0):
    """Split `a` into pieces along `axis`, as NumPy."""
    a = operand(a)
    a_shape = aval(a).shape
    axis = normalize_axis(axis, len(a_shape), "split")
    n = a_shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if n % indices_or_sections:
            raise ShapeError(f"array split does not result in an equal division: {n} into {indices_or_sections}")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step)) if step else [0] * (indices_or_sections + 1)
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        lo, hi, _ = slice(lo, hi).indices(n)    # a[lo:hi], negative and too large bounds as in Python
        starts = [0] * len(a_shape)
        limits = list(a_shape)
        starts[axis], limits[axis] = lo, max(lo, hi)
        pieces.append(sh.slice(a, start_indices=tuple(starts), limit_indices=tuple(limits), strides=None))
    return pieces


def tile(a, reps):
    """`a` repeated `reps` times along each axis."""
    a = operand(a)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    a_shape = aval(a).shape
    ndim_ = max(len(reps), len(a_shape))
    reps = (1,) * (ndim_ - len(reps)) + reps
    a = reshape(a, (1,) * (ndim_ - len(a_shape)) + a_shape)
    a_shape = aval(a).shape
    # Interleave a new axis of size rep before each axis, broadcast, then merge.
    expanded = reshape(a, [d for n in a_shape for d in (1, n)])
    target = [d for r, n in zip(reps, a_shape) for d in (r, n)]
    return reshape(broadcast_to(expanded, target), [r * n for r, n in zip(reps, a_shape)])


def repeat(a, repeats, axis=None):
    """Each element repeated `repeats` times (an int) along `axis`."""
    if not isinstance(repeats, (int, np.integer)):
        raise UnsupportedError("repeat supports an integer count only")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), 0
    a_shape = aval(a).shape
    axis = normalize_axis(axis, len(a_shape), "repeat")
    expanded = expand_dims(a, axis + 1)
    target = a_shape[:axis + 1] + (int(repeats),) + a_shape[axis + 1:]
    merged = a_shape[:axis] + (a_shape[axis] * int(repeats),) + a_shape[axis + 1:]
    return reshape(broadcast_to(expanded, target), merged)


def flip(a, axis=None):
    a = operand(a)
    ndim_ = aval(a).ndim
    axes = tuple(range(ndim_)) if axis is None else tuple(
        sorted(normalize_axis(x, ndim_, "flip") for x in (axis if isinstance(axis, (tuple, list)) else (axis,))))
    return sh.rev(a, dimensions=axes)
