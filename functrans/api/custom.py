"""custom_jvp, custom_vjp and checkpoint: functions whose derivative the
user chooses (or whose forward pass is recomputed rather than stored).

Called with no traced argument they just call the function. Under a
transform they trace it into a Jaxpr and bind a primitive of ops/custom.py
or ops/control_flow/calls.py carrying the user's rules, flattened here; the structure of
what the rules return is checked against what it must be.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from ..core import Tracer
from ..errors import CustomRuleError
from ..ops.control_flow.calls import open_jaxpr, remat
from ..ops.custom import custom_jvp_call, custom_vjp_call
from ..transforms.staging import trace_flat
from ..tree_util import tree_flatten, tree_structure, tree_unflatten
from ._leaves import as_leaf, leaf_aval
from ._wrapped import FunctionObject, Transformed


class _Traced:
    """A call of `fun` with `nondiff_argnums` held static, traced into an
    opened Jaxpr over the flat leaves of the other arguments."""

    def __init__(self, fun, args, nondiff_argnums, transform):
        self.nondiff = [args[i] for i in nondiff_argnums]
        self.nondiff_argnums = nondiff_argnums
        self.num_args = len(args)
        dynamic = tuple(a for i, a in enumerate(args) if i not in nondiff_argnums)
        leaves, self.in_tree = tree_flatten(dynamic)
        self.leaves = [as_leaf(x) for x in leaves]
        self.out_tree = None

        def flat_fun(*xs):
            out_leaves, self.out_tree = tree_flatten(fun(*self.merge(self.unflatten(xs))))
            return out_leaves
        closed = trace_flat(flat_fun, [leaf_aval(x) for x in self.leaves], providers=self.leaves, transform=transform)
        self.call_jaxpr, self.consts = open_jaxpr(closed)
        self.out_avals = closed.out_avals

    def unflatten(self, leaves):
        return tree_unflatten(self.in_tree, list(leaves))

    def merge(self, dynamic):
        """All positional arguments: the static ones put back in place."""
        dyn, static = iter(dynamic), iter(self.nondiff)
        return [next(static) if i in self.nondiff_argnums else next(dyn) for i in range(self.num_args)]

    def flatten_out(self, tree, what):
        leaves, treedef = tree_flatten(tree)
        if treedef != self.out_tree:
            raise CustomRuleError(f"{what} must have the structure of the function's output, "
                                  f"{self.out_tree}, but has {treedef}")
        for leaf, aval in zip(leaves, self.out_avals):
            if np.shape(leaf) != aval.shape:
                raise CustomRuleError(f"{what}: an output of shape {aval.shape} got a value of shape "
                                      f"{np.shape(leaf)}")
        return leaves

    def bind(self, prim, **params):
        outs = prim(*self.consts, *self.leaves, call_jaxpr=self.call_jaxpr,
                    num_consts=len(self.consts), **params)
        return tree_unflatten(self.out_tree, outs)


def _traced_call(args) -> bool:
    return any(type(x) is Tracer for x in tree_flatten(args)[0])


class custom_jvp(FunctionObject):
    """A function with a user-defined JVP rule, as `jax.custom_jvp`.

        @custom_jvp
        def f(x): return fnp.log1p(fnp.exp(x))
        @f.defjvp
        def f_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return f(x), t * ft.nn.sigmoid(x)
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp: Callable) -> Callable:
        """`jvp(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)`."""
        self.jvp = jvp
        return jvp

    def defjvps(self, *tangent_fns: Callable | None) -> None:
        """One `fn(tangent, primal_out, *primals)` per argument (None for a
        zero contribution), summed, as `jax.custom_jvp.defjvps`."""
        self.jvp = functools.partial(_summed_jvp, self.fun, tangent_fns)

    def _recipe(self):
        return self.fun, self.nondiff_argnums, self.jvp

    def __setstate__(self, recipe):
        custom_jvp.__init__(self, *recipe[:2])
        self.jvp = recipe[2]

    def __call__(self, *args):
        if self.jvp is None:
            raise TypeError(f"No JVP rule defined for custom_jvp function {self.__name__}; "
                            "define one with @f.defjvp")
        if not _traced_call(args):
            return self.fun(*args)
        call = _Traced(self.fun, args, self.nondiff_argnums, "custom_jvp")

        def flat_jvp(primals, tangents):
            pair = self.jvp(*call.nondiff, tuple(call.unflatten(primals)), tuple(call.unflatten(tangents)))
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise CustomRuleError(f"the custom_jvp rule of {self.__name__} must return a pair "
                                      f"(primal_out, tangent_out), but returned {type(pair).__name__}"
                                      + (f" of length {len(pair)}" if isinstance(pair, (tuple, list)) else ""))
            out, tangent_out = pair
            return (call.flatten_out(out, "custom_jvp rule's primal output"),
                    call.flatten_out(tangent_out, "custom_jvp rule's tangent output"))
        return call.bind(custom_jvp_call, jvp=flat_jvp)


def _summed_jvp(fun, tangent_fns, primals, tangents):
    out = fun(*primals)
    terms = [fn(t, out, *primals) for fn, t in zip(tangent_fns, tangents) if fn is not None]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return out, total


class custom_vjp(FunctionObject):
    """A function with a user-defined VJP, as `jax.custom_vjp`:
    `f.defvjp(fwd, bwd)` with `fwd(*args) -> (out, residuals)` and
    `bwd(*nondiff_args, residuals, ct) -> tuple of one cotangent per
    (non-static) argument` (None for a zero cotangent)."""

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        self.fwd, self.bwd = fwd, bwd

    def _recipe(self):
        return self.fun, self.nondiff_argnums, self.fwd, self.bwd

    def __setstate__(self, recipe):
        custom_vjp.__init__(self, *recipe[:2])
        self.fwd, self.bwd = recipe[2:]

    def __call__(self, *args):
        if self.fwd is None:
            raise TypeError(f"No VJP rule defined for custom_vjp function {self.__name__}; "
                            "define one with f.defvjp(fwd, bwd)")
        if not _traced_call(args):
            return self.fun(*args)
        call = _Traced(self.fun, args, self.nondiff_argnums, "custom_vjp")
        residual_tree = []

        def flat_fwd(primals):
            result = self.fwd(*call.merge(call.unflatten(primals)))
            if not (isinstance(result, tuple) and len(result) == 2):
                raise CustomRuleError("custom_vjp fwd must return a pair (output, residuals)")
            res_leaves, residual_tree[:] = tree_flatten(result[1])[0], [tree_structure(result[1])]
            return call.flatten_out(result[0], "custom_vjp fwd's output"), res_leaves

        def flat_bwd(residuals, cts):
            cts_tree = tree_unflatten(call.out_tree, cts)
            result = self.bwd(*call.nondiff, tree_unflatten(residual_tree[0], residuals), cts_tree)
            return _flatten_cotangents(result, call)
        return call.bind(custom_vjp_call, fwd=flat_fwd, bwd=flat_bwd)


def _flatten_cotangents(result, call):
    """bwd's tuple of per-argument cotangents as flat leaves (None -> zeros),
    checked against the arguments' structure."""
    args = call.unflatten(call.leaves)
    if not isinstance(result, (tuple, list)) or len(result) != len(args):
        raise CustomRuleError(
            f"custom_vjp bwd must return a tuple with one cotangent per differentiable argument "
            f"({len(args)}), structured like the arguments {call.in_tree}; got "
            f"{type(result).__name__}" + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
    flat = []
    for i, (ct, arg) in enumerate(zip(result, args)):
        arg_leaves, arg_tree = tree_flatten(arg)
        if ct is None:
            flat.extend(np.zeros(leaf_aval(a).shape, leaf_aval(a).dtype) for a in arg_leaves)
            continue
        ct_leaves, ct_tree = tree_flatten(ct)
        if ct_tree != arg_tree:
            raise CustomRuleError(f"custom_vjp bwd: the cotangent for argument {i} must have the "
                                  f"argument's structure {arg_tree}, but has {ct_tree}")
        for c, a in zip(ct_leaves, arg_leaves):
            if np.shape(c) != leaf_aval(a).shape:
                raise CustomRuleError(f"custom_vjp bwd: the cotangent for argument {i} has shape "
                                      f"{np.shape(c)}, but the argument has shape {leaf_aval(a).shape}")
        flat.extend(ct_leaves)
    return flat


def checkpoint(fun: Callable, static_argnums: int | Sequence[int] = ()) -> Callable:
    """`fun`, but reverse mode recomputes its forward pass instead of storing
    its intermediates (`remat`): less memory, more compute. Under `jit`
    (`jit(grad(checkpoint(f)))`) the checkpointed body is inlined into the
    kernel, as XLA does when rematerialization is not needed: the values
    are the same, and the kernel's fusion decides what is stored."""
    def checkpointed(*args):
        if not _traced_call(args):
            return fun(*args)
        call = _Traced(fun, args, tuple(static_argnums), "checkpoint")
        outs = remat(*call.consts, *call.leaves, call_jaxpr=call.call_jaxpr)
        return tree_unflatten(call.out_tree, outs)
    return Transformed(checkpointed, checkpoint, fun, static_argnums=tuple(static_argnums))

