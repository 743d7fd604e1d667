"""Leaves at the API edge: what user values become when flattened, and
what the user gets back."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..arrays import to_array
from ..core import Tracer
from ..errors import UnsupportedError
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


def as_leaves(leaves, args, kwargs, fn: str, compiled: bool = False) -> list:
    """`as_leaf` of each flat argument of a call `fn(*args, **kwargs)`, or a
    TypeError naming the argument when one is not a number or an array of
    numbers (a string, an arbitrary object); with `compiled` (jit), an
    UnsupportedError for dtypes kernels cannot hold (float16, longdouble)."""
    out = [as_leaf(x) for x in leaves]
    for original, x in zip(leaves, out):
        if type(x) is Tracer or dtypes.is_python_scalar(x):
            continue
        problem = dtypes.jit_unsupported(x.dtype) if compiled or x.dtype.kind not in "biufc" else None
        if problem is not None:
            raise _bad_argument(original, x, args, kwargs, fn, problem)
    return out


def _bad_argument(original, x, args, kwargs, fn, problem):
    where, static_hint = "an argument", ""
    for i, arg in enumerate(args):
        if any(leaf is original for leaf in tree_flatten(arg)[0]):
            where, static_hint = f"argument {i}", f"static_argnums={i}"
            break
    else:
        for name, arg in kwargs.items():
            if any(leaf is original for leaf in tree_flatten(arg)[0]):
                where, static_hint = f"keyword argument {name!r}", f"static_argnames={name!r}"
    if x.dtype.kind in "biufc":
        return UnsupportedError(f"{fn}: {where} has dtype {x.dtype.name}: {problem}")
    what = type(original).__name__ if not isinstance(original, np.ndarray) else f"array of dtype {x.dtype.name}"
    what = ("an " if what[0] in "aeiou" else "a ") + what
    if fn == "jit":
        fix = f"mark it static (jit(f, {static_hint or 'static_argnums=...'})) or close over it"
    elif fn == "grad":
        fix = "leave it out of argnums, or close over it"
    else:
        fix = "close over it"
    return TypeError(f"{fn}: {where} is {what} ({original!r:.40}), not a number or an array of numbers; "
                     f"only arrays, Python scalars and pytrees (tuples, lists, dicts) of them are traced. "
                     f"To pass anything else, {fix}: {fn}(lambda x: f(x, other))(x).")


def as_output(x):
    """What the user gets: a tracer under an enclosing transform, else an Array."""
    if type(x) is Tracer:
        return x
    return to_array(x.value if type(x) is Literal else x)


class Store:
    """Carries the output tree out of a flattened function call."""
    __slots__ = ("value",)

    def __init__(self):
        self.value = None


def flatten_fun(fun, in_tree, store: Store, fn: str | None = None):
    """`fun` over pytrees as a function of flat leaves to flat leaves. With
    `fn` (the transformation's name), a TypeError from `fun` gets a note on
    its list and None arguments (`note_container_arguments`)."""
    def flat_fun(*leaves):
        args, kwargs = tree_unflatten(in_tree, leaves)
        try:
            out = fun(*args, **kwargs)
        except TypeError as error:
            if fn is not None:
                note_container_arguments(error, args, fn)
            raise
        out_leaves, store.value = tree_flatten(out)
        return out_leaves
    return flat_fun


def note_container_arguments(error: BaseException, args, fn: str):
    """Add a note to a TypeError raised by the user's function when an
    argument it got is a list, tuple or None: transformations treat those as
    pytrees (containers of separate values), which is rarely what a
    `can't multiply sequence` or `unsupported operand ... NoneType` meant."""
    for i, arg in enumerate(args):
        if arg is None:
            error.add_note(f"{fn}: argument {i} is None (an empty pytree): pass an array or a number")
        elif isinstance(arg, (list, tuple)) and arg and not any(isinstance(a, (list, tuple, dict)) for a in arg):
            error.add_note(f"{fn}: argument {i} is a Python {type(arg).__name__} of {len(arg)} values, which "
                           f"{fn} treats as a pytree (each element a separate value), not as an array; "
                           "to pass an array, call it with np.asarray(...)")



