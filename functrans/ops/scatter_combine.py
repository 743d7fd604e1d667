"""Scatters that combine each update with what is there: scatter_mul,
scatter_min, scatter_max (`x.at[idx].multiply/min/max(v)`). Repeated
indices apply every update, as in JAX (a product of all of them, the
extremum over all of them); out-of-range indices are clamped, as for the
other indexing primitives.

scatter_mul is linear in its operand; its derivative in the updates needs
indices known to be distinct (JAX's rule: `unique_indices=True`, or
concrete indices that are). scatter_min / scatter_max share the tangent
among ties evenly, like reduce_max.
"""
from __future__ import annotations

import numpy as np

from ..core import Primitive
from ..errors import UnsupportedError
from . import elementwise as ew
from . import rules
from .indexing import (
    axis_index,
    clipped,
    gather,
    render_scatter,
    scatter_add,
    scatter_batch,
    scatter_shape,
    surely_unique,
)
from .rules import UndefinedPrimal, Zero


def _impl(ufunc):
    def impl(x, indices, updates, axis, unique_indices=False):
        out = np.array(x, copy=True)
        ufunc.at(out, axis_index(out.ndim, axis, clipped(indices, out.shape[axis])), updates)
        return out
    return impl


def _shape(name):
    check = scatter_shape(name)
    return lambda x, indices, updates, axis, unique_indices=False: check(x, indices, updates, axis)


def _as(mask, like):
    return ew.convert_element_type(mask, new_dtype=rules.aval_of(like).dtype, weak_type=False)


# scatter_mul -------------------------------------------------------------------------

def _scatter_mul_jvp(primals, tangents, params):
    (x, indices, updates), (tx, _, tu) = primals, tangents
    out = scatter_mul(x, indices, updates, **params)
    terms = []
    if type(tx) is not Zero:        # x -> x * (product of the updates) is linear
        terms.append(scatter_mul(tx, indices, updates, **params))
    if type(tu) is not Zero:
        axis = params["axis"]
        if not (params["unique_indices"] or surely_unique(indices, rules.aval_of(x).shape[axis])):
            raise UnsupportedError(
                "the derivative of x.at[idx].multiply(v) with respect to v is implemented for distinct "
                "indices only (as in JAX); pass unique_indices=True if they are distinct")
        # Distinct indices: out = x * u at each index, so d out = x * du there.
        terms.append(scatter_add(rules.zeros(rules.aval_of(x)), indices, ew.mul(gather(x, indices, axis=axis), tu),
                                 axis=axis))
    if not terms:
        return out, Zero(rules.aval_of(out))
    return out, terms[0] if len(terms) == 1 else ew.add(terms[0], terms[1])


def _scatter_mul_transpose(ct, x, indices, updates, axis, unique_indices):
    assert type(x) is UndefinedPrimal and type(updates) is not UndefinedPrimal
    return [scatter_mul(ct, indices, updates, axis=axis, unique_indices=unique_indices), None, None]


scatter_mul = Primitive("scatter-mul", shape_rule=_shape("scatter-mul"), impl=_impl(np.multiply),
                        jvp=_scatter_mul_jvp, transpose=_scatter_mul_transpose)
scatter_mul.batch = scatter_batch(scatter_mul)
scatter_mul.numba = render_scatter(lambda target, update: f"{target} *= {update}")


# scatter_min / scatter_max -----------------------------------------------------------

def _extremal_jvp(prim):
    def rule(primals, tangents, params):
        (x, indices, updates), (tx, _, tu) = primals, tangents
        axis = params["axis"]
        out = prim(x, indices, updates, **params)
        x_aval = rules.aval_of(x)
        if x_aval.dtype.kind not in "fc" or (type(tx) is Zero and type(tu) is Zero):
            return out, Zero(rules.aval_of(out))
        # Where the operand and some updates tie for the extremum, each
        # contributes an equal share of the tangent.
        kept = _as(ew.eq(x, out), x)
        won = _as(ew.eq(updates, gather(out, indices, axis=axis)), updates)
        count = ew.add(kept, scatter_add(rules.zeros(x_aval), indices, won, axis=axis))
        t = None
        if type(tx) is not Zero:
            t = ew.mul(kept, tx)
        if type(tu) is not Zero:
            from_updates = scatter_add(rules.zeros(x_aval), indices, ew.mul(won, tu), axis=axis)
            t = from_updates if t is None else ew.add(t, from_updates)
        return out, ew.div(t, count)
    return rule


def _extremal(name, ufunc, template):
    prim = Primitive(name, shape_rule=_shape(name), impl=_impl(ufunc))
    prim.jvp = _extremal_jvp(prim)
    prim.batch = scatter_batch(prim)
    prim.numba = render_scatter(lambda target, update: f"{target} = {template.format(target, update)}")
    return prim


# The templates are those of the elementwise max/min primitives (NaN-propagating).
scatter_max = _extremal("scatter-max", np.maximum, ew.max.numba)
scatter_min = _extremal("scatter-min", np.minimum, ew.min.numba)
