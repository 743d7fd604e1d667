"""`batched_matmul(a, b, out)`: BLAS gemm on each (M, K) x (K, N) slice of
C-contiguous 3-d arrays, as a numba intrinsic.

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


@intrinsic
def batched_matmul(typingctx, a, b, out):
    """out[j] = a[j] @ b[j] for each j, by BLAS; returns None."""
    arrays = (a, b, out)
    if not all(isinstance(t, types.Array) and t.ndim == 3 and t.layout == "C" for t in arrays):
        return None
    if a.dtype not in _FLOATS or not a.dtype == b.dtype == out.dtype:
        return None

    def codegen(context, builder, sig, args):
        ensure_blas()
        x, y, z = (make_array(t)(context, builder, value=v) for t, v in zip(sig.args, args))
        batch, m, k = cgutils.unpack_tuple(builder, x.shape, 3)
        n = cgutils.unpack_tuple(builder, z.shape, 3)[2]
        matrix = types.Array(a.dtype, 2, "C")
        with cgutils.for_range(builder, batch) as loop:
            j = loop.index
            call_xxgemm(context, builder,
                        matrix, (m, k), builder.gep(x.data, [builder.mul(j, builder.mul(m, k))]),
                        matrix, (k, n), builder.gep(y.data, [builder.mul(j, builder.mul(k, n))]),
                        matrix, (m, n), builder.gep(z.data, [builder.mul(j, builder.mul(m, n))]))
        return context.get_dummy_value()
    return signature(types.none, a, b, out), codegen
