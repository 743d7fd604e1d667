"""More `functrans.numpy` rows of the op table: the further elementwise
functions (hypot, logaddexp, sinc, ...), the predicates (isclose,
allclose, array_equal), and sorting, order statistics and NaN-ignoring
reductions. `op_table_numpy` adds `ROWS` here to its own; this module is
not meant to be imported on its own.

References are NumPy's functions of the same name; where JAX's result
differs from NumPy's (float_power keeps float32), the reference says so.
"""
from __future__ import annotations

import numpy as np
from op_table import (
    BOOL,
    F32,
    F64,
    I32,
    above_one,
    fmod_pair,
    nonzero,
    off_integer,
    positive,
    real,
    tied_pair,
    unit,
    with_nonfinite,
)
from op_table_numpy import _binary_rows, np_row
from op_table_numpy_order import ROWS as ORDER_ROWS

import functrans.numpy as fnp


def with_zeros(domain):
    """`domain` with exact zeros (and a -0.0) at some positions."""
    def draw(rng, shape, dtype):
        x = domain(rng, shape, dtype)
        if x.size:
            x.flat[::3] = 0
            if np.dtype(dtype).kind == "f":
                x.flat[-1] = -0.0
        return x
    return draw


def nan_pair(rng, shapes, dtype):
    """Two arrays with NaNs in either, in both, and ties."""
    x, y = tied_pair(real)(rng, shapes, dtype)
    if np.dtype(dtype).kind == "f" and x.shape == y.shape and x.size >= 6:
        x.flat[0], y.flat[1], x.flat[2], y.flat[2] = np.nan, np.nan, np.nan, np.nan
    return x, y


def _nonfinite_pair(rng):
    """Every pairing of -inf, +inf, NaN and finite values."""
    specials = np.array([-np.inf, np.inf, np.nan, 0.5])
    a, b = np.meshgrid(specials, specials)
    return a.ravel(), b.ravel()


# ------------------------------------------------------------- elementwise

_UNARY = (("fabs", nonzero, True), ("deg2rad", real, True), ("rad2deg", real, True), ("radians", real, True),
          ("degrees", real, True), ("cbrt", nonzero, True), ("sinc", with_zeros(real), True),
          ("signbit", with_zeros(real), False))

UNARY = [row for name, domain, diff in _UNARY for row in (
    np_row(name, (domain, (2, 3), F64), diff=diff, smooth=diff),
    np_row(name, (domain, (), F64)),
    np_row(name, (domain, (2, 3), F32), rtol=1e-6),
    np_row(name, (domain, (2, 3), I32)),
)] + [
    np_row("sinc", (with_zeros(real), (7,), F64), case="f64[7]-zeros", diff=True, smooth=True),
    *[np_row("nan_to_num", (with_nonfinite, (2, 3), dtype), kwargs=kwargs, diff=dtype == F64)
      for dtype in (F64, F32) for kwargs in ({}, {"nan": 1.5, "posinf": 9.0, "neginf": -9.0})],
    np_row("nan_to_num", (real, (2, 3), I32)),
    np_row("signbit", (real, (2, 3), BOOL)),
]


def _heaviside_pair(rng, shapes, dtype):
    return with_zeros(real)(rng, shapes[0], dtype), real(rng, shapes[1], dtype)


def _away_from_jumps(name, *domains):
    """A derivative row of a function with jumps (or ties) that the domains avoid."""
    return np_row(name, *[(d, (2, 3), F64) for d in domains], case="f64[2,3]-f64[2,3]-off-the-jumps", diff=True)


BINARY = [
    *_binary_rows("hypot", domains=(nonzero, nonzero)),
    *_binary_rows("logaddexp", tied_pair(real)),
    *_binary_rows("logaddexp2", tied_pair(real)),
    # At ties JAX gives fmax's whole derivative to x2: the jumps are at ties and NaNs.
    *_binary_rows("fmax", nan_pair, diff=False), _away_from_jumps("fmax", real, real),
    *_binary_rows("fmin", nan_pair, diff=False), _away_from_jumps("fmin", real, real),
    *_binary_rows("copysign", lambda rng, s, d: (nonzero(rng, s[0], d), with_zeros(real)(rng, s[1], d)),
                  diff=False),
    _away_from_jumps("copysign", nonzero, nonzero),
    *_binary_rows("heaviside", _heaviside_pair, diff=False, dtypes=(F32,)),
    _away_from_jumps("heaviside", nonzero, real),
    np_row("float_power", (positive, (2, 3), F64), (real, (2, 3), F64), diff=True, smooth=True),
    np_row("float_power", (positive, (2, 3), F64), (real, (), F64), diff=True, smooth=True),
    np_row("float_power", (positive, (2, 3), I32), (real, (2, 3), I32)),
    np_row("float_power", (positive, (2, 3), F64), case="f64[2,3]-python-int", diff=(0,), smooth=True,
           fun=lambda x: fnp.float_power(x, 3), reference=lambda x: np.float_power(x, 3)),
    # JAX keeps float32 where NumPy computes in float64.
    *[np_row("float_power", (positive, (2, 3), F32), *([(real, (2, 3), F32)] if y is None else []), rtol=1e-6,
             case=f"f32[2,3]-{'f32[2,3]' if y is None else 'python-float'}",
             fun=lambda x, *y_, y=y: fnp.float_power(x, *(y_ or (y,))),
             reference=lambda x, *y_, y=y: np.float_power(x, *(y_ or (y,))).astype(F32))
      for y in (None, 1.5)],
    *[np_row(name, (real, (16,), F64), (real, (16,), F64), case="f64[16]-every-nonfinite-pair",
             make_args=_nonfinite_pair) for name in ("hypot", "logaddexp", "logaddexp2", "fmax", "fmin")],
    np_row("hypot", (real, (3,), F64), case="zeros-and-huge", diff=(),
           fun=lambda: fnp.hypot(np.array([0.0, 1e300, 1e-300]), np.array([0.0, 1e300, 1e-300])),
           reference=lambda: np.hypot(np.array([0.0, 1e300, 1e-300]), np.array([0.0, 1e300, 1e-300])),
           make_args=lambda rng: ()),
]

ROWS = UNARY + BINARY


# --------------------------------------------------------------- predicates

def _close_pair(rng, shapes, dtype):
    """Pairs close, far, infinite and NaN."""
    x = real(rng, shapes[0], dtype)
    y = x * (1 + rng.choice([0, 1e-7, 1e-3], x.shape)).astype(dtype)
    if x.size >= 6:
        x.flat[:4] = [np.inf, np.inf, np.nan, np.nan]
        y.flat[:4] = [np.inf, -np.inf, np.nan, 1.0]
    return x, y


def _equal_pair(rng, shapes, dtype):
    x = real(rng, shapes[0], dtype)
    return x, np.array(np.broadcast_to(x, shapes[1]))


PREDICATES = [
    *[np_row(name, (real, (2, 3), F64), (real, (2, 3), F64), kwargs=kwargs, make_args=lambda rng: _close_pair(
        rng, ((2, 3), (2, 3)), F64)) for name in ("isclose", "allclose")
      for kwargs in ({}, {"equal_nan": True}, {"rtol": 1e-2, "atol": 0.0})],
    *[np_row(name, (real, (2, 3), F32), (real, (3,), F32), make_args=lambda rng: _close_pair(
        rng, ((2, 3), (3,)), F32)) for name in ("isclose", "allclose")],
    np_row("isclose", (real, (2, 3), I32), (real, (2, 3), I32)),
    np_row("isclose", (real, (2, 3), F64), case="f64[2,3]-python-float", fun=lambda x: fnp.isclose(x, 0.5),
           reference=lambda x: np.isclose(x, 0.5)),
    *[np_row(name, (real, (2, 3), F64), (real, shape, F64), case=f"{case}-{shape}",
             make_args=lambda rng, shape=shape, make=make: make(rng, ((2, 3), shape), F64))
      for name in ("array_equal", "array_equiv") for shape in ((2, 3), (3,), (4,), (1, 2, 3))
      for case, make in (("equal", _equal_pair if shape in ((2, 3), (1, 2, 3)) else None),
                         ("random", lambda rng, shapes, dtype: tuple(real(rng, s, dtype) for s in shapes)))
      if make is not None],
    np_row("array_equal", (real, (2, 3), F64), case="nan-equal_nan", kwargs={"equal_nan": True},
           fun=lambda x: fnp.array_equal(x, x, equal_nan=True), reference=lambda x: np.array_equal(x, x, True),
           make_args=lambda rng: (np.array([[np.nan, 1.0], [2.0, np.nan]]),)),
    np_row("array_equal", (real, (2, 3), I32), (real, (2, 3), I32), make_args=lambda rng: _equal_pair(
        rng, ((2, 3), (2, 3)), I32)),
    *[np_row(name, (real, shape, dtype), kwargs=kwargs) for name in ("all", "any")
      for shape, dtype, kwargs in (((2, 3), BOOL, {}), ((2, 3), F64, {"axis": 1}), ((2, 3, 4), I32, {"axis": (0, 2)}),
                                   ((2, 3), BOOL, {"axis": 0, "keepdims": True}), ((0, 3), BOOL, {"axis": 0}),
                                   ((), BOOL, {}))],
]


# ------------------------------------------ array-API names and small extras

def _complex_mix(rng, shape, dtype):
    x = real(rng, shape, F64) + 1j * rng.choice([0.0, 1.5], shape)
    return x.astype(np.complex128)


_ALIASES = (("acos", unit), ("acosh", above_one), ("asin", unit), ("asinh", real), ("atan", real),
            ("atanh", unit), ("around", off_integer), ("rint", off_integer), ("trunc", off_integer))

MORE = [
    *[np_row(name, (domain, (2, 3), F64), diff=True, smooth=name not in ("around", "rint", "trunc"))
      for name, domain in _ALIASES],
    *[np_row(name, (real, (2, 3), I32)) for name in ("rint", "trunc", "around")],
    np_row("rint", (lambda rng, s, d: np.array([0.5, 1.5, 2.5, -0.5, -1.5, 3.2]), (6,), F64), case="halves-to-even"),
    *_binary_rows("atan2", domains=(real, nonzero), dtypes=(F32,)),
    *_binary_rows("pow", domains=(positive, real), dtypes=(F32,)),
    np_row("bitwise_invert", (real, (2, 3), I32)),
    *[np_row(name, (with_nonfinite, (2, 3), dtype)) for name in ("isposinf", "isneginf") for dtype in (F64, I32)],
    *[np_row(name, (_complex_mix, (2, 3), np.dtype(np.complex128)), case="c128[2,3]")
      for name in ("isreal", "iscomplex", "isrealobj")],
    *[np_row(name, (real, (2, 3), F64)) for name in ("isreal", "iscomplex", "isrealobj")],
    np_row("divmod", (real, (2, 3), F64), (positive, (2, 3), F64), case="f64", diff=(0,),
           make_args=lambda rng: fmod_pair(rng, ((2, 3), (2, 3)), F64)),
    np_row("divmod", (real, (2, 3), I32), (positive, (3,), I32)),
    *[np_row("ptp", (real, (3, 4), F64), kwargs=kwargs, diff=True) for kwargs in ({}, {"axis": 1, "keepdims": True})],
    np_row("ptp", (real, (3, 4), I32), kwargs={"axis": 0}),
    *[np_row("count_nonzero", (real, (3, 4), dtype), kwargs=kwargs) for dtype in (I32, BOOL)
      for kwargs in ({}, {"axis": 0}, {"axis": 1, "keepdims": True})],
    np_row("average", (real, (3, 4), F64), kwargs={"axis": 1}, diff=True, smooth=True),
    np_row("average", (real, (3, 4), F64), (positive, (3, 4), F64), diff=True, smooth=True,
           fun=lambda a, w: fnp.average(a, weights=w), reference=lambda a, w: np.average(a, weights=w)),
    np_row("average", (real, (3, 4), F64), (positive, (4,), F64), case="1-D-weights-returned", diff=True, smooth=True,
           fun=lambda a, w: fnp.average(a, 1, w, returned=True), reference=lambda a, w: np.average(a, 1, w, True)),
    np_row("average", (real, (3, 4), I32), kwargs={"axis": 0}),
    *[np_row(name, (real, shape, dtype), kwargs=kwargs, diff=dtype == F64, smooth=True, rtol=1e-10)
      for name in ("cumulative_sum", "cumulative_prod") for dtype in (F64, I32)
      for shape, kwargs in (((5,), {}), ((3, 4), {"axis": 1, "include_initial": True}), ((3, 4), {"axis": 0}))],
]

ROWS += PREDICATES + ORDER_ROWS + MORE
