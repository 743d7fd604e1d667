"""Index tricks: grids (`meshgrid`, `indices`, `mgrid`, `ogrid`), open
index tuples (`ix_`) and the concatenators `r_` and `c_`.

Grids of traced coordinates are reshapes and broadcasts; `r_` / `c_`
concatenate traced pieces, but their slice entries (ranges) must be
concrete, as in JAX, because they decide the shape.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..arrays import to_array
from ..core import Tracer
from ..errors import ShapeError, UnsupportedError
from ._base import aval, broadcast_shapes, broadcast_to, cast, operand
from ._indexing import normalize_items
from ._shape import asarray, concatenate, ravel, reshape, transpose


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from coordinate vectors: with `indexing='xy'`
    (Cartesian) the first two axes are swapped against 'ij' (matrix);
    `sparse` keeps each array broadcastable instead of full."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ndim = len(xi)
    ones = (1,) * ndim
    out = [reshape(ravel(x), ones[:i] + (-1,) + ones[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:
        out[0] = reshape(out[0], (1, -1) + ones[2:])
        out[1] = reshape(out[1], (-1, 1) + ones[2:])
    if sparse:
        return out
    shape = broadcast_shapes(*[aval(o).shape for o in out], op="meshgrid")
    return [broadcast_to(o, shape) for o in out]


def ix_(*args):
    """An open mesh of 1-d index arrays: `x[ix_(rows, cols)]` selects the
    cross product; boolean arrays stand for their nonzero positions."""
    out = []
    for k, a in enumerate(args):
        if isinstance(a, (list, tuple)) and len(a) == 0:
            a = np.zeros(0, np.intp)
        a = normalize_items(a)[0] if type(a) is Tracer else asarray(a)
        shape = aval(operand(a)).shape
        if len(shape) != 1:
            raise ShapeError(f"ix_: cross index must be 1 dimensional, got shape {shape} for argument {k}")
        if aval(operand(a)).dtype == np.bool_:
            (a,) = np.nonzero(a)
        out.append(reshape(a, (1,) * k + (-1,) + (1,) * (len(args) - k - 1)))
    return tuple(out)


def indices(dimensions, dtype=None, sparse=False):
    """The index of each position along each axis of a grid of `dimensions`."""
    grid = np.indices(tuple(dimensions), dtype=dtypes.DEFAULT_INT if dtype is None else dtype, sparse=sparse)
    return tuple(to_array(g) for g in grid) if sparse else to_array(grid)


class _Grid:
    """`mgrid` (dense) and `ogrid` (open): NumPy's grids of slices; the
    slices decide the shape, so they are concrete."""

    def __init__(self, grid, name):
        self._grid, self._name = grid, name

    def __getitem__(self, key):
        out = self._grid[key]
        return [to_array(o) for o in out] if isinstance(out, (list, tuple)) else to_array(out)

    def __repr__(self):
        return f"functrans.numpy.{self._name}"


mgrid = _Grid(np.mgrid, "mgrid")
ogrid = _Grid(np.ogrid, "ogrid")


# r_ and c_ ---------------------------------------------------------------------

def _slice_range(item, name):
    """A slice entry of r_ / c_ as NumPy reads it: start:stop:step is an
    arange, start:stop:nj (a complex step) a linspace of n points."""
    if any(type(v) is Tracer for v in (item.start, item.stop, item.step)):
        raise UnsupportedError(f"{name}[...]: a slice with traced bounds would give a shape that depends on "
                               "values; use fnp.arange / fnp.linspace with static bounds")
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, (complex, np.complexfloating)):
        return np.linspace(start, item.stop, num=int(abs(step)))
    return np.arange(start, item.stop, step)


class _AxisConcat:
    """NumPy's `AxisConcatenator`: `obj[a, b, ...]` joins the entries along
    `axis` after giving each at least `ndmin` dimensions (1-d entries laid
    along axis `trans1d`); a first string entry 'axis[,ndmin[,trans1d]]'
    changes those."""

    def __init__(self, name, axis, ndmin, trans1d):
        self._name, self._defaults = name, (axis, ndmin, trans1d)

    def __repr__(self):
        return f"functrans.numpy.{self._name}"

    def _directive(self, item):
        if item in ("r", "c"):
            raise UnsupportedError(f"{self._name}[{item!r}, ...]: matrix directives are not supported (as in JAX); "
                                   "build the array and reshape it")
        try:
            values = [int(v) for v in item.split(",")]
        except ValueError:
            raise ValueError(f"{self._name}: unknown special directive {item!r}") from None
        if not 1 <= len(values) <= 3:
            raise ValueError(f"{self._name}: unknown special directive {item!r}")
        axis, ndmin, trans1d = self._defaults
        return tuple(values) + (ndmin, trans1d)[len(values) - 1:]

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self._defaults
        if key and isinstance(key[0], str):
            axis, ndmin, trans1d = self._directive(key[0])
            key = key[1:]
        pieces, kinds = [], []
        for item in key:
            if isinstance(item, str):
                raise ValueError(f"{self._name}: special directives must be the first entry")
            scalar = dtypes.is_python_scalar(item)
            if isinstance(item, slice):
                piece = np.array(_slice_range(item, self._name), ndmin=ndmin)
                piece = piece.swapaxes(-1, trans1d) if ndmin > 1 and trans1d != -1 else piece
            else:
                piece = operand(asarray(item))
                piece = self._at_least(piece, ndmin, trans1d)
            pieces.append(piece)
            kinds.append((aval(operand(item)).dtype, True) if scalar else (aval(piece).dtype, False))
        if not pieces:
            return to_array(np.zeros(0))
        dtype, _ = dtypes.result_type(*kinds)
        return concatenate([cast(operand(p), dtype) for p in pieces], axis=axis)

    @staticmethod
    def _at_least(x, ndmin, trans1d):
        """NumPy's `array(x, ndmin=ndmin)` then the 1-d axis moved to `trans1d`."""
        x_ndim = aval(x).ndim
        if x_ndim >= ndmin:
            return x
        x = reshape(x, (1,) * (ndmin - x_ndim) + aval(x).shape)
        if trans1d == -1:
            return x
        k2, k1 = ndmin - x_ndim, trans1d + (ndmin - x_ndim + 1 if trans1d < 0 else 0)
        axes = list(range(ndmin))
        return transpose(x, axes[:k1] + axes[k2:] + axes[k1:k2])


r_ = _AxisConcat("r_", 0, 1, -1)
c_ = _AxisConcat("c_", -1, 2, 0)
