"""The op-table rows of `functrans.numpy`'s structural functions (import
`op_table`, which adds these to `ROWS`): triangles, diagonals, products of
structure, rolls, differences, padding, stacking, splitting and the index
tricks. Most are linear in their array arguments, so their transposes are
checked too. One row per form of each function: the jit oracle of
`test_numpy_structural.py` compiles them all into one kernel.
"""
from __future__ import annotations

import numpy as np
from op_table import F32, F64, I32, real
from op_table_numpy import np_row

import functrans.numpy as fnp


def linear_row(name, *shapes, dtype=F64, case=None, **kwargs):
    """`fnp.<name>(*arrays, **kwargs)` against NumPy's, linear in every array."""
    differentiable = dtype == F64
    n = len(shapes)
    return np_row(name, *[(real, s, dtype) for s in shapes], kwargs=kwargs, case=case,
                  diff=differentiable, linear=tuple(range(n)) if differentiable else (), smooth=differentiable)


def _filled(a, val, wrap=False):
    out = a.copy()
    np.fill_diagonal(out, val, wrap=wrap)
    return out


def _cross2(a, b):
    """NumPy 2 deprecates np.cross of 2-vectors; its value, the z component."""
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


MATRIX = [
    linear_row("tril", (3, 4)), linear_row("tril", (2, 3, 4), k=-1), linear_row("tril", (3, 4), dtype=I32, k=2),
    linear_row("triu", (3, 4)), linear_row("triu", (2, 4, 3), k=1), linear_row("triu", (3, 3), dtype=F32, k=-1),
    linear_row("diag", (3,)), linear_row("diag", (3,), k=-2), linear_row("diag", (3, 4), k=1),
    linear_row("diag", (4, 3), k=-1), linear_row("diag", (0,), k=1),
    linear_row("diagonal", (3, 4)), linear_row("diagonal", (2, 3, 4), offset=-1, axis1=2, axis2=0),
    linear_row("diagonal", (3, 4), offset=5),
    linear_row("trace", (3, 4)), linear_row("trace", (2, 3, 4), offset=1, axis1=1, axis2=2),
    linear_row("trace", (3, 3), dtype=I32),
    np_row("kron", (real, (2, 3), F64), (real, (3, 2), F64), diff=True, smooth=True),
    np_row("kron", (real, (3,), F64), (real, (2, 2), F64), diff=True, smooth=True),
    np_row("kron", (real, (2, 2), I32), (real, (2,), I32)),
    np_row("cross", (real, (4, 3), F64), (real, (3,), F64), diff=True, smooth=True),
    np_row("cross", (real, (3, 2), F64), (real, (2, 3), F64), kwargs={"axisa": 0, "axisc": 0}, diff=True,
           smooth=True),
    np_row("cross", (real, (2, 3, 4), F64), (real, (4, 3), F64), kwargs={"axis": 1}, diff=True, smooth=True),
    np_row("cross", (real, (4, 2), F64), (real, (2,), F64), case="2-vectors", reference=_cross2, diff=True,
           smooth=True),
    np_row("cross", (real, (4, 2), F64), (real, (4, 3), F64), case="2-and-3-vectors", diff=True, smooth=True,
           reference=lambda a, b: np.cross(np.concatenate([a, np.zeros((4, 1))], -1), b)),
    np_row("fill_diagonal", (real, (3, 3), F64), (real, (), F64), case="f64[3,3]-scalar", diff=True, linear=(0, 1),
           smooth=True, fun=lambda a, v: fnp.fill_diagonal(a, v, inplace=False), reference=_filled),
    np_row("fill_diagonal", (real, (5, 3), F64), (real, (2,), F64), case="f64[5,3]-f64[2]-wrap", diff=True,
           linear=(0, 1), fun=lambda a, v: fnp.fill_diagonal(a, v, wrap=True, inplace=False),
           reference=lambda a, v: _filled(a, v, wrap=True)),
    np_row("fill_diagonal", (real, (3, 3, 3), I32), case="i32[3,3,3]",
           fun=lambda a: fnp.fill_diagonal(a, 7, inplace=False), reference=lambda a: _filled(a, 7)),
    *[np_row(name, case=repr(args), fun=lambda name=name, args=args: getattr(fnp, name)(*args),
             reference=lambda name=name, args=args: getattr(np, name)(*args))
      for name, args in (("tri", (3,)), ("tri", (2, 4, 1)), ("tril_indices", (3,)), ("tril_indices", (3, 1, 4)),
                         ("triu_indices", (4, -1)), ("triu_indices", (2, 0, 3)), ("diag_indices", (3,)),
                         ("diag_indices", (2, 3)))],
    np_row("tri", case="3-int32", fun=lambda: fnp.tri(3, dtype=np.int32), reference=lambda: np.tri(3, dtype=np.int32)),
    *[np_row(name, (real, shape, F64)) for name, shape in (("tril_indices_from", (3, 4)),
                                                          ("triu_indices_from", (4, 2)),
                                                          ("diag_indices_from", (3, 3, 3)))],
]

ROWS = MATRIX
