"""The `functrans.numpy` rows of the op table (import `op_table`, which adds
these to `ROWS`; this module is not meant to be imported on its own).

Each row calls one facade function with NumPy's own signature and compares
with the NumPy function of the same name, so the rows also pin NumPy's
dtype rules, broadcasting and `axis` / `keepdims` conventions.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from op_table import (
    BOOL,
    F32,
    F64,
    I32,
    I64,
    Row,
    above_one,
    args_of,
    fmod_pair,
    nonzero,
    off_integer,
    positive,
    real,
    short,
    tied_pair,
    unit,
    with_nonfinite,
)

import functrans.numpy as fnp
from functrans.numpy._indexing import getitem
from functrans.numpy._updates import IndexUpdateHelper


def np_row(name, *specs, case=None, kwargs=None, fun=None, reference=None, diff=False, linear=(),
           smooth=False, rtol=1e-12, make_args=None):
    """A facade row: `fnp.<name>(*args, **kwargs)` against `np.<name>`.
    `diff=True` checks the derivative in every float64 array argument."""
    kwargs = kwargs or {}
    fun = fun or partial(getattr(fnp, name), **kwargs)
    reference = reference or partial(getattr(np, name), **kwargs)
    if case is None:
        case = "-".join(short(s[2], s[1]) if isinstance(s, tuple) else type(s).__name__ for s in specs)
        case += "".join(f"-{k}={v}" for k, v in kwargs.items())
    if diff is True:
        diff = tuple(i for i, s in enumerate(specs) if isinstance(s, tuple) and s[2] == F64)
    case = " ".join(case.split())   # array reprs span lines; ids do not
    return Row(id=f"np.{name}-{case}", fun=fun, reference=reference, make_args=make_args or args_of(*specs),
               numpy_name=name.split(".")[-1], diff=diff or (), linear=linear, smooth=smooth and bool(diff),
               rtol=rtol)


# ------------------------------------------------------------- elementwise

_UNARY = (("sin", real), ("cos", real), ("tan", unit), ("arcsin", unit), ("arccos", unit), ("arctan", real),
          ("sinh", real), ("cosh", real), ("tanh", real), ("arcsinh", real), ("arccosh", above_one),
          ("arctanh", unit), ("exp", real), ("exp2", real), ("expm1", real), ("log", positive),
          ("log10", positive), ("log1p", positive), ("log2", positive), ("sqrt", positive), ("square", real),
          ("reciprocal", nonzero), ("negative", real), ("positive", real), ("abs", nonzero),
          ("absolute", nonzero), ("sign", nonzero), ("floor", off_integer), ("ceil", off_integer),
          ("round", off_integer))
# NumPy keeps integers integral in these; JAX and functrans compute in float.
_INT_FLOATS = {"reciprocal"}

UNARY = [row for name, domain in _UNARY for row in (
    np_row(name, (domain, (2, 3), F64), diff=True, smooth=name not in ("sign", "floor", "ceil", "round")),
    np_row(name, (domain, (), F64)),
    np_row(name, (domain, (2, 3), F32), rtol=1e-6),
    *([] if name in _INT_FLOATS else [np_row(name, (domain, (2, 3), I32))]),
    np_row(name, 0.5 if domain is not above_one else 1.5, case="python-float"),
)]

PREDICATES = [np_row(name, (with_nonfinite, (2, 3), dtype)) for name in ("isfinite", "isinf", "isnan")
              for dtype in (F64, F32, I32)] + [
    np_row("logical_not", (real, (2, 3), dtype)) for dtype in (F64, BOOL)] + [
    np_row(name, (real, (2, 3), dtype)) for name in ("invert", "bitwise_not") for dtype in (I32, BOOL)]

_BROADCAST_SHAPES = (((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3)))


def _binary_rows(name, pair=None, domains=(real, real), diff=True, smooth=True, dtypes=(F32, I32)):
    pair = pair or (lambda rng, shapes, dtype: tuple(d(rng, s, dtype) for d, s in zip(domains, shapes)))
    rows = [np_row(name, (real, a, F64), (real, b, F64), diff=(0, 1) if diff else (), smooth=smooth,
                   make_args=lambda rng, s=(a, b): pair(rng, s, F64)) for a, b in _BROADCAST_SHAPES]
    rows += [np_row(name, (real, (2, 3), d), (real, (2, 3), d), rtol=1e-6,
                    make_args=lambda rng, d=d: pair(rng, ((2, 3), (2, 3)), d)) for d in dtypes]
    # A Python scalar operand is weakly typed: float32 stays float32 (NumPy 2, JAX).
    rows += [np_row(name, (real, (2, 3), F32), case=f"f32[2,3]-python-{type(s).__name__}", rtol=1e-6,
                    fun=lambda x, s=s: getattr(fnp, name)(x, s), reference=lambda x, s=s: getattr(np, name)(x, s),
                    make_args=lambda rng: (pair(rng, ((2, 3), (2, 3)), F32)[0],))
             for s in (1.5, 2)]
    return rows


BINARY = [
    *_binary_rows("add", dtypes=(F32, I32, BOOL)), *_binary_rows("subtract"),
    *_binary_rows("multiply", dtypes=(F32, I32, BOOL)),
    *_binary_rows("divide", domains=(real, nonzero)), *_binary_rows("true_divide", domains=(real, nonzero)),
    *_binary_rows("maximum", tied_pair(real), smooth=False, dtypes=(F32, I32, BOOL)),
    *_binary_rows("minimum", tied_pair(real), smooth=False, dtypes=(F32, I32, BOOL)),
    *_binary_rows("power", domains=(positive, real), dtypes=(F32,)),
    *_binary_rows("arctan2", domains=(real, nonzero), dtypes=(F32,)),
    *[row for name in ("fmod", "mod", "remainder", "floor_divide") for row in _binary_rows(
        name, fmod_pair, smooth=False)],
    *[row for name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
      for row in _binary_rows(name, tied_pair(real), diff=False)],
    *[row for name in ("logical_and", "logical_or", "logical_xor") for dtype in (BOOL, F64)
      for row in [np_row(name, (real, (2, 3), dtype), (real, (3,), dtype))]],
    *[row for name in ("bitwise_and", "bitwise_or", "bitwise_xor") for dtype in (I32, BOOL)
      for row in [np_row(name, (real, (2, 3), dtype), (real, (2, 3), dtype))]],
    np_row("clip", (real, (2, 3), F64), kwargs={"a_min": -0.5, "a_max": 0.5}, diff=True),
    np_row("clip", (real, (2, 3), F32), kwargs={"a_min": -0.5, "a_max": None}),
    np_row("where", (real, (2, 3), BOOL), (real, (2, 3), F64), (real, (), F64), diff=(1, 2), linear=(1, 2),
           smooth=True),
    np_row("where", (real, (3,), BOOL), (real, (2, 3), F32), case="bool[3]-f32[2,3]-python-float",
           fun=lambda c, x: fnp.where(c, x, 0.5), reference=lambda c, x: np.where(c, x, 0.5)),
    np_row("stop_gradient", (real, (2, 3), F64), reference=lambda x: x),
    *[np_row("astype", (real, (2, 3), src), case=f"{short(src, (2, 3))}-to-{dst.name}",
             fun=lambda x, dst=dst: fnp.astype(x, dst), reference=lambda x, dst=dst: x.astype(dst),
             diff=(0,) if src == dst == F64 else ())
      for src, dst in ((F64, F32), (F64, F64), (I32, F64), (F64, I32), (BOOL, F32))],
]


# --------------------------------------------------------------- reductions

_AXES = (None, 0, -1, (0, 2))
# Second derivatives of reductions are checked once per axis, without keepdims.


def _with_zero(rng, shape, dtype):
    """A product with a zero factor: its gradient must still be exact."""
    x = real(rng, shape, dtype)
    x.flat[1] = 0
    return x


REDUCTIONS = [
    *[np_row(name, (real, (2, 3, 4), F64), kwargs={"axis": axis, "keepdims": keepdims}, diff=True,
             smooth=name in ("sum", "mean", "prod", "var", "std") and not keepdims)
      for name in ("sum", "mean", "prod", "max", "min", "amax", "amin", "var", "std")
      for axis in _AXES for keepdims in (False, True)],
    *[np_row(name, (real, (), F64), diff=True) for name in ("sum", "mean", "prod", "max", "min", "var")],
    *[np_row(name, (real, (2, 3), dtype), kwargs={"axis": 1}) for name in ("sum", "mean", "prod", "max", "min")
      for dtype in (F32, I32, BOOL) if not (name == "mean" and dtype == BOOL)],
    np_row("sum", (real, (0, 3), F64), kwargs={"axis": 0}, diff=True),
    np_row("prod", (real, (0, 3), F64), kwargs={"axis": 0}),
    np_row("prod", (_with_zero, (5,), F64), case="f64[5]-with-a-zero", diff=True, smooth=True),
    np_row("var", (real, (3, 4), F64), kwargs={"axis": 1, "ddof": 1}, diff=True),
    np_row("std", (positive, (3, 4), F64), kwargs={"axis": 0, "ddof": 1, "keepdims": True}, diff=True),
    *[np_row(name, (real, (2, 3, 4), dtype), kwargs={"axis": axis, "keepdims": keepdims})
      for name in ("argmax", "argmin") for axis in (None, 1, -1) for keepdims in (False, True)
      for dtype in (F64, I32)],
    *[np_row("cumsum", (real, (2, 3), dtype), kwargs={"axis": axis}, diff=dtype == F64, smooth=True)
      for axis in (None, 0, 1) for dtype in (F64, I32, BOOL)],
]


# ------------------------------------------------------------ linear algebra

def _pairs(name, shape_pairs, **kwargs):
    return [np_row(name, (real, a, F64), (real, b, F64), kwargs=kwargs, diff=True, smooth=True, rtol=1e-10)
            for a, b in shape_pairs]


_EINSUM = (("ij,jk->ik", (2, 3), (3, 4)), ("ij->ji", (2, 3)), ("ij->", (2, 3)), ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
           ("i,i->", (3,), (3,)), ("ij,j", (2, 3), (3,)), ("ijk,kj->i", (2, 3, 4), (4, 3)),
           ("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)), ("i,j->ij", (2,), (3,)), ("ij,ij->i", (2, 3), (2, 3)))

LINALG = [
    *_pairs("dot", (((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 3, 4), (4, 5)),
                    ((), (2, 3)), ((2, 3, 4), (5, 4, 2)))),
    *_pairs("matmul", (((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 1, 3, 4), (5, 4, 2)),
                       ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((3,), (3,)))),
    *_pairs("vdot", (((2, 3), (3, 2)), ((3,), (3,)))),
    *_pairs("inner", (((2, 3), (4, 3)), ((3,), (3,)), ((), (3,)))),
    *_pairs("outer", (((2,), (3,)), ((2, 2), (3,)))),
    *[row for axes, a, b in ((1, (2, 3), (3, 2)), (2, (2, 3), (2, 3)), (0, (2,), (3,)),
                             (([1, 0], [0, 1]), (2, 3), (3, 2)))
      for row in _pairs("tensordot", ((a, b),), axes=axes)],
    *[np_row("einsum", *[(real, s, F64) for s in shapes], case=subscripts, diff=True, smooth=True, rtol=1e-10,
             fun=lambda *xs, s=subscripts: fnp.einsum(s, *xs), reference=lambda *xs, s=subscripts: np.einsum(s, *xs))
      for subscripts, *shapes in _EINSUM],
    np_row("einsum", (real, (2, 3), I32), (real, (3,), I32), case="ij,j-i32",
           fun=lambda *xs: fnp.einsum("ij,j", *xs), reference=lambda *xs: np.einsum("ij,j", *xs)),
]


# -------------------------------------------------------------------- shapes

def _shape_row(name, shape, *args, dtype=F64, **kwargs):
    """`fnp.<name>(x, *args, **kwargs)`: linear in x."""
    case = f"{short(dtype, shape)}" + "".join(f"-{a}" for a in args) + "".join(f"-{k}={v}" for k, v in kwargs.items())
    return np_row(name, (real, shape, dtype), case=case, diff=(0,) if dtype == F64 else (),
                  linear=(0,) if dtype == F64 else (), smooth=dtype == F64,
                  fun=lambda x: getattr(fnp, name)(x, *args, **kwargs),
                  reference=lambda x: getattr(np, name)(x, *args, **kwargs))


def _joining(name, shapes, **kwargs):
    return np_row(name, *[(real, s, F64) for s in shapes], kwargs=kwargs, diff=True, linear=tuple(range(len(shapes))),
                  smooth=True, fun=lambda *xs: getattr(fnp, name)(list(xs), **kwargs),
                  reference=lambda *xs: getattr(np, name)(list(xs), **kwargs))


SHAPE_FUNCTIONS = [
    _shape_row("reshape", (2, 3), (3, 2)), _shape_row("reshape", (2, 3), (-1,)), _shape_row("reshape", (), (1, 1)),
    _shape_row("reshape", (0, 3), (-1, 3)), _shape_row("reshape", (2, 3), (3, -1), dtype=I32),
    _shape_row("ravel", (2, 3)), _shape_row("ravel", ()),
    _shape_row("transpose", (2, 3, 4)), _shape_row("transpose", (2, 3, 4), (1, 0, 2)),
    _shape_row("transpose", (2, 3, 4), axes=(-1, 0, 1)), _shape_row("transpose", ()),
    _shape_row("swapaxes", (2, 3, 4), 0, -1), _shape_row("moveaxis", (2, 3, 4), 0, -1),
    _shape_row("expand_dims", (2, 3), 1), _shape_row("expand_dims", (2, 3), (0, -1)), _shape_row("expand_dims", (), 0),
    _shape_row("squeeze", (1, 3, 1)), _shape_row("squeeze", (1, 3, 1), 2), _shape_row("squeeze", (1, 3, 1), (0, -1)),
    _shape_row("broadcast_to", (3,), (2, 3)), _shape_row("broadcast_to", (2, 1), (2, 4)),
    _shape_row("broadcast_to", (), (2, 3)), _shape_row("broadcast_to", (1, 3), (2, 4, 3)),
    _shape_row("tile", (2, 3), 2), _shape_row("tile", (2, 3), (2, 1, 2)), _shape_row("tile", (3,), (2, 2)),
    _shape_row("repeat", (2, 3), 2), _shape_row("repeat", (2, 3), 3, axis=1), _shape_row("repeat", (2, 3), 2, axis=-2),
    _shape_row("flip", (2, 3)), _shape_row("flip", (2, 3), 1), _shape_row("flip", (2, 3, 4), (0, 2)),
    _shape_row("atleast_1d", ()), _shape_row("atleast_1d", (2, 3)),
    _shape_row("split", (6, 2), 3), _shape_row("split", (2, 7), [2, 5], axis=1), _shape_row("split", (4,), [1, 1, 9]),
    _shape_row("take", (3, 4), np.array([[0, 2], [3, 3]])), _shape_row("take", (3, 4), np.array([2, 0]), axis=1),
    _shape_row("take", (3, 4), 1, axis=0), _shape_row("take", (3, 4), np.array([-1, 0]), axis=-1),
    _joining("concatenate", ((2, 3), (1, 3))), _joining("concatenate", ((2, 3), (2, 1)), axis=1),
    _joining("concatenate", ((2, 3), (4,)), axis=None), _joining("concatenate", ((0, 3), (2, 3))),
    _joining("stack", ((2, 3), (2, 3))), _joining("stack", ((2, 3), (2, 3), (2, 3)), axis=-1),
    _joining("stack", ((), ())), _joining("hstack", ((2,), (3,))), _joining("hstack", ((2, 3), (2, 1))),
    _joining("hstack", ((), ())), _joining("vstack", ((3,), (3,))), _joining("vstack", ((2, 3), (1, 3))),
    *[np_row(name, (real, (2, 3), F64)) for name in ("shape", "ndim", "size")],
    *[np_row(name, 1.5, case="python-float") for name in ("shape", "ndim", "size")],
    np_row("broadcast_shapes", case="(2,1)-(3,)", fun=lambda: fnp.broadcast_shapes((2, 1), (3,)),
           reference=lambda: np.broadcast_shapes((2, 1), (3,))),
]


# ------------------------------------------------------------------ creation

def _creation(name, *args, **kwargs):
    return np_row(name, case="-".join(map(str, args)) + "".join(f"-{k}={v}" for k, v in kwargs.items()),
                  fun=lambda: getattr(fnp, name)(*args, **kwargs), reference=lambda: getattr(np, name)(*args, **kwargs))


CREATION = [
    _creation("array", [[1, 2], [3, 4]]), _creation("array", [1.0, 2.0], dtype=F32), _creation("array", 3),
    _creation("asarray", [True, False]), _creation("asarray", [1, 2], dtype=F64),
    _creation("zeros", (2, 3)), _creation("zeros", 3, dtype=I32), _creation("ones", (2,)),
    _creation("ones", (), dtype=BOOL), _creation("full", (2, 3), 1.5), _creation("full", 3, 2),
    _creation("full", (2,), 7, dtype=F32), _creation("arange", 5), _creation("arange", 1, 7, 2),
    _creation("arange", 0.0, 1.0, 0.25), _creation("arange", 3, dtype=F32),
    _creation("linspace", 0.0, 1.0, 5), _creation("linspace", 0, 1, 4, endpoint=False),
    _creation("eye", 3), _creation("eye", 2, 3, 1), _creation("eye", 3, dtype=I32),
    # empty's contents are unspecified in NumPy; functrans gives zeros.
    np_row("empty", case="(2,3)", fun=lambda: fnp.empty((2, 3)), reference=lambda: np.zeros((2, 3))),
    *[np_row(name, (real, (2, 3), dtype), kwargs=kwargs)
      for name in ("zeros_like", "ones_like") for dtype in (F64, I32) for kwargs in ({}, {"dtype": F32})],
    np_row("full_like", (real, (2, 3), I32), case="i32[2,3]-2.5", fun=lambda x: fnp.full_like(x, 2.5),
           reference=lambda x: np.full_like(x, 2.5)),
    np_row("full", (real, (), F64), case="traced-fill", fun=lambda v: fnp.full((2, 3), v),
           reference=lambda v: np.full((2, 3), v), diff=True, linear=(0,), smooth=True),
    np_row("array", (real, (), F64), (real, (), F64), case="list-of-values", fun=lambda a, b: fnp.array([a, b]),
           reference=lambda a, b: np.array([a, b]), diff=True, linear=(0, 1), smooth=True),
    np_row("asarray", (real, (2, 3), F64), diff=True, linear=(0,), smooth=True),
]


# ------------------------------------------------------------------ indexing

_INDICES = (1, -1, slice(1, None), slice(None, None, -1), slice(None, None, 2), slice(3, 0, -2), (1, 2),
            (Ellipsis, 1), (None, 0), (slice(None), None, 2), (0, Ellipsis, None), np.array([2, 0, 2]),
            np.array([[1], [0]]), (np.array([0, 1]), np.array([2, 3])), (slice(None), np.array([1, -1])),
            (np.array([0, 2]), slice(None), np.array([1, 0])), np.array([True, False, True]), (), Ellipsis,
            (slice(5, 1), 0), [0, 2], True)


def _index_rows(shape, indices):
    return [np_row("getitem", (real, shape, F64), case=f"{short(F64, shape)}[{idx!r}]", diff=(0,), linear=(0,),
                   smooth=True, fun=lambda x, idx=idx: getitem(x, idx), reference=lambda x, idx=idx: x[idx])
            for idx in indices]


def _at_reference(method):
    """JAX's `x.at[idx].<method>(v)` in NumPy: repeated indices accumulate
    (`ufunc.at`); for `set` the last write wins, as in functrans."""
    def reference(x, idx, v):
        out = x.copy()
        if method == "get":
            return out[idx]
        if method == "set":
            out[idx] = v
        else:
            {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}[method].at(out, idx, v)
        return out
    return reference


_AT_CASES = ((0, (4,)), (np.array([1, 2]), (2, 4)), ((slice(None), 1), (3,)), (np.array([2, 0, 2]), ()),
             ((np.array([0, 2]), np.array([1, 1])), (2,)), (np.array([True, False, True]), (2, 4)))


def indices_into(n):
    """Integer indices into an axis of length n, negative ones too (they wrap)."""
    return lambda rng, shape, dtype: rng.integers(-n, n, shape).astype(dtype)


def distinct_indices_into(n):
    """Distinct positions in an axis of length n, some written as negative indices."""
    def draw(rng, shape, dtype):
        k = int(np.prod(shape, dtype=np.int64))
        positions = rng.permutation(n)[:k]
        return np.where(rng.random(k) < 0.5, positions - n, positions).reshape(shape).astype(dtype)
    return draw


def _distinct(idx) -> bool:
    """Whether a static index selects each element at most once."""
    positions = np.arange(12).reshape(3, 4)[idx]
    return np.unique(positions).size == positions.size


# Index expressions with traced parts: `build(*traced)` makes the index from
# the traced arguments; each traced argument is (length of the axis it
# indexes, its shape). x is f64[3,4,5].
_TRACED_INDICES = (
    ("i", lambda i: i, ((3, ()),)), ("i,j", lambda i, j: (i, j), ((3, ()), (4, ()))),
    (":,i", lambda i: (slice(None), i), ((4, ()),)), ("i,1:3", lambda i: (i, slice(1, 3)), ((3, ()),)),
    ("i,::2,j", lambda i, j: (i, slice(None, None, 2), j), ((3, ()), (5, ()))),
    ("idx", lambda i: i, ((3, (2,)),)), (":,idx", lambda i: (slice(None), i), ((4, (2, 2)),)),
    ("a,b", lambda a, b: (a, b), ((3, (4,)), (4, (4,)))),
    ("arange,b", lambda b: (np.arange(3), b), ((4, (3,)),)),
    ("a,:,b", lambda a, b: (a, slice(None), b), ((3, (2,)), (5, (2,)))),
    ("a,::-1", lambda a: (a, slice(None, None, -1)), ((3, (2,)),)),
    ("None,a", lambda a: (None, a), ((3, (2,)),)), ("...,a", lambda a: (Ellipsis, a), ((5, (2,)),)),
    ("a,2", lambda a: (a, 2), ((3, (2,)),)), ("a[:,None],b", lambda a, b: (a[:, None], b), ((3, (2,)), (4, (3,)))),
    ("mask,i", lambda i: (np.array([True, False, True]), i), ((4, ()),)),
)


def _traced_index_row(case, build, specs):
    return np_row("getitem", (real, (3, 4, 5), F64), *[(indices_into(n), shape, I64) for n, shape in specs],
                  case=f"f64[3,4,5][{case}]-traced", diff=(0,), linear=(0,), smooth=True,
                  fun=lambda x, *i: getitem(x, build(*i)), reference=lambda x, *i: x[build(*i)])


_TRACED_UPDATES = (("i", lambda i: i, ((3, ()),)), ("i,j", lambda i, j: (i, j), ((3, ()), (4, ()))),
                   (":,i", lambda i: (slice(None), i), ((4, ()),)), ("idx", lambda i: i, ((3, (2,)),)),
                   ("a,b", lambda a, b: (a, b), ((3, (3,)), (4, (3,)))),
                   ("i,1:3", lambda i: (i, slice(1, 3)), ((3, ()),)))


def _traced_update_rows(method):
    rows = []
    for case, build, specs in _TRACED_UPDATES:
        # The updates' shape: that of x[index] for any index of these shapes.
        v_shape = np.zeros((3, 4, 5))[build(*[np.zeros(shape, int) for _, shape in specs])].shape
        # multiply's derivative in v needs distinct indices, as in JAX.
        domain = distinct_indices_into if method == "multiply" else indices_into
        rows.append(np_row(
            "at", (real, (3, 4, 5), F64), (real, v_shape, F64), *[(domain(n), shape, I64) for n, shape in specs],
            case=f"{method}[{case}]-traced", diff=(0, 1) if method in ("set", "add", "multiply") else (0,),
            linear=(0, 1) if method in ("set", "add") else (), smooth=method in ("set", "add", "multiply"),
            fun=lambda x, v, *i, build=build, m=method: getattr(IndexUpdateHelper(x)[build(*i)], m)(v),
            reference=lambda x, v, *i, build=build, m=method: _at_reference(m)(x, build(*i), v)))
    return rows


INDEXING = [
    *_index_rows((3, 4, 5), _INDICES),
    *[_traced_index_row(*case) for case in _TRACED_INDICES],
    *_index_rows((3,), (np.array([True, False, True]), 0, -2)),
    *_index_rows((), ((), None, Ellipsis)),
    *[row for method in ("set", "add", "multiply", "min", "max") for row in _traced_update_rows(method)],
    *[np_row("at", (real, (3, 4), F64), (real, v_shape, F64), case=f"{method}[{idx!r}]-{short(F64, v_shape)}",
             diff=(0, 1) if method in ("set", "add") or method == "multiply" and _distinct(idx) else (0,),
             linear=(0, 1) if method in ("set", "add") else (), smooth=method in ("set", "add", "multiply"),
             fun=lambda x, v, idx=idx, m=method: getattr(IndexUpdateHelper(x)[idx], m)(v),
             reference=lambda x, v, idx=idx, m=method: _at_reference(m)(x, idx, v))
      for method in ("set", "add", "multiply", "min", "max") for idx, v_shape in _AT_CASES],
    *[np_row("take", (real, (3, 4), F64), (indices_into(4), (2, 2), I64), kwargs=kwargs, diff=(0,), linear=(0,))
      for kwargs in ({"axis": 1}, {"axis": 1, "mode": "clip"})],
    np_row("take", (real, (3, 4), F64), (real, (2,), I64), case="f64[3,4]-i64[2]-wrap-axis0",
           fun=lambda x, i: fnp.take(x, i, axis=0, mode="wrap"), reference=lambda x, i: np.take(x, i, 0, mode="wrap"),
           diff=(0,), linear=(0,)),
    np_row("take", (real, (3, 4), F64), case="f64[3,4]-fill",
           fun=lambda x: fnp.take(x, np.array([1, 13, -13]), mode="fill"),
           reference=lambda x: np.where([True, False, False], np.take(x, [1, 0, 0]), np.nan)),
    np_row("take", (real, (3, 4), F64), case="f64[3,4]-fill-value", diff=(0,), linear=(0,),
           fun=lambda x: fnp.take(x, np.array([[1, 13], [-1, -13]]), mode="fill", fill_value=-1.0),
           reference=lambda x: np.where([[True, False], [True, False]], np.take(x, [[1, 0], [-1, 0]]), -1.0)),
    *[np_row("take_along_axis", (real, (3, 4), F64), (indices_into(n), shape, I64), kwargs={"axis": axis}, diff=(0,),
             linear=(0,), smooth=True)
      for shape, axis, n in (((3, 2), 1, 4), ((2, 4), 0, 3), ((3, 1), -1, 4), ((1, 4), 0, 3))],
    np_row("take_along_axis", (real, (3, 4), F64), (indices_into(12), (5,), I64), kwargs={"axis": None}, diff=(0,),
           linear=(0,)),
]

from op_table_complex import FACADE as COMPLEX  # noqa: E402
from op_table_fft import FACADE as NUMPY_FFT  # noqa: E402
from op_table_linalg import FACADE as NUMPY_LINALG  # noqa: E402
from op_table_linalg import SCIPY as SCIPY_LINALG  # noqa: E402
from op_table_numpy_extra import ROWS as NUMPY_EXTRA  # noqa: E402
from op_table_numpy_more import ROWS as NUMPY_MORE  # noqa: E402
from op_table_numpy_structural import ROWS as STRUCTURAL  # noqa: E402
from op_table_special import FACADE as SCIPY_SPECIAL  # noqa: E402
from op_table_stats import ROWS as SCIPY_STATS  # noqa: E402

NUMPY_ROWS = (UNARY + PREDICATES + BINARY + REDUCTIONS + LINALG + SHAPE_FUNCTIONS + CREATION + INDEXING + COMPLEX
              + NUMPY_LINALG + SCIPY_LINALG + SCIPY_SPECIAL + SCIPY_STATS + NUMPY_MORE + STRUCTURAL + NUMPY_FFT
              + NUMPY_EXTRA)
