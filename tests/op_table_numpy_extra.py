"""The op-table rows of the `functrans.numpy` names that are compositions
of other facade functions (`_dtype_names`, `_extra_names`; import
`op_table`, which adds these to `ROWS`)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from op_table import F32, F64, I32, real
from op_table_linalg import general, la_row
from op_table_numpy import np_row

import functrans.numpy as fnp

QUERIES = [
    np_row("isscalar", (real, (2, 3), F64)), np_row("isscalar", 1.5, case="python-float"),
    # jnp.isscalar counts 0-d arrays as scalars; np.isscalar does not.
    np_row("isscalar", (real, (), F64), reference=lambda x: np.ndim(x) == 0),
    np_row("iterable", (real, (2, 3), F64)), np_row("iterable", 1.5, case="python-float"),
    *[np_row("issubdtype", (real, (2,), dtype), fun=lambda x, k=kind: fnp.issubdtype(x.dtype, k),
             reference=lambda x, k=kind: np.issubdtype(x.dtype, k), case=f"{dtype}-{kind.__name__}")
      for dtype in (F64, I32) for kind in (np.floating, np.integer)],
]

ROWS = QUERIES


def _linear(name, *shapes, case=None, **kwargs):
    return np_row(name, *[(real, s, F64) for s in shapes], kwargs=kwargs, case=case, diff=True,
                  linear=tuple(range(len(shapes))), smooth=True)


def _smooth(name, *shapes, case=None, **kwargs):
    return np_row(name, *[(real, s, F64) for s in shapes], kwargs=kwargs, case=case, diff=True, smooth=True)


EXTRA = [
    np_row("identity", case="3", fun=lambda: fnp.identity(3), reference=lambda: np.identity(3)),
    np_row("identity", case="2-int32", fun=lambda: fnp.identity(2, np.int32),
           reference=lambda: np.identity(2, np.int32)),
    np_row("empty_like", (real, (2, 3), F64), reference=np.zeros_like),
    np_row("empty_like", (real, (2, 3), F64), kwargs={"dtype": np.int32, "shape": (4,)},
           reference=lambda a: np.zeros((4,), np.int32)),
    _linear("copy", (2, 3)), _linear("matrix_transpose", (2, 3, 4)), _linear("permute_dims", (2, 3, 4)),
    _linear("permute_dims", (2, 3, 4), axes=(1, 2, 0)),
    np_row("concat", (real, (2, 3), F64), (real, (1, 3), F64), diff=True, linear=(0, 1), smooth=True,
           fun=lambda a, b: fnp.concat([a, b]), reference=lambda a, b: np.concat([a, b])),
    np_row("concat", (real, (2, 3), F64), (real, (2, 1), F64), diff=True, linear=(0, 1), smooth=True,
           case="axis=1", fun=lambda a, b: fnp.concat([a, b], axis=1),
           reference=lambda a, b: np.concat([a, b], axis=1)),
    _linear("unstack", (3, 2)), _linear("unstack", (2, 3, 4), axis=1),
    _linear("diagflat", (2, 2)), _linear("diagflat", (3,), k=-1),
    _linear("ediff1d", (2, 3)),
    np_row("ediff1d", (real, (4,), F64), case="to_begin-to_end", diff=True, smooth=True,
           fun=lambda a: fnp.ediff1d(a, to_end=[1.0, 2.0], to_begin=-1.0),
           reference=lambda a: np.ediff1d(a, to_end=[1.0, 2.0], to_begin=-1.0)),
    _smooth("vander", (4,)), _smooth("vander", (3,), N=5, increasing=True),
    # NumPy widens int32 to int64 here; jnp.vander keeps x's dtype.
    np_row("vander", (real, (3,), I32), reference=lambda x: np.vander(x).astype(x.dtype)),
    _linear("trapezoid", (2, 5)), _linear("trapezoid", (5, 2), axis=0, dx=0.5),
    _smooth("trapezoid", (2, 5), (5,)),
    _smooth("polyval", (4,), (2, 3)), np_row("polyval", (real, (3,), I32), (real, (2,), I32)),
    _linear("polyadd", (3,), (5,)), _linear("polysub", (4,), (2,)),
    _smooth("polymul", (3,), (4,)), _smooth("polymul", (1,), (2,)),
    _linear("polyder", (5,)), _linear("polyder", (5,), m=2), _linear("polyder", (2,), m=3),
    _linear("polyint", (3,)), _linear("polyint", (3,), m=2),
    np_row("polyint", (real, (3,), F64), case="m=2-k=1.5", diff=True, smooth=True,
           fun=lambda p: fnp.polyint(p, 2, k=1.5), reference=lambda p: np.polyint(p, 2, k=1.5)),
    np_row("ldexp", (real, (2, 3), F64), (real, (2, 3), I32), diff=(0,), linear=(0,), smooth=True),
    np_row("ldexp", (real, (3,), F32), (real, (3,), I32)),
    _smooth("vecdot", (2, 3), (3,)), _smooth("vecdot", (3, 2), (3, 2), axis=0),
    _smooth("matvec", (2, 3, 4), (4,)), _smooth("vecmat", (3,), (2, 3, 4)),
    *[np_row("isin", (real, (2, 3), I32), kwargs=kwargs, fun=lambda x, kw=kwargs: fnp.isin(x, [0, 1, 5], **kw),
             reference=lambda x, kw=kwargs: np.isin(x, [0, 1, 5], **kw), case=f"i32[2,3]-{kwargs}")
      for kwargs in ({}, {"invert": True})],
    *[_smooth(name, a, v, mode=mode) for name in ("convolve", "correlate") for mode in ("full", "same", "valid")
      for a, v in (((5,), (3,)), ((2,), (4,)))],
]

ROWS = ROWS + EXTRA


def _linalg_linear(name, *specs, **kwargs):
    return replace(la_row(name, *specs, **kwargs), linear=tuple(range(len(specs))))


LINALG = [
    la_row("cross", (real, (4, 3), F64), (real, (3,), F64)),
    la_row("cross", (real, (3, 2), F64), (real, (3, 2), F64), axis=0),
    _linalg_linear("diagonal", (real, (2, 3, 4), F64)), _linalg_linear("diagonal", (real, (3, 4), F64), offset=-1),
    _linalg_linear("trace", (real, (2, 3, 3), F64)), _linalg_linear("trace", (real, (3, 4), F64), offset=1),
    la_row("vecdot", (real, (2, 3), F64), (real, (3,), F64)),
    la_row("vecdot", (real, (3, 2), F64), (real, (3, 2), F64), axis=0),
    la_row("tensorinv", (lambda r, s, d: general(r, (6, 6), d).reshape(s), (2, 3, 6), F64), ind=2),
    la_row("tensorinv", (lambda r, s, d: general(r, (6, 6), d).reshape(s), (6, 2, 3), F64), ind=1),
]

ROWS = ROWS + LINALG

COVARIANCE = [
    _smooth("cov", (3, 5)), _smooth("cov", (5, 2), rowvar=False), _smooth("cov", (4,), bias=True),
    _smooth("cov", (2, 5), (5,), ddof=2), np_row("cov", (real, (2, 4), I32)),
    _smooth("corrcoef", (3, 5)), _smooth("corrcoef", (5, 2), rowvar=False), _smooth("corrcoef", (2, 4), (4,)),
]

ROWS = ROWS + COVARIANCE
