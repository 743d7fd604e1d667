"""The op table: one row per case of every primitive and every
`functrans.numpy` function, the single source every oracle test reads.

A `Row` is one operation on one kind of input: how to build random inputs,
the functrans function, the NumPy reference, and what is known about its
derivative (which arguments it is differentiable / linear in, whether it is
smooth enough for third-order checks, hand-derived partials). An oracle is a
test parametrized over `ROWS` (or a filtered view): impl vs NumPy, shape rule
vs impl, jvp vs central differences, transpose by the inner-product identity,
vmap vs a Python loop (`row.examples(n)`), and later jit vs eager, which need
nothing more than `row.fun`, `row.args()` and `row.reference`.

Primitive rows live here and in `op_table_structural.py` (indexing,
dot_general, calls, control flow); the `functrans.numpy` rows in
`op_table_numpy.py`. Import this module: it assembles them all.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import scipy.special

from functrans.core import REGISTRY

F64, F32, I32, I64, BOOL = (np.dtype(d) for d in ("float64", "float32", "int32", "int64", "bool"))


@dataclass(frozen=True)
class Row:
    """One operation on one kind of input."""
    id: str                                    # the pytest id, e.g. "sin-f64[2,3]"
    fun: Callable                              # the functrans operation on `args()`
    reference: Callable                        # NumPy computing the same from the same args
    make_args: Callable                        # rng -> tuple of arguments
    primitive: str | None = None               # the REGISTRY name `fun` binds, for primitive rows
    params: dict | None = field(default_factory=dict)  # its params; None: bound through the API
    numpy_name: str | None = None              # the functrans.numpy function a facade row covers
    diff: tuple = ()       # argnums checked against central differences (float64 inputs)
    linear: tuple = ()     # argnums `fun` is jointly linear in (its transpose is checked)
    smooth: bool = False   # C^3 around the inputs: derivatives are checked to order 3
    derivatives: tuple | None = None           # hand-derived partials, NumPy, one per `diff` argnum
    rtol: float = 1e-12    # impl vs reference, float64; float32 rows use float32 precision
    modes: tuple = ("fwd", "rev")              # the differentiation modes `fun` supports
    xfail: dict = field(default_factory=dict)  # test name -> reason it fails (a known bug)
    # rng -> another example's args for the vmap oracle, where `make_args`
    # holds some fixed (index arrays); None: `make_args` with another seed.
    vary: Callable | None = None

    def args(self, seed=0) -> tuple:
        return self.make_args(np.random.default_rng(seed))

    def examples(self, n) -> list:
        """`n` argument tuples: `args()`, then `n - 1` further draws."""
        draw = self.vary or self.make_args
        return [self.args()] + [draw(np.random.default_rng(seed)) for seed in range(1, n)]

    @property
    def is_primitive(self) -> bool:
        return self.primitive is not None


def restrict(fun, args, argnums):
    """`fun` as a function of `args[argnums]` alone, the others held fixed;
    returns (function, those arguments)."""
    def restricted(*chosen):
        full = list(args)
        for i, a in zip(argnums, chosen):
            full[i] = a
        return fun(*full)
    return restricted, tuple(args[i] for i in argnums)


def short(dtype, shape) -> str:
    names = {"float64": "f64", "float32": "f32", "int32": "i32", "int64": "i64", "bool": "bool"}
    return f"{names[np.dtype(dtype).name]}[{','.join(map(str, shape))}]"


# ------------------------------------------------------------ input domains
# A domain draws an array of a shape and dtype; integer and bool dtypes get
# the integer analogue. Domains keep inputs where the operation is smooth.

def _uniform(lo, hi, int_lo, int_hi):
    def draw(rng, shape, dtype):
        dtype = np.dtype(dtype)
        if dtype == BOOL:
            return rng.random(shape) < 0.5
        if dtype.kind in "iu":
            return rng.integers(int_lo, int_hi, shape).astype(dtype)
        return np.asarray(rng.uniform(lo, hi, shape), dtype)
    return draw


real = _uniform(-2.0, 2.0, -5, 6)
# Inside (-1, 1) for asin, acos, atanh, tan; far enough from +-1 that the
# fifth derivatives, which bound the error of the order-3 numeric checks,
# stay small.
unit = _uniform(-0.6, 0.6, 0, 1)
positive = _uniform(0.5, 2.0, 1, 6)
above_one = _uniform(1.5, 3.0, 2, 6)       # acosh, away from its singularity at 1


def nonzero(rng, shape, dtype):
    """Away from 0, where abs, sign and division are smooth."""
    sign = rng.choice([-1, 1], shape)
    return (sign * positive(rng, shape, dtype)).astype(dtype)


def off_integer(rng, shape, dtype):
    """Away from integers and half-integers, where floor/ceil/round jump."""
    return np.asarray(rng.integers(-3, 3, shape) + rng.uniform(0.1, 0.4, shape), dtype)


def with_nonfinite(rng, shape, dtype):
    """Infinities and NaNs among finite floats (integers are all finite)."""
    x = real(rng, shape, dtype)
    if np.dtype(dtype).kind != "f":
        return x
    x.flat[::3] = np.array([np.inf, -np.inf, np.nan] * x.size, dtype)[:len(x.flat[::3])]
    return x


def tied_pair(domain):
    """Two arrays of one shape that agree at about half the positions."""
    def draw(rng, shapes, dtype):
        x = domain(rng, shapes[0], dtype)
        y = domain(rng, shapes[1], dtype)
        if shapes[0] == shapes[1]:
            y = np.where(rng.random(shapes[0]) < 0.5, x, y).astype(dtype)
        return x, y
    return draw


def fmod_pair(rng, shapes, dtype):
    """(x, y) with x / y away from the integers where fmod jumps."""
    if np.dtype(dtype).kind != "f":
        return real(rng, shapes[0], dtype), positive(rng, shapes[1], dtype)
    y = rng.uniform(1.5, 2.5, shapes[1])
    q = off_integer(rng, shapes[0], F64)
    # Where x cannot follow y elementwise, |x| < 1.2 < y keeps x / y in (-1, 1).
    x = q * y if shapes[1] == () or shapes[0] == shapes[1] else q / 3
    return np.asarray(x, dtype), np.asarray(y, dtype)


def args_of(*specs):
    """make_args from (domain, shape, dtype) triples; other specs are used as is."""
    def make(rng):
        return tuple(s[0](rng, s[1], s[2]) if isinstance(s, tuple) and callable(s[0]) else s
                     for s in specs)
    return make


# ---------------------------------------------------------------- primitives

def prim_fun(name, params):
    prim = REGISTRY[name]
    return lambda *args: prim(*args, **params)


def prim_row(name, case, make_args, reference, params=None, **fields):
    params = params or {}
    return Row(id=f"{name}-{case}", fun=prim_fun(name, params), reference=reference,
               make_args=make_args, primitive=name, params=params, **fields)


SHAPES = ((), (0,), (5,), (2, 3))
BINARY_SHAPES = (((), ()), ((0,), (0,)), ((2, 3), (2, 3)), ((), (2, 3)), ((2, 3), ()))


def unary(name, reference, domain=real, derivative=None, smooth=True, dtypes=(F32,),
          diff=True, linear=False, params=None, base=F64):
    """Rows of a one-operand elementwise primitive: `base` (float64, for the
    derivative checks) at every shape, and one row per other dtype."""
    rows = []
    for dtype, shape in [(base, s) for s in SHAPES] + [(d, (2, 3)) for d in dtypes]:
        checked = diff and dtype == F64
        rows.append(prim_row(
            name, short(dtype, shape) + "".join(f"-{k}={v}" for k, v in (params or {}).items()),
            args_of((domain, shape, dtype)), reference, params,
            diff=(0,) if checked else (), linear=(0,) if linear and checked else (),
            smooth=smooth and checked and shape != (0,),
            derivatives=(derivative,) if derivative and checked else None))
    return rows


def binary(name, reference, pair=None, domains=(real, real), derivatives=None, smooth=True,
           dtypes=(F32,), diff=True, linear=False, base=F64):
    """Rows of a two-operand elementwise primitive: equal shapes and a
    rank-0 operand beside an array, float64, then one row per other dtype."""
    pair = pair or (lambda rng, shapes, dtype: tuple(d(rng, s, dtype) for d, s in zip(domains, shapes)))
    rows = []
    for dtype, shapes in [(base, s) for s in BINARY_SHAPES] + [(d, ((2, 3), (2, 3))) for d in dtypes]:
        checked = diff and dtype == F64
        same = shapes[0] == shapes[1]
        rows.append(prim_row(
            name, "-".join(short(dtype, s) for s in shapes),
            lambda rng, shapes=shapes, dtype=dtype: pair(rng, shapes, dtype), reference,
            diff=(0, 1) if checked else (), linear=(0, 1) if linear and checked else (),
            smooth=smooth and checked and shapes[0] != (0,),
            derivatives=derivatives if derivatives and checked and same else None))
    return rows


def _max_partial(x, y):
    """d max(x, y) / dx, sharing ties evenly (JAX's convention)."""
    return np.where(x == y, 0.5, x > y)


def _one(*args):
    return np.ones(np.broadcast_shapes(*map(np.shape, args)))


ELEMENTWISE = [
    *unary("neg", np.negative, derivative=lambda x: -_one(x), linear=True, dtypes=(F32, I32)),
    *unary("sign", np.sign, nonzero, smooth=False, dtypes=(F32, I32)),
    *unary("floor", np.floor, off_integer, smooth=False),
    *unary("ceil", np.ceil, off_integer, smooth=False),
    *unary("round", np.round, off_integer, smooth=False),
    *unary("is_finite", np.isfinite, with_nonfinite, diff=False),
    *unary("exp", np.exp, derivative=np.exp),
    *unary("exp2", np.exp2, derivative=lambda x: np.exp2(x) * np.log(2.0)),
    *unary("log", np.log, positive, lambda x: 1 / x),
    *unary("log1p", np.log1p, positive, lambda x: 1 / (1 + x)),
    *unary("expm1", np.expm1, derivative=np.exp),
    *unary("sqrt", np.sqrt, positive, lambda x: 0.5 / np.sqrt(x)),
    *unary("cbrt", np.cbrt, nonzero, lambda x: np.cbrt(x) / (3 * x)),
    *unary("rsqrt", lambda x: 1 / np.sqrt(x), positive, lambda x: -0.5 * x ** -1.5),
    *unary("sin", np.sin, derivative=np.cos),
    *unary("cos", np.cos, derivative=lambda x: -np.sin(x)),
    *unary("tan", np.tan, unit, lambda x: 1 / np.cos(x) ** 2),
    *unary("asin", np.arcsin, unit, lambda x: 1 / np.sqrt(1 - x * x)),
    *unary("acos", np.arccos, unit, lambda x: -1 / np.sqrt(1 - x * x)),
    *unary("atan", np.arctan, derivative=lambda x: 1 / (1 + x * x)),
    *unary("sinh", np.sinh, derivative=np.cosh),
    *unary("cosh", np.cosh, derivative=np.sinh),
    *unary("tanh", np.tanh, derivative=lambda x: 1 - np.tanh(x) ** 2),
    *unary("asinh", np.arcsinh, derivative=lambda x: 1 / np.sqrt(x * x + 1)),
    *unary("acosh", np.arccosh, above_one, lambda x: 1 / np.sqrt(x * x - 1)),
    *unary("atanh", np.arctanh, unit, lambda x: 1 / (1 - x * x)),
    *unary("logistic", lambda x: 1 / (1 + np.exp(-x)),
           derivative=lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    *unary("erf", scipy.special.erf, derivative=lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    *unary("abs", np.abs, nonzero, np.sign, dtypes=(F32, I32)),
    *unary("not", np.invert, dtypes=(I64, BOOL), diff=False, base=I32),
    *unary("stop_gradient", lambda x: x, dtypes=(F32, I32, BOOL), diff=False),
    *[row for y, deriv in ((2, lambda x: 2 * x), (3, lambda x: 3 * x * x), (-2, lambda x: -2 * x ** -3.0),
                           (0, lambda x: 0 * x), (1, _one))
      for row in unary("integer_pow", lambda x, y=y: np.power(x, float(y) if y < 0 else y),
                       positive if y < 0 else real, deriv, params={"y": y},
                       dtypes=(F32, I32) if y >= 0 else (F32,))],
    *binary("add", np.add, derivatives=(_one, _one), linear=True, dtypes=(F32, I32, I64)),
    *binary("sub", np.subtract, derivatives=(_one, lambda x, y: -_one(x, y)), linear=True,
            dtypes=(F32, I32)),
    *binary("mul", np.multiply, derivatives=(lambda x, y: y, lambda x, y: x), dtypes=(F32, I32)),
    *binary("div", lambda x, y: x / y if np.result_type(x).kind == "f" else np.fix(x / y).astype(np.result_type(x)),
            domains=(real, nonzero), derivatives=(lambda x, y: 1 / y, lambda x, y: -x / y ** 2),
            dtypes=(F32, I32)),
    *binary("pow", np.power, domains=(positive, real),
            derivatives=(lambda x, y: y * x ** (y - 1), lambda x, y: x ** y * np.log(x))),
    *binary("max", np.maximum, tied_pair(real), smooth=False, dtypes=(F32, I32),
            derivatives=(_max_partial, lambda x, y: _max_partial(y, x))),
    *binary("min", np.minimum, tied_pair(real), smooth=False, dtypes=(F32, I32),
            derivatives=(lambda x, y: _max_partial(y, x), _max_partial)),
    *binary("atan2", np.arctan2, domains=(real, nonzero),
            derivatives=(lambda x, y: y / (x * x + y * y), lambda x, y: -x / (x * x + y * y))),
    *binary("rem", np.fmod, fmod_pair, dtypes=(F32, I32),
            derivatives=(_one, lambda x, y: -np.trunc(x / y))),
    *[row for name, ref in (("and", np.bitwise_and), ("or", np.bitwise_or), ("xor", np.bitwise_xor))
      for row in binary(name, ref, dtypes=(I64, BOOL), diff=False, base=I32)],
    *[row for name, ref in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                            ("gt", np.greater), ("ge", np.greater_equal))
      for row in binary(name, ref, tied_pair(real), dtypes=(I32,), diff=False)],
]


def _select_args(pred_shape, case_shape, n_cases):
    def make(rng):
        pred = rng.random(pred_shape) < 0.5 if n_cases == 2 else rng.integers(0, n_cases, pred_shape).astype(I32)
        return (pred, *(real(rng, case_shape, F64) for _ in range(n_cases)))
    return make


def _select_reference(pred, *cases):
    return np.choose(np.asarray(pred, int), np.broadcast_arrays(*cases))


SELECT = [
    prim_row("select_n", f"{short(BOOL if n == 2 else I32, p)}-{n}x{short(F64, c)}", _select_args(p, c, n),
             _select_reference, diff=tuple(range(1, n + 1)), linear=tuple(range(1, n + 1)), smooth=True)
    for p, c, n in (((2, 3), (2, 3), 2), ((), (2, 3), 2), ((2, 3), (), 2), ((), (), 2), ((0,), (0,), 2),
                    ((4,), (4,), 3))]

_convert_cases = ((F64, F64, True), (F64, F32, False), (F32, F64, False), (I32, F64, False),
                  (F64, I32, False), (F64, BOOL, False), (BOOL, F32, False))
CONVERT = [
    prim_row("convert_element_type", f"{short(src, (2, 3))}-to-{short(dst, ())}{'-weak' if weak else ''}",
             args_of((real, (2, 3), src)), lambda x, dst=dst: x.astype(dst),
             {"new_dtype": dst, "weak_type": weak},
             # A cast between floats is linear whatever the precisions; only
             # float64 -> float64 is fine enough for central differences.
             diff=(0,) if src == dst == F64 else (),
             linear=(0,) if src.kind == dst.kind == "f" else (), smooth=src == dst == F64)
    for src, dst, weak in _convert_cases]


# ---------------------------------------------------------------- reductions

def _reduction_rows(name, reference, cases, diff=True, linear=False, smooth=True, domain=real, extra=None):
    rows = []
    for shape, axes, dtype in cases:
        checked = diff and dtype == F64
        params = {"axes": axes, **(extra or {})}
        rows.append(prim_row(
            name, f"{short(dtype, shape)}-axes{axes}" + "".join(f"-{v}" for v in (extra or {}).values()),
            args_of((domain, shape, dtype)), lambda x, axes=axes: reference(x, axis=axes), params,
            diff=(0,) if checked else (), linear=(0,) if linear and checked else (), smooth=smooth and checked))
    return rows


_SUM_CASES = (((2, 3), (0,), F64), ((2, 3), (1,), F64), ((2, 3), (0, 1), F64), ((2, 3), (), F64),
              ((), (), F64), ((0, 3), (0,), F64), ((2, 3, 4), (0, 2), F64), ((2, 3), (1,), I32),
              ((2, 3), (0,), F32))
_EXTREMUM_CASES = (((2, 3), (1,), F64), ((2, 3), (0, 1), F64), ((5,), (0,), F64), ((2, 3), (0,), I32))


def _two_way_tie(rng):
    """A maximum (and a minimum) attained twice: JAX shares the tangent
    evenly, which is what central differences give for a two-way tie."""
    x = real(rng, (2, 4), F64)
    x[:, 1], x[:, 3] = x.max(axis=1), x.min(axis=1)
    return (x,)


REDUCTIONS = [
    # reduce_sum keeps its operand's dtype (lax's rule); np.sum widens int32.
    *_reduction_rows("reduce_sum", lambda x, axis: np.sum(x, axis, dtype=x.dtype), _SUM_CASES, linear=True),
    *_reduction_rows("reduce_max", np.max, _EXTREMUM_CASES),
    *_reduction_rows("reduce_min", np.min, _EXTREMUM_CASES),
    *[prim_row(name, "f64[2,4]-two-way-tie", _two_way_tie, lambda x, ref=ref: ref(x, axis=1),
               {"axes": (1,)}, diff=(0,)) for name, ref in (("reduce_max", np.max), ("reduce_min", np.min))],
    *[row for name, ref in (("argmax", np.argmax), ("argmin", np.argmin)) for index_dtype in (I64, I32)
      for row in _reduction_rows(name, lambda x, axis, ref=ref, d=index_dtype: ref(x, axis=axis[0]).astype(d),
                                 (((2, 3), (1,), F64), ((2, 3), (0,), I32)), diff=False,
                                 extra={"index_dtype": index_dtype})],
    *[prim_row("cumsum", f"{short(dtype, shape)}-axis{axis}{'-reverse' if reverse else ''}",
               args_of((real, shape, dtype)),
               lambda x, axis=axis, reverse=reverse: np.flip(np.cumsum(np.flip(x, axis), axis), axis)
               if reverse else np.cumsum(x, axis, dtype=x.dtype),
               {"axis": axis, "reverse": reverse}, diff=(0,) if dtype == F64 else (),
               linear=(0,) if dtype == F64 else (), smooth=dtype == F64)
      for shape, axis, reverse, dtype in (((2, 3), 1, False, F64), ((2, 3), 0, True, F64), ((0,), 0, False, F64),
                                          ((4,), 0, False, I32), ((4,), 0, True, F32))],
]


# --------------------------------------------------------------------- shape

def linear_row(name, case, make_args, reference, params, linear=(0,), **fields):
    """A row of a primitive linear in `linear` (float64 inputs)."""
    return prim_row(name, case, make_args, reference, params, diff=linear, linear=linear, smooth=True, **fields)


def _x(shape, dtype=F64):
    return args_of((real, shape, dtype))


def _pad_reference(x, value, padding_config):
    """Pad one axis at a time: interleave `interior` fill values, then pad the ends."""
    for axis, (lo, hi, interior) in enumerate(padding_config):
        n = x.shape[axis]
        spread_shape = list(x.shape)
        spread_shape[axis] = n + builtins.max(n - 1, 0) * interior
        spread = np.full(spread_shape, value, x.dtype)
        index = [slice(None)] * x.ndim
        index[axis] = slice(None, None, interior + 1)
        spread[tuple(index)] = x
        widths = [(0, 0)] * x.ndim
        widths[axis] = (lo, hi)
        x = np.pad(spread, widths, constant_values=value)
    return x


def _broadcast_reference(x, shape, broadcast_dimensions):
    expanded = np.expand_dims(x, tuple(i for i in range(len(shape)) if i not in broadcast_dimensions))
    return np.broadcast_to(expanded, shape)


def _slice_reference(x, start_indices, limit_indices, strides):
    return x[tuple(slice(s, l, st) for s, l, st in zip(start_indices, limit_indices, strides or [1] * x.ndim))]


def with_params(reference, params):
    return lambda *args: reference(*args, **params)


SHAPE_OPS = [
    *[linear_row("broadcast_in_dim", f"{short(F64, x)}-to{shape}-dims{dims}", _x(x),
                 with_params(_broadcast_reference, p), p)
      for x, shape, dims in (((3,), (2, 3), (1,)), ((), (2, 3), ()), ((1, 3), (2, 3), (0, 1)),
                             ((2, 1), (2, 4, 3), (0, 2)), ((3,), (0, 3), (1,)))
      for p in [{"shape": shape, "broadcast_dimensions": dims}]],
    *[linear_row("reshape", f"{short(F64, x)}-to{new}", _x(x), lambda x, new=new: x.reshape(new), {"new_sizes": new})
      for x, new in (((2, 3), (3, 2)), ((6,), (2, 3)), ((), (1, 1)), ((0, 3), (3, 0)))],
    *[linear_row("transpose", f"{short(F64, x)}-perm{perm}", _x(x), lambda x, perm=perm: x.transpose(perm),
                 {"permutation": perm})
      for x, perm in (((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)), ((), ()), ((0, 2), (1, 0)))],
    *[linear_row("squeeze", f"{short(F64, x)}-dims{dims}", _x(x), lambda x, dims=dims: np.squeeze(x, dims),
                 {"dimensions": dims})
      for x, dims in (((1, 3), (0,)), ((2, 1, 1), (1, 2)), ((1,), (0,)))],
    *[linear_row("expand_dims", f"{short(F64, x)}-dims{dims}", _x(x), lambda x, dims=dims: np.expand_dims(x, dims),
                 {"dimensions": dims})
      for x, dims in (((3,), (0,)), ((2, 3), (1, 3)), ((), (0,)))],
    *[linear_row("rev", f"{short(F64, x)}-dims{dims}", _x(x), lambda x, dims=dims: np.flip(x, dims),
                 {"dimensions": dims})
      for x, dims in (((2, 3), (0,)), ((2, 3), (0, 1)), ((2, 3), ()), ((0,), (0,)))],
    *[linear_row("concatenate", "-".join(short(F64, s) for s in shapes) + f"-dim{d}",
                 args_of(*[(real, s, F64) for s in shapes]),
                 lambda *xs, d=d: np.concatenate(xs, d), {"dimension": d}, linear=tuple(range(len(shapes))))
      for shapes, d in ((((2, 3), (2, 1)), 1), (((2,), (0,), (3,)), 0), (((1, 2),), 0))],
    *[linear_row("pad", f"{short(F64, x)}-config{config}", args_of((real, x, F64), (real, (), F64)),
                 lambda x, v, config=config: _pad_reference(x, v, config), {"padding_config": config},
                 linear=(0, 1))
      for x, config in (((3,), ((1, 2, 1),)), ((2, 3), ((0, 1, 0), (2, 0, 2))), ((0,), ((1, 1, 0),)),
                        ((2,), ((0, 0, 0),)))],
    *[linear_row("slice", f"{short(F64, x)}-{starts}:{limits}:{strides}", _x(x),
                 with_params(_slice_reference, p), p)
      for x, starts, limits, strides in (((5,), (1,), (4,), None), ((5,), (0,), (5,), (2,)),
                                         ((3, 4), (0, 1), (3, 4), (2, 2)), ((4,), (2,), (2,), None),
                                         ((5,), (1,), (5,), (3,)))
      for p in [{"start_indices": starts, "limit_indices": limits, "strides": strides}]],
    *[prim_row("iota", f"{short(dtype, shape)}-dim{dim}", lambda rng: (),
               lambda dtype=dtype, shape=shape, dim=dim: np.indices(shape, dtype)[dim],
               {"dtype": dtype, "shape": shape, "dimension": dim})
      for dtype, shape, dim in ((I32, (2, 3), 1), (F64, (4,), 0), (I64, (2, 0), 0))],
]


from op_table_complex import PRIMITIVES as COMPLEX  # noqa: E402
from op_table_fft import PRIMITIVES as FFT  # noqa: E402
from op_table_linalg import PRIMITIVES as LINALG  # noqa: E402
from op_table_sorting import PRIMITIVES as SORTING  # noqa: E402
from op_table_special import PRIMITIVES as SPECIAL  # noqa: E402
from op_table_structural import DOT, HIGHER_ORDER, INDEXING  # noqa: E402  (they use the helpers above)

PRIMITIVE_ROWS = (ELEMENTWISE + SELECT + CONVERT + REDUCTIONS + SHAPE_OPS + INDEXING + DOT + HIGHER_ORDER + COMPLEX
                  + LINALG + SPECIAL + SORTING + FFT)

# Rows a known bug outside ops/ and numpy/ makes fail: row id -> {test: reason}.
# The tests mark them xfail(strict=True), so a fix shows up as an XPASS.
KNOWN_BUGS: dict = {}


# Primitives that only transforms create, as the linearization or transpose
# of another: they have no row of their own, their parent's derivative rows
# run them. custom_lin, while_lin and while_vjp_lin live only inside a linear
# Jaxpr that reverse mode transposes away (JAX's custom_lin has no JVP or
# batching rule either); while_vjp is what that transposition leaves.
INTERNAL = {"custom_lin": ("custom_vjp_call", ("shape_rule", "impl", "transpose")),
            "while_lin": ("while", ("shape_rule", "impl", "transpose")),
            "while_vjp": ("while", ("shape_rule", "impl", "jvp", "partial_eval", "batch")),
            "while_vjp_lin": ("while", ("shape_rule", "impl", "transpose"))}


def required_rules(name) -> tuple:
    """Every primitive has a shape rule, an impl, a JVP and a batching rule;
    linear ones a transpose. A primitive without operands (iota) has nothing
    to batch."""
    rows = [r for r in PRIMITIVE_ROWS if r.primitive == name]
    if name in INTERNAL:
        return INTERNAL[name][1]
    needed = ["shape_rule", "impl", "jvp"]
    if any(r.args() for r in rows):
        needed.append("batch")
    if any(r.linear for r in rows):
        needed.append("transpose")
    return tuple(needed)


from op_table_numpy import NUMPY_ROWS  # noqa: E402  (the facade rows use the helpers above)

ROWS = [replace(r, xfail=KNOWN_BUGS[r.id]) if r.id in KNOWN_BUGS else r for r in PRIMITIVE_ROWS + NUMPY_ROWS]
assert set(KNOWN_BUGS) <= {r.id for r in ROWS}, set(KNOWN_BUGS) - {r.id for r in ROWS}
