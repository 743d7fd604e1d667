"""Products: dot, matmul, vdot, inner, outer, tensordot, einsum, all lowered
to the one `dot_general` primitive plus transposes and sums."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError, UnsupportedError
from ..ops.linalg import dot_general
from ..precision import check_precision
from . import _einsum_spec as einsum_spec
from ._base import aval, broadcast_shapes, broadcast_to, cast, normalize_axis, promote
from ._math import multiply
from ._reductions import sum as _sum
from ._shape import ravel, reshape, transpose


def _contract(a, b, a_axes, b_axes, op, batch=((), ())):
    a_shape, b_shape = aval(a).shape, aval(b).shape
    for i, j in zip(a_axes, b_axes):
        if a_shape[i] != b_shape[j]:
            raise ShapeError(f"{op}: shapes {a_shape} and {b_shape} are not aligned: dimension {i} "
                             f"of the first ({a_shape[i]}) != dimension {j} of the second ({b_shape[j]}). "
                             "Contracted dimensions must have one length: check the order of the "
                             "operands, or transpose one (e.g. b.T)")
    return dot_general(a, b, dimension_numbers=((tuple(a_axes), tuple(b_axes)), tuple(map(tuple, batch))))


def _operands(fn, operands, precision, preferred_element_type):
    """The operands promoted to one dtype, or to `preferred_element_type`
    (the result's dtype, as in JAX); `precision` is checked and ignored
    (functrans.precision: it changes nothing on the CPU)."""
    check_precision(precision, fn)
    operands = promote(*operands)
    if preferred_element_type is None:
        return operands
    return [cast(x, np.dtype(preferred_element_type)) for x in operands]


def dot(a, b, *, precision=None, preferred_element_type=None):
    """NumPy's dot: inner product of vectors, matrix product, or a sum over
    the last axis of `a` and the second-to-last of `b`. `precision` has no
    effect (CPU products are computed at full precision)."""
    a, b = _operands("dot", (a, b), precision, preferred_element_type)
    na, nb = aval(a).ndim, aval(b).ndim
    if na == 0 or nb == 0:
        return multiply(a, b)
    return _contract(a, b, (na - 1,), (max(nb - 2, 0),), "dot")


def matmul(a, b, *, precision=None, preferred_element_type=None):
    """The `@` operator: matrix product with broadcast batch dimensions
    (`precision` has no effect)."""
    a, b = _operands("matmul", (a, b), precision, preferred_element_type)
    na, nb = aval(a).ndim, aval(b).ndim
    if na == 0 or nb == 0:
        raise ValueError("matmul: operands must not be scalars; use multiply")
    if na <= 2 and nb <= 2:
        return _contract(a, b, (na - 1,), (0 if nb == 1 else nb - 2,), "matmul")
    # Vectors become matrices, batch dims are broadcast, then squeezed back.
    a2 = reshape(a, (1,) + aval(a).shape) if na == 1 else a
    b2 = reshape(b, aval(b).shape + (1,)) if nb == 1 else b
    a_shape, b_shape = aval(a2).shape, aval(b2).shape
    batch = broadcast_shapes(a_shape[:-2], b_shape[:-2], op="matmul")
    a2 = broadcast_to(a2, batch + a_shape[-2:])
    b2 = broadcast_to(b2, batch + b_shape[-2:])
    k = len(batch)
    out = _contract(a2, b2, (k + 1,), (k,), "matmul", (tuple(range(k)), tuple(range(k))))
    out_shape = aval(out).shape
    if na == 1:
        out_shape = out_shape[:-2] + out_shape[-1:]
    if nb == 1:
        out_shape = out_shape[:-1]
    return reshape(out, out_shape)


def vdot(a, b):
    """Dot product of the flattened arrays."""
    return dot(ravel(a), ravel(b))


def inner(a, b):
    """Sum over the last axes of `a` and `b`."""
    a, b = promote(a, b)
    na, nb = aval(a).ndim, aval(b).ndim
    if na == 0 or nb == 0:
        return multiply(a, b)
    return _contract(a, b, (na - 1,), (nb - 1,), "inner")


def outer(a, b):
    """Outer product of the flattened arrays."""
    a, b = promote(ravel(a), ravel(b))
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def tensordot(a, b, axes=2):
    """Sum over the given axes (or the last/first `axes` ones)."""
    a, b = promote(a, b)
    na, nb = aval(a).ndim, aval(b).ndim
    if isinstance(axes, (int, np.integer)):
        a_axes, b_axes = tuple(range(na - axes, na)), tuple(range(axes))
    else:
        a_axes, b_axes = axes
        a_axes = (a_axes,) if isinstance(a_axes, (int, np.integer)) else tuple(a_axes)
        b_axes = (b_axes,) if isinstance(b_axes, (int, np.integer)) else tuple(b_axes)
        a_axes = tuple(normalize_axis(x, na, "tensordot", "axes[0]") for x in a_axes)
        b_axes = tuple(normalize_axis(x, nb, "tensordot", "axes[1]") for x in b_axes)
    return _contract(a, b, a_axes, b_axes, "tensordot")


# einsum ----------------------------------------------------------------------

def _sum_out(x, term, keep):
    """Sum away the indices of `term` not in `keep`."""
    axes = tuple(i for i, c in enumerate(term) if c not in keep)
    if axes:
        x = _sum(x, axis=axes)
        term = "".join(c for c in term if c in keep)
    return x, term


def einsum(*operands, out=None, optimize="auto", precision=None, preferred_element_type=None):
    """Einstein summation, `einsum('ij,jk->ik', a, b)` or NumPy's sublist
    form `einsum(a, [0, 1], b, [1, 2], [0, 2])`, with `...` broadcasting
    and repeated indices (diagonals, traces). Operands are contracted
    pairwise left to right with `dot_general`; `optimize` (a contraction
    order) and `precision` are accepted and have no effect."""
    if out is not None:
        raise UnsupportedError("einsum: out= is not supported (functrans values are immutable); use the result")
    subscripts, operands = einsum_spec.from_sublists(operands)
    operands = _operands("einsum", operands, precision, preferred_element_type)
    terms, output, operands = einsum_spec.normalize(subscripts, operands)
    x, term = operands[0], terms[0]
    for i in range(1, len(operands)):
        y, y_term = operands[i], terms[i]
        later = output + "".join(terms[i + 1:])
        x, term = _sum_out(x, term, later + y_term)
        y, y_term = _sum_out(y, y_term, later + term)
        shared = [c for c in term if c in y_term]
        batch = [c for c in shared if c in later]
        contract = [c for c in shared if c not in later]
        x = _contract(x, y, [term.index(c) for c in contract], [y_term.index(c) for c in contract], "einsum",
                      ([term.index(c) for c in batch], [y_term.index(c) for c in batch]))
        term = "".join(batch) + "".join(c for c in term if c not in shared) + "".join(
            c for c in y_term if c not in shared)
    x, term = _sum_out(x, term, output)
    return transpose(x, [term.index(c) for c in output]) if term != output else x
