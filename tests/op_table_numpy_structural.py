"""The op-table rows of `functrans.numpy`'s structural functions (import
`op_table`, which adds these to `ROWS`): triangles, diagonals, products of
structure, rolls, differences, padding, stacking, splitting and the index
tricks. Most are linear in their array arguments, so their transposes are
checked too. One row per form of each function: the jit oracle of
`test_numpy_structural.py` compiles them all into one kernel.
"""
from __future__ import annotations

import numpy as np
from op_table import BOOL, F32, F64, I32, I64, real, short
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


def shifts(rng, shape, dtype):
    return rng.integers(-9, 9, shape).astype(dtype)


def _joined(name, *shapes, dtype=F64, **kwargs):
    """`fnp.<name>([arrays...], **kwargs)`, linear in each array."""
    specs = [(real, s, dtype) for s in shapes]
    return np_row(name, *specs, kwargs=kwargs, diff=dtype == F64, linear=tuple(range(len(shapes))) if dtype == F64
                  else (), smooth=dtype == F64, fun=lambda *xs: getattr(fnp, name)(list(xs), **kwargs),
                  reference=lambda *xs: getattr(np, name if name != "row_stack" else "vstack")(list(xs), **kwargs))


def _variadic(name, *shapes):
    return np_row(name, *[(real, s, F64) for s in shapes], diff=True, linear=tuple(range(len(shapes))), smooth=True,
                  reference=lambda *xs: list(getattr(np, name)(*xs)) if len(xs) > 1 else getattr(np, name)(*xs))


STRUCTURAL = [
    linear_row("roll", (3, 4), shift=2), linear_row("roll", (3, 4), shift=-5, axis=1),
    linear_row("roll", (2, 3, 4), shift=(1, 2), axis=(0, 2)), linear_row("roll", (2, 3), shift=(1, 1), axis=(1, 1)),
    linear_row("roll", (2, 3), shift=7, axis=(0, 1)), linear_row("roll", (3,), dtype=I32, shift=1),
    np_row("roll", (real, (3, 4), F64), (shifts, (), I64), case="traced-shift-axis1", diff=(0,), linear=(0,),
           smooth=True, fun=lambda x, s: fnp.roll(x, s, 1), reference=lambda x, s: np.roll(x, s, 1)),
    np_row("roll", (real, (3, 4), F64), (shifts, (), I64), case="traced-shift-flat", diff=(0,), linear=(0,),
           fun=fnp.roll, reference=np.roll),
    linear_row("rollaxis", (2, 3, 4), axis=2), linear_row("rollaxis", (2, 3, 4), axis=0, start=2),
    linear_row("rot90", (3, 4)), linear_row("rot90", (2, 3, 4), k=-1, axes=(2, 0)), linear_row("rot90", (3, 4), k=2),
    linear_row("rot90", (3, 4), k=3, axes=(1, 0)), linear_row("fliplr", (3, 4)), linear_row("flipud", (3, 4)),
    linear_row("diff", (3, 4)), linear_row("diff", (3, 5), n=2, axis=0), linear_row("diff", (2, 3, 4), n=3, axis=-1),
    np_row("diff", (real, (3, 4), F64), (real, (3,), F64), case="prepend-scalar-append-array", diff=True,
           linear=(0, 1), smooth=True, fun=lambda x, a: fnp.diff(x, axis=1, prepend=1.5, append=a[:, None]),
           reference=lambda x, a: np.diff(x, axis=1, prepend=1.5, append=a[:, None])),
    linear_row("diff", (3, 4), dtype=I32), linear_row("diff", (3, 4), dtype=BOOL, n=2, axis=0),
    np_row("append", (real, (2, 3), F64), (real, (4,), F64), diff=True, linear=(0, 1), smooth=True),
    np_row("append", (real, (2, 3), F64), (real, (2, 1), F64), kwargs={"axis": 1}, diff=True, linear=(0, 1)),
    _variadic("atleast_1d", (), (3,)),
    _variadic("atleast_2d", ()), _variadic("atleast_2d", (3,)), _variadic("atleast_2d", (2, 3), (3,)),
    _variadic("atleast_3d", ()), _variadic("atleast_3d", (3,)), _variadic("atleast_3d", (2, 3)),
    _variadic("atleast_3d", (2, 3, 4, 1), ()),
    _joined("column_stack", (3,), (3, 2), (3,)), _joined("column_stack", (), ()),
    _joined("row_stack", (3,), (2, 3)), _joined("dstack", (3,), (3,)), _joined("dstack", (2, 3), (2, 3, 2)),
    _joined("dstack", (2, 3), (2, 3), dtype=I32),
    _variadic("broadcast_arrays", (3, 1), (4,), ()),
    linear_row("array_split", (5, 2), indices_or_sections=3),
    linear_row("array_split", (2, 7), indices_or_sections=4, axis=1),
    linear_row("array_split", (6,), indices_or_sections=[-2, 1, 9]),
    linear_row("split", (6,), indices_or_sections=[-4]),
    linear_row("hsplit", (2, 6), indices_or_sections=3), linear_row("hsplit", (6,), indices_or_sections=[2]),
    linear_row("vsplit", (4, 3), indices_or_sections=2), linear_row("dsplit", (2, 2, 4), indices_or_sections=[1]),
]


def _pad_row(shape, pad_width, mode, dtype=F64, linear=True, smooth=True, **kwargs):
    differentiable = dtype == F64
    case = f"{short(dtype, shape)}-{pad_width}-{mode}" + "".join(f"-{k}={v}" for k, v in kwargs.items())
    return np_row("pad", (real, shape, dtype), case=case, diff=differentiable,
                  linear=(0,) if differentiable and linear else (), smooth=differentiable and smooth,
                  fun=lambda x: fnp.pad(x, pad_width, mode, **kwargs),
                  reference=lambda x: np.pad(x, pad_width, mode, **kwargs))


PAD = [
    _pad_row((2, 3), 1, "constant"), _pad_row((2, 3), ((1, 0), (2, 3)), "constant", linear=False, constant_values=1.5),
    _pad_row((2, 3), (1, 2), "constant", dtype=I32, constant_values=((1, 2), (3, 4))),
    np_row("pad", (real, (2, 3), F64), (real, (), F64), case="traced-constant", diff=True, linear=(0, 1),
           fun=lambda x, c: fnp.pad(x, ((2, 1), (0, 2)), constant_values=c),
           reference=lambda x, c: np.pad(x, ((2, 1), (0, 2)), constant_values=c)),
    _pad_row((2, 3), ((1, 2), (3, 0)), "edge"), _pad_row((2, 3), ((2, 7), (1, 4)), "wrap"),
    _pad_row((3, 4), ((2, 1), (3, 7)), "reflect"), _pad_row((3, 4), ((1, 0), (9, 2)), "reflect", reflect_type="odd"),
    _pad_row((3, 4), ((3, 1), (2, 6)), "symmetric"),
    _pad_row((1, 4), ((2, 3), (5, 1)), "symmetric", reflect_type="odd"),
    _pad_row((3, 4), ((2, 1), (1, 3)), "symmetric", dtype=I32),
    _pad_row((2, 3), ((2, 1), (3, 2)), "linear_ramp"),
    _pad_row((2, 3), ((2, 1), (3, 2)), "linear_ramp", linear=False, end_values=((1.5, -2.0), (0.5, 3.0))),
    _pad_row((3, 4), ((2, 1), (3, 2)), "linear_ramp", dtype=I32, end_values=5),
    _pad_row((3, 4), ((1, 2), (2, 1)), "maximum", linear=False, smooth=False, stat_length=2),
    _pad_row((3, 4), 2, "minimum", linear=False, smooth=False),
    _pad_row((3, 4), ((1, 2), (2, 1)), "mean", stat_length=((1, 3), (2, 9))), _pad_row((3, 4), 1, "mean", dtype=I32),
    _pad_row((3, 4), ((1, 2), (2, 1)), "median", linear=False, smooth=False, stat_length=((2, 3), (1, 4))),
    _pad_row((4, 3), 1, "median", dtype=I32),
    np_row("pad", (real, (2, 3), F64), case="empty", diff=True, linear=(0,), fun=lambda x: fnp.pad(x, 2, "empty"),
           reference=lambda x: np.pad(x, 2)),
]


def _trick(name, key, *shapes, diff=True, dtype=F64):
    """`fnp.<name>[key(*arrays)]` against `np.<name>[...]`."""
    obj = getattr(fnp, name)
    return np_row(name, *[(real, s, dtype) for s in shapes], case=f"{key.__doc__}-{'-'.join(map(str, shapes))}",
                  diff=diff and dtype == F64, linear=tuple(range(len(shapes))) if diff and dtype == F64 else (),
                  fun=lambda *xs: obj[key(*xs)], reference=lambda *xs: getattr(np, name)[key(*xs)])


def _doc(text, fn):
    fn.__doc__ = text
    return fn


INDEX_TRICKS = [
    *[np_row("meshgrid", (real, (3,), F64), (real, (4,), F64), *([(real, (2,), F64)] * three), kwargs=kwargs,
             diff=True, linear=(0, 1, 2)[:2 + three], smooth=True)
      for kwargs, three in (({}, 0), ({"indexing": "ij"}, 0), ({"sparse": True}, 0), ({}, 1),
                            ({"indexing": "ij", "sparse": True}, 1))],
    np_row("ix_", case="int-and-bool", fun=lambda: fnp.ix_([0, 2], np.array([True, False, True, True])),
           reference=lambda: np.ix_([0, 2], np.array([True, False, True, True]))),
    np_row("getitem", (real, (3, 4), F64), (shifts, (2,), I64), case="x[ix_(i, [1, 3])]-traced", diff=(0,),
           linear=(0,), fun=lambda x, i: x[fnp.ix_(i % 3, [1, 3])], reference=lambda x, i: x[np.ix_(i % 3, [1, 3])]),
    np_row("indices", case="(2,3)", fun=lambda: fnp.indices((2, 3)), reference=lambda: np.indices((2, 3))),
    np_row("indices", case="(2,3)-sparse-int32", fun=lambda: fnp.indices((2, 3), np.int32, sparse=True),
           reference=lambda: np.indices((2, 3), np.int32, sparse=True)),
    *[np_row(name, case=repr(key), fun=lambda name=name, key=key: getattr(fnp, name)[key],
             reference=lambda name=name, key=key: getattr(np, name)[key])
      for name, key in (("mgrid", (slice(0, 3), slice(1, 2, 3j))), ("ogrid", (slice(0, 4, 2), slice(0, 3))),
                        ("r_", (slice(0, 5, 2), 1.5, slice(-1, 1, 5j))))],
    _trick("r_", _doc("x,0.5,y", lambda x, y: (x, 0.5, y)), (3,), (4,)),
    _trick("r_", _doc("'0,2',a,b", lambda a, b: ("0,2", a, b)), (2, 3), (1, 3)),
    _trick("r_", _doc("'1,2,0',x,y", lambda x, y: ("1,2,0", x, y)), (3,), (3,)),
    _trick("r_", _doc("'-1,3,1',x,a", lambda x, a: ("-1,3,1", x, a)), (3,), (3, 2)),
    _trick("r_", _doc("x,2", lambda x: (x, 2)), (3,), dtype=F32),
    _trick("c_", _doc("x,y", lambda x, y: (x, y)), (3,), (3,)),
    _trick("c_", _doc("a,x", lambda a, x: (a, x)), (3, 2), (3,)),
]


def sparse(rng, shape, dtype):
    """About half zeros: what nonzero and where(condition) look for."""
    return np.where(rng.random(shape) < 0.5, real(rng, shape, dtype), 0).astype(dtype)


def _sized(positions, size, fill=0):
    """NumPy's positions, padded with `fill` or cut to `size` (JAX's size=)."""
    return tuple(np.concatenate([p[:size], np.full(max(size - p.size, 0), fill, p.dtype)]) for p in positions)


_MASK = np.array([[True, True, False, True], [False, True, True, True], [True, True, True, False]])

NONZERO = [
    *[np_row(name, (sparse, shape, dtype), case=f"{short(dtype, shape)}-size={size}-fill={fill}",
             fun=lambda x, name=name, size=size, fill=fill: getattr(fnp, name)(x, size=size, fill_value=fill),
             reference=lambda x, ref=ref, size=size, fill=fill: ref(x, size, fill))
      for name, ref in (("nonzero", lambda x, size, fill: _sized(np.nonzero(x), size, fill)),
                        ("where", lambda x, size, fill: _sized(np.nonzero(x), size, fill)),
                        ("flatnonzero", lambda x, size, fill: _sized(np.nonzero(np.ravel(x)), size, fill)[0]),
                        ("argwhere", lambda x, size, fill: np.stack(_sized(np.nonzero(x), size, fill), axis=1)))
      for shape, dtype, size, fill in (((3, 4), F64, 8, -1), ((2, 3, 2), BOOL, 3, 0), ((5,), I32, 5, 7))],
    *[np_row(name, (real, (2, 3), src), case=f"{short(src, (2, 3))}-cast", diff=src == F64 == getattr(np, name),
             linear=(0,) if src == F64 == getattr(np, name) else (), smooth=src == F64 == getattr(np, name),
             fun=lambda x, name=name: getattr(fnp, name)(x), reference=lambda x, name=name: getattr(np, name)(x))
      for name, src in (("float64", F64), ("float32", F64), ("int64", F64), ("int32", BOOL), ("bool_", F64),
                        ("float64", I32), ("complex128", F32))],
    np_row("float32", case="python-list", fun=lambda: fnp.float32([1, 2.5]), reference=lambda: np.float32([1, 2.5])),
    *[np_row("einsum", *[(real, s, F64) for s in shapes], case=f"{subscripts}-{'-'.join(map(str, shapes))}",
             diff=True, smooth=True, rtol=1e-10, fun=lambda *xs, s=subscripts: fnp.einsum(s, *xs),
             reference=lambda *xs, s=subscripts: np.einsum(s, *xs))
      for subscripts, *shapes in (("ii->i", (3, 3)), ("ii", (3, 3)), ("iji->j", (2, 4, 2)),
                                  ("...ij,...jk->...ik", (2, 1, 3, 4), (5, 4, 2)), ("ij...,j...->i...", (2, 3), (3,)),
                                  ("...ii->...", (4, 2, 2)), ("i,i", (3,), (1,)), ("...", (2, 3)))],
    np_row("einsum", (real, (2, 3), F64), (real, (3, 4), F64), case="sublists", diff=True, smooth=True, rtol=1e-10,
           fun=lambda a, b: fnp.einsum(a, [0, 1], b, [1, 2], [0, 2], optimize="greedy"),
           reference=lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2])),
    np_row("einsum", (real, (5, 3, 3), F64), case="sublists-ellipsis-diagonal", diff=True, smooth=True,
           fun=lambda a: fnp.einsum(a, [Ellipsis, 0, 0], [Ellipsis, 0]),
           reference=lambda a: np.einsum(a, [Ellipsis, 0, 0], [Ellipsis, 0])),
    *[np_row(name, (real, (3, 4), F64), kwargs=kwargs, diff=True, smooth=True,
             case="-".join(f"{k}={'mask' if isinstance(v, np.ndarray) else v}" for k, v in kwargs.items()))
      for name in ("var", "std")
      for kwargs in ({"axis": 1, "where": _MASK, "ddof": 1}, {"axis": 1, "where": _MASK[0], "keepdims": True},
                     {"where": _MASK}, {"axis": 0, "correction": 1})],
    np_row("var", (real, (3, 4), F64), case="dtype=float32", rtol=1e-6, fun=lambda x: fnp.var(x, dtype=np.float32),
           reference=lambda x: np.var(x, dtype=np.float32)),
]

ROWS = MATRIX + STRUCTURAL + PAD + INDEX_TRICKS + NONZERO
