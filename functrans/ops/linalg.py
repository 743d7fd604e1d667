"""dot_general: the one contraction primitive, as in XLA.

`dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))`;
the output's axes are the batch axes, then lhs's free axes, then rhs's free
axes. The impl lays the operands out as (batch, free, contract) and calls
matmul, which is BLAS. It is bilinear: the transpose in one operand is a
dot_general of the cotangent with the other, permuted back.
"""
from __future__ import annotations

import numpy as np

from ..core import Primitive
from ..errors import DTypeError, ShapeError
from ..ir import ShapedArray
from . import rules, shaping
from .rules import UndefinedPrimal, not_mapped


def _free_axes(ndim, contract, batch):
    return [i for i in range(ndim) if i not in contract and i not in batch]


def _dot_shape(lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    if lhs.dtype != rhs.dtype:
        raise DTypeError(f"dot_general needs operands of one dtype, got {lhs.dtype.name} and {rhs.dtype.name}")
    if len(lc) != len(rc) or len(lb) != len(rb) or any(lhs.shape[a] != rhs.shape[b] for a, b in zip(lc + lb, rc + rb)):
        raise ShapeError(f"dot_general: shapes {lhs.shape} and {rhs.shape} do not match along the "
                         f"contracting dimensions {lc} / {rc} and batch dimensions {lb} / {rb}")
    out = ([lhs.shape[a] for a in lb] + [lhs.shape[a] for a in _free_axes(len(lhs.shape), lc, lb)]
           + [rhs.shape[a] for a in _free_axes(len(rhs.shape), rc, rb)])
    return ShapedArray(out, lhs.dtype, lhs.weak_type and rhs.weak_type)


def _dot_impl(lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    lf, rf = _free_axes(lhs.ndim, lc, lb), _free_axes(rhs.ndim, rc, rb)
    size = lambda x, axes: int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    batch = [lhs.shape[a] for a in lb]
    a = np.transpose(lhs, list(lb) + lf + list(lc)).reshape(size(lhs, lb), size(lhs, lf), size(lhs, lc))
    b = np.transpose(rhs, list(rb) + list(rc) + rf).reshape(size(rhs, rb), size(rhs, rc), size(rhs, rf))
    out = np.matmul(a, b)
    return out.reshape(batch + [lhs.shape[i] for i in lf] + [rhs.shape[i] for i in rf])


def _transpose_lhs(ct, rhs, lhs_aval, dimension_numbers):
    """Cotangent of lhs: contract ct's rhs-free axes with rhs's free axes."""
    (lc, rc), (lb, rb) = dimension_numbers
    rhs_ndim, lhs_ndim = len(rules.aval_of(rhs).shape), len(lhs_aval.shape)
    lf, rf = _free_axes(lhs_ndim, lc, lb), _free_axes(rhs_ndim, rc, rb)
    nb = len(lb)
    ct_rf = tuple(range(nb + len(lf), nb + len(lf) + len(rf)))
    out = dot_general(ct, rhs, dimension_numbers=((ct_rf, tuple(rf)), (tuple(range(nb)), tuple(rb))))
    # out's axes, named by the lhs axis each one is: batch, lhs free, then the
    # rhs contracting axes in rhs order, each standing for its lhs partner.
    axis_ids = list(lb) + lf + [lc[rc.index(r)] for r in sorted(rc)]
    perm = tuple(axis_ids.index(i) for i in range(lhs_ndim))
    return out if perm == tuple(range(lhs_ndim)) else shaping.transpose(out, permutation=perm)


def _swap(dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    return (rc, lc), (rb, lb)


def _dot_transpose(ct, lhs, rhs, dimension_numbers):
    if type(lhs) is UndefinedPrimal:
        assert type(rhs) is not UndefinedPrimal, "dot_general is not linear in both operands at once"
        return [_transpose_lhs(ct, rhs, lhs.aval, dimension_numbers), None]
    # The rhs cotangent is the lhs one of the swapped product, whose output
    # axes are (batch, rhs free, lhs free): permute ct to that order first.
    (lc, rc), (lb, rb) = dimension_numbers
    nb = len(lb)
    n_lf = len(_free_axes(len(rules.aval_of(lhs).shape), lc, lb))
    n_rf = len(_free_axes(len(rhs.aval.shape), rc, rb))
    perm = tuple(range(nb)) + tuple(range(nb + n_lf, nb + n_lf + n_rf)) + tuple(range(nb, nb + n_lf))
    ct = ct if perm == tuple(range(len(perm))) else shaping.transpose(ct, permutation=perm)
    return [None, _transpose_lhs(ct, lhs, rhs.aval, _swap(dimension_numbers))]


def _bump(axes):
    return tuple(a + 1 for a in axes)


def _dot_batch(args, dims, params):
    (lhs, rhs), (dl, dr) = args, dims
    (lc, rc), (lb, rb) = params["dimension_numbers"]
    if dl is not not_mapped and dr is not not_mapped:
        lhs, rhs = rules.move_bdim(lhs, dl, 0), rules.move_bdim(rhs, dr, 0)
        numbers = ((_bump(lc), _bump(rc)), ((0,) + _bump(lb), (0,) + _bump(rb)))
        return dot_general(lhs, rhs, dimension_numbers=numbers), 0
    if dl is not not_mapped:   # the batch axis is one more free axis of lhs, first among them
        lhs = rules.move_bdim(lhs, dl, 0)
        numbers = ((_bump(lc), rc), (_bump(lb), rb))
        return dot_general(lhs, rhs, dimension_numbers=numbers), len(lb)
    rhs = rules.move_bdim(rhs, dr, 0)
    numbers = ((lc, _bump(rc)), (lb, _bump(rb)))
    n_lf = len(_free_axes(len(rules.aval_of(lhs).shape), lc, lb))
    return dot_general(lhs, rhs, dimension_numbers=numbers), len(lb) + n_lf


dot_general = Primitive("dot_general", shape_rule=_dot_shape, impl=_dot_impl, transpose=_dot_transpose,
                        batch=_dot_batch)
dot_general.jvp = rules.jvp_maps(
    dot_general,
    lambda t, x, y, out, dimension_numbers: dot_general(t, y, dimension_numbers=dimension_numbers),
    lambda t, x, y, out, dimension_numbers: dot_general(x, t, dimension_numbers=dimension_numbers))


# numba lowering: BLAS gemm on (batch, M, K) x (batch, K, N) ---------------------------------

def _as_3d(emit, k, blocks, shape3):
    """Statements binding input k as a C-contiguous 3-d array to a new name:
    (lines, name, transposed). `blocks` are its (batch, rows, columns) axes;
    stored as (batch, columns, rows) it is passed as it is and BLAS reads
    its transpose (`transposed`), else it is laid out as `shape3`."""
    name, aval = emit.ins[k], emit.in_avals[k]
    out = emit.temp(("lhs", "rhs")[k])
    if not aval.shape:
        return [f"{out} = np.full({shape3!r}, {name}, {emit.dtype_expr(aval.dtype)})"], out, False
    batch, rows, columns = (list(b) for b in blocks)
    permutation = batch + rows + columns
    identity = list(range(len(aval.shape)))
    if rows and columns and batch + columns + rows == identity:
        stored = (shape3[0], shape3[2], shape3[1])
        return [f"{out} = np.ascontiguousarray({name}).reshape({stored!r})"], out, True
    lines = []
    if permutation != identity:
        # A copy loop, not np.transpose(x, axes): numba takes seconds to compile that.
        permuted = emit.temp(("lhs", "rhs")[k] + "T")
        shape = tuple(aval.shape[a] for a in permutation)
        source = lambda idx: [idx[permutation.index(a)] for a in range(len(shape))]
        lines = [f"{permuted} = np.empty({shape!r}, {emit.dtype_expr(aval.dtype)})"]
        lines += emit.copy(permuted, list, name, source, shape)
        name = permuted
    return lines + [f"{out} = np.ascontiguousarray({name}).reshape({shape3!r})"], out, False


def _render_dot(emit, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = emit.in_avals
    out_name, out = emit.outs[0], emit.out_avals[0]
    lf, rf = _free_axes(len(lhs.shape), lc, lb), _free_axes(len(rhs.shape), rc, rb)
    size = lambda aval, axes: int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
    b, m, k, n = size(lhs, lb), size(lhs, lf), size(lhs, lc), size(rhs, rf)
    blas = out.dtype.kind in "fc" and m * k * n    # BLAS is for floats only, and for non-empty matrices
    lhs_lines, a3, ta = _as_3d(emit, 0, (lb, lf, lc) if blas else (lb, lf + list(lc), ()), (b, m, k))
    rhs_lines, b3, tb = _as_3d(emit, 1, (rb, rc, rf) if blas else (rb, list(rc) + rf, ()), (b, k, n))
    prod = emit.temp("prod")
    lines = lhs_lines + rhs_lines
    dtype = emit.dtype_expr(out.dtype)
    if blas:   # called directly (backend/blas.py)
        lines += [f"{prod} = np.empty(({b}, {m}, {n}), {dtype})", f"batched_matmul({a3}, {b3}, {prod}, {ta}, {tb})"]
    else:
        lines.append(f"{prod} = np.zeros(({b}, {m}, {n}), {dtype})")
        lines += emit.loops([("j0", b), ("j1", m), ("j2", k), ("j3", n)],
                            [f"{prod}[j0, j1, j3] += {a3}[j0, j1, j2] * {b3}[j0, j2, j3]"])
    if out.shape:
        return lines + [f"{out_name} = {prod}.reshape({out.shape!r})"]
    return lines + [f"{out_name} = {prod}[0, 0, 0]"]


dot_general.numba = _render_dot
