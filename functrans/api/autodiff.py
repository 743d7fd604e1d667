"""Automatic differentiation: grad, value_and_grad, vjp, jvp, linearize.

Trace the function (with concrete values, so Python control flow works) ->
`jvp_jaxpr` -> `partial_eval_jaxpr` (linearize) -> `transpose_jaxpr` (reverse
mode) -> simplify -> evaluate. Evaluating under an enclosing trace records
into it, which is how transforms nest.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..config import config
from ..core import Tracer, eval_closed
from ..dtypes import is_python_scalar
from ..errors import GradError, canonicalize_argnums, check_callable
from ..ir import ClosedJaxpr, Jaxpr, Literal, ShapedArray
from ..numpy import astype
from ..transforms import eager_vjp
from ..transforms.jvp import jvp_eval, jvp_jaxpr
from ..transforms.markers import UndefinedPrimal, Zero, instantiate, is_differentiable
from ..transforms.partial_eval import partial_eval_jaxpr
from ..transforms.passes import bind_literals, dce, simplify
from ..transforms.staging import pass_trace, trace_flat
from ..transforms.transpose import backward_pass, transpose_jaxpr
from ..tree_util import tree_flatten, tree_unflatten
from ._leaves import Store, as_leaf, as_leaves, as_output, leaf_aval, note_container_arguments
from ._wrapped import Transformed

# ------------------------------------------------------------- flat cores

def linearize_flat(flat_fun, primals, nonzeros, aux_count=lambda: 0):
    """Trace `flat_fun` at `primals`, differentiate with respect to the
    inputs flagged in `nonzeros` and split the result into forward values and
    a linear Jaxpr. The last `aux_count()` outputs (known after tracing) are
    carried along undifferentiated.
    Returns (outputs, residuals, linear ClosedJaxpr, number of residuals)."""
    return _linearize_traced(_trace_for_grad(flat_fun, primals), primals, nonzeros, aux_count)


def _trace_for_grad(flat_fun, primals):
    return trace_flat(flat_fun, [leaf_aval(p) for p in primals], providers=primals, transform="grad")


def _has_partial_eval(closed) -> bool:
    return any(e.primitive.partial_eval is not None for e in closed.jaxpr.eqns)


def _linearize_traced(closed, primals, nonzeros, aux_count):
    num_out = len(closed.jaxpr.outvars)
    num_diff = num_out - aux_count()
    if not _has_partial_eval(closed):
        outs, linear = _linearize_online(closed, primals, nonzeros, num_diff)
        return outs, [], linear, 0
    jvp_closed, _ = jvp_jaxpr(closed, nonzeros, instantiate_outs=[True] * num_diff + [False] * (num_out - num_diff))
    jvp_closed = _keep_outputs(jvp_closed, num_out + num_diff)   # aux outputs get no tangent
    unknowns = [False] * len(primals) + [True] * sum(nonzeros)
    known, linear, _, num_res = partial_eval_jaxpr(
        jvp_closed, unknowns, instantiate=[False] * num_out + [True] * num_diff)
    values = eval_closed(_simplify_if_staged(known, primals), primals)
    return values[:num_out], values[num_out:], linear, num_res


def _linearize_online(closed, primals, nonzeros, num_diff):
    """JVP with the primals as they are (concrete, or tracers of an outer
    trace) and the tangents as tracers of a fresh trace: `bind` evaluates or
    records each primal operation where its inputs live, so only the tangent
    operations land in the new trace. That trace is the linear Jaxpr; the
    primal values it reads are its consts (the residuals)."""
    jaxpr = closed.jaxpr
    with pass_trace() as trace:
        tangents = [trace.new_arg(leaf_aval(p)) if nz else Zero(leaf_aval(p)) for p, nz in zip(primals, nonzeros)]
        outs, tangents_out = jvp_eval(jaxpr, closed.consts, primals, tangents)
        tangents_out = [instantiate(t) for t in tangents_out[:num_diff]]
        linear = trace.to_jaxpr([t for t in tangents if type(t) is not Zero], tangents_out)
    return outs, linear


def _staged(values) -> bool:
    return any(type(v) is Tracer for v in values)


def _simplify_if_staged(closed, args):
    """Simplify a Jaxpr that will be recorded into an enclosing trace; one
    evaluated right away on arrays is cheaper to run as it is."""
    return simplify(closed) if _staged(closed.consts) or _staged(args) else closed


def _keep_outputs(closed, count):
    jaxpr = closed.jaxpr
    kept = Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.eqns, jaxpr.outvars[:count])
    return ClosedJaxpr(dce(kept), closed.consts)


def vjp_flat(flat_fun, primals, nonzeros, aux_count=lambda: 0):
    """Returns (outputs, vjp_fn): vjp_fn(cotangents of the differentiated
    outputs) gives the cotangents of the inputs flagged in `nonzeros`."""
    closed = _trace_for_grad(flat_fun, primals)
    # debug_nans names the forward primitive behind a NaN of the backward pass
    # from the whole-program path's frames, so it keeps that path.
    if not (_staged(primals) or _staged(closed.consts) or _has_partial_eval(closed) or config.debug_nans
            or not eager_vjp.splittable(closed.jaxpr)):
        try:
            outs, tape = eager_vjp.forward(closed.jaxpr, closed.consts, primals, nonzeros)
        except eager_vjp.Unsplittable:
            pass     # a rule that needs concrete inputs: linearize the program as a whole
        else:
            return outs, lambda cts: eager_vjp.backward(tape, cts)
    outs, residuals, linear, num_res = _linearize_traced(closed, primals, nonzeros, aux_count)
    staged_jaxpr = []

    def vjp_fn(cts):
        args = list(residuals) + list(cts)
        if not (_staged(linear.consts) or _staged(args)):
            # Everything is concrete: run the transpose rules on the arrays
            # themselves rather than staging a transposed Jaxpr to evaluate.
            linear_args = [UndefinedPrimal(v.aval) for v in linear.jaxpr.invars[num_res:]]
            cts_in = backward_pass(linear.jaxpr, linear.consts, list(residuals) + linear_args,
                                   [c.value if type(c) is Literal else c for c in cts])
            return [instantiate(ct) for ct in cts_in[num_res:]]
        if not staged_jaxpr:
            staged_jaxpr.append(transpose_jaxpr(linear, [False] * num_res + [True] * sum(nonzeros)))
        # Literal cotangents (grad's seed 1.0) are bound into the Jaxpr before
        # simplifying, so that `x * 1.0` and its broadcasts disappear.
        literals = {i: c for i, c in enumerate(args) if type(c) is Literal}
        jaxpr = simplify(bind_literals(staged_jaxpr[0], literals))
        return eval_closed(jaxpr, [c for c in args if type(c) is not Literal])
    return outs, vjp_fn


def jvp_flat(flat_fun, primals, tangents):
    """(primals_out, tangents_out); `tangents` holds Zero for inputs that are
    not differentiated."""
    closed = trace_flat(flat_fun, [leaf_aval(p) for p in primals], providers=primals, transform="grad")
    nonzeros = [type(t) is not Zero for t in tangents]
    jvp_closed, _ = jvp_jaxpr(closed, nonzeros, instantiate_outs=True)
    outs = eval_closed(simplify(jvp_closed), list(primals) + [t for t in tangents if type(t) is not Zero])
    n = len(closed.jaxpr.outvars)
    return outs[:n], outs[n:]


# --------------------------------------------------------------- reverse mode

def _split_aux(out, has_aux):
    if not has_aux:
        return out, None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise GradError("has_aux=True requires the function to return a pair (output, aux), "
                        f"but it returned {'an array' if hasattr(out, 'shape') else type(out).__name__}"
                        + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out[0], out[1]


class Differentiated:
    """`fun` traced and linearized with respect to `args[argnums]`."""

    def __init__(self, fun, args, kwargs, argnums, has_aux, check_out=None, fn="grad"):
        argnums = canonicalize_argnums(argnums, len(args), fn)
        leaves, self.in_tree = tree_flatten(tuple(args[i] for i in argnums))
        self.leaves = as_leaves(leaves, args, kwargs, fn)
        self.nonzeros = [is_differentiable(leaf_aval(x)) for x in self.leaves]
        self.out_tree = self.aux_tree = None
        self._num_aux = 0

        def flat_fun(*diff_leaves):
            new_args = list(args)
            for i, a in zip(argnums, tree_unflatten(self.in_tree, diff_leaves)):
                new_args[i] = a
            try:
                out = fun(*new_args, **kwargs)
            except TypeError as error:
                note_container_arguments(error, new_args, fn)
                raise
            out, aux = _split_aux(out, has_aux)
            out_leaves, self.out_tree = tree_flatten(out)
            if check_out is not None:
                check_out([leaf_aval(as_leaf(o)) for o in out_leaves])
            aux_leaves, self.aux_tree = tree_flatten(aux)
            self._num_aux = len(aux_leaves)
            return out_leaves + aux_leaves

        outs, self._vjp = vjp_flat(flat_fun, self.leaves, self.nonzeros, lambda: self._num_aux)
        n_out = len(outs) - self._num_aux
        self.out_leaves, aux_leaves = outs[:n_out], outs[n_out:]
        self.out = tree_unflatten(self.out_tree, [as_output(o) for o in self.out_leaves])
        self.aux = tree_unflatten(self.aux_tree, [as_output(a) for a in aux_leaves]) if has_aux else None

    def pullback(self, ct_leaves):
        """Cotangents of the differentiated arguments, as a tuple of pytrees."""
        cts = iter(self._vjp(ct_leaves))
        flat = [as_output(next(cts)) if nz else np.zeros(leaf_aval(x).shape, leaf_aval(x).dtype)
                for x, nz in zip(self.leaves, self.nonzeros)]
        return tree_unflatten(self.in_tree, flat)


def _scalar_output_check(holomorphic):
    def check(avals):
        if not avals:
            raise GradError("grad requires a scalar output, but the function returned no array (None, or an "
                            "empty container: is a `return` missing?)")
        if len(avals) != 1 or avals[0].shape != ():
            shape = avals[0].shape if len(avals) == 1 else f"a pytree of {len(avals)} arrays"
            raise GradError(
                f"grad requires a scalar output, but the function returned shape {shape}. For a "
                "vector-valued function use vjp (vector-Jacobian product) or jacrev (full Jacobian), "
                "or differentiate a scalar such as the sum: grad(lambda x: f(x).sum()).")
        check_output_dtype(avals[0], holomorphic)
    return check


def check_output_dtype(aval, holomorphic, what="grad"):
    """JAX's rule: a real floating-point output, or with `holomorphic` a complex one."""
    kind = aval.dtype.kind
    if holomorphic and kind != "c":
        raise GradError(f"{what} with holomorphic=True requires outputs with complex dtype, "
                        f"but got {aval.dtype.name}.")
    if not holomorphic and kind != "f":
        if kind == "c":
            raise GradError(f"{what} requires real-valued outputs (a floating-point dtype), but got "
                            f"{aval.dtype.name}. For holomorphic differentiation, pass "
                            "holomorphic=True. For non-holomorphic functions of complex outputs, "
                            "use vjp directly, or differentiate a real output such as abs(f(x)) ** 2.")
        raise GradError(f"{what} requires a floating-point output, but the function returned "
                        f"{aval.dtype.name}; return a float value (x.astype(float) for an integer "
                        "one; a boolean or integer result has no gradient)")


def check_float_inputs(leaves, argnums, holomorphic=False, what="grad"):
    for x in leaves:
        aval = leaf_aval(x)
        if holomorphic and aval.dtype.kind != "c":
            raise GradError(f"{what} with holomorphic=True requires inputs with complex dtype, but "
                            f"an input at argnums {argnums} has dtype {aval.dtype.name}. Cast it, "
                            "e.g. x.astype(complex).")
        if not is_differentiable(aval):
            raise GradError(
                f"{what} requires real-valued (floating-point) inputs, but an input at argnums "
                f"{argnums} has dtype {aval.dtype.name}. Pass floats (2.0 rather than 2, or "
                "x.astype(float)); to leave an argument out, choose argnums accordingly.")


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable:
    """A function returning `(fun(*args), gradient)`; with `has_aux`,
    `((value, aux), gradient)`. The gradient has the structure of
    `args[argnums]` (a tuple of them when `argnums` is a tuple). As in JAX,
    the output must be real unless `holomorphic=True` (complex inputs and
    output; the gradient is then f'(z)); for a real output of complex inputs
    the gradient is the conjugate of the steepest-ascent direction.

    >>> value_and_grad(lambda x: x ** 2)(3.0)
    (array(9.), array(6.))
    """
    check_callable(fun, "grad")
    several = not isinstance(argnums, int)
    argnums_t = canonicalize_argnums(argnums, None, "grad")

    def value_and_grad_fn(*args, **kwargs):
        positions = canonicalize_argnums(argnums_t, len(args), "grad")
        for i in positions:
            if args[i] is None:
                raise TypeError(f"grad: argument {i} is None, so there is nothing to differentiate with "
                                "respect to; pass a float or an array of floats, or choose other argnums")
        leaves = tree_flatten(tuple(args[i] for i in positions))[0]
        check_float_inputs(as_leaves(leaves, args, kwargs, "grad"), argnums, holomorphic)
        d = Differentiated(fun, args, kwargs, argnums_t, has_aux, _scalar_output_check(holomorphic))
        (out,) = d.out_leaves
        grads = d.pullback([_seed_one(out)])
        grads = grads if several else grads[0]
        return ((d.out, d.aux), grads) if has_aux else (d.out, grads)
    return Transformed(value_and_grad_fn, value_and_grad, fun, argnums=argnums, has_aux=has_aux,
                       holomorphic=holomorphic)


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False) -> Callable:
    """The gradient of a scalar-valued `fun` with respect to `args[argnums]`
    (see `value_and_grad` for complex numbers and `holomorphic`).

    >>> grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(np.ones(3))
    """
    value_and_grad_fn = value_and_grad(fun, argnums, has_aux, holomorphic)

    def grad_fn(*args, **kwargs):
        value, g = value_and_grad_fn(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return Transformed(grad_fn, grad, fun, argnums=argnums, has_aux=has_aux, holomorphic=holomorphic)


def _seed_one(x) -> Literal:
    """The cotangent 1.0 that grad pulls back through a scalar output."""
    dtype = leaf_aval(x).dtype
    return Literal(dtype.type(1), ShapedArray((), dtype))


def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """`(fun(*primals), vjp_fn)`, where `vjp_fn(ct)` (callable any number of
    times) returns a tuple of cotangents, one per primal. With `has_aux`,
    `(out, vjp_fn, aux)`."""
    check_callable(fun, "vjp")
    d = Differentiated(fun, primals, {}, tuple(range(len(primals))), has_aux, fn="vjp")

    def vjp_fn(ct):
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != d.out_tree:
            raise ValueError(f"vjp_fn expected a cotangent with the structure of the output "
                             f"({d.out_tree}), but got {ct_tree}; pass one array per output, structured "
                             "like the output")
        for c, o in zip(ct_leaves, d.out_leaves):
            if np.shape(c) != leaf_aval(o).shape:
                raise ValueError(f"vjp_fn: cotangent of shape {np.shape(c)} for an output of shape "
                                 f"{leaf_aval(o).shape}; a cotangent has its output's shape")
            _check_cotangent_dtype(c, leaf_aval(o))
        cts = [_cast_like(as_leaf(c), o) for c, o in zip(ct_leaves, d.out_leaves)]
        return d.pullback(cts)
    return (d.out, vjp_fn, d.aux) if has_aux else (d.out, vjp_fn)


def _check_cotangent_dtype(c, out_aval):
    """A TypeError for a cotangent array whose dtype cannot be a tangent of
    its output (integers or bools for a float output, complex for a real
    one); Python scalars are weakly typed and take the output's dtype."""
    if is_python_scalar(c) or out_aval.dtype.kind not in "fc":
        return
    dtype = leaf_aval(as_leaf(c)).dtype
    if dtype.kind not in "fc" or (dtype.kind == "c" and out_aval.dtype.kind == "f"):
        raise TypeError(f"vjp_fn: cotangent of dtype {dtype.name} for an output of type "
                        f"{out_aval.str_short()}; a cotangent has its output's (floating-point) dtype")


def _cast_like(c, o):
    dtype = leaf_aval(o).dtype
    return c if leaf_aval(c).dtype == dtype else astype(c, dtype)


# --------------------------------------------------------------- forward mode

def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> tuple:
    """`(fun(*primals), J @ tangents)`: the Jacobian-vector product.
    `primals` and `tangents` are tuples of matching pytrees."""
    check_callable(fun, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp takes primals and tangents as tuples: jvp(f, (x,), (t,))")
    p_leaves, p_tree = tree_flatten(tuple(primals))
    t_leaves, t_tree = tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise ValueError(f"jvp: primals and tangents must have one structure, got {p_tree} and {t_tree}; "
                         "give one tangent per primal: jvp(f, (x, y), (tx, ty))")
    p_leaves = as_leaves(p_leaves, tuple(primals), {}, "jvp")
    tangents_in = []
    for p, t in zip(p_leaves, t_leaves):
        pa, ta = leaf_aval(p), leaf_aval(as_leaf(t))
        if pa.shape != ta.shape:
            raise ValueError(f"jvp: tangent of shape {ta.shape} for a primal of shape {pa.shape}; "
                             "a tangent has its primal's shape")
        tangents_in.append(_cast_like(as_leaf(t), p) if is_differentiable(pa) else Zero(pa))
    store, aux_store = Store(), Store()

    def flat_fun(*leaves):
        out, aux = _split_aux(fun(*tree_unflatten(p_tree, leaves)), has_aux)
        out_leaves, store.value = tree_flatten(out)
        aux_leaves, aux_store.value = tree_flatten(aux)
        return out_leaves + aux_leaves    # aux rides along; its tangents are dropped

    outs, touts = jvp_flat(flat_fun, p_leaves, tangents_in)
    n = store.value.num_leaves
    primal_out = tree_unflatten(store.value, [as_output(o) for o in outs[:n]])
    tangent_out = tree_unflatten(store.value, [as_output(t) for t in touts[:n]])
    if has_aux:
        return primal_out, tangent_out, tree_unflatten(aux_store.value, [as_output(a) for a in outs[n:]])
    return primal_out, tangent_out


def linearize(fun: Callable, *primals: Any) -> tuple:
    """`(fun(*primals), f_jvp)` where `f_jvp(*tangents)` evaluates the
    linearization (the JVP) without re-running the forward pass."""
    check_callable(fun, "linearize")
    leaves, in_tree = tree_flatten(primals)
    leaves = as_leaves(leaves, primals, {}, "linearize")
    store = Store()

    def flat_fun(*xs):
        out_leaves, store.value = tree_flatten(fun(*tree_unflatten(in_tree, xs)))
        return out_leaves

    nonzeros = [is_differentiable(leaf_aval(x)) for x in leaves]
    outs, residuals, linear, _ = linearize_flat(flat_fun, leaves, nonzeros)
    linear = simplify(linear)

    def f_jvp(*tangents):
        t_leaves, t_tree = tree_flatten(tangents)
        if t_tree != in_tree:
            raise ValueError(f"f_jvp expected tangents with the structure {in_tree}, got {t_tree}")
        ts = [_cast_like(as_leaf(t), p) for t, p, nz in zip(t_leaves, leaves, nonzeros) if nz]
        return tree_unflatten(store.value, [as_output(o) for o in eval_closed(linear, list(residuals) + ts)])
    return tree_unflatten(store.value, [as_output(o) for o in outs]), f_jvp
