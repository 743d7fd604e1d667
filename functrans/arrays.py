"""`functrans.Array`: the `numpy.ndarray` subclass functrans hands back.

Constructors of `functrans.numpy` and every transformed function (`grad`,
`jit`, `vmap`, ...) return Arrays; NumPy accepts them wherever it accepts an
ndarray, and NumPy operations on them keep the subclass, as for any ndarray
subclass. What they add is what JAX code expects of its arrays:
`.at[idx].set/add/multiply/min/max/get`, `.block_until_ready()`, and
indexing by a traced value (`G[i]` inside `jit`, for a closed-over `G`).
Indexing and `.at` are attached by `functrans.numpy`, which owns their
semantics; this module depends on NumPy alone, so every layer may use it.

Invariant: functrans never computes on Arrays internally: values entering a
trace or a kernel are viewed as plain ndarrays (the subclass costs NumPy's
ufunc dispatch a few hundred ns per call, and numba's typing far more).
"""
from __future__ import annotations

import numpy as np


class _ArrayType(type):
    """`isinstance(x, Array)` holds for Arrays and also for traced values,
    as `isinstance(x, jax.Array)` does inside JAX transformations."""

    def __instancecheck__(cls, obj):
        return type.__instancecheck__(cls, obj) or type(obj) is tracer_type[0]


class Array(np.ndarray, metaclass=_ArrayType):
    """An ndarray with JAX's array methods. `.at` and indexing by traced
    values are attached by `functrans.numpy`.

    >>> import functrans.numpy as fnp
    >>> fnp.zeros(3).at[1].set(5.0)
    Array([0., 5., 0.])
    """
    __slots__ = ()

    def block_until_ready(self):
        """`self`: functrans computes synchronously, so it is always ready."""
        return self

    def __getitem__(self, idx):
        if traced_index(idx):
            return getitem_hook[0](self, idx)
        return np.ndarray.__getitem__(self, idx)


# `functrans.numpy` installs its `getitem` here (indexing with traced values).
getitem_hook: list = [None]
# The class of traced values, set by `core` (it imports this module).
tracer_type: list = [None]


def traced_index(idx) -> bool:
    """Whether an index expression holds a traced value."""
    tracer = tracer_type[0]
    if type(idx) is tracer:
        return True
    if type(idx) is tuple or type(idx) is list:
        return any(type(i) is tracer or type(i) in (tuple, list) and traced_index(i) for i in idx)
    return False


_asarray, _view = np.asarray, np.ndarray.view


def to_array(x) -> Array:
    """`x` (an ndarray, NumPy scalar or Python scalar) as an Array, without
    a copy when it is an ndarray already."""
    if type(x) is Array:
        return x
    return _view(_asarray(x), Array)


def to_plain(x):
    """An Array as the plain ndarray it views; anything else unchanged."""
    return _view(x, np.ndarray) if type(x) is Array else x
