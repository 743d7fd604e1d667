"""The vmap oracle: every row of the op table, mapped over a batch of
`B` examples, against a Python loop over the examples.

Four cases per row, over the row's array operands (NumPy arrays and NumPy
scalars; Python scalars are weakly typed constants, never mapped):
- `axis0`: every array operand batched at axis 0;
- `last`: every array operand batched at its last axis (`in_axes=-1`);
- `first`: the first array operand batched, the others shared (`None`);
- `rest`: the first array operand shared, the others batched.
A shared operand is example 0's. `vmap_cases` states why a case does not
apply to a row; no case is skipped for any other reason.

Then, for the primitive rows, derivatives through the batching rules
(`vmap(grad)` and `grad(vmap)` against a loop of grads), and a few under jit.

Tolerances: the batched program may sum in another order than the loop:
rtol 1e-12 for float64 (1e-5 for float32); integer and bool outputs exact;
gradients rtol 1e-10.
"""
import numpy as np
import pytest
from op_table import ROWS

import functrans as ft
import functrans.numpy as fnp
from functrans.tree_util import tree_leaves

B = 3
CASES = ("axis0", "last", "first", "rest")


def is_array(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic))


def vmap_cases(row):
    """[(case, in_axes or None, why the case does not apply or None)] of `row`."""
    arrays = [i for i, a in enumerate(row.args()) if is_array(a)]
    n = len(row.args())
    if not arrays:
        why = "no array operand: nothing to map over (Python scalars are constants, not batches)"
        return [(case, None, why) for case in CASES]
    axes = {"axis0": [0 if i in arrays else None for i in range(n)],
            "last": [-1 if i in arrays else None for i in range(n)],
            "first": [0 if i == arrays[0] else None for i in range(n)],
            "rest": [0 if i in arrays[1:] else None for i in range(n)]}
    cases = []
    for case in CASES:
        why = None
        if len(arrays) == 1 and case == "first":
            why = "one array operand: the same check as axis0"
        if len(arrays) == 1 and case == "rest":
            why = "one array operand: with it shared, nothing is mapped"
        cases.append((case, tuple(axes[case]), why))
    return cases


CHECKS = [pytest.param(row, case, in_axes, id=f"{row.id}-{case}")
          for row in ROWS for case, in_axes, why in vmap_cases(row) if why is None]


def batch_of(examples, in_axes):
    """The batched arguments, and each example's arguments as the loop sees them."""
    batched, per_example = [], [list(ex) for ex in examples]
    for k, axis in enumerate(in_axes):
        if axis is None:
            batched.append(examples[0][k])
            for ex in per_example:
                ex[k] = examples[0][k]
        else:
            batched.append(np.stack([np.asarray(ex[k]) for ex in examples], axis=axis))
    return batched, per_example


def tolerance(dtype) -> dict:
    kind = np.dtype(dtype)
    if kind == np.float32:
        return {"rtol": 1e-5, "atol": 1e-6}
    if kind.kind in "fc":
        return {"rtol": 1e-12, "atol": 1e-14}
    return {"rtol": 0, "atol": 0}


@pytest.mark.parametrize("row, case, in_axes", CHECKS)
def test_vmap_matches_a_python_loop(row, case, in_axes):
    batched, per_example = batch_of(row.examples(B), in_axes)
    got = tree_leaves(ft.vmap(row.fun, in_axes=in_axes)(*batched))
    looped = [tree_leaves(row.fun(*ex)) for ex in per_example]
    assert len(got) == len(looped[0])
    for k, out in enumerate(got):
        want = np.stack([np.asarray(outs[k]) for outs in looped])
        assert np.result_type(out) == want.dtype, (np.result_type(out), want.dtype)
        np.testing.assert_allclose(out, want, **tolerance(want.dtype), err_msg=f"output {k}")


def test_every_row_is_mapped_in_some_case_unless_it_has_no_array_operand():
    for row in ROWS:
        reasons = [why for _, _, why in vmap_cases(row)]
        assert None in reasons or all(w.startswith("no array operand") for w in reasons), row.id


# ------------------------------------------------ derivatives of batched rules
# The batching rules are written in functrans ops, so they differentiate;
# and the JVP and transpose of a primitive are batched by the rules of
# others (gather's transpose, a scatter-add, with batched indices). Primitive
# rows only (the facade's are compositions of them), and not the `last` case,
# which moves no rule onto another path than `axis0` does.

def summed(fun):
    """The sum of every output element (its real part, for complex outputs)."""
    return lambda *args: sum(fnp.sum(fnp.real(leaf)) for leaf in tree_leaves(fun(*args)))


DIFF_CHECKS = [pytest.param(row, case, in_axes, id=f"{row.id}-{case}")
               for row in ROWS if row.is_primitive and row.diff
               for case, in_axes, why in vmap_cases(row) if why is None and case != "last"]


@pytest.mark.parametrize("row, case, in_axes", DIFF_CHECKS)
def test_vmap_of_grad_and_grad_of_vmap_match_a_loop_of_grads(row, case, in_axes):
    batched, per_example = batch_of(row.examples(B), in_axes)
    grad = ft.grad(summed(row.fun), argnums=row.diff)
    per_grads = [grad(*ex) for ex in per_example]
    for k, (got, argnum) in enumerate(zip(ft.vmap(grad, in_axes=in_axes)(*batched), row.diff)):
        want = np.stack([g[k] for g in per_grads])
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"vmap(grad), argnum {argnum}")
    grad_of_vmap = ft.grad(summed(ft.vmap(row.fun, in_axes=in_axes)), argnums=row.diff)(*batched)
    for k, (got, argnum) in enumerate(zip(grad_of_vmap, row.diff)):
        stacked = np.stack([g[k] for g in per_grads])
        want = stacked.sum(0) if in_axes[argnum] is None else np.moveaxis(stacked, 0, in_axes[argnum])
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"grad(vmap), argnum {argnum}")


# One jit compile each (~1 s): the rules that fold a batch into an indexed
# axis, or select a window, under jit and its gradient.
JITTED = ("scatter-add-f64[3,4]-idx[2, 0]-axis1", "dynamic_slice-f64[3,4]-at(1, 2)-size(2, 2)",
          "dynamic_update_slice-f64[3,4]-f64[2,2]-at(1, 3)", "pad-f64[2,3]-config((0, 1, 0), (2, 0, 2))")


@pytest.mark.parametrize("row_id", JITTED)
def test_jit_of_vmap_and_of_its_grad_match_eager(row_id):
    row = next(r for r in ROWS if r.id == row_id)
    in_axes = next(axes for case, axes, _ in vmap_cases(row) if case == "axis0")
    batched, _ = batch_of(row.examples(B), in_axes)
    mapped = ft.vmap(row.fun, in_axes=in_axes)
    both = lambda *args: (mapped(*args), ft.grad(summed(mapped), argnums=row.diff)(*args))
    for got, want in zip(tree_leaves(ft.jit(both)(*batched)), tree_leaves(both(*batched))):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
