"""`batched_matmul(a, b, out, a_transposed, b_transposed)`: BLAS gemm on
each (M, K) x (K, N) slice of C-contiguous 3-d arrays, either operand
possibly stored transposed, as a numba intrinsic.

Rendering `np.dot` in kernels made numba compile its own `np.dot`
implementation (a function of numba's, through numba's whole pipeline) for
every operand signature: ~0.5 s per signature, a third of the MLP's
compile. This intrinsic emits the BLAS call directly (numba's own
`call_xxgemm`, the call its `np.dot` ends in), so nothing is compiled but
the kernel. dot_general renders it for float operands with M, K, N > 0.
"""
from __future__ import annotations

from numba.core import cgutils, types
from numba.core.extending import intrinsic
from numba.core.typing import signature
from numba.np.arrayobj import make_array
from numba.np.linalg import call_xxgemm, ensure_blas

_FLOATS = (types.float32, types.float64, types.complex64, types.complex128)


@intrinsic(prefer_literal=True)
def batched_matmul(typingctx, a, b, out, a_transposed, b_transposed):
    """out[j] = A[j] @ B[j] for each j, by BLAS; returns None. A[j] is
    a[j], or a[j].T when `a_transposed` (a literal bool: a is (batch, K, M)),
    and B likewise: BLAS reads the transpose in place, so a transpose
    around a dot is a flag, never a copy."""
    arrays = (a, b, out)
    if not all(isinstance(t, types.Array) and t.ndim == 3 and t.layout == "C" for t in arrays):
        return None
    if a.dtype not in _FLOATS or not a.dtype == b.dtype == out.dtype:
        return None
    if not all(isinstance(t, types.BooleanLiteral) for t in (a_transposed, b_transposed)):
        return None
    ta, tb = a_transposed.literal_value, b_transposed.literal_value

    def codegen(context, builder, sig, args):
        ensure_blas()
        x, y, z = (make_array(t)(context, builder, value=v) for t, v in zip(sig.args[:3], args[:3]))
        batch, m, n = cgutils.unpack_tuple(builder, z.shape, 3)
        k = cgutils.unpack_tuple(builder, x.shape, 3)[1 if ta else 2]
        # numba's gemm call transposes an operand whose layout differs from the output's.
        lhs, rhs = (types.Array(a.dtype, 2, "F" if t else "C") for t in (ta, tb))
        with cgutils.for_range(builder, batch) as loop:
            j = loop.index
            call_xxgemm(context, builder,
                        lhs, (m, k), builder.gep(x.data, [builder.mul(j, builder.mul(m, k))]),
                        rhs, (k, n), builder.gep(y.data, [builder.mul(j, builder.mul(k, n))]),
                        types.Array(a.dtype, 2, "C"), (m, n), builder.gep(z.data, [builder.mul(j, builder.mul(m, n))]))
        return context.get_dummy_value()
    return signature(types.none, a, b, out, a_transposed, b_transposed), codegen
