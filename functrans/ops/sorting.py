"""`sort`: operands of one shape sorted together along `dimension` by the
first (the key), as jax.lax.sort_p; `argsort` is a sort of (keys, iota).

The order is NumPy's: ascending, stable, NaNs last, -0.0 equal to 0.0.
The JVP sorts an iota beside the operands and gathers each tangent by the
permutation that gives (JAX's rule); a gather, so reverse mode scatters
back. Batching adds a leading axis. jit lowers to a compiled stable argsort
(`backend.sort_kernels`) and element loops that permute every operand.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Primitive
from ..errors import ShapeError, UnsupportedError
from . import elementwise as ew
from . import rules, shaping
from .indexing import gather
from .rules import Zero, aval_of, not_mapped


def _sort_shape(*operands, dimension, is_stable, num_keys):
    if num_keys != 1:
        raise UnsupportedError(f"sort with num_keys={num_keys} is not supported: functrans sorts by the first "
                               "operand only; combine the keys into one (or sort by each, last key first, "
                               "with stable sorts)")
    shapes = {o.shape for o in operands}
    if len(shapes) != 1:
        raise ShapeError(f"sort needs operands of one shape, got {', '.join(str(o.shape) for o in operands)}")
    ndim = len(operands[0].shape)
    if not 0 <= dimension < ndim:
        raise ShapeError(f"sort dimension {dimension} is out of range for operands of shape {operands[0].shape}"
                         + (" (a rank-0 value has nothing to sort)" if ndim == 0 else ""))
    if operands[0].dtype.kind == "c":
        raise UnsupportedError("sort of complex keys is not supported; sort by x.real (or abs(x)) instead")
    return list(operands)


def _permutation(keys, dimension):
    return np.argsort(np.asarray(keys), axis=dimension, kind="stable")


def _sort_impl(*operands, dimension, is_stable, num_keys):
    perm = _permutation(operands[0], dimension)
    return [np.take_along_axis(np.asarray(o), perm, axis=dimension) for o in operands]


def take_along(x, perm, dimension):
    """x[..., perm[..., j, ...], ...] along `dimension`, as one gather into
    the flattened x (its transpose is one scatter-add)."""
    shape = aval_of(x).shape
    index_dtype = aval_of(perm).dtype
    strides = np.cumprod((1,) + shape[::-1][:-1])[::-1]
    flat = ew.mul(perm, np.asarray(strides[dimension], index_dtype)[()])
    for d, stride in enumerate(strides):
        if d != dimension and shape[d] > 1:
            position = shaping.iota(dtype=index_dtype, shape=shape, dimension=d)
            flat = ew.add(flat, ew.mul(position, np.asarray(stride, index_dtype)[()]))
    size = int(np.prod(shape, dtype=np.int64))
    return gather(shaping.reshape(x, new_sizes=(size,)), flat, axis=0)


def _sort_jvp(primals, tangents, params):
    shape = aval_of(primals[0]).shape
    iota = shaping.iota(dtype=dtypes.DEFAULT_INT, shape=shape, dimension=params["dimension"])
    *outs, perm = sort(*primals, iota, **params)
    tangents_out = [Zero(aval_of(o)) if type(t) is Zero or not rules.is_differentiable(aval_of(o))
                    else take_along(t, perm, params["dimension"]) for o, t in zip(outs, tangents)]
    return outs, tangents_out


def _sort_batch(args, dims, params):
    size = next(aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)
    args = [rules.bdim_at_front(a, d, size) for a, d in zip(args, dims)]
    outs = sort(*args, **{**params, "dimension": params["dimension"] + 1})
    return outs, [0] * len(outs)


def _render_sort(emit, dimension, is_stable, num_keys):
    """The permutation from the compiled argsort of the keys (made int64
    first if they are of another integer dtype), then a copy loop per operand."""
    key = emit.in_avals[0]
    shape = key.shape
    outer = int(np.prod(shape[:dimension], dtype=np.int64))
    inner = int(np.prod(shape[dimension + 1:], dtype=np.int64))
    perm, keys, status = emit.temp("perm"), emit.temp("keys"), emit.temp("status")
    lines = [f"{perm} = np.empty({shape!r}, np.int64)"]
    key_dtype = key.dtype.name
    if key_dtype not in ("float32", "float64", "int32", "int64"):
        if key.dtype == np.uint64:
            raise UnsupportedError("jit cannot sort uint64 keys; cast them to int64 (or sort without jit)")
        key_dtype = "int64"
        lines += [f"{keys} = np.empty({shape!r}, np.int64)"]
        lines += emit.copy(keys, list, emit.ins[0], list, shape)
        lines += [f"{keys} = np.ascontiguousarray({keys})"]
    else:
        lines += [f"{keys} = np.ascontiguousarray({emit.ins[0]})"]
    lines.append(f"{status} = argsort_{key_dtype}({keys}.ctypes, {perm}.ctypes, {outer}, {shape[dimension]}, {inner})")
    for k, (src, out) in enumerate(zip(emit.ins, emit.outs)):
        lines.append(f"{out} = np.empty({shape!r}, {emit.dtype_expr(emit.in_avals[k].dtype)})")
        source = lambda idx: [f"{perm}[{', '.join(idx)}]" if d == dimension else i for d, i in enumerate(idx)]
        lines += emit.copy(out, list, src, source, shape)
    return lines


sort = Primitive("sort", shape_rule=_sort_shape, impl=_sort_impl, jvp=_sort_jvp, batch=_sort_batch,
                 multiple_results=True, numba=_render_sort)
