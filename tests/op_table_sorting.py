"""The `sort` primitive's rows of the op table (import `op_table`, which
adds them to `PRIMITIVE_ROWS`; the backend batch "sorting" lowers them).

Keys with ties and NaNs (the order must be NumPy's stable one, NaNs last),
several operands sorted by the first, every key dtype the jit kernel has
(float32/64, int32/64) and one it converts (bool). Derivatives where the
keys are distinct.
"""
from __future__ import annotations

import numpy as np
from op_table import BOOL, F32, F64, I32, I64, args_of, prim_row, real, short


def ties(rng, shape, dtype):
    x = rng.integers(0, 3, shape).astype(dtype)
    if np.dtype(dtype).kind == "f" and x.size > 2:
        x.flat[1] = np.nan
    return x


def _reference(dimension):
    def sort(*operands):
        perm = np.argsort(operands[0], axis=dimension, kind="stable")
        return [np.take_along_axis(o, perm, axis=dimension) for o in operands]
    return sort


def _params(dimension):
    return {"dimension": dimension, "is_stable": True, "num_keys": 1}


PRIMITIVES = [
    *[prim_row("sort", f"{short(F64, shape)}-dim{d}", args_of((real, shape, F64)), _reference(d), _params(d),
               diff=(0,), smooth=True)
      for shape, d in (((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), 1), ((0, 3), 0))],
    *[prim_row("sort", f"{short(dtype, (3, 4))}-ties-dim1", args_of((ties, (3, 4), dtype)), _reference(1), _params(1))
      for dtype in (F64, F32, I32, I64, BOOL)],
    prim_row("sort", "i32[3,4]-with-f64-and-i64-values-dim1",
             args_of((ties, (3, 4), I32), (real, (3, 4), F64), (real, (3, 4), I64)), _reference(1), _params(1),
             diff=(1,), smooth=True),
    prim_row("sort", "i32[4,3]-with-f32-values-dim0", args_of((ties, (4, 3), I32), (real, (4, 3), F32)),
             _reference(0), _params(0)),
]
