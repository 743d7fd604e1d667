"""Stacks of matrices, for the rules of the linear-algebra primitives:
products, transposes, triangles and diagonals over the last two axes of
arrays with any leading (batch) axes, as in NumPy's `linalg`.

Written with primitives only, so rules built from them are differentiable
and batchable like any other. Masks are NumPy constants: they depend on
shapes alone.
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import indexing, reduce, shaping
from .linalg import dot_general
from .rules import aval_of


def matrix_transpose(x):
    """Swap the last two axes (x^T of every matrix in the stack)."""
    ndim = len(aval_of(x).shape)
    return shaping.transpose(x, permutation=tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))


def adjoint(x):
    """The conjugate transpose, x^H (x^T for real x)."""
    x = matrix_transpose(x)
    return ew.conj(x) if aval_of(x).dtype.kind == "c" else x


def matmul(a, b):
    """a @ b over stacks with equal leading axes (..., m, k) @ (..., k, n)."""
    nd = len(aval_of(a).shape)
    assert len(aval_of(b).shape) == nd, (aval_of(a).shape, aval_of(b).shape)
    batch = tuple(range(nd - 2))
    return dot_general(a, b, dimension_numbers=(((nd - 1,), (nd - 2,)), (batch, batch)))


def stacked(constant, stack_shape):
    """A NumPy constant (..., m, n) broadcast to `stack_shape` in the trace
    (a broadcast fuses into loops; a materialised stack would be a large,
    read-only constant)."""
    constant = np.asarray(constant)
    if constant.shape == tuple(stack_shape):
        return constant
    ndim = len(stack_shape)
    return shaping.broadcast_in_dim(constant, shape=tuple(stack_shape),
                                  broadcast_dimensions=tuple(range(ndim - constant.ndim, ndim)))


def _mask(x, keep):
    """Where a matrix of x's stack is kept (np.tri-style triangles), x's shape."""
    x_shape = aval_of(x).shape
    m, n = x_shape[-2:]
    return stacked(keep(np.arange(m)[:, None], np.arange(n)[None, :]), x_shape)


def _select(x, mask):
    return ew.select_n(mask, np.zeros((), aval_of(x).dtype), x)


def tril(x, k=0):
    """The lower triangle (entries on and below the k-th diagonal), zeros above."""
    return _select(x, _mask(x, lambda i, j: j - i <= k))


def triu(x, k=0):
    """The upper triangle (entries on and above the k-th diagonal), zeros below."""
    return _select(x, _mask(x, lambda i, j: j - i >= k))


def diagonal(x):
    """(..., n, n) -> (..., n): the main diagonals."""
    return reduce.reduce_sum(_select(x, _mask(x, lambda i, j: i == j)), axes=(len(aval_of(x).shape) - 1,))


def eye(n, dtype, batch=()):
    """A stack of identity matrices."""
    return stacked(np.eye(n, dtype=dtype), tuple(batch) + (n, n))


def from_lower(x):
    """The symmetric (Hermitian) matrix the lower triangle of x stands for, as
    NumPy's `eigh` and `cholesky` read their input: tril(x) + tril(x, -1)^H."""
    return ew.add(tril(x), adjoint(tril(x, -1)))


def from_upper(x):
    """As `from_lower`, from the upper triangle."""
    return ew.add(triu(x), adjoint(triu(x, 1)))


def _flat_rows(x, perm):
    """(x as (B * m, ...), perm offset into it as (B * m,)) for a stack x
    (..., m, n) and permutations perm (..., m)."""
    x_shape = aval_of(x).shape
    batch, m = x_shape[:-2], x_shape[-2]
    size = int(np.prod(batch, dtype=np.int64))
    perm_dtype = aval_of(perm).dtype
    offsets = stacked((np.arange(size, dtype=perm_dtype) * m)[:, None], (size, m))
    flat_perm = shaping.reshape(ew.add(shaping.reshape(perm, new_sizes=(size, m)), offsets), new_sizes=(size * m,))
    return shaping.reshape(x, new_sizes=(size * m, x_shape[-1])), flat_perm


def permute_rows(x, perm):
    """Row i of each matrix becomes its row perm[..., i]: x[..., perm, :]
    per matrix, one gather for the whole (flattened) stack."""
    if len(aval_of(x).shape) == 2:
        return indexing.gather(x, perm, axis=0)
    flat, flat_perm = _flat_rows(x, perm)
    return shaping.reshape(indexing.gather(flat, flat_perm, axis=0), new_sizes=aval_of(x).shape)


def unpermute_rows(x, perm):
    """The inverse of `permute_rows`: row perm[..., i] of the result is row i of x."""
    zero = np.zeros((), aval_of(x).dtype)
    if len(aval_of(x).shape) == 2:
        return indexing.scatter_add(stacked(zero, aval_of(x).shape), perm, x, axis=0)
    flat, flat_perm = _flat_rows(x, perm)
    return shaping.reshape(indexing.scatter_add(stacked(zero, aval_of(flat).shape), flat_perm, flat, axis=0),
                         new_sizes=aval_of(x).shape)


# numba lowering -------------------------------------------------------------------

def batch_size(aval):
    """How many matrices a stack (..., m, n) holds."""
    return int(np.prod(aval.shape[:-2], dtype=np.int64))


def render_call(emit, function, sizes, error=None):
    """Statements allocating the results and calling the compiled
    `backend.linalg_kernels.<function>_<dtype>` (listed in
    `loopgen.INTRINSICS`, which kernels import) on pointers to the operands
    and results and on the integer `sizes`; a nonzero status raises NumPy's
    LinAlgError with the message `error`."""
    lines = [f"{out} = np.empty({aval.shape!r}, {emit.dtype_expr(aval.dtype)})"
             for out, aval in zip(emit.outs, emit.out_avals)]
    status = emit.temp("status")
    arguments = [f"{x}.ctypes" for x in (*emit.ins, *emit.outs)] + [str(int(v)) for v in sizes]
    lines.append(f"{status} = {function}_{emit.in_avals[0].dtype.name}({', '.join(arguments)})")
    if error is not None:
        lines += [f"if {status} != 0:", f"    raise np.linalg.LinAlgError({error!r})"]
    return lines
