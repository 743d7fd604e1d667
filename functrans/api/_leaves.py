"""Leaves at the API edge: what user values become when flattened, and
what the user gets back."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import Tracer
from ..ir import Literal, ShapedArray, aval_of
from ..tree_util import tree_flatten, tree_unflatten

def leaf_aval(x) -> ShapedArray:
    """The aval of a flat argument; Python scalars are weakly typed."""
    if type(x) is Tracer or type(x) is Literal:
        return x.aval
    return aval_of(x)


def as_leaf(x):
    """A flat argument: tracers and Python scalars (which stay weakly typed)
    are kept, everything else becomes an ndarray."""
    if type(x) is Tracer or dtypes.is_python_scalar(x):
        return x
    if type(x) is Literal:    # rules hand inline constants through as Literals
        return np.asarray(x.value)
    return np.asarray(x)


def as_output(x):
    """What the user gets: a tracer under an enclosing transform, else an ndarray."""
    if type(x) is Tracer:
        return x
    return np.asarray(x.value if type(x) is Literal else x)


class Store:
    """Carries the output tree out of a flattened function call."""
    __slots__ = ("value",)

    def __init__(self):
        self.value = None


def flatten_fun(fun, in_tree, store: Store):
    """`fun` over pytrees as a function of flat leaves to flat leaves."""
    def flat_fun(*leaves):
        args, kwargs = tree_unflatten(in_tree, leaves)
        out = fun(*args, **kwargs)
        out_leaves, store.value = tree_flatten(out)
        return out_leaves
    return flat_fun


def normalize_argnums(argnums):
    return (argnums,) if isinstance(argnums, int) else tuple(argnums)


