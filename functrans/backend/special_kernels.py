"""SciPy's compiled special functions for fused loops: the
`scipy.special.cython_special` C functions, by their addresses, as numba's
documentation shows for calling Cython functions. Each address is
registered with LLVM under a name of ours (`functrans_special_psi`), so
cached kernels link by name in any process that imports this module (a
kernel whose loops call one does, see render.py).

Loop sources call them as `special.<name>(x, ...)`: intrinsics that widen
their operands to float64 (the versions called; the loop narrows the
result again for float32) and pass the trailing `skip_dispatch` flag that
every one of these Cython functions takes.
"""
from __future__ import annotations

import llvmlite.binding as llvm
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.extending import intrinsic
from numba.extending import get_cython_function_address


def _cython(name, n_args, export=None):
    """cython_special's `export` (its name for the float64 version of a fused
    function) as a numba intrinsic of n_args real operands."""
    symbol = f"functrans_special_{name}"
    llvm.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special", export or name))
    double, flag = ir.DoubleType(), ir.IntType(32)

    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(double, [double] * n_args + [flag]),
                                            symbol)
        values = [context.cast(builder, v, t, types.float64) for v, t in zip(args, sig.args)]
        return builder.call(fn, values + [ir.Constant(flag, 0)])

    def typer(*operands):
        if len(operands) != n_args or not all(isinstance(t, (types.Float, types.Integer)) for t in operands):
            return None
        return types.float64(*operands), codegen
    if n_args == 1:
        return intrinsic(lambda typingctx, x: typer(x))
    if n_args == 2:
        return intrinsic(lambda typingctx, x, y: typer(x, y))
    return intrinsic(lambda typingctx, x, y, z: typer(x, y, z))


gammaln = _cython("gammaln", 1)
psi = _cython("psi", 1, "__pyx_fuse_1psi")
erfinv = _cython("erfinv", 1, "__pyx_fuse_0erfinv")
erfcinv = _cython("erfcinv", 1)
ndtri = _cython("ndtri", 1)
log_ndtr = _cython("log_ndtr", 1, "__pyx_fuse_1log_ndtr")
gammainc = _cython("gammainc", 2)
gammaincc = _cython("gammaincc", 2)
betainc = _cython("betainc", 3, "__pyx_fuse_0betainc")
i0, i0e, i1, i1e = (_cython(name, 1) for name in ("i0", "i0e", "i1", "i1e"))
