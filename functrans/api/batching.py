"""vmap: trace one example, batch the Jaxpr, evaluate it on the whole batch."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import eval_closed
from ..errors import BatchingError, canonicalize_axis, check_callable
from ..ops.shaping import broadcast_in_dim
from ..transforms.markers import move_bdim, not_mapped
from ..transforms.passes import simplify
from ..transforms.staging import trace_flat
from ..transforms.vmap import vmap_jaxpr
from ..tree_util import tree_flatten, tree_prefix_broadcast, tree_unflatten
from ._leaves import Store, as_leaves, as_output, flatten_fun, leaf_aval
from ._wrapped import Transformed


def _flat_in_axes(in_axes, args, kwargs):
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if isinstance(in_axes, tuple) and len(in_axes) != len(args):
        raise BatchingError(f"vmap in_axes has {len(in_axes)} entries but the function was called "
                            f"with {len(args)} positional arguments; give one entry per argument")
    axes = tree_prefix_broadcast(in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args),
                                 tuple(args), "vmap in_axes")
    # Keyword arguments are mapped over axis 0, as in JAX.
    return axes + [0] * len(tree_flatten(kwargs)[0])


def _check_axes_spec(axes, argname):
    """The top level of `in_axes`/`out_axes`: an int, None or a tuple/list
    (a pytree prefix); checked when vmap is called, as JAX does."""
    if axes is None or isinstance(axes, (tuple, list, dict)):
        return
    if isinstance(axes, bool) or not isinstance(axes, (int, np.integer)):
        raise TypeError(f"vmap {argname} must be an int, None, or a tuple with one entry per "
                        f"{'positional argument' if argname == 'in_axes' else 'output'}, "
                        f"got {type(axes).__name__} {axes!r}")


def _normalize(leaves, axes):
    dims = []
    for i, (x, axis) in enumerate(zip(leaves, axes)):
        if axis is None:
            dims.append(not_mapped)
            continue
        shape = leaf_aval(x).shape
        if not shape:
            raise BatchingError(f"vmap: argument leaf {i} is a scalar (rank 0), which has no axis to map "
                                f"over (in_axes={axis}); give it in_axes=None, or pass an array")
        dims.append(canonicalize_axis(axis, len(shape), "in_axes",
                                      f"vmap (argument leaf {i}, shape {shape})", BatchingError))
    return dims


def _axis_size(leaves, dims):
    sizes = [leaf_aval(x).shape[d] for x, d in zip(leaves, dims) if d is not not_mapped]
    if not sizes:
        raise BatchingError("vmap needs at least one argument with a mapped axis (in_axes not None)")
    if len(set(sizes)) > 1:
        described = ", ".join(f"leaf {i}: size {leaf_aval(x).shape[d]} along axis {d}"
                              for i, (x, d) in enumerate(zip(leaves, dims)) if d is not not_mapped)
        raise BatchingError(f"vmap got inconsistent sizes for the mapped axes: {described}. Every mapped "
                            "axis must have one size; give in_axes=None for an argument not to be mapped")
    return sizes[0]


def _place_output(x, bdim, out_axis, size):
    if out_axis is None:
        if bdim is not not_mapped:
            raise BatchingError("vmap out_axes=None, but an output depends on the mapped inputs; "
                                "give that output an integer out_axes")
        return x
    ndim = len(leaf_aval(x).shape) + (bdim is not_mapped)
    out_axis = canonicalize_axis(out_axis, ndim, "out_axes", "vmap", BatchingError)
    if bdim is not_mapped:
        shape = list(leaf_aval(x).shape)
        shape.insert(out_axis, size)
        kept = tuple(i for i in range(ndim) if i != out_axis)
        return broadcast_in_dim(x, shape=tuple(shape), broadcast_dimensions=kept)
    return move_bdim(x, bdim, out_axis)


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0) -> Callable:
    """`fun` mapped over an axis of its arguments, without a Python loop.

    `in_axes`: an int, None, or a tuple with one entry (int, None, or a
    pytree prefix) per positional argument; `out_axes` likewise for outputs.

    >>> vmap(lambda x: fnp.dot(x, x))(np.ones((4, 3)))   # four dot products
    array([3., 3., 3., 3.])
    """
    check_callable(fun, "vmap")
    _check_axes_spec(in_axes, "in_axes")
    _check_axes_spec(out_axes, "out_axes")

    def vmapped(*args, **kwargs):
        leaves, in_tree = tree_flatten((args, kwargs))
        leaves = as_leaves(leaves, args, kwargs, "vmap")
        dims = _normalize(leaves, _flat_in_axes(in_axes, args, kwargs))
        size = _axis_size(leaves, dims)
        example_avals = [leaf_aval(x) if d is not_mapped else
                         leaf_aval(x).update(shape=leaf_aval(x).shape[:d] + leaf_aval(x).shape[d + 1:])
                         for x, d in zip(leaves, dims)]
        store = Store()
        closed = trace_flat(flatten_fun(fun, in_tree, store, "vmap"), example_avals, transform="vmap")
        batched, out_dims = vmap_jaxpr(closed, dims, size)
        outs = eval_closed(simplify(batched), leaves)
        out_axes_flat = tree_prefix_broadcast(out_axes, tree_unflatten(store.value, outs), "vmap out_axes")
        placed = [_place_output(o, d, a, size) for o, d, a in zip(outs, out_dims, out_axes_flat)]
        return tree_unflatten(store.value, [as_output(o) for o in placed])
    return Transformed(vmapped, vmap, fun, in_axes=in_axes, out_axes=out_axes)
