"""Op-table rows of the primitives with more structure than an elementwise
op: indexing, dot_general, and the higher-order primitives (calls, custom
rules, control flow). Import `op_table`, which includes these in `ROWS`;
this module is not meant to be imported on its own.
"""
from __future__ import annotations

import string

import numpy as np
from op_table import F64, I32, I64, Row, args_of, linear_row, positive, prim_row, real, short, with_params

import functrans as ft
import functrans.numpy as fnp
from functrans import lax

# ------------------------------------------------------------------ indexing

def _index_args(x_shape, indices, updates_shape=None):
    """(x, indices[, updates]) with fixed in-range integer indices."""
    specs = [(real, x_shape, F64), np.asarray(indices, np.int64)]
    if updates_shape is not None:
        specs.append((real, updates_shape, F64))
    return args_of(*specs)


def below(n):
    """A domain of integer indices into an axis of length `n`, one out of
    range at either end: they are clamped, example by example under vmap."""
    return lambda rng, shape, dtype: rng.integers(-1, n + 1, shape).astype(dtype)


def _varied_index_args(x_shape, indices, axis, updates_shape=None):
    """`_index_args` with random indices: the vmap oracle's other examples."""
    specs = [(real, x_shape, F64), (below(x_shape[axis]), np.shape(indices), I64)]
    return args_of(*specs, *([(real, updates_shape, F64)] if updates_shape is not None else []))


def _varied_starts(x_shape, sizes, update_shape=None):
    """(x[, update], *starts) with random start indices, some clamped."""
    def make(rng):
        arrays = [real(rng, s, F64) for s in (x_shape, update_shape) if s is not None]
        return (*arrays, *[np.int64(rng.integers(-1, n - k + 2)) for n, k in zip(x_shape, sizes)])
    return make


_COMBINE = {"scatter-add": np.add, "scatter": lambda old, new: new, "scatter-mul": np.multiply,
            "scatter-min": np.minimum, "scatter-max": np.maximum}


def _scatter_reference(name):
    combine = _COMBINE[name]

    def reference(x, indices, updates, axis, unique_indices=False):
        out = x.copy()
        moved, upd = np.moveaxis(out, axis, 0), np.moveaxis(updates, axis, 0)
        upd = upd.reshape((-1,) + moved.shape[1:])
        for i, k in enumerate(indices.ravel()):   # in order: for scatter, the last write wins
            moved[k] = combine(moved[k], upd[i])
        return out
    return reference


_SCATTER_CASES = (((5,), [1, 3, 0], (3,), 0), ((3, 4), [2, 0], (3, 2), 1),
                  ((5,), [1, 3, 1], (3,), 0), ((3, 4), [[0, 2], [2, 2]], (2, 2, 4), 0))

INDEXING = [
    *[linear_row("gather", f"{short(F64, x)}-idx{np.shape(idx)}-axis{axis}", _index_args(x, idx),
                 lambda x, i, axis=axis: np.take(x, i, axis), {"axis": axis}, vary=_varied_index_args(x, idx, axis))
      for x, idx, axis in (((5,), [1, 3, 3, 0], 0), ((3, 4), [[0, 3], [2, 2]], 1), ((4,), 2, 0), ((3, 2), [], 0))],
    *[linear_row(name, f"{short(F64, x)}-idx{idx}-axis{axis}", _index_args(x, idx, upd),
                 with_params(_scatter_reference(name), {"axis": axis}), {"axis": axis},
                 linear=(0, 2), vary=_varied_index_args(x, idx, axis, upd))
      for name in ("scatter-add", "scatter") for x, idx, upd, axis in _SCATTER_CASES],
    # scatter-mul is linear in x; its derivative in the updates needs distinct
    # indices, promised by unique_indices (these rows' indices are traced).
    *[prim_row("scatter-mul", f"{short(F64, x)}-idx{idx}-axis{axis}{'-unique' if unique else ''}",
               _index_args(x, idx, upd), with_params(_scatter_reference("scatter-mul"), p), p,
               diff=(0, 2) if unique else (0,), linear=(0,), smooth=True,
               vary=_varied_index_args(x, idx, axis, upd))
      for x, idx, upd, axis in _SCATTER_CASES for unique in ((False, True) if idx == [1, 3, 0] else (False,))
      for p in [{"axis": axis, "unique_indices": unique}]],
    *[prim_row(name, f"{short(F64, x)}-idx{idx}-axis{axis}", _index_args(x, idx, upd),
               with_params(_scatter_reference(name), {"axis": axis}), {"axis": axis}, diff=(0, 2),
               vary=_varied_index_args(x, idx, axis, upd))
      for name in ("scatter-min", "scatter-max") for x, idx, upd, axis in _SCATTER_CASES],
    *[linear_row("dynamic_slice", f"{short(F64, x)}-at{starts}-size{sizes}",
                 args_of((real, x, F64), *[np.int64(s) for s in starts]),
                 lambda x, *s, sizes=sizes: x[tuple(slice(c, c + k) for c, k in zip(
                     np.clip(s, 0, np.subtract(x.shape, sizes)), sizes))], {"slice_sizes": sizes},
                 vary=_varied_starts(x, sizes))
      for x, starts, sizes in (((5,), (1,), (3,)), ((3, 4), (1, 2), (2, 2)), ((5,), (4,), (3,)), ((3,), (-1,), (2,)))],
    *[linear_row("dynamic_update_slice", f"{short(F64, x)}-{short(F64, u)}-at{starts}",
                 args_of((real, x, F64), (real, u, F64), *[np.int64(s) for s in starts]),
                 lambda x, u, *s: _update_reference(x, u, s), {}, linear=(0, 1), vary=_varied_starts(x, u, u))
      for x, u, starts in (((5,), (2,), (1,)), ((3, 4), (2, 2), (1, 3)), ((4,), (0,), (2,)))],
]


def _update_reference(x, update, starts):
    out = x.copy()
    starts = np.clip(starts, 0, np.subtract(x.shape, update.shape))
    out[tuple(slice(s, s + k) for s, k in zip(starts, update.shape))] = update
    return out


# ---------------------------------------------------------------- dot_general

def _dot_reference(lhs, rhs, dimension_numbers):
    """dot_general as an einsum: batch axes, then lhs free, then rhs free."""
    (lc, rc), (lb, rb) = dimension_numbers
    letters = iter(string.ascii_letters)
    lhs_sub = [next(letters) for _ in range(lhs.ndim)]
    rhs_sub = [next(letters) for _ in range(rhs.ndim)]
    for a, b in zip(lc + lb, rc + rb):
        rhs_sub[b] = lhs_sub[a]
    out = ([lhs_sub[a] for a in lb] + [c for i, c in enumerate(lhs_sub) if i not in lc + lb]
           + [c for i, c in enumerate(rhs_sub) if i not in rc + rb])
    return np.einsum(f"{''.join(lhs_sub)},{''.join(rhs_sub)}->{''.join(out)}", lhs, rhs)


_DOT_CASES = (
    ((2, 3), (3, 4), (((1,), (0,)), ((), ()))),          # matrix product
    ((3,), (3,), (((0,), (0,)), ((), ()))),               # inner product
    ((2, 3, 4), (2, 4, 5), (((2,), (1,)), ((0,), (0,)))),  # batched
    ((3, 2), (3, 4), (((0,), (0,)), ((), ()))),           # lhs contracted on its first axis
    ((2, 3), (4, 3), (((1,), (1,)), ((), ()))),           # rhs contracted on its last axis
    ((2,), (3,), (((), ()), ((), ()))),                   # outer product
    ((2, 3, 4), (4, 3), (((1, 2), (1, 0)), ((), ()))),    # two axes, in swapped order
    ((3, 2, 4), (4, 2), (((2,), (0,)), ((1,), (1,)))),    # a batch axis that is not leading
    ((2, 0), (0, 3), (((1,), (0,)), ((), ()))),           # empty contraction
)

DOT = [
    *[prim_row("dot_general", f"{short(F64, a)}-{short(F64, b)}-{dn}", args_of((real, a, F64), (real, b, F64)),
               with_params(_dot_reference, {"dimension_numbers": dn}), {"dimension_numbers": dn},
               diff=(0, 1), smooth=True) for a, b, dn in _DOT_CASES],
    prim_row("dot_general", "i32[2,3]-i32[3,4]", args_of((real, (2, 3), I32), (real, (3, 4), I32)),
             with_params(_dot_reference, {"dimension_numbers": _DOT_CASES[0][2]}),
             {"dimension_numbers": _DOT_CASES[0][2]}),
]


# ---------------------------------------------------- higher-order primitives
# Bound through the API, which traces the inner function into the params
# (`params=None`); the oracles read the equation back from `make_jaxpr`.

def _scan_reference(c, xs):
    ys = []
    for x in xs:
        c, y = c * np.cos(x) + 1.0, np.sin(c) * x
        ys.append(y)
    return c, np.stack(ys)


def _while_fun(x):
    """Three steps of x -> 1.1 x + sin(x); works on NumPy and functrans values."""
    step = lambda c: (c[0] + 1, c[1] * 1.1 + fnp.sin(c[1]))
    if isinstance(x, np.ndarray):
        c = (0, x)
        while c[0] < 3:
            c = (c[0] + 1, c[1] * 1.1 + np.sin(c[1]))
        return c[1]
    return lax.while_loop(lambda c: c[0] < 3, step, (0, x))[1]


def _scan_closure_reference(w, c, xs):
    ys = []
    for x in xs[::-1]:
        c, y = c * np.cos(x) * w + 1.0, np.sin(c) * x + w
        ys.append(y)
    return c, np.stack(ys[::-1])


def _limits(rng, shape, dtype):
    return np.asarray(rng.uniform(3.0, 9.0, shape), dtype)


def _grow_until(limit, x):
    """x -> 1.5 x + 0.1 until max(x) reaches `limit`: the condition reads an
    operand, so under vmap each example stops on its own."""
    if isinstance(x, np.ndarray):
        while np.max(x) < limit:
            x = x * 1.5 + 0.1
        return x
    return lax.while_loop(lambda c: fnp.max(c) < limit, lambda c: c * 1.5 + 0.1, x)


def _sin_with_custom_jvp():
    f = ft.custom_jvp(fnp.sin)
    f.defjvp(lambda primals, tangents: (fnp.sin(primals[0]), fnp.cos(primals[0]) * tangents[0]))
    return f


def _sin_with_custom_vjp():
    f = ft.custom_vjp(fnp.sin)
    f.defvjp(lambda x: (fnp.sin(x), (fnp.cos(x),)), lambda residuals, ct: (residuals[0] * ct,))
    return f


def _sin_times_with_custom_jvp():
    f = ft.custom_jvp(lambda x, y: fnp.sin(x) * y)
    f.defjvp(lambda primals, tangents: (
        fnp.sin(primals[0]) * primals[1],
        fnp.cos(primals[0]) * primals[1] * tangents[0] + fnp.sin(primals[0]) * tangents[1]))
    return f


def _sin_times_with_custom_vjp():
    f = ft.custom_vjp(lambda x, y: fnp.sin(x) * y)
    f.defvjp(lambda x, y: (fnp.sin(x) * y, (x, y)),
             lambda residuals, ct: (fnp.cos(residuals[0]) * residuals[1] * ct, fnp.sin(residuals[0]) * ct))
    return f


HIGHER_ORDER = [
    Row("checkpoint-f64[2,3]", ft.checkpoint(lambda x: fnp.sin(fnp.sin(x)) * x), lambda x: np.sin(np.sin(x)) * x,
        args_of((real, (2, 3), F64)), "checkpoint", None, diff=(0,), smooth=True),
    # Each derivative of a jit call evaluates a new kernel (a numba compile):
    # kept to first order, one argument, for speed.
    Row("closed_call-f64[3]-f64[3]", ft.jit(lambda x, y: fnp.sin(x) * y), lambda x, y: np.sin(x) * y,
        args_of((real, (3,), F64), (real, (3,), F64)), "closed_call", None, diff=(0,)),
    Row("custom_jvp_call-f64[2,3]", _sin_with_custom_jvp(), np.sin, args_of((real, (2, 3), F64)),
        "custom_jvp_call", None, diff=(0,), smooth=True, derivatives=(np.cos,)),
    Row("custom_vjp_call-f64[2,3]", _sin_with_custom_vjp(), np.sin, args_of((real, (2, 3), F64)),
        "custom_vjp_call", None, diff=(0,), smooth=True, derivatives=(np.cos,), modes=("rev",)),
    Row("cond-f64[]-f64[2,3]", lambda p, x: lax.cond(p > 0, fnp.sin, lambda x: x * x, x),
        lambda p, x: np.sin(x) if p > 0 else x * x, args_of((real, (), F64), (real, (2, 3), F64)), "cond", None,
        diff=(1,), smooth=True),
    Row("scan-f64[3]-f64[4,3]", lambda c, xs: lax.scan(lambda c, x: (c * fnp.cos(x) + 1.0, fnp.sin(c) * x), c, xs),
        _scan_reference, args_of((real, (3,), F64), (real, (4, 3), F64)), "scan", None, diff=(0, 1), smooth=True),
    # Two operands each, so the vmap oracle maps them separately: a shared
    # (unbatched) operand's cotangent is summed over the batch.
    Row("custom_jvp_call-f64[2,3]-f64[2,3]", _sin_times_with_custom_jvp(), lambda x, y: np.sin(x) * y,
        args_of((real, (2, 3), F64), (real, (2, 3), F64)), "custom_jvp_call", None, diff=(0, 1)),
    Row("custom_vjp_call-f64[2,3]-f64[2,3]", _sin_times_with_custom_vjp(), lambda x, y: np.sin(x) * y,
        args_of((real, (2, 3), F64), (real, (2, 3), F64)), "custom_vjp_call", None, diff=(0, 1),
        modes=("rev",)),
    # A closed-over operand (a scan const), in reverse.
    Row("scan-f64[3]-f64[3]-f64[4,3]-closure-reverse",
        lambda w, c, xs: lax.scan(lambda c, x: (c * fnp.cos(x) * w + 1.0, fnp.sin(c) * x + w), c, xs, reverse=True),
        _scan_closure_reference, args_of((real, (3,), F64), (real, (3,), F64), (real, (4, 3), F64)), "scan", None,
        diff=(0, 1, 2)),
    # Higher orders of the abstract (jit) path of reverse mode through
    # while_loop are tested in test_control_flow.py.
    Row("while-f64[3]", _while_fun, _while_fun, args_of((real, (3,), F64)), "while", None, diff=(0,)),
    Row("while-f64[]-f64[3]-operand-in-condition", _grow_until, _grow_until,
        args_of((_limits, (), F64), (positive, (3,), F64)), "while", None, diff=(1,)),
]
