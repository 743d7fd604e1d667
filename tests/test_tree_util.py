"""Pytrees: flattening order, structure equality, registered classes, and
pytrees flowing through the transformations."""
from collections import namedtuple

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.tree_util import (
    register_pytree_node,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)


class Affine:
    """A registered container, as a user's model class would be."""

    def __init__(self, w, b):
        self.w, self.b = w, b


register_pytree_node(Affine, lambda a: ((a.w, a.b), None), lambda _, children: Affine(*children))
Point = namedtuple("Point", "x y")


def test_dicts_flatten_in_sorted_key_order_and_none_is_empty():
    leaves, tree = tree_flatten({"b": 1, "a": (2, None, [3, 4])})
    assert leaves == [2, 3, 4, 1]
    assert tree_unflatten(tree, [5, 6, 7, 8]) == {"a": (5, None, [6, 7]), "b": 8}


def test_structures_compare_by_shape_not_by_leaves():
    assert tree_structure((1, [2, 3])) == tree_structure((4.0, [5.0, 6.0]))
    assert tree_structure((1, [2, 3])) != tree_structure((1, (2, 3)))
    assert hash(tree_structure({"a": 1})) == hash(tree_structure({"a": 2}))


def test_registered_classes_and_namedtuples_round_trip():
    tree = [Affine(1.0, 2.0), Point(3.0, 4.0)]
    leaves, treedef = tree_flatten(tree)
    assert leaves == [1.0, 2.0, 3.0, 4.0]
    rebuilt = tree_unflatten(treedef, [10.0, 20.0, 30.0, 40.0])
    assert isinstance(rebuilt[0], Affine) and rebuilt[0].b == 20.0
    assert rebuilt[1] == Point(30.0, 40.0)


def test_tree_map_over_several_trees_and_mismatch_error():
    assert tree_map(lambda a, b: a + b, {"x": 1, "y": (2,)}, {"x": 10, "y": (20,)}) == {"x": 11, "y": (22,)}
    with pytest.raises(ValueError, match="structures differ"):
        tree_map(lambda a, b: a, (1, 2), [1, 2])
    with pytest.raises(ValueError, match="needs 2 leaves"):
        tree_unflatten(tree_structure((1, 2)), [1])
    assert tree_leaves(Point(1, (2, 3))) == [1, 2, 3]


def test_registered_class_flows_through_grad_vmap_and_jit():
    model = Affine(np.array([1.0, -2.0]), 0.5)
    x = np.array([3.0, 4.0])
    loss = lambda m, x: (fnp.dot(m.w, x) + m.b) ** 2
    g = ft.grad(loss)(model, x)
    r = model.w @ x + model.b
    assert isinstance(g, Affine)
    np.testing.assert_allclose(g.w, 2 * r * x)
    np.testing.assert_allclose(g.b, 2 * r)
    per_example = ft.vmap(ft.grad(loss), in_axes=(None, 0))(model, np.stack([x, -x]))
    np.testing.assert_allclose(per_example.w[0], g.w)
    jitted = ft.jit(ft.grad(loss))(model, x)
    np.testing.assert_allclose(jitted.w, g.w)
