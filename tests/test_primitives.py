"""Every row of the op table through the oracles that need neither vmap nor
jit: impl vs NumPy, shape rule vs impl, the printed Jaxpr, and the
derivative oracles (central differences, the inner-product identity, order
3, hand-derived formulas), with `typecheck` on the Jaxprs transforms build.

The derivative oracles run over the `functrans.numpy` rows too: a facade
function has no rules of its own, so they test the primitives' rules as
they compose.

Tolerances, float64 unless a row says otherwise:
- impl vs NumPy: rtol `row.rtol` (1e-12; 1e-6 for float32 outputs).
- jvp vs central differences with step 1e-6: rtol = atol = 1e-6 (the
  truncation error is ~1e-12 times the third derivative, the rounding error
  ~1e-16 / 1e-6 times the value).
- the inner-product identity: relative 1e-10 of the terms' magnitude
  (1e-5 for float32): both sides are exact up to rounding.
- order 3: `check_grads`' defaults, JAX's (1e-5 per element, step 1e-4).
- hand-derived formulas: rtol = atol = 1e-10.
"""
import re

import numpy as np
import pytest
from op_table import INTERNAL, PRIMITIVE_ROWS, ROWS, required_rules, restrict

import functrans as ft
import functrans.numpy as fnp
from functrans.core import REGISTRY, eval_closed, eval_jaxpr
from functrans.errors import UnsupportedError
from functrans.ir import Jaxpr, aval_of, typecheck
from functrans.test_util import check_grads, numerical_jvp
from functrans.tree_util import tree_leaves, tree_map

PRIMITIVES = [r for r in ROWS if r.is_primitive]
DIFFERENTIABLE = [r for r in ROWS if r.diff]
FORWARD = [r for r in DIFFERENTIABLE if "fwd" in r.modes]
LINEARIZED = [r for r in ROWS if r.diff or r.linear]
SMOOTH = [r for r in ROWS if r.smooth and r.is_primitive]
SMOOTH_COMPOSITES = [r for r in ROWS if r.smooth and not r.is_primitive]
HAND_DERIVED = [r for r in ROWS if r.derivatives]


def over(rows):
    """Parametrize a test over `rows`; a row's `xfail` entry for the test
    (a known bug, with its reason) marks it strictly."""
    def mark(test):
        params = [pytest.param(r, id=r.id, marks=[pytest.mark.xfail(strict=True, reason=r.xfail[test.__name__])]
                               if test.__name__ in r.xfail else []) for r in rows]
        return pytest.mark.parametrize("row", params)(test)
    return mark


def rtol_for(dtype, rtol):
    return max(rtol, 1e-6) if np.dtype(dtype) == np.float32 else rtol


def random_like(rng, tree):
    """Random directions; complex ones off the real axis."""
    def draw(x):
        dtype = np.result_type(x)
        values = rng.standard_normal(np.shape(x))
        if dtype.kind == "c":
            values = values + 1j * rng.standard_normal(np.shape(x))
        return np.asarray(values, dtype)
    return tree_map(draw, tree)


def inner(xs, ys) -> float:
    """sum(x * y), real part: the pairing under which JAX's (and our) vjp is
    the transpose of jvp for complex values too (no conjugation)."""
    return float(sum(np.dot(np.ravel(x), np.ravel(y)).real for x, y in zip(tree_leaves(xs), tree_leaves(ys))))


def magnitude(xs, ys) -> float:
    """The size of the terms of `inner(xs, ys)`: what rounding is relative to."""
    return float(sum(np.abs(np.ravel(x)) @ np.abs(np.ravel(y)) for x, y in zip(tree_leaves(xs), tree_leaves(ys))))


def differentiated(row):
    """`row.fun` as a function of its differentiated (or linear) arguments."""
    args = row.args()
    return restrict(row.fun, args, tuple(sorted(set(row.diff) | set(row.linear))))


def summed(fun):
    """The scalar grad differentiates: the sum of every output element (the
    real part of a complex one)."""
    return lambda *args: sum(fnp.sum(fnp.real(leaf)) for leaf in tree_leaves(fun(*args)))


# -------------------------------------------------------------- completeness

@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_primitive_has_a_row_and_every_rule_it_needs(name):
    parent = INTERNAL[name][0] if name in INTERNAL else name
    assert any(r.primitive == parent and (parent == name or r.diff) for r in PRIMITIVE_ROWS), (
        f"no op-table row for primitive {parent!r}")
    prim = REGISTRY[name]
    missing = [rule for rule in required_rules(name) if getattr(prim, rule) is None]
    assert not missing, f"primitive {name!r} lacks the rules {missing}"


def test_every_row_names_a_registered_primitive_and_has_a_unique_id():
    assert {r.primitive for r in PRIMITIVES} <= set(REGISTRY)
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# ------------------------------------------------------------- impl and shape

def primitive_call(row):
    """(inputs, params) of the row's primitive on `row.args()`. Rows bound
    through the API (`params is None`) are traced, and the Jaxpr evaluated up
    to their equation for the values of its inputs."""
    args = row.args()
    if row.params is not None:
        return list(args), row.params
    closed = ft.make_jaxpr(row.fun)(*args)
    jaxpr = closed.jaxpr
    k = next(i for i, e in enumerate(jaxpr.eqns) if e.primitive.name == row.primitive)
    eqn = jaxpr.eqns[k]
    before = Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.eqns[:k], eqn.invars)
    return eval_jaxpr(before, closed.consts, list(args)), eqn.params


def impl_outputs(prim, inputs, params) -> list:
    out = prim.impl(*inputs, **params)
    return list(out) if prim.multiple_results else [out]


@over(PRIMITIVES)
def test_impl_matches_numpy(row):
    """A row bound through the API runs its whole traced Jaxpr, evaluated
    with the impls (its primitive's output may be internal, e.g. a loop
    counter)."""
    args = row.args()
    if row.params is None:
        outs = eval_closed(ft.make_jaxpr(row.fun)(*args), list(args))
    else:
        outs = impl_outputs(REGISTRY[row.primitive], list(args), row.params)
    expected = tree_leaves(row.reference(*row.args()))
    assert len(outs) == len(expected)
    for out, want in zip(outs, expected):
        assert np.result_type(out) == np.result_type(want)
        np.testing.assert_allclose(out, want, rtol=rtol_for(np.result_type(out), row.rtol), atol=1e-300)


@over(PRIMITIVES)
def test_shape_rule_matches_impl(row):
    prim = REGISTRY[row.primitive]
    inputs, params = primitive_call(row)
    avals = prim.abstract_eval([aval_of(a) for a in inputs], params)
    outs = impl_outputs(prim, inputs, params)
    assert [(a.shape, a.dtype) for a in avals] == [(np.shape(o), np.result_type(o)) for o in outs]


def _jax_param(value) -> str:
    if isinstance(value, np.dtype):
        return value.name
    return value.__name__ if callable(value) and hasattr(value, "__name__") else repr(value)


@over([r for r in PRIMITIVES if r.args()])
def test_printed_jaxpr_shows_the_primitive_with_its_params(row):
    closed = ft.make_jaxpr(row.fun)(*row.args())
    text = str(closed)
    if not closed.jaxpr.eqns and closed.jaxpr.outvars[0] in closed.jaxpr.invars:
        # An identity (rev over no axes, concatenate of one array): make_jaxpr
        # simplifies it away, as jit would; check it really is one.
        out = row.fun(*row.args())
        arg = row.args()[closed.jaxpr.invars.index(closed.jaxpr.outvars[0])]
        np.testing.assert_array_equal(out, arg)
        return
    if row.params is None:   # params holding Jaxprs print over several lines
        assert f"= {row.primitive}[" in text, text
        return
    match = re.search(rf"= {re.escape(row.primitive)}(\[.*\])? [a-z]", text)
    assert match, f"no {row.primitive} equation in\n{text}"
    expected = [f"{k}={_jax_param(v)}" for k, v in sorted(row.params.items())]
    printed = (match.group(1) or "[]")[1:-1]
    # The order of params is pinned by test_printer_lists_params_sorted_as_jax_does.
    assert all(p in printed for p in expected) and len(printed) == len(" ".join(expected)), (printed, expected)


def test_printer_lists_params_sorted_as_jax_does():
    text = str(ft.make_jaxpr(lambda x: x[1:3])(np.ones(5)))
    assert "slice[limit_indices=(3,) start_indices=(1,) strides=None]" in text, text


# ---------------------------------------------------------------- derivatives

@over(FORWARD)
def test_jvp_matches_central_differences(row):
    fun, args = restrict(row.fun, row.args(), row.diff)
    tangents = random_like(np.random.default_rng(1), args)
    out, tangent_out = ft.jvp(fun, args, tangents)
    expected = numerical_jvp(fun, args, tangents, eps=1e-6)
    for o, v in zip(tree_leaves(out), tree_leaves(fun(*args))):
        np.testing.assert_allclose(o, v, rtol=1e-12)
    for t, e in zip(tree_leaves(tangent_out), tree_leaves(expected)):
        np.testing.assert_allclose(t, e, rtol=1e-6, atol=1e-6)


@over(LINEARIZED)
def test_vjp_is_the_transpose_of_jvp(row):
    """<ct, J t> == <J^T ct, t>: for a linear primitive this checks its
    transpose rule; for any other, reverse mode against forward mode."""
    fun, args = differentiated(row)
    rng = np.random.default_rng(2)
    tangents = random_like(rng, args)
    out, vjp_fn = ft.vjp(fun, *args)
    cts = random_like(rng, out)
    cts_in = vjp_fn(cts)
    tol = 1e-5 if any(np.result_type(x) == np.float32 for x in tree_leaves((args, out))) else 1e-10
    if "fwd" in row.modes:
        _, jt = ft.jvp(fun, args, tangents)
    else:   # a reverse-only function: J t from central differences, to their precision
        jt, tol = numerical_jvp(fun, args, tangents, eps=1e-6), 1e-6
    scale = max(magnitude(cts, jt), magnitude(cts_in, tangents), 1.0)
    assert abs(inner(cts, jt) - inner(cts_in, tangents)) <= tol * scale


@over(SMOOTH)
def test_derivatives_to_order_3_match_numerics(row):
    fun, args = differentiated(row)
    check_grads(fun, args, order=3, modes=row.modes)


@over(SMOOTH_COMPOSITES)
def test_derivatives_of_numpy_functions_to_order_2_match_numerics(row):
    """Second order suffices for compositions: the third-order rules are the
    primitives', checked above."""
    fun, args = differentiated(row)
    check_grads(fun, args, order=2, modes=row.modes)


@over(HAND_DERIVED)
def test_derivative_matches_the_hand_derived_formula(row):
    args = row.args()
    for argnum, formula in zip(row.diff, row.derivatives):
        grad = ft.grad(summed(row.fun), argnums=argnum)(*args)
        expected = np.broadcast_to(formula(*args), np.shape(args[argnum]))
        np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-10, err_msg=f"d/d arg {argnum}")


@over(DIFFERENTIABLE)
def test_jaxprs_of_transforms_typecheck_and_evaluate_to_the_transform(row):
    fun, args = restrict(row.fun, row.args(), row.diff)
    grad = ft.grad(summed(fun), argnums=tuple(range(len(args))))
    transforms = {"fun": fun, "grad": grad,
                  "jvp": lambda *a: ft.jvp(fun, a, a)[1],
                  "vjp": lambda *a: ft.vjp(fun, *a)[1](fun(*a))}
    if "fwd" not in row.modes:
        del transforms["jvp"]
    for name, transformed in transforms.items():
        closed = ft.make_jaxpr(transformed)(*args)
        typecheck(closed.jaxpr)
        evaluated = eval_closed(closed, list(tree_leaves(args)))
        for got, want in zip(evaluated, tree_leaves(transformed(*args))):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300, err_msg=name)


def test_forward_mode_of_a_reverse_only_row_is_refused():
    for row in [r for r in DIFFERENTIABLE if "fwd" not in r.modes]:
        fun, args = restrict(row.fun, row.args(), row.diff)
        with pytest.raises(UnsupportedError, match="custom_jvp"):
            ft.jvp(fun, args, args)


def test_stop_gradient_has_zero_derivative_but_passes_the_value():
    x = np.array([0.5, -1.5])
    out, tangent = ft.jvp(lambda x: ft.stop_gradient(x) * x, (x,), (np.ones(2),))
    np.testing.assert_array_equal(out, x * x)
    np.testing.assert_array_equal(tangent, x)   # only the unstopped factor's derivative
    np.testing.assert_array_equal(ft.grad(lambda x: fnp.sum(ft.stop_gradient(x)))(x), np.zeros(2))


def test_gather_clamps_out_of_range_indices_and_its_transpose_agrees():
    x = np.arange(5.0)
    gather = lambda x: REGISTRY["gather"](x, np.array([7, -3]), axis=0)
    np.testing.assert_array_equal(gather(x), [4.0, 0.0])
    np.testing.assert_array_equal(ft.grad(lambda x: fnp.sum(gather(x) * np.array([1.0, 2.0])))(x),
                                  [2.0, 0, 0, 0, 1.0])


def test_scatter_gradient_counts_indices_equal_once_clamped_as_repeated():
    """-1 clamps to 0: the update written there first is overwritten, so it
    gets no gradient (found by the vmap oracle's random indices)."""
    scatter = lambda u: REGISTRY["scatter"](np.zeros(3), np.array([-1, 0]), u, axis=0)
    np.testing.assert_array_equal(ft.grad(lambda u: fnp.sum(scatter(u)))(np.array([5.0, 7.0])), [0.0, 1.0])
