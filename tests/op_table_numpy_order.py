"""`functrans.numpy` rows of sorting, order statistics, NaN-ignoring
reductions and evenly spaced values (`op_table_numpy_more` adds `ROWS`
to the op table).

Sorting is differentiable where the elements are distinct (a permutation
of them); quantiles also in q, through the interpolation weight. NaNs
are ignored by the nan* functions, so their derivative rows keep NaNs in
the inputs. partition/argpartition are compared with JAX's arrangement.
"""
from __future__ import annotations

import numpy as np
from op_table import BOOL, F32, F64, I32, positive, real
from op_table_numpy import np_row

import functrans.numpy as fnp


def some_nans(rng, shape, dtype):
    """Reals with a NaN in some positions, never a whole line."""
    x = real(rng, shape, dtype)
    if np.dtype(dtype).kind == "f" and x.size >= 4:
        x.flat[1::7] = np.nan
    return x


def with_nans(rng, shape, dtype):
    """`some_nans`, and one slice all NaN (whose reductions are NaN, and
    whose derivatives numerics cannot see: rows with it check values)."""
    x = some_nans(rng, shape, dtype)
    if np.dtype(dtype).kind == "f" and x.ndim >= 2:
        x[-1, ...] = np.nan
    return x


def ties(rng, shape, dtype):
    """Few distinct values, many repeated (and a NaN for floats)."""
    x = rng.integers(0, 3, shape).astype(dtype)
    if np.dtype(dtype).kind == "f" and x.size > 2:
        x.flat[1] = np.nan
    return x


def _jax_partition(x, kth, axis=-1):
    kth %= x.shape[axis]
    s = np.moveaxis(np.sort(x, axis), axis, -1)
    out = np.concatenate([s[..., :kth + 1], s[..., kth + 1:][..., ::-1]], axis=-1)
    return np.moveaxis(out, -1, axis)


def _jax_argpartition(x, kth, axis=-1):
    kth %= x.shape[axis]
    order = np.moveaxis(np.argsort(x, axis, kind="stable"), axis, -1)
    out = np.concatenate([order[..., :kth + 1], np.sort(order[..., kth + 1:], axis=-1)], axis=-1)
    return np.moveaxis(out, -1, axis)


def _descending_argsort(x, axis=-1):
    """Stable descending order, ties in their original order (JAX's)."""
    if axis is None:
        x, axis = x.ravel(), 0
    n = x.shape[axis]
    return np.flip(n - 1 - np.argsort(np.flip(x, axis), axis, kind="stable"), axis)


SORTING = [
    *[np_row("sort", (real, (3, 4), F64), kwargs={"axis": axis}, diff=True, smooth=True) for axis in (-1, 0, None)],
    np_row("sort", (real, (3, 4), F64), kwargs={"descending": True}, diff=True, smooth=True,
           reference=lambda x: np.flip(np.sort(x, -1), -1)),
    *[np_row("sort", (ties, (3, 4), dtype), kwargs={"axis": 0}, case=f"ties-{dtype.name}")
      for dtype in (F64, F32, I32, BOOL)],
    *[np_row("argsort", (ties, (3, 4), dtype), kwargs=kwargs, reference=lambda x, kw=kwargs: np.argsort(
        x, kind="stable", **kw)) for dtype in (F64, I32) for kwargs in ({}, {"axis": 0}, {"axis": None})],
    *[np_row("argsort", (ties, (3, 4), dtype), kwargs={"axis": axis, "descending": True},
             reference=lambda x, axis=axis: _descending_argsort(x, axis)) for dtype in (F64, I32) for axis in (-1, 0)],
    *[np_row(name, (real, (3, 5), F64), kwargs={"kth": kth, "axis": axis}, diff=name == "partition",
             reference=lambda x, ref=ref, kth=kth, axis=axis: ref(x, kth, axis))
      for name, ref in (("partition", _jax_partition), ("argpartition", _jax_argpartition))
      for kth, axis in ((2, -1), (0, 0), (-1, 1))],
    np_row("argpartition", (ties, (3, 5), I32), kwargs={"kth": 2}, reference=lambda x: _jax_argpartition(x, 2)),
]


def _sorted_and_values(rng, n=6, shape=(2, 3), dtype=F64):
    a = np.sort(rng.integers(-3, 4, n)).astype(dtype)
    v = rng.integers(-4, 5, shape).astype(dtype)
    if np.dtype(dtype).kind == "f":
        a[-1], v.flat[0] = np.nan, np.nan
    return a, v


SEARCH = [
    *[np_row("searchsorted", (real, (6,), dtype), (real, (2, 3), dtype), kwargs={"side": side},
             make_args=lambda rng, dtype=dtype: _sorted_and_values(rng, dtype=dtype))
      for side in ("left", "right") for dtype in (F64, I32)],
    np_row("searchsorted", (real, (0,), F64), (real, (3,), F64)),
    np_row("searchsorted", (real, (7,), F64), case="f64[7]-python-float", fun=lambda a: fnp.searchsorted(
        fnp.sort(a), 0.5), reference=lambda a: np.searchsorted(np.sort(a), 0.5)),
    np_row("searchsorted", (real, (5,), F64), (real, (4,), F64), case="sorter",
           fun=lambda a, v: fnp.searchsorted(a, v, sorter=fnp.argsort(a)),
           reference=lambda a, v: np.searchsorted(a, v, sorter=np.argsort(a))),
]


def _select_args(rng):
    x = real(rng, (2, 3), F64)
    return x > 1, x < -1, x, real(rng, (3,), F64)


SELECT = [
    np_row("select", (real, (2, 3), F64), case="2-conditions-default", diff=(2, 3), smooth=True,
           make_args=_select_args, fun=lambda c1, c2, x, y: fnp.select([c1, c2], [x, y], 0.5),
           reference=lambda c1, c2, x, y: np.select([c1, c2], [x, y], 0.5)),
    np_row("select", (real, (2, 3), F64), case="int-choices", make_args=_select_args,
           fun=lambda c1, c2, x, y: fnp.select([c1, c2], [np.int32(1), np.int32(2)]),
           reference=lambda c1, c2, x, y: np.select([c1, c2], [np.int32(1), np.int32(2)])),
]


def _with_zero(rng, shape, dtype):
    x = real(rng, shape, dtype)
    x.flat[2] = 0
    return x


CUMULATIVE = [
    *[np_row("cumprod", (real, (3, 5), F64), kwargs={"axis": axis}, diff=True, smooth=True, rtol=1e-10)
      for axis in (None, 0, 1)],
    np_row("cumprod", (_with_zero, (7,), F64), case="f64[7]-with-a-zero", diff=True, smooth=True, rtol=1e-10),
    *[np_row("cumprod", (real, (2, 3), dtype), kwargs={"axis": 1}) for dtype in (F32, I32, BOOL)],
    np_row("cumprod", (real, (2, 3), F32), kwargs={"axis": 1, "dtype": F64}),
    *[np_row(name, (some_nans, (3, 4), F64), kwargs={"axis": axis}, diff=True, smooth=True, rtol=1e-10)
      for name in ("nancumsum", "nancumprod") for axis in (None, 1)],
    *[np_row(name, (real, (3, 4), I32), kwargs={"axis": 0}) for name in ("nancumsum", "nancumprod")],
]

NAN_REDUCTIONS = [
    *[np_row(name, (some_nans, (3, 4, 2), F64), kwargs={"axis": axis, "keepdims": keepdims}, diff=True,
             smooth=name not in ("nanmax", "nanmin"), rtol=1e-10)
      for name in ("nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd")
      for axis, keepdims in ((None, False), (1, False), ((0, 2), True))],
    *[np_row(name, (with_nans, (3, 4), F64), kwargs={"axis": 1}, case="f64[3,4]-an-all-nan-slice", rtol=1e-10)
      for name in ("nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd", "nanmedian")],
    *[np_row(name, (with_nans, (3, 4), F32), kwargs={"axis": 1}, rtol=1e-5)
      for name in ("nansum", "nanmean", "nanmax", "nanmin", "nanvar")],
    *[np_row(name, (real, (3, 4), I32), kwargs={"axis": 0})
      for name in ("nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanstd")],
    np_row("nanvar", (some_nans, (3, 4), F64), kwargs={"axis": 1, "ddof": 1}, diff=True, smooth=True),
]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")
# q away from the points where `nearest` rounds a tie (JAX's ties go down, NumPy's to even).
_QS = (0.3, np.array([0.0, 0.7, 1.0]), np.array([[0.1, 0.45], [0.9, 0.6]]))


def _quantile_rows(name, scale=1.0):
    nan = name.startswith("nan")
    domain = some_nans if nan else real
    # NumPy's nan-quantiles put the axes of a 2-D q in another order: JAX allows q of rank <= 1 only.
    qs = _QS[:2] + (np.array([0.1, 0.45, 0.9]),) if nan else _QS
    return [
        *[np_row(name, (domain, (3, 4, 5), F64), q * scale,
                 kwargs={"axis": axis, "method": method, "keepdims": keepdims}, case=f"q{np.shape(q)}-{axis}-{method}"
                 f"{'-keepdims' if keepdims else ''}", diff=(0,) if method != "nearest" else (),
                 smooth=method in ("linear", "midpoint"), rtol=1e-10)
          for method in _METHODS for q, axis, keepdims in zip(qs, (None, 1, (0, 2)), (False, True, True))],
        # derivatives in q too, for the linear method
        np_row(name, (domain, (3, 4, 5), F64), (lambda rng, shape, dtype: np.array([0.33, 0.71]) * scale, (2,), F64),
               kwargs={"axis": -1}, case="traced-q", diff=(0, 1), smooth=True, rtol=1e-10),
        np_row(name, (with_nans if nan else real, (4, 5), F32), 0.3 * scale, kwargs={"axis": 0}, rtol=1e-5),
        np_row(name, (real, (4, 5), I32), 0.7 * scale, kwargs={"axis": 1}),
    ]


QUANTILES = [
    *_quantile_rows("quantile"), *_quantile_rows("nanquantile"),
    *_quantile_rows("percentile", 100.0), *_quantile_rows("nanpercentile", 100.0),
    *[np_row(name, (some_nans if name == "nanmedian" else real, shape, F64), kwargs=kwargs, diff=True, smooth=True)
      for name in ("median", "nanmedian")
      for shape, kwargs in (((3, 4), {}), ((3, 4), {"axis": 1}), ((3, 5, 2), {"axis": (0, 2), "keepdims": True}))],
    np_row("median", (real, (4, 3), I32), kwargs={"axis": 0}),
]


def _endpoint_rows(name, domain, kwargs):
    return [np_row(name, (domain, (2,), F64), (domain, (), F64), kwargs=kwargs, diff=True, smooth=True, rtol=1e-10)]


SPACES = [
    *[row for kwargs in ({"num": 5}, {"num": 4, "endpoint": False}, {"num": 1}, {"num": 0}, {"num": 4, "axis": -1})
      for name, domain in (("linspace", real), ("logspace", real), ("geomspace", positive))
      for row in _endpoint_rows(name, domain, kwargs)],
    np_row("linspace", (real, (), F64), (real, (), F64), kwargs={"num": 5, "dtype": I32}),
    np_row("linspace", (real, (), F64), (real, (), F64), kwargs={"num": 5, "retstep": True}, diff=True, smooth=True),
    np_row("logspace", (real, (), F64), (real, (), F64), kwargs={"num": 4, "base": 2.0}, diff=True, smooth=True),
    np_row("geomspace", (positive, (2,), F64), (positive, (2,), F64), case="negative-endpoints", diff=True,
           smooth=True, rtol=1e-10, fun=lambda a, b: fnp.geomspace(-a, -b, 4), reference=lambda a, b: np.geomspace(
               -a, -b, 4)),
    np_row("linspace", case="concrete", fun=lambda: fnp.linspace(0.0, 1.0, 5),
           reference=lambda: np.linspace(0.0, 1.0, 5)),
]

def _jax_nanarg(numpy_fn, fill):
    """NumPy's nanarg* but -1 for an all-NaN slice, where NumPy raises (JAX's value)."""
    def reference(a, axis=None):
        nan = np.isnan(a)
        index = numpy_fn(np.where(nan, fill, a), axis=axis)
        return np.where(np.all(nan, axis=axis), -1, index)
    return reference


def _lexsort_keys(rng):
    return rng.integers(0, 3, (2, 6)), rng.integers(0, 2, (2, 6)).astype(F64)


def _interp_args(rng):
    xp = np.sort(rng.uniform(-2, 2, 6))
    return rng.uniform(-2.5, 2.5, (2, 3)), xp, real(rng, (6,), F64)


def _bins(descending):
    def make(rng):
        bins = np.sort(rng.uniform(-2, 2, 5))
        x = np.concatenate([real(rng, (5,), F64), bins[:2]])    # values on the edges too
        return x, bins[::-1].copy() if descending else bins
    return make


ORDER_MORE = [
    *[np_row(name, (with_nans, (3, 4), F64), kwargs={"axis": axis}, reference=lambda a, axis=axis, r=ref: r(a, axis))
      for name, ref in (("nanargmax", _jax_nanarg(np.argmax, -np.inf)), ("nanargmin", _jax_nanarg(np.argmin, np.inf)))
      for axis in (None, 0, 1)],
    *[np_row(name, (real, (3, 4), I32), kwargs={"axis": 1}) for name in ("nanargmax", "nanargmin")],
    *[np_row("lexsort", (real, (2, 6), I32), (real, (2, 6), F64), case=f"axis{axis}", make_args=_lexsort_keys,
             fun=lambda a, b, axis=axis: fnp.lexsort((a, b), axis=axis),
             reference=lambda a, b, axis=axis: np.lexsort((a, b), axis=axis)) for axis in (-1, 0)],
    *[np_row("digitize", (real, (7,), F64), (real, (5,), F64), kwargs={"right": right},
             case=f"{'decreasing' if descending else 'increasing'}-right={right}", make_args=_bins(descending))
      for descending in (False, True) for right in (False, True)],
    np_row("interp", (real, (2, 3), F64), (real, (6,), F64), (real, (6,), F64), make_args=_interp_args, diff=(0, 2)),
    np_row("interp", (real, (2, 3), F64), (real, (6,), F64), (real, (6,), F64), kwargs={"left": -9.0, "right": 9.0},
           make_args=_interp_args, diff=(2,), smooth=True),
    np_row("interp", (real, (2, 3), F64), case="period", diff=(0,),
           fun=lambda x: fnp.interp(x * 100, np.array([350.0, 10.0, 40.0]), np.array([1.0, 2.0, 3.0]), period=360),
           reference=lambda x: np.interp(x * 100, np.array([350.0, 10.0, 40.0]), np.array([1.0, 2.0, 3.0]),
                                         period=360)),
]

ROWS = ORDER_MORE + SORTING + SEARCH + SELECT + CUMULATIVE + NAN_REDUCTIONS + QUANTILES + SPACES
