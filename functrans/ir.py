"""The intermediate representation: avals, variables, equations, Jaxprs.

Everything here is immutable once built: passes construct new Jaxprs instead
of editing old ones, so a Jaxpr can be shared, cached and printed at any
stage. `Var`s compare by identity; names are given only when printing.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes

_SHORT_DTYPE = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64",
                "int32": "i32", "int16": "i16", "int8": "i8", "uint8": "u8",
                "uint32": "u32", "uint64": "u64", "bool": "bool",
                "complex128": "c128", "complex64": "c64"}


class ShapedArray:
    """The abstract value of an array: shape, dtype and weak-typedness."""
    __slots__ = ("shape", "dtype", "weak_type")
    shape: tuple[int, ...]
    dtype: np.dtype
    weak_type: bool

    def __init__(self, shape: Sequence[int], dtype: Any, weak_type: bool = False):
        self.shape = shape if type(shape) is tuple else tuple(shape)
        self.dtype = dtype if type(dtype) is np.dtype or isinstance(dtype, np.dtype) else np.dtype(dtype)
        self.weak_type = bool(weak_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def update(self, shape=None, dtype=None, weak_type=None) -> ShapedArray:
        return ShapedArray(self.shape if shape is None else shape,
                           self.dtype if dtype is None else dtype,
                           self.weak_type if weak_type is None else weak_type)

    def str_short(self) -> str:
        dtype = _SHORT_DTYPE.get(self.dtype.name, self.dtype.name)
        return f"{dtype}[{','.join(map(str, self.shape))}]"

    def __eq__(self, other):
        return (isinstance(other, ShapedArray) and self.shape == other.shape
                and self.dtype == other.dtype and self.weak_type == other.weak_type)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self):
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.shape}, {self.dtype.name}{weak})"


_WEAK_SCALARS: dict = {}


def weak_scalar_aval(dtype: np.dtype) -> ShapedArray:
    """The (shared) aval of a weakly typed scalar of `dtype`: Python scalars
    in user code make one per operation, so they are not rebuilt each time."""
    aval = _WEAK_SCALARS.get(dtype)
    if aval is None:
        aval = _WEAK_SCALARS[dtype] = ShapedArray((), dtype, weak_type=True)
    return aval


_ARRAY_AVALS: dict = {}
_ARRAY_AVALS_MAX = 4096


def array_aval(shape: tuple, dtype: np.dtype) -> ShapedArray:
    """The (shared) strong aval of a native-byte-order array of `shape` and
    `dtype`: eager differentiation asks for one per operation, and a shared
    aval lets shape rules take their `a is b` fast path."""
    key = (shape, dtype)
    aval = _ARRAY_AVALS.get(key)
    if aval is None:
        if len(_ARRAY_AVALS) >= _ARRAY_AVALS_MAX:   # many distinct shapes: keep the memory bounded
            _ARRAY_AVALS.clear()
        aval = _ARRAY_AVALS[key] = ShapedArray(shape, dtype)
    return aval


def aval_of(value: Any) -> ShapedArray:
    """The aval of a value: a traced value's or a Literal's own, else that of
    a concrete value (NumPy array, NumPy or Python scalar)."""
    if type(value) is np.ndarray:     # the hot case (rules' residuals); not a failed getattr
        dtype = value.dtype
        if dtype.isnative:
            return array_aval(value.shape, dtype)
        return ShapedArray(value.shape, dtype.newbyteorder("="))
    aval = getattr(value, "aval", None)
    if aval is not None:
        return aval
    if isinstance(value, (np.ndarray, np.generic)):
        dtype = value.dtype
        # A big-endian array computes like a native one: its aval is native.
        return ShapedArray(value.shape, dtype if dtype.isnative else dtype.newbyteorder("="))
    if dtypes.is_python_scalar(value):
        return ShapedArray((), dtypes.python_scalar_dtype(value), weak_type=True)
    return ShapedArray(np.shape(value), np.result_type(value))


class Var:
    """A variable of a Jaxpr, typed by its aval; compared by identity."""
    __slots__ = ("aval",)
    aval: ShapedArray

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in a Jaxpr (`2.0:f64[]`)."""
    __slots__ = ("value", "aval")
    value: Any       # a NumPy scalar of the aval's dtype
    aval: ShapedArray

    def __init__(self, value: Any, aval: ShapedArray):
        assert aval.shape == (), "literals are scalars; arrays are constvars"
        self.value = value
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.value!r}:{self.aval.str_short()})"


class Eqn:
    """One primitive application: `outvars = primitive[params] invars`."""
    __slots__ = ("primitive", "invars", "outvars", "params")
    primitive: Any                # a core.Primitive (core builds on this module)
    invars: list[Var | Literal]
    outvars: list[Var]
    params: dict[str, Any]        # hashable values

    def __init__(self, primitive: Any, invars: list[Var | Literal], outvars: list[Var], params: dict[str, Any]):
        self.primitive = primitive
        self.invars = invars
        self.outvars = outvars
        self.params = params

    def __repr__(self):
        return f"Eqn({self.primitive.name}, {len(self.invars)} in, {len(self.outvars)} out)"


class Jaxpr:
    """A closed-over-nothing program: constvars and invars in, outvars out."""
    __slots__ = ("constvars", "invars", "eqns", "outvars")
    constvars: list[Var]
    invars: list[Var]
    eqns: list[Eqn]
    outvars: list[Var | Literal]

    def __init__(self, constvars: Sequence[Var], invars: Sequence[Var], eqns: Sequence[Eqn],
                 outvars: Sequence[Var | Literal]):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.eqns = list(eqns)
        self.outvars = list(outvars)

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def __str__(self):
        return pp_jaxpr(self)

    __repr__ = __str__


class ClosedJaxpr:
    """A Jaxpr together with the values of its constvars."""
    __slots__ = ("jaxpr", "consts")
    jaxpr: Jaxpr
    consts: list[Any]   # arrays, or tracers of an enclosing trace

    def __init__(self, jaxpr: Jaxpr, consts: Sequence[Any]):
        assert len(jaxpr.constvars) == len(consts)
        self.jaxpr = jaxpr
        self.consts = list(consts)

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.jaxpr.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.jaxpr.out_avals

    @property
    def eqns(self) -> list[Eqn]:
        return self.jaxpr.eqns

    def __str__(self):
        return pp_jaxpr(self.jaxpr)

    __repr__ = __str__


# ---------------------------------------------------------------- printing

class VarNames:
    """Gives Vars the short names JAX prints: a, b, ..., z, ba, bb, ..."""

    def __init__(self):
        self.names: dict[Var, str] = {}

    def __call__(self, var: Var | Literal) -> str:
        if isinstance(var, Literal):
            return pp_literal(var)
        name = self.names.get(var)
        if name is None:
            n, name = len(self.names), ""
            while True:
                name = chr(ord("a") + n % 26) + name
                n //= 26
                if n == 0:
                    break
            self.names[var] = name
        return name

    def binder(self, var: Var) -> str:
        return f"{self(var)}:{var.aval.str_short()}"


def pp_literal(lit: Literal) -> str:
    """A Literal as the printer writes it: `2.0:f64[]`."""
    value = lit.value.item() if hasattr(lit.value, "item") else lit.value
    return f"{value!r}:{lit.aval.str_short()}"


def pp_param(value: Any, names: VarNames | None, indent: int) -> str:
    """An equation parameter as the printer writes it (a Jaxpr in full)."""
    if isinstance(value, ClosedJaxpr):
        value = value.jaxpr
    if isinstance(value, Jaxpr):
        return pp_jaxpr(value, VarNames(), indent + 4)
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, str):
        return value
    if isinstance(value, tuple) and value and all(isinstance(v, (Jaxpr, ClosedJaxpr)) for v in value):
        return "(" + ", ".join(pp_param(v, names, indent) for v in value) + ")"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    return repr(value)


def pp_jaxpr(jaxpr: Jaxpr, names: VarNames | None = None, indent: int = 0) -> str:
    """Render a Jaxpr in JAX's textual form. `names` (fresh by default) gives
    its Vars their names; the backend reuses it to name generated code alike."""
    names = VarNames() if names is None else names
    pad = " " * indent
    consts = " ".join(names.binder(v) for v in jaxpr.constvars)
    ins = " ".join(names.binder(v) for v in jaxpr.invars)
    lines = [f"{{ lambda {consts}; {ins}. let"]
    for eqn in jaxpr.eqns:
        outs = " ".join(names.binder(v) for v in eqn.outvars) or "_"
        params = ""
        if eqn.params:
            params = "[" + " ".join(f"{k}={pp_param(v, names, indent + 4)}"
                                    for k, v in sorted(eqn.params.items())) + "]"
        args = " ".join(names(v) for v in eqn.invars)
        lines.append(f"{pad}    {outs} = {eqn.primitive.name}{params} {args}".rstrip())
    outs = ", ".join(names(v) for v in jaxpr.outvars)
    trailing = "," if len(jaxpr.outvars) == 1 else ""
    lines.append(f"{pad}  in ({outs}{trailing}) }}")
    return "\n".join(lines)


# ---------------------------------------------------------------- checking

def _same_type(a: ShapedArray, b: ShapedArray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


def typecheck(jaxpr: Jaxpr) -> None:
    """Check that every Var is bound before use and every equation's output
    avals are what its primitive's shape rule says. Raises AssertionError."""
    bound = set(jaxpr.constvars) | set(jaxpr.invars)
    assert len(bound) == len(jaxpr.constvars) + len(jaxpr.invars), "duplicate binders"

    def check_use(v, where):
        if isinstance(v, Var):
            assert v in bound, f"{v} used before it is bound, in {where}"

    for eqn in jaxpr.eqns:
        for v in eqn.invars:
            check_use(v, eqn.primitive.name)
        out_avals = eqn.primitive.abstract_eval([v.aval for v in eqn.invars], eqn.params)
        assert len(out_avals) == len(eqn.outvars), f"output count of {eqn.primitive.name}"
        for var, aval in zip(eqn.outvars, out_avals):
            assert _same_type(var.aval, aval), (
                f"{eqn.primitive.name}: output typed {var.aval.str_short()} but "
                f"its shape rule gives {aval.str_short()}")
            assert var not in bound, f"{var} bound twice"
            bound.add(var)
        for value in eqn.params.values():
            inner = value.jaxpr if isinstance(value, ClosedJaxpr) else value
            if isinstance(inner, Jaxpr):
                typecheck(inner)
    for v in jaxpr.outvars:
        check_use(v, "outvars")
