"""Full Jacobians and Hessians, with no Python loop over basis vectors:
`jacrev` maps the VJP over the rows of an identity, `jacfwd` maps the JVP
over its columns, `hessian = jacfwd(jacrev)`."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import GradError, canonicalize_argnums, check_callable
from ..numpy import moveaxis
from ..tree_util import tree_flatten, tree_unflatten
from ._leaves import as_leaf, as_leaves, leaf_aval
from ._wrapped import Transformed
from .autodiff import Differentiated, check_float_inputs, check_output_dtype, jvp
from .batching import vmap


def _sizes(leaves):
    return [int(np.prod(leaf_aval(x).shape, dtype=np.int64)) for x in leaves]


def _split(vector, leaves):
    """A flat vector cut into arrays shaped like `leaves`."""
    pieces, start = [], 0
    for x, n in zip(leaves, _sizes(leaves)):
        pieces.append(vector[start:start + n].reshape(leaf_aval(x).shape))
        start += n
    return pieces


def _basis(leaves):
    """The identity matrix over all elements of `leaves`, in their dtype."""
    dtype = np.result_type(*[leaf_aval(x).dtype for x in leaves])
    return np.eye(sum(_sizes(leaves)), dtype=dtype)


def _nest(out_tree, in_tree, blocks, several):
    """blocks[i][j]: d out_i / d in_j -> the pytree JAX returns: the output
    structure, each leaf holding the input structure (a tuple of them when
    argnums is a tuple)."""
    per_out = [tree_unflatten(in_tree, row) for row in blocks]
    return tree_unflatten(out_tree, [p if several else p[0] for p in per_out])


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, holomorphic: bool = False) -> Callable:
    """The Jacobian of `fun` with respect to `args[argnums]`, row by row in
    reverse mode. Each block has shape `out.shape + in.shape`. Outputs must be
    real, or complex with `holomorphic=True` (as JAX)."""
    check_callable(fun, "jacrev")
    several = not isinstance(argnums, int)
    argnums_t = canonicalize_argnums(argnums, None, "jacrev")

    def jacfun(*args):
        d = Differentiated(fun, args, {}, argnums_t, has_aux=False, fn="jacrev")
        check_float_inputs(d.leaves, argnums, holomorphic, "jacrev")
        outs = [as_leaf(o) for o in d.out_leaves]
        for o in outs:
            check_output_dtype(leaf_aval(o), holomorphic, "jacrev")

        def pull(row):
            return tree_flatten(d.pullback(_split(row, outs)))[0]
        rows = vmap(pull)(_basis(outs))    # one leaf per input: (total_out,) + in.shape
        blocks, start = [], 0
        for o, n in zip(outs, _sizes(outs)):
            o_shape = leaf_aval(o).shape
            blocks.append([r[start:start + n].reshape(o_shape + leaf_aval(x).shape)
                           for r, x in zip(rows, d.leaves)])
            start += n
        return _nest(d.out_tree, d.in_tree, blocks, several)
    return Transformed(jacfun, jacrev, fun, argnums=argnums, holomorphic=holomorphic)


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, holomorphic: bool = False) -> Callable:
    """The Jacobian of `fun` with respect to `args[argnums]`, column by
    column in forward mode. Each block has shape `out.shape + in.shape`.
    Inputs must be real, or complex with `holomorphic=True` (as JAX)."""
    check_callable(fun, "jacfwd")
    several = not isinstance(argnums, int)
    argnums_t = canonicalize_argnums(argnums, None, "jacfwd")

    def jacfun(*args):
        argnums_n = canonicalize_argnums(argnums_t, len(args), "jacfwd")
        leaves, in_tree = tree_flatten(tuple(args[i] for i in argnums_n))
        leaves = as_leaves(leaves, args, {}, "jacfwd")
        check_float_inputs(leaves, argnums, holomorphic, "jacfwd")
        if not holomorphic and any(leaf_aval(x).dtype.kind == "c" for x in leaves):
            raise GradError("jacfwd requires real-valued inputs (a floating-point dtype); for "
                            "complex inputs of a holomorphic function pass holomorphic=True, "
                            "otherwise use jacrev.")
        out_store = []

        def f_of_diff(*diff_leaves):
            new_args = list(args)
            for i, a in zip(argnums_n, tree_unflatten(in_tree, diff_leaves)):
                new_args[i] = a
            return fun(*new_args)

        def push(column):
            out, tangent = jvp(f_of_diff, tuple(leaves), tuple(_split(column, leaves)))
            t_leaves, out_tree = tree_flatten(tangent)
            out_store[:] = [out_tree, [leaf_aval(as_leaf(o)) for o in tree_flatten(out)[0]]]
            return t_leaves
        cols = vmap(push)(_basis(leaves))   # one leaf per output: (total_in,) + out.shape
        out_tree, out_avals = out_store
        blocks = []
        for c, o_aval in zip(cols, out_avals):
            moved = moveaxis(c, 0, -1)   # columns last: out.shape + (total_in,)
            per_in, start = [], 0
            for x, n in zip(leaves, _sizes(leaves)):
                piece = moved[..., start:start + n]
                per_in.append(piece.reshape(o_aval.shape + leaf_aval(x).shape))
                start += n
            blocks.append(per_in)
        return _nest(out_tree, in_tree, blocks, several)
    return Transformed(jacfun, jacfwd, fun, argnums=argnums, holomorphic=holomorphic)


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, holomorphic: bool = False) -> Callable:
    """The Hessian, `jacfwd(jacrev(fun))`: forward over reverse."""
    check_callable(fun, "hessian")
    return jacfwd(jacrev(fun, argnums, holomorphic), argnums, holomorphic)
