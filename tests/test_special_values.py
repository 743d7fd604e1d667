"""Special values through every elementwise primitive of the op table:
0, -0.0, +-inf, nan, denormals and huge values (and every pair of them for
two-operand primitives), jit against eager against NumPy (issue 15, section 5).

The bound (README, "How functrans differs from JAX"): jitted and eager
results are within 4 ulp of NumPy's, and agree with it exactly on which
results are NaN, infinite or a signed zero. One kernel per dtype holds every
primitive, so this module costs a handful of numba compiles.
"""
from __future__ import annotations

import numpy as np
import pytest
from op_table import CONVERT, ELEMENTWISE, SELECT, SPECIAL

import functrans as ft
from functrans.backend import compile_jaxpr
from functrans.core import REGISTRY
from functrans.ir import ClosedJaxpr, Eqn, Jaxpr, Var, aval_of

ULPS = 4
# max(0.0, -0.0) is either zero: NumPy's SIMD loops return the second operand
# on ties, its documentation (and numba) the first.
TIES_OF_ZEROS = {"max", "min"}
# Where NumPy's integer division by zero is 0 (with a warning), the rows'
# truncating-division references are not defined: compared with eager only.
UNDEFINED_AT_ZERO_DIVISOR = {"div", "rem"}


def undefined_conversion(row, args):
    """Converting NaN, an infinity or a float past the target's range to an
    integer is undefined (C, LLVM; NumPy gives INT_MIN with a warning):
    such elements are left out of a float-to-integer conversion's check."""
    new = row.params.get("new_dtype") if row.primitive == "convert_element_type" else None
    if new is None or new.kind not in "iu" or args[0].dtype.kind != "f":
        return None
    info = np.iinfo(new)
    with np.errstate(invalid="ignore"):
        return ~(np.isfinite(args[0]) & (args[0] > info.min - 1.0) & (args[0] < info.max + 1.0))


def float_specials(dtype) -> np.ndarray:
    """The special values of a float dtype and some ordinary ones beside them."""
    info = np.finfo(dtype)
    values = [0.0, -0.0, np.inf, -np.inf, np.nan, info.smallest_subnormal, -info.smallest_subnormal,
              info.smallest_subnormal * 1000, info.smallest_normal, info.max, -info.max, info.max / 3,
              1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.7, 1e-20, 40.0, -110.0]
    return np.array(values, dtype)


def int_specials(dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.array([0, 1, -1, 2, -3, 7, info.max, info.min + 1], dtype)


def specials(dtype) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.array([False, True])
    return float_specials(dtype) if dtype.kind == "f" else int_specials(dtype)


def special_args(row) -> tuple:
    """The row's operands replaced by special values of their dtypes: the
    grid for one operand, every combination of the grids for more."""
    grids = [specials(np.asarray(a).dtype) for a in row.args()]
    if row.primitive == "select_n":    # the predicate picks a case: only its valid values
        grids[0] = np.arange(len(grids) - 1).astype(grids[0].dtype)
    return tuple(g.ravel() for g in np.meshgrid(*grids, indexing="ij"))


def one_per_signature(rows):
    seen, kept = set(), []
    for row in rows:
        key = (row.primitive, repr(row.params), tuple(np.asarray(a).dtype for a in row.args()))
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


ROWS = one_per_signature(ELEMENTWISE + SELECT + CONVERT + SPECIAL)
GROUPS = {}
for _row in ROWS:
    GROUPS.setdefault(np.asarray(_row.args()[0]).dtype.name, []).append(_row)


def ordered(a: np.ndarray) -> np.ndarray:
    """Floats as integers in the order of the floats, so that the difference
    of two is their distance in ulps (-0.0 and 0.0 are one apart)."""
    bits = a.view({4: np.int32, 8: np.int64}[a.dtype.itemsize]).astype(np.int64)
    return np.where(bits < 0, np.iinfo(np.int64).min - bits, bits)


def assert_agree(got, want, where, ulps=ULPS, any_zero=False):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, where
    if want.dtype.kind != "f":
        np.testing.assert_array_equal(got, want, err_msg=where)
        return
    nan = np.isnan(want)
    bad = nan != np.isnan(got)
    special = ~nan & (np.isinf(want) | (want == 0) | np.isinf(got) | (got == 0))
    sign_differs = np.signbit(got) != np.signbit(want)
    if any_zero:
        sign_differs &= want != 0
    bad |= special & ((got != want) | sign_differs)
    finite = ~nan & ~special
    bad[finite] |= np.abs(ordered(got[finite]) - ordered(want[finite])) > ulps
    assert not bad.any(), f"{where}: at {np.flatnonzero(bad)[:8]} got {got[bad][:8]}, NumPy {want[bad][:8]}"


def jaxpr_of_rows(rows):
    """One equation per row on its special arguments; and those arguments."""
    invars, eqns, outvars, args = [], [], [], []
    for row in rows:
        row_args = special_args(row)
        ins = [Var(aval_of(a)) for a in row_args]
        prim = REGISTRY[row.primitive]
        outs = [Var(a) for a in prim.abstract_eval([v.aval for v in ins], row.params)]
        invars += ins
        eqns.append(Eqn(prim, ins, outs, row.params))
        outvars += outs
        args += row_args
    return ClosedJaxpr(Jaxpr([], invars, eqns, outvars), []), args


@pytest.mark.parametrize("dtype", list(GROUPS))
def test_every_elementwise_primitive_agrees_with_numpy_on_special_values_eagerly_and_under_jit(dtype):
    rows = GROUPS[dtype]
    closed, args = jaxpr_of_rows(rows)
    failures = []
    with np.errstate(all="ignore"):
        jitted = compile_jaxpr(closed)(*args)
        start = 0
        for row, out in zip(rows, jitted):
            row_args = args[start:start + len(special_args(row))]
            start += len(row_args)
            eager, reference = np.asarray(row.fun(*row_args)), np.asarray(row.reference(*row_args))
            undefined = undefined_conversion(row, row_args)
            if undefined is not None:
                eager, reference, out = (np.where(undefined, 0, a).astype(a.dtype) for a in (eager, reference, out))
            if row.primitive in UNDEFINED_AT_ZERO_DIVISOR and reference.dtype.kind != "f":
                reference = np.where(row_args[1] == 0, eager, reference)
            for got, want, how in ((eager, reference, "eager"), (out, reference, "jit"), (out, eager, "jit vs eager")):
                try:
                    assert_agree(got, want, f"{row.id} {how}", any_zero=row.primitive in TIES_OF_ZEROS)
                except AssertionError as error:
                    failures.append(str(error))
    assert not failures, "\n".join(failures)


def test_the_special_value_table_covers_every_elementwise_primitive():
    elementwise = {name for name, p in REGISTRY.items() if p.elementwise}
    assert elementwise - {row.primitive for row in ROWS} <= {"real", "imag", "conj", "complex"}   # jit: no complex


# ------------------------------------------------------- ** with constants

EXPONENTS = [-np.inf, -100.0, -64, -7, -3.0, -2, -1.5, -1, -1.0, -0.5, -0.0, 0, 0.0, 0.25, 1 / 3, 0.5,
             np.float64(0.5), 1, 1.5, 2, 2.0, 2.5, 3, 4, 5, 7.0, 64, 100.5, np.inf, np.nan]
BASES = np.concatenate([float_specials(np.float64), [-8.0, -0.25, 1e-160, 1e160, -1e160, 7.0]])


def _powers(x):
    return tuple(x ** e for e in EXPONENTS)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_power_with_any_constant_exponent_matches_numpy_at_every_special_value(dtype):
    """0 and -0.0 to negative powers, odd and even whole powers of negative
    bases, inf and nan both sides, 0.5 (NumPy takes sqrt: -0.0 stays -0.0),
    exponents past what products of x reach exactly."""
    with np.errstate(all="ignore"):
        xs = BASES.astype(dtype)
        want = [xs ** e for e in EXPONENTS]
        eager = _powers(xs)
        jitted = ft.jit(_powers)(xs)
    for e, w, got_eager, got_jit in zip(EXPONENTS, want, eager, jitted):
        assert_agree(got_eager, w, f"x ** {e!r} eager")
        assert_agree(got_jit, w, f"x ** {e!r} jit")
