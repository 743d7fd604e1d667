"""The compiled function the `sort` primitive lowers to: a stable argsort
of every line of an (outer, n, inner) array along its middle axis.

Like `linalg_kernels`, one numba `cfunc` per key dtype over raw pointers,
compiled once and cached on disk, registered with LLVM under a name of ours
(`functrans_sort_argsort_float64`) that kernels call through an
`ExternalFunction`: numba's `np.argsort` takes seconds to compile, which a
kernel inlining it would pay on every new shape. numba's mergesort is
stable and orders NaNs last, as NumPy's.
"""
from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from numba import carray, cfunc, types

KEY_DTYPES = ("float32", "float64", "int32", "int64")


def _argsort(keys, perm, outer, n, inner):
    x = carray(keys, (outer, n, inner))
    p = carray(perm, (outer, n, inner))
    line = np.empty(n, x.dtype)
    for o in range(outer):
        for i in range(inner):
            for j in range(n):
                line[j] = x[o, j, i]
            order = np.argsort(line, kind="mergesort")
            for j in range(n):
                p[o, j, i] = order[j]
    return 0


_KEEP_ALIVE = []   # the compiled cfuncs whose addresses are registered


def __getattr__(name):
    """`argsort_<dtype>`: the cfunc for that key dtype, compiled (or loaded
    from numba's cache) on first use and registered under its symbol."""
    function, _, dtype = name.partition("_")
    if function != "argsort" or dtype not in KEY_DTYPES:
        raise AttributeError(name)
    signature = types.int32(types.CPointer(getattr(types, dtype)), types.CPointer(types.int64),
                            types.intp, types.intp, types.intp)
    compiled = cfunc(signature, cache=True)(_argsort)
    symbol = f"functrans_sort_{name}"
    llvm.add_symbol(symbol, compiled.address)
    _KEEP_ALIVE.append(compiled)
    external = globals()[name] = types.ExternalFunction(
        symbol, types.int32(types.voidptr, types.voidptr, types.intp, types.intp, types.intp))
    return external
