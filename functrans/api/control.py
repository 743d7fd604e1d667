"""Structured control flow: lax.scan, fori_loop, while_loop, cond, switch.

Each traces its bodies once, by shape and dtype, into sub-Jaxprs held in
the params of one equation, so every transformation and the numba backend
see a loop or a branch, not its unrolling. Carry and branch types are
checked here, with errors naming the leaves that do not match.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as fnp
from ..core import Tracer, eval_closed
from ..errors import ShapeError
from ..ir import ClosedJaxpr, Jaxpr
from ..ops.control_flow.bodies import check_same_types
from ..ops.control_flow.calls import open_jaxpr
from ..ops.control_flow.cond import bind_cond
from ..ops.control_flow.scan import scan_p
from ..ops.control_flow.while_loop import while_p
from ..transforms.staging import trace_flat
from ..tree_util import tree_flatten, tree_unflatten
from ._leaves import as_leaf, as_output, leaf_aval


def _leaf_names(treedef, prefix):
    """Readable names for the leaves of a carry, for error messages."""
    n = treedef.num_leaves
    return [prefix] if n == 1 else [f"{prefix}[{i}]" for i in range(n)]


def _trace_body(fun, in_avals, in_trees, transform):
    """Trace `fun(*trees)` over flat leaves; returns (opened jaxpr, consts, out_tree)."""
    out_trees = []

    def flat_fun(*leaves):
        trees, start = [], 0
        for tree in in_trees:
            trees.append(tree_unflatten(tree, leaves[start:start + tree.num_leaves]))
            start += tree.num_leaves
        out_leaves, out_tree = tree_flatten(fun(*trees))
        out_trees.append(out_tree)
        return out_leaves
    closed = trace_flat(flat_fun, in_avals, transform=transform)
    opened, consts = open_jaxpr(closed)
    return opened, consts, out_trees[0]


def scan(f, init, xs=None, length=None, reverse=False):
    """Loop `carry, y = f(carry, x)` over the leading axis of `xs`, returning
    `(final carry, stacked ys)`, as `jax.lax.scan`.

    >>> scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0))
    (array(6.), array([0., 1., 3., 9.]))
    """
    x_leaves, x_tree = tree_flatten(xs)
    x_leaves = [as_leaf(x) for x in x_leaves]
    lengths = {leaf_aval(x).shape[0] if leaf_aval(x).shape else None for x in x_leaves}
    if None in lengths:
        raise ShapeError("scan: every leaf of xs needs a leading axis to scan over")
    if length is not None:
        lengths.add(int(length))
    if len(lengths) != 1:
        raise ShapeError(f"scan: xs leaves and `length` disagree on the number of steps: {sorted(lengths)}"
                         if lengths else "scan needs xs or an explicit length")
    (length,) = lengths
    init_leaves, init_tree = tree_flatten(init)
    init_leaves = [as_leaf(c) for c in init_leaves]
    carry_avals = [leaf_aval(c) for c in init_leaves]
    x_avals = [leaf_aval(x).update(shape=leaf_aval(x).shape[1:]) for x in x_leaves]

    def body(carry, x):
        out = f(carry, x)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError("scan: f must return a pair (new_carry, y)")
        return out
    jaxpr, consts, out_tree = _trace_body(body, carry_avals + x_avals, [init_tree, x_tree], "scan")
    new_carry_tree = out_tree.children[0]
    if new_carry_tree != init_tree:
        raise TypeError(f"scan: f must return a carry with the structure of init, {init_tree}, "
                        f"but returned {new_carry_tree}")
    check_same_types("scan body", carry_avals, jaxpr.out_avals[:len(init_leaves)],
                     _leaf_names(init_tree, "carry"))
    outs = scan_p(*consts, *init_leaves, *x_leaves, jaxpr=jaxpr, length=length, reverse=bool(reverse),
                  num_consts=len(consts), num_carry=len(init_leaves))
    outs = [as_output(o) for o in outs]
    n = len(init_leaves)
    return tree_unflatten(init_tree, outs[:n]), tree_unflatten(out_tree.children[1], outs[n:])


def _concrete_int(x):
    """A Python int for a bound given as a Python or NumPy int, else None."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    if type(x) is np.ndarray and x.ndim == 0 and x.dtype.kind in "iu":
        return int(x)
    return None


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for i in [lower, upper). With Python-int
    bounds this is a `scan` (reverse-differentiable to any order); with
    traced bounds a `while_loop`."""
    lo, hi = _concrete_int(lower), _concrete_int(upper)
    if lo is not None and hi is not None:
        def step(carry, _):
            i, val = carry
            return (i + 1, body_fun(i, val)), None
        (_, val), _ = scan(step, (np.int64(lo), init_val), None, length=max(hi - lo, 0))
        return val
    lower = lower if type(lower) is Tracer else np.int64(lower)

    def cond(carry):
        return carry[0] < upper

    def body(carry):
        i, val = carry
        return i + 1, body_fun(i, val)
    return while_loop(cond, body, (lower, init_val))[1]


def _branch_types_must_agree(what, jaxprs, trees):
    for i, (jaxpr, tree) in enumerate(zip(jaxprs[1:], trees[1:]), start=1):
        if tree != trees[0]:
            raise TypeError(f"{what}: branch {i} returns the structure {tree}, but branch 0 returns {trees[0]}")
        check_same_types(f"{what}: every branch", jaxprs[0].out_avals, jaxpr.out_avals,
                         _leaf_names(tree, "output"), rule=f"must return the same types (branch 0 -> branch {i})")


def switch(index, branches, *operands):
    """`branches[index](*operands)`, with `index` clamped to the branches,
    as `jax.lax.switch`. Every branch is traced; one runs."""
    index_aval = leaf_aval(as_leaf(index))
    if index_aval.shape != () or index_aval.dtype.kind not in "iub":
        raise TypeError(f"switch: index must be a scalar integer, got {index_aval.str_short()}; "
                        "round it first, e.g. fnp.astype(fnp.floor(x), int)")
    leaves, in_tree = tree_flatten(operands)
    leaves = [as_leaf(x) for x in leaves]
    avals = [leaf_aval(x) for x in leaves]
    traced = [_trace_body(lambda ops, b=b: b(*ops), avals, [in_tree], "cond") for b in branches]
    jaxprs = [t[0] for t in traced]
    _branch_types_must_agree("switch" if len(branches) > 2 else "cond", jaxprs, [t[2] for t in traced])
    closed = [ClosedJaxpr(Jaxpr(j.jaxpr.invars[:len(c)], j.jaxpr.invars[len(c):], j.jaxpr.eqns, j.jaxpr.outvars), c)
              for j, (_, c, _) in zip(jaxprs, traced)]
    index = fnp.clip(fnp.astype(index, np.int32), 0, len(branches) - 1)
    outs = bind_cond(index, [], leaves, closed)
    return tree_unflatten(traced[0][2], [as_output(o) for o in outs])


def cond(pred, true_fun, false_fun, *operands):
    """`true_fun(*operands)` if `pred` else `false_fun(*operands)`, as
    `jax.lax.cond`: both branches are traced (and must return the same
    types); only one runs, also under jit."""
    pred_shape = pred.aval.shape if type(pred) is Tracer else np.shape(pred)
    if pred_shape != ():
        raise TypeError(f"cond: pred must be a scalar, got shape {pred_shape}")
    return switch(fnp.astype(pred, np.int32), (false_fun, true_fun), *operands)


def while_loop(cond_fun, body_fun, init_val):
    """`while cond_fun(val): val = body_fun(val)`, as `jax.lax.while_loop`;
    unlike JAX's, it is reverse-differentiable to any order: under jit by
    replaying stacks of per-iteration residuals, and differentiated eagerly
    as a scan of the trip count its concrete inputs give."""
    leaves, tree = tree_flatten(init_val)
    leaves = [as_leaf(x) for x in leaves]
    avals = [leaf_aval(x) for x in leaves]
    cond_jaxpr, cond_consts, cond_tree = _trace_body(cond_fun, avals, [tree], "while_loop")
    if cond_tree.num_leaves != 1 or cond_jaxpr.out_avals[0].shape != () or cond_jaxpr.out_avals[0].dtype != bool:
        raise TypeError("while_loop: cond_fun must return a scalar boolean, got "
                        + ", ".join(a.str_short() for a in cond_jaxpr.out_avals))
    body_jaxpr, body_consts, body_tree = _trace_body(body_fun, avals, [tree], "while_loop")
    if body_tree != tree:
        raise TypeError(f"while_loop: body_fun must return the structure of init_val, {tree}, "
                        f"but returned {body_tree}")
    check_same_types("while_loop body_fun", avals, body_jaxpr.out_avals, _leaf_names(tree, "carry"))
    trips = _concrete_trip_count(cond_jaxpr, body_jaxpr, cond_consts, body_consts, leaves)
    if trips is not None:
        # Differentiated eagerly, the loop's inputs are concrete: as a scan of
        # the trip count it is differentiable to any order.
        outs = scan_p(*body_consts, *leaves, jaxpr=body_jaxpr, length=trips, reverse=False,
                      num_consts=len(body_consts), num_carry=len(leaves))
    else:
        outs = while_p(*cond_consts, *body_consts, *leaves, cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr,
                       cond_nconsts=len(cond_consts), body_nconsts=len(body_consts))
    return tree_unflatten(tree, [as_output(o) for o in outs])


def _concrete_trip_count(cond_jaxpr, body_jaxpr, cond_consts, body_consts, init):
    """How many times the loop runs, when it is traced (under grad, jvp,
    ...) with concrete inputs; None when an input is abstract (jit, vmap) or
    nothing is traced at all (then the loop simply runs)."""
    inputs = list(cond_consts) + list(body_consts) + list(init)
    if not any(type(x) is Tracer for x in inputs):
        return None
    values = [x.trace.concrete_value(x.ir_var) if type(x) is Tracer else x for x in inputs]
    if any(v is None for v in values):
        return None
    cond_values, body_values, carry = (values[:len(cond_consts)], values[len(cond_consts):len(inputs) - len(init)],
                                       values[len(inputs) - len(init):])
    trips = 0
    while eval_closed(cond_jaxpr, cond_values + carry)[0]:
        carry = eval_closed(body_jaxpr, body_values + carry)
        trips += 1
    return trips
