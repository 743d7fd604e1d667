"""The contract between primitives and the numba backend.

A primitive's `numba` field says how it lowers; the ops files build it from
the descriptors here (`IndexMap`, `Reduction`) or write a statement renderer
that receives an `Emit`. This module renders Python source text only and
never imports numba, so that importing the primitives stays cheap.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..errors import UnsupportedError

# dtypes whose scalar arithmetic numba already carries out in that dtype;
# every other dtype is cast back after each operation (numba widens int32).
_NATIVE = {np.dtype(np.float64), np.dtype(np.int64), np.dtype(bool)}


class IndexMap:
    """Lowering of a primitive whose output element at index `idx` is its
    first operand's element at `source(idx, in_aval, out_aval, **params)`,
    a list of index expressions (broadcasts, transposes, reversals, slices).
    Fused into loops as index arithmetic; never materialises anything.

    With a `guard` (same arguments, returning a condition expression) the
    operand is read only where the guard holds, and elsewhere the element is
    the primitive's second operand, a scalar (pad's padding value)."""
    __slots__ = ("source", "guard")

    def __init__(self, source, guard=None):
        self.source = source
        self.guard = guard


class Reduction:
    """Lowering of a reduction over `axes`: an accumulator that starts at
    `identity(dtype)` and takes each element with the `combine` template
    (`{0}` the accumulator, `{1}` the element). Fused as a loop epilogue."""
    __slots__ = ("identity", "combine")

    def __init__(self, identity, combine: str):
        self.identity = identity
        self.combine = combine


def dtype_expr(dtype) -> str:
    """`np.float32` and friends, as generated code spells a dtype."""
    dtype = np.dtype(dtype)
    problem = dtypes.jit_unsupported(dtype)
    if problem is not None:
        raise UnsupportedError(problem)
    return "np.bool_" if dtype == np.bool_ else f"np.{dtype.name}"


def cast(expr: str, dtype) -> str:
    """`expr` as a scalar of exactly `dtype`."""
    return expr if np.dtype(dtype) in _NATIVE else f"{dtype_expr(dtype)}({expr})"


def literal(value, dtype) -> str:
    """Source text of a scalar constant of `dtype`."""
    dtype = np.dtype(dtype)
    value = np.asarray(value).astype(dtype).item()
    if dtype == np.bool_:
        return repr(bool(value))
    if dtype.kind == "f":
        if math.isnan(value):
            text = "np.nan"
        elif math.isinf(value):
            text = "np.inf" if value > 0 else "-np.inf"
        else:
            text = repr(float(value))
    else:
        text = repr(int(value))
    return cast(text, dtype)


def element(name: str, aval, index) -> str:
    """`name[i0, i1]`, or `name` itself for a rank-0 value (a scalar)."""
    return f"{name}[{', '.join(index)}]" if aval.shape else name


def loops(ranges, body) -> list[str]:
    """A nest of `for` loops around `body`; `ranges` holds (index name,
    extent) pairs, the extent an int or a `range(...)` expression."""
    lines = list(body)
    for name, extent in reversed(list(ranges)):
        extent = f"range({extent})" if isinstance(extent, int) else extent
        lines = [f"for {name} in {extent}:"] + ["    " + line for line in lines]
    return lines


def indices(n: int, prefix: str = "i") -> list[str]:
    """Loop index names `i0, i1, ...`: digits keep them apart from IR names."""
    return [f"{prefix}{d}" for d in range(n)]


class Emit:
    """What a statement renderer gets: the source text of its inputs (names
    of arrays or scalars, or literals), the names to assign its outputs to,
    their avals, and building blocks. A renderer `(emit, **params)` returns
    the list of statements that assign every output.

    The two blocks that need the rest of the backend come in as callables
    from the renderer, so that this module imports nothing of it:
    `render_inline(closed, in_exprs, prefix) -> (lines, out_exprs)` renders
    a sub-Jaxpr, `call_lines(loop_lines, results) -> lines` hands a loop
    nest to the loop compiler."""

    def __init__(self, ins, outs, in_avals, out_avals, *, render_inline, call_lines):
        self.ins = ins
        self.outs = outs
        self.in_avals = in_avals
        self.out_avals = out_avals
        self._render_inline = render_inline
        self._call_lines = call_lines

    def read(self, k: int, index) -> str:
        return element(self.ins[k], self.in_avals[k], index)

    def write(self, k: int, index, value: str) -> str:
        aval = self.out_avals[k]
        if not aval.shape:
            return f"{self.outs[k]} = {cast(value, aval.dtype)}"
        return f"{element(self.outs[k], aval, index)} = {value}"

    def alloc(self, k: int = 0) -> list[str]:
        """`out = np.empty(shape, dtype)`; nothing for a scalar output."""
        aval = self.out_avals[k]
        if not aval.shape:
            return []
        return [f"{self.outs[k]} = np.empty({aval.shape!r}, {dtype_expr(aval.dtype)})"]

    def temp(self, stem: str) -> str:
        """A local name private to this equation (underscores never occur in IR names)."""
        return f"{stem}_{self.outs[0]}"

    def copy(self, dst: str, dst_index, src: str, src_index, shape) -> list[str]:
        """Lines setting `dst[dst_index(k)] = src[src_index(k)]` for every
        index k of `shape`, a loop nest run through the backend's loop
        compiler: numba's own array copies (`out[i] = row`, `out[a:b] = x`,
        `np.transpose(x, axes)`) cost it seconds to compile."""
        idx = self.indices(len(shape), "c")
        read = src_index(idx)
        assign = f"{dst}[{', '.join(dst_index(idx))}] = " + (f"{src}[{', '.join(read)}]" if read else src)
        return self._call_lines(self.loops(zip(idx, shape), [assign]), []) if shape else [assign]

    def inline(self, closed, in_exprs, stem: str):
        """Statements computing a sub-Jaxpr (a loop body, a branch) of this
        equation on `in_exprs`: (lines, output expressions)."""
        return self._render_inline(closed, in_exprs, self.temp(stem) + "_")

    @staticmethod
    def indent(lines, depth: int = 1) -> list[str]:
        return ["    " * depth + line for line in lines]

    @staticmethod
    def clamp(expr: str, upper: int, dtype=None) -> str:
        """`expr` clamped into [0, upper]; a uint64 index is made signed
        first (numba would otherwise compare it as a float)."""
        if dtype is not None and np.dtype(dtype) == np.uint64:
            expr = f"np.int64({expr})"
        return f"min(max({expr}, 0), {upper})"

    cast = staticmethod(cast)
    literal = staticmethod(literal)
    loops = staticmethod(loops)
    indices = staticmethod(indices)
    element = staticmethod(element)
    dtype_expr = staticmethod(dtype_expr)
