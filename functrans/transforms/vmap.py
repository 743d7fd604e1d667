"""Batching: `vmap_jaxpr` rewrites a Jaxpr over single examples into one over
a batch.

Each value carries a batch dimension (`bdim`) or `not_mapped`; each
primitive's `batch` rule decides where its output's batch dimension goes, so
no transposes are inserted that a rule can avoid. Values that do not depend
on a batched input stay unbatched and are computed once.
"""
from __future__ import annotations

from ..ir import ClosedJaxpr, ShapedArray
from .interpret import interpret
from .markers import bdim_at_front, not_mapped
from .staging import build_jaxpr, pass_trace


def batched_aval(aval: ShapedArray, bdim, size: int) -> ShapedArray:
    if bdim is not_mapped:
        return aval
    shape = list(aval.shape)
    shape.insert(bdim, size)
    return aval.update(shape=tuple(shape))


def batch_eval(jaxpr, consts, args, dims):
    """Interpret `jaxpr` on batched values; returns (outs, out_dims)."""
    return interpret(jaxpr, consts, args, dims, "batch", lambda x: not_mapped,
                     lambda d: d is not_mapped, "Batching")


def vmap_jaxpr(closed: ClosedJaxpr, in_dims, size: int, outs_at_front=False):
    """The batched version of `closed`: inputs get their batch dimension at
    `in_dims` (`not_mapped` for unbatched ones). Returns (jaxpr, out_dims).
    With `outs_at_front` every output is batched, at axis 0; a list of
    flags does that only for the flagged outputs."""
    jaxpr = closed.jaxpr
    with pass_trace() as trace:
        consts = [trace.new_arg(v.aval) for v in jaxpr.constvars]
        args = [trace.new_arg(batched_aval(v.aval, d, size)) for v, d in zip(jaxpr.invars, in_dims)]
        outs, out_dims = batch_eval(jaxpr, consts, args, in_dims)
        front = outs_at_front if isinstance(outs_at_front, (list, tuple)) else [outs_at_front] * len(outs)
        outs = [bdim_at_front(o, d, size) if f else o for o, d, f in zip(outs, out_dims, front)]
        out_dims = [0 if f else d for d, f in zip(out_dims, front)]
        return build_jaxpr(trace, consts, closed.consts, args, outs), out_dims
