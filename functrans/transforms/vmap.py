"""Batching: `vmap_jaxpr` rewrites a Jaxpr over single examples into one over
a batch.

Each value carries a batch dimension (`bdim`) or `not_mapped`; each
primitive's `batch` rule decides where its output's batch dimension goes, so
no transposes are inserted that a rule can avoid. Values that do not depend
on a batched input stay unbatched and are computed once.
"""
from __future__ import annotations

from ..core import bind
from ..errors import UnsupportedError
from ..ir import ClosedJaxpr, Literal, ShapedArray
from ..ops.rules import bdim_at_front, not_mapped
from .staging import build_jaxpr, pass_trace


def batched_aval(aval: ShapedArray, bdim, size: int) -> ShapedArray:
    if bdim is not_mapped:
        return aval
    shape = list(aval.shape)
    shape.insert(bdim, size)
    return aval.update(shape=tuple(shape))


def batch_eval(jaxpr, consts, args, dims):
    """Interpret `jaxpr` on batched values; returns (outs, out_dims)."""
    env = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    dim_env = {v: d for v, d in zip(jaxpr.invars, dims) if d is not not_mapped}

    def read(x):
        return x if type(x) is Literal else env[x]

    def dim(x):
        return not_mapped if type(x) is Literal else dim_env.get(x, not_mapped)

    for eqn in jaxpr.eqns:
        vals = [read(x) for x in eqn.inputs]
        ds = [dim(x) for x in eqn.inputs]
        prim = eqn.primitive
        if all(d is not_mapped for d in ds):
            out = bind(prim, vals, eqn.params)
            outs, out_dims = (out if prim.multiple_results else [out]), ()
        else:
            if prim.batch is None:
                raise UnsupportedError(f"Batching rule for '{prim.name}' is not implemented")
            out, out_dim = prim.batch(vals, ds, eqn.params)
            outs, out_dims = (out, out_dim) if prim.multiple_results else ([out], [out_dim])
        env.update(zip(eqn.outputs, outs))
        for v, d in zip(eqn.outputs, out_dims):
            if d is not not_mapped:
                dim_env[v] = d
    return [read(v) for v in jaxpr.outvars], [dim(v) for v in jaxpr.outvars]


def vmap_jaxpr(closed: ClosedJaxpr, in_dims, size: int, outs_at_front=False):
    """The batched version of `closed`: inputs get their batch dimension at
    `in_dims` (`not_mapped` for unbatched ones). Returns (jaxpr, out_dims).
    With `outs_at_front` every output is batched, at axis 0."""
    jaxpr = closed.jaxpr
    with pass_trace() as trace:
        consts = [trace.new_arg(v.aval) for v in jaxpr.constvars]
        args = [trace.new_arg(batched_aval(v.aval, d, size)) for v, d in zip(jaxpr.invars, in_dims)]
        outs, out_dims = batch_eval(jaxpr, consts, args, in_dims)
        if outs_at_front:
            outs = [bdim_at_front(o, d, size) for o, d in zip(outs, out_dims)]
            out_dims = [0] * len(outs)
        return build_jaxpr(trace, consts, closed.consts, args, outs), out_dims
