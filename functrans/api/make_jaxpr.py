"""make_jaxpr: the IR of a function, for people to read."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from ..errors import canonicalize_argnums, check_callable
from ..ir import ClosedJaxpr
from ..transforms.passes import simplify
from ..transforms.staging import trace_flat
from ..tree_util import tree_flatten
from ._leaves import Store, as_leaves, flatten_fun, leaf_aval
from ._wrapped import Transformed


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = ()) -> Callable[..., ClosedJaxpr]:
    """`make_jaxpr(f)(*args)` is the ClosedJaxpr of `f` at those argument
    types, after the simplification passes jit also runs; `print()` shows it.

    >>> print(make_jaxpr(lambda x: fnp.sum(fnp.sin(x) * 2.0))(np.ones(3)))
    """
    check_callable(fun, "make_jaxpr")
    static_argnums = canonicalize_argnums(static_argnums, None, "make_jaxpr", "static_argnums")

    def make(*args, **kwargs):
        static = {i: args[i] for i in canonicalize_argnums(static_argnums, len(args), "make_jaxpr", "static_argnums")}
        dynamic = [a for i, a in enumerate(args) if i not in static]

        def rebuilt(*dyn, **kw):
            it = iter(dyn)
            return fun(*[static[i] if i in static else next(it) for i in range(len(args))], **kw)

        leaves, in_tree = tree_flatten((tuple(dynamic), kwargs))
        store = Store()
        avals = [leaf_aval(x) for x in as_leaves(leaves, args, kwargs, "make_jaxpr")]
        closed = trace_flat(flatten_fun(rebuilt, in_tree, store), avals)
        return simplify(closed)    # what jit compiles: forwarded identities, CSE, DCE
    return Transformed(make, make_jaxpr, fun, static_argnums=static_argnums)
