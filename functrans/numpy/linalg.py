"""functrans.numpy.linalg: NumPy's linear algebra, differentiable, batched
over stacks of matrices (leading axes), lowered under jit to LAPACK (numba's
np.linalg, and getrf / potrf / trsm called directly).

Real floating-point only: a complex matrix raises DTypeError naming the
function. Not provided: eig, eigvals (non-symmetric eigendecompositions have
complex results; use eigh for symmetric matrices).
"""
from ._base import aval as _aval
from ._base import operand as _operand
from ._base import to_float as _to_float
from ._linalg import matmul, outer, tensordot  # noqa: F401
from ._linalg_decomp import cholesky, cond, eigh, eigvalsh, lstsq, matrix_rank, pinv, qr, svd, svdvals  # noqa: F401
from ._linalg_extra import cross, diagonal, tensorinv, trace, vecdot  # noqa: F401
from ._linalg_solve import det, inv, matrix_power, slogdet, solve, tensorsolve  # noqa: F401
from ._norms import matrix_norm, norm, vector_norm  # noqa: F401
from ._shape import reshape as _reshape
from ._shape import swapaxes as _swapaxes


def matrix_transpose(x, /):
    """Each matrix of the stack transposed: swap the last two axes."""
    x = _operand(x)
    if _aval(x).ndim < 2:
        raise ValueError(f"matrix_transpose needs at least 2 dimensions, got shape {_aval(x).shape}")
    return _swapaxes(x, -1, -2)


def _chain_order(shapes):
    """NumPy's dynamic programme for the cheapest parenthesisation of a
    matrix chain: split[i][j] is where the product of i..j splits."""
    n = len(shapes)
    dims = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays, *, out=None):
    """The product of a chain of matrices in the cheapest order; the first
    may be a row vector (1-D) and the last a column vector, as NumPy's."""
    if out is not None:
        raise TypeError("multi_dot: out= is not supported (functrans arrays are immutable)")
    arrays = [_to_float(_operand(a)) for a in arrays]
    if len(arrays) < 2:
        raise ValueError("multi_dot needs at least two arrays")
    first_vector, last_vector = _aval(arrays[0]).ndim == 1, _aval(arrays[-1]).ndim == 1
    if first_vector:
        arrays[0] = _reshape(arrays[0], (1, -1))
    if last_vector:
        arrays[-1] = _reshape(arrays[-1], (-1, 1))
    for a in arrays:
        if _aval(a).ndim != 2:
            raise ValueError(f"multi_dot: every array but the first and last must be 2-D, got shape {_aval(a).shape}")
    split = _chain_order([_aval(a).shape for a in arrays])

    def product(i, j):
        if i == j:
            return arrays[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))
    result = product(0, len(arrays) - 1)
    if first_vector and last_vector:
        return _reshape(result, ())
    if first_vector or last_vector:
        return _reshape(result, (-1,))
    return result
