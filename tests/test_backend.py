"""The numba backend (tier 1) and jit's NumPy tier (tier 0) agree with the
eager interpreter on every primitive.

Each oracle batch puts many op-table rows into one Jaxpr (one equation per
row) and compiles it once: numba compiles cost about a second each, so the
batches keep CI short. The reference is `eval_closed`, the IR's own NumPy
interpreter; dtypes must match exactly.
"""
from __future__ import annotations

import numpy as np
import pytest
from op_table import (
    COMPLEX,
    CONVERT,
    DOT,
    ELEMENTWISE,
    INDEXING,
    LINALG,
    PRIMITIVE_ROWS,
    REDUCTIONS,
    SELECT,
    SHAPE_OPS,
    SORTING,
    SPECIAL,
)

from functrans.backend import compile_jaxpr
from functrans.backend.numpy_eval import NumpyProgram
from functrans.core import REGISTRY, eval_closed
from functrans.ir import ClosedJaxpr, Eqn, Jaxpr, Var, aval_of

# Call primitives are inlined before lowering (transforms.passes.inline_calls);
# control flow lowers with its bodies inlined and is checked under jit in
# test_control_flow.py.
NOT_LOWERED = {"closed_call", "checkpoint", "custom_jvp_call", "custom_vjp_call", "custom_lin",
               "cond", "while", "while_lin", "while_vjp", "while_vjp_lin", "scan"}


def well_typed(row) -> bool:
    """Rows the shape rule rejects test error messages elsewhere; they are no program to compile."""
    try:
        REGISTRY[row.primitive].abstract_eval([aval_of(a) for a in row.args()], row.params)
        return True
    except (TypeError, ValueError):
        return False


def rows_as_jaxpr(rows):
    """One equation per row, each on its own invars; and the flat arguments."""
    invars, eqns, outvars, args = [], [], [], []
    for row in rows:
        row_args = row.args()
        ins = [Var(aval_of(a)) for a in row_args]
        prim = REGISTRY[row.primitive]
        outs = [Var(aval) for aval in prim.abstract_eval([v.aval for v in ins], row.params)]
        invars += ins
        args += row_args
        eqns.append(Eqn(prim, ins, outs, row.params))
        outvars += outs
    return ClosedJaxpr(Jaxpr([], invars, eqns, outvars), []), args


def assert_same(got, want, where):
    assert len(got) == len(want), where
    for i, (g, w) in enumerate(zip(got, want)):
        w = np.asarray(w)
        assert np.asarray(g).dtype == w.dtype, f"{where(i)}: dtype {np.asarray(g).dtype} != {w.dtype}"
        assert np.shape(g) == w.shape, f"{where(i)}: shape {np.shape(g)} != {w.shape}"
        rtol = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-13}.get(w.dtype, 0)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol, err_msg=where(i))


def owners(rows):
    return [row.id for row in rows for _ in REGISTRY[row.primitive].abstract_eval(
        [aval_of(a) for a in row.args()], row.params)]


def check_rows(rows):
    """Tier 1 against eager; and tier 0 against tier 1, down to the Python type of each result."""
    rows = [row for row in rows if well_typed(row)]
    closed, args = rows_as_jaxpr(rows)
    got = compile_jaxpr(closed)(*args)
    want = eval_closed(closed, args)
    owner = owners(rows)
    assert_same(got, want, lambda i: owner[i])
    tier0 = NumpyProgram(closed.jaxpr)(*args)
    assert_same(tier0, got, lambda i: f"tier 0, {owner[i]}")
    assert [type(x) for x in tier0] == [type(x) for x in got]


def one_per_signature(rows):
    """An elementwise loop body depends on the operands' dtypes and on which
    of them are rank-0, not on their shapes: one row of each is enough."""
    seen, kept = set(), []
    for row in rows:
        key = (row.primitive, repr(row.params), tuple((np.result_type(a), np.ndim(a) == 0) for a in row.args()))
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def chunks(name, rows, size=60):
    """numba's compile time grows faster than linearly past ~60 equations."""
    return {f"{name}-{i // size}": rows[i:i + size] for i in range(0, len(rows), size)}


BATCHES = {**chunks("elementwise", one_per_signature(ELEMENTWISE)), "select-convert": SELECT + CONVERT,
           "reductions": REDUCTIONS, "shape": SHAPE_OPS, "indexing": INDEXING, "dot": DOT, "linalg": LINALG,
           "special": one_per_signature(SPECIAL), "sorting": SORTING}


@pytest.mark.parametrize("family", list(BATCHES))
def test_jit_matches_eager_on_every_op_table_row(family):
    check_rows(BATCHES[family])


# Complex values do not lower: jit raises UnsupportedError naming the dtype
# and saying to run without jit (checked below).
COMPLEX_ONLY = {"real", "imag", "conj", "complex", "fft"}   # every fft has a complex operand or result


def test_every_lowered_primitive_has_rows_in_the_batches():
    batched = {row.primitive for rows in BATCHES.values() for row in rows}
    assert batched == {row.primitive for row in PRIMITIVE_ROWS} - NOT_LOWERED - COMPLEX_ONLY
    assert set(REGISTRY) - NOT_LOWERED - COMPLEX_ONLY <= batched


@pytest.mark.parametrize("row", [r for r in COMPLEX if r.primitive in COMPLEX_ONLY][:1] + [
    r for r in COMPLEX if r.primitive == "exp"][:1], ids=lambda r: r.id)
def test_complex_values_under_jit_raise_a_clear_error(row):
    from functrans.errors import UnsupportedError
    closed, args = rows_as_jaxpr([row])
    with pytest.raises(UnsupportedError, match=r"jit does not support complex.*run the function without jit"):
        compile_jaxpr(closed)


# A guarded IndexMap: pad lowered as index arithmetic (the operand where the
# index lies on its lattice, the padding value elsewhere) instead of a
# materialised array; ops/shaping.py still renders pad as a statement.
def test_guarded_index_map_fuses_pad_into_the_loop():
    import functrans as ft
    import functrans.lax as lax
    from functrans.backend.render import render_jaxpr
    x, y = np.arange(1.0, 7.0).reshape(2, 3), np.arange(1.0, 4.0)

    def program(x, y, c):
        a = lax.pad(x, c, padding_config=((1, 2, 1), (0, 1, 2)))     # low, high and interior padding
        b = lax.pad(y, 0.0, padding_config=((0, 3, 1),)) + lax.pad(y * 2.0, 0.0, padding_config=((1, 2, 1),))
        return a * 2.0, b, lax.pad(x, -1.0, padding_config=((0, 0, 0), (2, 0, 0)))
    closed = ft.make_jaxpr(program)(x, y, 0.5)
    assert "fill" not in render_jaxpr(closed.jaxpr)
    got = compile_jaxpr(closed)(x, y, 0.5)
    for g, want in zip(got, eval_closed(closed, [x, y, 0.5])):
        np.testing.assert_array_equal(g, want)


def test_tier0_matches_eager_on_every_primitive_row():
    """All rows, not one per signature: tier 0 costs no compile. (Control
    flow runs through tier 0 in test_tiers.py.)"""
    rows = [row for row in PRIMITIVE_ROWS if well_typed(row)]
    for row in rows:     # one Jaxpr per row: a row's error names the row
        closed, args = rows_as_jaxpr([row])
        got = NumpyProgram(closed.jaxpr)(*args)
        want = eval_closed(closed, args)
        assert_same(got, want, lambda i, row=row: f"tier 0, {row.id}")
        assert [type(x) for x in got] == [type(np.asarray(w)) if np.ndim(w) else np.asarray(w).dtype.type
                                          for w in want], row.id
    assert {row.primitive for row in rows} == {row.primitive for row in PRIMITIVE_ROWS} - NOT_LOWERED
