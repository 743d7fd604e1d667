"""Pytrees: nested tuples, lists, dicts (sorted keys), None, namedtuples and
registered classes, flattened to a list of leaves and a hashable treedef.

Only `api.py` flattens and unflattens; below it everything takes flat lists.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple


class _NodeType(NamedTuple):
    to_iterable: Callable      # node -> (children, aux data)
    from_iterable: Callable    # (aux data, children) -> node


_registry: dict[type, _NodeType] = {
    tuple: _NodeType(lambda t: (t, None), lambda _, c: tuple(c)),
    list: _NodeType(lambda l: (l, None), lambda _, c: list(c)),
    dict: _NodeType(lambda d: ([d[k] for k in sorted(d)], tuple(sorted(d))),
                    lambda keys, c: dict(zip(keys, c))),
    type(None): _NodeType(lambda n: ((), None), lambda _, c: None),
}


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable) -> None:
    """Make instances of `nodetype` pytree nodes.

    `flatten_func(node) -> (children, aux_data)`;
    `unflatten_func(aux_data, children) -> node`.
    """
    _registry[nodetype] = _NodeType(flatten_func, unflatten_func)


def _node_type(x):
    node = _registry.get(type(x))
    if node is None and isinstance(x, tuple) and hasattr(x, "_fields"):   # namedtuple
        cls = type(x)
        node = _NodeType(lambda t: (tuple(t), None), lambda _, c, cls=cls: cls(*c))
    return node


class PyTreeDef:
    """The structure of a pytree: node types, aux data and child structures."""
    __slots__ = ("node_type", "aux", "children", "num_leaves", "_hash")

    def __init__(self, node_type, aux, children):
        self.node_type = node_type          # None for a leaf
        self.aux = aux
        self.children = children
        self.num_leaves = 1 if node_type is None else sum(c.num_leaves for c in children)
        self._hash = hash((node_type, aux, children))

    def __eq__(self, other):
        return (isinstance(other, PyTreeDef) and self._hash == other._hash and self.node_type == other.node_type
                and self.aux == other.aux and self.children == other.children)

    def __hash__(self):
        return self._hash

    def __repr__(self):
        if self.node_type is None:
            return "*"
        name = getattr(self.node_type, "__name__", str(self.node_type))
        return f"PyTreeDef({name}, [{', '.join(map(repr, self.children))}])"


LEAF = PyTreeDef(None, None, ())


def _flatten(tree, leaves, is_leaf):
    node = None if (is_leaf is not None and is_leaf(tree)) else _node_type(tree)
    if node is None:
        leaves.append(tree)
        return LEAF
    children, aux = node.to_iterable(tree)
    return PyTreeDef(type(tree), aux, tuple(_flatten(c, leaves, is_leaf) for c in children))


def tree_flatten(tree, is_leaf=None) -> tuple[list, PyTreeDef]:
    """Leaves of `tree` (left to right) and its structure."""
    leaves = []
    treedef = _flatten(tree, leaves, is_leaf)
    return leaves, treedef


def _unflatten(treedef, leaves):
    if treedef.node_type is None:
        return next(leaves)
    children = [_unflatten(c, leaves) for c in treedef.children]
    node = _registry.get(treedef.node_type)
    if node is None:   # a namedtuple
        return treedef.node_type(*children)
    return node.from_iterable(treedef.aux, children)


def tree_unflatten(treedef: PyTreeDef, leaves) -> Any:
    """The pytree of structure `treedef` with the given leaves."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: {treedef} needs {treedef.num_leaves} leaves, got {len(leaves)}")
    return _unflatten(treedef, iter(leaves))


def tree_leaves(tree, is_leaf=None) -> list:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None) -> PyTreeDef:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable, tree, *rest, is_leaf=None):
    """`f` applied leafwise to `tree` and the trees in `rest` (same structure)."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [tree_flatten(r, is_leaf) for r in rest]
    for leaves_r, treedef_r in others:
        if treedef_r != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef} and {treedef_r}")
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *[l for l, _ in others])])


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    return treedef.node_type is None


def tree_prefix_broadcast(prefix, tree, what="in_axes"):
    """Leaves of `prefix` (a pytree prefix of `tree`, e.g. vmap's in_axes)
    repeated for every leaf of `tree` below them."""
    out = []

    def walk(p, t):
        if _node_type(p) is None or p is None:
            out.extend([p] * len(tree_leaves(t)))
            return
        p_children, p_aux = _node_type(p).to_iterable(p)
        t_node = _node_type(t)
        if t_node is None or type(t) is not type(p):
            raise ValueError(f"{what} {prefix!r} is not a prefix of the argument structure "
                             f"{tree_structure(tree)}; give an int or None per leaf, or one for a whole subtree")
        t_children, t_aux = t_node.to_iterable(t)
        if p_aux != t_aux or len(p_children) != len(t_children):
            raise ValueError(f"{what} {prefix!r} does not match the argument structure {tree_structure(tree)}; "
                             "give an int or None per leaf, or one for a whole subtree")
        for pc, tc in zip(p_children, t_children):
            walk(pc, tc)

    walk(prefix, tree)
    return out
