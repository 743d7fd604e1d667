"""Primitives, `bind`, the staging tracer and the current-trace context.

There is one kind of tracer. Binding a primitive with tracers among its
arguments records an equation in the innermost of *their* traces; a tracer
of an enclosing trace met there becomes a constvar of it, which is how nested
transforms and closures compose. Choosing the trace from the arguments (as
JAX does) rather than from the context means work on outer or concrete values
never lands in an inner Jaxpr: that is what lets `grad` linearize online. A tracer
knows its concrete value when every input it came from is concrete; that value
is computed lazily, only when Python asks for it (`bool(x > 0)` under `grad`).
With no tracer among its arguments `bind` simply runs the NumPy impl.

The current trace is the only global state in functrans.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import arrays, dtypes
from .errors import ShapeError, TracerConversionError, UnexpectedTracerError, concretization_error
from .ir import ClosedJaxpr, Eqn, Jaxpr, Literal, ShapedArray, Var, aval_of, weak_scalar_aval


class Primitive:
    """One operation and all of its rules.

    shape_rule: (*avals, **params) -> aval, or a list of avals when
                `multiple_results`; raises a clear error on bad input.
    impl:       (*arrays, **params) -> array(s), the NumPy evaluation.
    jvp:        (primals, tangents, params) -> (primals_out, tangents_out);
                tangents may be `Zero` (built by the helpers in `ops.rules`).
    transpose:  (cts, *args, **params) -> cts for the `UndefinedPrimal` args;
                only for primitives linear in those args.
    batch:      (args, dims, params) -> (out(s), out_dim(s)); the vmap rule.
    numba:      how the backend lowers it (see backend/lowering.py).
                Elementwise: a scalar template ("math.sin({0})"), a callable
                `(args: list[str], **params) -> str`, or a dict from dtype
                kinds of the first operand to either ({"iu": ..., "f": ...}).
                Otherwise: an `IndexMap` (fused as index arithmetic), a
                `Reduction` (fused as a loop epilogue), or a statement
                renderer `(emit: Emit, **params) -> list[str]` assigning
                `emit.outs` from `emit.ins`. None: jit raises UnsupportedError.
    partial_eval: for higher-order primitives, splits one equation into a
                known and an unknown part (see transforms.partial_eval).
    forward:    (inputs, params, out_aval) -> index of the input an equation
                merely passes through (`x * 1`), or None; used by passes.
    scalar_broadcast: (inputs, params) -> the rank-0 input an equation only
                broadcasts, or None; lets passes fold it into elementwise ops.
    inline:     for call-like primitives, (params) -> the ClosedJaxpr an
                equation applies, which the backend inlines.
    dce:        for primitives of several outputs, (eqn, used: list[bool])
                -> an equivalent equation computing only the used outputs
                (a loop dropping the ys nobody reads); see passes.dce.
    """

    def __init__(self, name: str, *, shape_rule: Callable, impl: Callable, multiple_results: bool = False,
                 jvp: Callable | None = None, transpose: Callable | None = None, batch: Callable | None = None,
                 numba: Any = None, partial_eval: Callable | None = None, forward: Callable | None = None,
                 scalar_broadcast: Callable | None = None, inline: Callable | None = None,
                 elementwise: bool = False, dce: Callable | None = None):
        self.name = name
        self.shape_rule = shape_rule
        self.impl = impl
        self.multiple_results = multiple_results
        self.jvp = jvp
        self.transpose = transpose
        self.batch = batch
        self.numba = numba
        self.partial_eval = partial_eval
        self.forward = forward
        self.scalar_broadcast = scalar_broadcast
        self.inline = inline
        self.elementwise = elementwise
        self.dce = dce
        REGISTRY[name] = self

    def __call__(self, *args: Any, **params: Any) -> Any:
        return bind(self, args, params)

    def abstract_eval(self, avals: Sequence[ShapedArray], params: dict[str, Any]) -> list[ShapedArray]:
        out = self.shape_rule(*avals, **params)
        return out if self.multiple_results else [out]

    def __repr__(self):
        return self.name


REGISTRY: dict[str, Primitive] = {}


# ------------------------------------------------------------ the trace stack

class _TraceState(threading.local):
    current: Trace | None = None


_state = _TraceState()


@contextmanager
def new_trace(transform: str) -> Iterator[Trace]:
    """Push a fresh trace; everything bound with tracers inside is recorded
    there. `transform` ("jit", "vmap", "grad", "pass", ...), the transformation
    opening it, shapes error messages."""
    trace = Trace(_state.current, transform)
    _state.current = trace
    try:
        yield trace
    finally:
        _state.current = trace.parent
        trace.alive = False


_ABSTRACT = object()   # provider of an input with no concrete value

_WHY_ABSTRACT = {
    "jit": "jit traces its arguments by shape and dtype only",
    "vmap": "the value is batched by vmap, so it differs per example",
    "make_jaxpr": "make_jaxpr traces by shape and dtype only",
    "pass": "a transformation pass works on shapes only",
}


class Trace:
    """Records the equations bound while it is current."""
    __slots__ = ("parent", "level", "transform", "alive", "eqns", "constvars", "consts",
                 "lifted", "providers", "values", "producer")

    def __init__(self, parent: Trace | None, transform: str):
        self.parent = parent
        self.level = 0 if parent is None else parent.level + 1
        self.transform = transform
        self.alive = True
        self.eqns = []
        self.constvars = []
        self.consts = []
        self.lifted = {}       # id(outer tracer or array) -> (its constvar here, the value)
        self.providers = {}    # input Var -> outer Tracer | array | _ABSTRACT
        self.values = {}       # Var -> concrete value, filled lazily
        self.producer = {}     # Var -> index of the equation that made it

    # -- inputs
    def new_arg(self, aval: ShapedArray, provider: Any = _ABSTRACT) -> Tracer:
        """An input of the Jaxpr being built. `provider` gives its concrete
        value: an array, an outer Tracer, or nothing (abstract)."""
        tracer = Tracer(aval, self, Var(aval))
        self.providers[tracer.ir_var] = provider
        return tracer

    def lift(self, value: Any) -> Var:
        """The constvar standing for an outer tracer or an array in this
        trace, one per value. `lifted` keeps the value alive, so its id
        stays unique; an `Array` is recorded as the plain ndarray it views."""
        entry = self.lifted.get(id(value))
        if entry is not None:
            return entry[0]
        original = value
        if type(value) is np.ndarray:    # the common case: a rule's residual, as `t * cos(x)`'s
            var = Var(aval_of(value))
        elif type(value) is Tracer:
            if not value.trace.alive:
                raise _escaped(value)
            var = Var(value.aval)
        else:
            value = value if type(value) is np.ndarray else np.asarray(value)
            var = Var(aval_of(value))
        self.providers[var] = value
        self.constvars.append(var)
        self.consts.append(value)
        self.lifted[id(original)] = (var, original)
        return var

    def to_atom(self, value: Any) -> Var | Literal:
        """The Var or Literal standing for `value` in this trace."""
        if type(value) is Tracer:
            return value.ir_var if value.trace is self else self.lift(value)
        if type(value) is Literal:
            return value
        if type(value) is np.ndarray and value.ndim:
            return self.lift(value)
        if isinstance(value, Tracer):    # a subclass would be a bug
            raise AssertionError(type(value))
        if dtypes.is_python_scalar(value):
            dtype = dtypes.python_scalar_dtype(value)
            return Literal(dtype.type(value), weak_scalar_aval(dtype))
        if np.ndim(value) == 0:
            value = np.asarray(value)
            return Literal(value[()], aval_of(value))
        return self.lift(value)

    # -- recording
    def record(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> Tracer | list[Tracer]:
        inputs = [a.ir_var if type(a) is Tracer and a.trace is self else self.to_atom(a) for a in args]
        if not prim.multiple_results:     # the common case, kept short
            aval = prim.shape_rule(*[v.aval for v in inputs], **params)
            var = Var(aval)
            self.producer[var] = len(self.eqns)
            self.eqns.append(Eqn(prim, inputs, [var], params))
            return Tracer(aval, self, var)
        out_avals = prim.abstract_eval([v.aval for v in inputs], params)
        outs = [Tracer(aval, self, Var(aval)) for aval in out_avals]
        index = len(self.eqns)
        self.eqns.append(Eqn(prim, inputs, [t.ir_var for t in outs], params))
        producer = self.producer
        for t in outs:
            producer[t.ir_var] = index
        return outs

    def to_jaxpr(self, in_tracers: Sequence[Tracer], outs: Sequence[Any]) -> ClosedJaxpr:
        """The Jaxpr of everything recorded, from `in_tracers` to `outs`."""
        invars = [t.ir_var for t in in_tracers]
        outvars = []
        for out in outs:
            if isinstance(out, Tracer) and not out.trace.alive and out.trace is not self:
                raise _escaped(out)
            outvars.append(self.to_atom(out))
        jaxpr = Jaxpr(self.constvars, invars, self.eqns, outvars)
        return ClosedJaxpr(jaxpr, self.consts)

    # -- concrete values
    def concrete_value(self, var: Var) -> Any:
        """The value of `var` if every input it depends on is concrete, else
        None. Evaluates (once) only the equations `var` needs."""
        values = self.values
        if var in values:
            return values[var]
        needed, stack = set(), [var]
        while stack:
            v = stack.pop()
            if v in values:
                continue
            index = self.producer.get(v)
            if index is None:
                value = self._input_value(v)
                if value is None:
                    return None
                values[v] = value
            elif index not in needed:
                needed.add(index)
                stack.extend(x for x in self.eqns[index].invars if type(x) is Var)
        for index in sorted(needed):
            eqn = self.eqns[index]
            ins = [x.value if type(x) is Literal else values[x] for x in eqn.invars]
            out = eqn.primitive.impl(*ins, **eqn.params)
            values.update(zip(eqn.outvars, out if eqn.primitive.multiple_results else [out]))
        return values[var]

    def _input_value(self, var):
        provider = self.providers[var]
        if provider is _ABSTRACT:
            return None
        if isinstance(provider, Tracer):
            return provider.trace.concrete_value(provider.ir_var)
        return provider

    def why_abstract(self) -> str:
        trace = self
        while trace is not None:   # the outermost abstract reason is the real one
            if trace.transform in ("jit", "vmap", "make_jaxpr"):
                return _WHY_ABSTRACT[trace.transform]
            trace = trace.parent
        return _WHY_ABSTRACT.get(self.transform, "its inputs are abstract")


def _escaped(tracer) -> UnexpectedTracerError:
    return UnexpectedTracerError(
        f"A traced value of type {tracer.aval.str_short()} was used after the "
        f"transformation that created it ({tracer.trace.transform}) had returned. "
        "This happens when a function stores a traced value in a global, a "
        "closure or an object attribute. Return it from the function instead.")


# ------------------------------------------------------------------- bind

def bind(prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> Any:
    """Apply `prim`: record it in the innermost trace among its arguments',
    or evaluate it when none is traced (on `Array` inputs, NumPy's rule for
    subclasses holds: the outputs are Arrays too)."""
    trace, on_arrays, literals = None, False, False
    for a in args:
        t = type(a)
        if t is Tracer:
            if trace is None or a.trace.level > trace.level:
                trace = a.trace
        elif t is Literal:
            literals = True
        elif t is Array:
            on_arrays = True
    if trace is None:
        if on_arrays:
            values = [a.value if type(a) is Literal else arrays.to_plain(a) for a in args]
        elif literals:
            values = [a.value if type(a) is Literal else a for a in args]
        else:
            values = args     # the hot case of eager evaluation: plain arrays, nothing to unwrap
        try:
            out = prim.impl(*values, **params)
        except (ValueError, TypeError, IndexError):
            error = _shape_rule_error(prim, values, params)
            if error is None:
                raise
            raise error from None
        return _as_arrays(prim, out) if on_arrays else out
    if not trace.alive:
        raise _escaped(next(a for a in args if type(a) is Tracer and a.trace is trace))
    return trace.record(prim, args, params)


def _shape_rule_error(prim, values, params):
    """When NumPy rejects a primitive's operands, the shape rule's
    ShapeError, if it rejects their shapes too: it names the primitive and
    the shapes, as under a trace. None otherwise (NumPy's error stands)."""
    try:
        prim.abstract_eval([aval_of(v) for v in values], params)
    except ShapeError as error:
        return error
    except Exception:     # operands the shape rule cannot even read: NumPy's error stands
        return None
    return None


Array = arrays.Array


def _as_arrays(prim, out):
    if prim.multiple_results:
        return [arrays.to_array(o) for o in out]
    return arrays.to_array(out)


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence[Any], args: Sequence[Any]) -> list:
    """Evaluate `jaxpr` by binding each equation: with concrete arguments this
    runs NumPy; with tracers it records into the current trace. It lives here,
    not in ir.py, because it binds."""
    env = dict(zip(jaxpr.constvars, consts))
    env.update(zip(jaxpr.invars, args))
    for eqn in jaxpr.eqns:
        ins = [x if type(x) is Literal else env[x] for x in eqn.invars]
        out = bind(eqn.primitive, ins, eqn.params)
        if eqn.primitive.multiple_results:
            env.update(zip(eqn.outvars, out))
        else:
            env[eqn.outvars[0]] = out
    return [v.value if type(v) is Literal else env[v] for v in jaxpr.outvars]


def eval_closed(closed: ClosedJaxpr, args: Sequence[Any]) -> list:
    return eval_jaxpr(closed.jaxpr, closed.consts, args)


# ----------------------------------------------------------------- tracers

class Tracer:
    """A value being traced. Operators and methods (`+`, `.sum()`, `[...]`)
    are attached by `functrans.numpy`, which owns their semantics."""
    __slots__ = ("aval", "trace", "ir_var")
    __array_priority__ = 1000
    # `__array_ufunc__` / `__array_function__` (NumPy's functions on tracers)
    # are attached by `functrans.numpy`, with the operators.
    __hash__ = None          # traced arrays are unhashable, like NumPy's

    def __init__(self, aval: ShapedArray, trace: Trace, var: Var):
        self.aval = aval
        self.trace = trace
        self.ir_var = var

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)
    weak_type = property(lambda self: self.aval.weak_type)

    def concrete(self, context: str = "This operation") -> Any:
        """The concrete value, or ConcretizationError if there is none."""
        value = self.trace.concrete_value(self.ir_var)
        if value is None:
            raise concretization_error(self.aval, context, self.trace.why_abstract())
        return value

    def __bool__(self):
        return bool(self.concrete("Python `if`/`while`/`bool()` on a traced value"))

    def __float__(self):
        return float(self.concrete("float() of a traced value"))

    def __int__(self):
        return int(self.concrete("int() of a traced value"))

    def __complex__(self):
        return complex(self.concrete("complex() of a traced value"))

    def __index__(self):
        return int(np.asarray(self.concrete("Using a traced value as a Python index")).__index__())

    def item(self):
        return self.concrete("item() of a traced value").item()

    def tolist(self):
        return np.asarray(self.concrete("tolist() of a traced value")).tolist()

    def __format__(self, spec):
        value = self.trace.concrete_value(self.ir_var)
        return format(value if value is not None else str(self), spec)

    def __array__(self, dtype=None, copy=None):
        raise TracerConversionError(
            f"A traced value of type {self.aval.str_short()} was converted to a NumPy array "
            "(np.asarray, np.array, or storing it into an ndarray), which would silently drop it "
            "from the trace. NumPy's functions (np.sin(x), np.sum(x)) run functrans's on traced "
            "values, but a NumPy array cannot hold one. Use functrans.numpy (`import functrans.numpy "
            "as fnp`: fnp.asarray, fnp.stack, x.at[idx].set(y)) inside transformed functions; "
            "to read a value, return it from the function.")

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of a 0-d traced value")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d traced value")
        return (self[i] for i in range(self.aval.shape[0]))

    def __repr__(self):
        return f"Traced<{self.aval.str_short()}>with<{self.trace.transform}>"


arrays.tracer_type[0] = Tracer
