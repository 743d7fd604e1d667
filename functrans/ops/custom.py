"""Primitives for user-defined derivatives.

`custom_jvp_call` evaluates `call_jaxpr`, and under the JVP pass calls the
user's rule instead of differentiating it. `custom_vjp_call` does the same
with `fwd`; its tangent is a `custom_lin` of the residuals, a linear
primitive whose transpose is the user's `bwd`. So reverse mode goes
fwd -> bwd, and forward mode of a custom_vjp function is refused, as in JAX.
The user rules arrive here already flattened (see api/custom.py).
"""
from __future__ import annotations

import numpy as np

from ..core import Primitive, eval_closed, eval_jaxpr
from ..errors import TransformTypeError, UnsupportedError
from ..ir import Literal
from ..transforms.passes import simplify
from ..transforms.staging import trace_flat
from ..transforms.vmap import vmap_jaxpr
from ..tree_util import tree_flatten, tree_unflatten
from . import reduce, rules
from .control_flow.calls import open_jaxpr
from .rules import Zero, not_mapped


def _shape(*avals, call_jaxpr, **params):
    return call_jaxpr.out_avals


def _impl(*args, call_jaxpr, **params):
    return eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, args)


def _user_values(values):
    """What user rules receive: inline Literals become arrays."""
    return [np.asarray(v.value) if type(v) is Literal else v for v in values]


def _const_tangents_must_be_zero(tangents, num_consts, kind):
    if any(type(t) is not Zero for t in tangents[:num_consts]):
        raise UnsupportedError(
            f"A {kind} function closes over a value that is being differentiated. Pass that "
            "value as an argument of the function instead of closing over it.")


# custom_jvp_call ---------------------------------------------------------------

def _custom_jvp_rule(primals, tangents, params):
    num_consts = params["num_consts"]
    _const_tangents_must_be_zero(tangents, num_consts, "custom_jvp")
    args, arg_tangents = primals[num_consts:], tangents[num_consts:]
    arg_tangents = [rules.instantiate(t) for t in arg_tangents]
    outs, out_tangents = params["jvp"](_user_values(args), arg_tangents)
    return list(outs), list(out_tangents)


custom_jvp_call = Primitive("custom_jvp_call", shape_rule=_shape, impl=_impl, multiple_results=True,
                            jvp=_custom_jvp_rule, inline=lambda params: params["call_jaxpr"])


# custom_vjp_call / custom_lin -----------------------------------------------------

def _custom_vjp_rule(primals, tangents, params):
    num_consts = params["num_consts"]
    _const_tangents_must_be_zero(tangents, num_consts, "custom_vjp")
    outs, residuals = params["fwd"](_user_values(primals[num_consts:]))
    arg_tangents = [rules.instantiate(t) for t in tangents[num_consts:]]
    out_avals = tuple(rules.aval_of(o) for o in outs)
    out_tangents = custom_lin(*residuals, *arg_tangents, num_res=len(residuals), bwd=params["bwd"],
                              out_avals=out_avals)
    return list(outs), list(out_tangents)


custom_vjp_call = Primitive("custom_vjp_call", shape_rule=_shape, impl=_impl, multiple_results=True,
                            jvp=_custom_vjp_rule, inline=lambda params: params["call_jaxpr"])


def _lin_impl(*args, **params):
    raise TransformTypeError("Forward-mode differentiation (jvp, jacfwd, hessian) of a custom_vjp "
                             "function is not supported: it only defines reverse mode. Use "
                             "custom_jvp, or reverse mode (grad, vjp, jacrev).")


def _lin_transpose(cts, *args, num_res, bwd, out_avals):
    residuals = _user_values(args[:num_res])
    cts = [rules.zeros(ct.aval) if type(ct) is Zero else ct for ct in cts]
    return [None] * num_res + list(bwd(residuals, cts))


custom_lin = Primitive("custom_lin", shape_rule=lambda *avals, num_res, bwd, out_avals: list(out_avals),
                       impl=_lin_impl, multiple_results=True, transpose=_lin_transpose,
                       numba=_lin_impl)   # under jit the same refusal, not "cannot lower"


# batching: the call's Jaxpr is batched and the user's rules are wrapped in vmap,
# all outputs with their batch dimension in front.

def _axis_size(args, dims):
    return next(rules.aval_of(a).shape[d] for a, d in zip(args, dims) if d is not not_mapped)


def _batched_rule(rule, size, *group_dims):
    """A flattened user rule `rule(*groups)` (each group a list of arrays)
    mapped over the batch, as `vmap` would: the arrays of group i have their
    batch dimension at `group_dims[i]` (a list, or one axis for the whole
    group); every output comes back batched at axis 0."""
    def batched(*groups):
        dims = [d for g, gd in zip(groups, group_dims)
                for d in (gd if isinstance(gd, list) else [gd] * len(g))]
        flat = [x for g in groups for x in g]
        avals = [rules.aval_of(x) for x in flat]
        example_avals = [a if d is not_mapped else a.update(shape=a.shape[:d] + a.shape[d + 1:])
                         for a, d in zip(avals, dims)]
        out_tree = []

        def flat_rule(*xs):
            it = iter(xs)
            leaves, tree = tree_flatten(rule(*[[next(it) for _ in g] for g in groups]))
            out_tree.append(tree)
            return leaves
        closed = trace_flat(flat_rule, example_avals, transform="vmap")
        mapped, _ = vmap_jaxpr(closed, dims, size, outs_at_front=True)
        return tree_unflatten(out_tree[0], eval_closed(simplify(mapped), flat))
    return batched


def _batched_call(args, dims, params):
    batched, _ = vmap_jaxpr(params["call_jaxpr"], dims, _axis_size(args, dims), outs_at_front=True)
    opened, consts = open_jaxpr(batched)
    return consts, {**params, "call_jaxpr": opened, "num_consts": len(consts) + params["num_consts"]}


def _custom_jvp_batch(args, dims, params):
    consts, new_params = _batched_call(args, dims, params)
    arg_dims = list(dims[params["num_consts"]:])
    new_params["jvp"] = _batched_rule(params["jvp"], _axis_size(args, dims), arg_dims, arg_dims)
    outs = custom_jvp_call(*consts, *args, **new_params)
    return outs, [0] * len(outs)


def _custom_vjp_batch(args, dims, params):
    consts, new_params = _batched_call(args, dims, params)
    arg_dims = list(dims[params["num_consts"]:])
    size = _axis_size(args, dims)
    vmapped_bwd = _batched_rule(params["bwd"], size, 0, 0)

    def batched_bwd(residuals, cts):
        cts_in = vmapped_bwd(residuals, cts)
        # An argument shared by the whole batch gets the sum over the batch.
        return [reduce.reduce_sum(ct, axes=(0,)) if d is not_mapped else rules.move_bdim(ct, 0, d)
                for ct, d in zip(cts_in, arg_dims)]
    new_params["fwd"] = _batched_rule(params["fwd"], size, arg_dims)
    new_params["bwd"] = batched_bwd
    outs = custom_vjp_call(*consts, *args, **new_params)
    return outs, [0] * len(outs)


custom_jvp_call.batch = _custom_jvp_batch
custom_vjp_call.batch = _custom_vjp_batch
