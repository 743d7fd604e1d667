"""debug_nans: the first primitive that makes a NaN out of inputs without
one raises FloatingPointError naming it and the user's source line, as
`jax_debug_nans` does (`config.update("debug_nans", True)` or
`FUNCTRANS_DEBUG_NANS=1`).

Off, it costs nothing: turning it on swaps checking versions into place
(every primitive's `impl`, `Trace.record`, `JitFunction.__call__`) and
turning it off puts the originals back. On:

- each evaluated primitive's outputs are checked (eagerly, and wherever a
  Jaxpr is evaluated: grad's forward and backward passes, vmap, loops);
- each recorded equation keeps the source line it came from: the user's
  line, or, for an equation a rule creates while transforming another, that
  equation's line and primitive ("part of the derivative of `sqrt`");
- a jitted call whose outputs have a NaN its inputs had not is re-run
  eagerly (op by op, like JAX), which raises at the primitive; a compiled
  call under a transform (`closed_call`) re-evaluates its Jaxpr likewise.
"""
from __future__ import annotations

import linecache
import os
import sys

import numpy as np

from .api.jit import JitFunction
from .config import config
from .core import REGISTRY, Trace, Tracer, eval_closed
from .ir import Eqn
from .tree_util import tree_leaves

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Rule-applying interpreters, by frame: what their equation's rules are called.
_RULES = {"jvp": "JVP rule", "batch": "batching rule", "transpose": "transpose (reverse-mode) rule"}
_DERIVED = {"jvp": "the derivative", "batch": "the batching", "transpose": "the reverse-mode derivative"}


class Source:
    """Where an equation came from: a user's line, and the primitive whose
    rule made it when a transformation did (`derived`: (name, how))."""
    __slots__ = ("filename", "lineno", "function", "derived")

    def __init__(self, filename, lineno, function, derived=None):
        self.filename, self.lineno, self.function, self.derived = filename, lineno, function, derived

    def describe(self) -> str:
        code = linecache.getline(self.filename, self.lineno).strip()
        where = f"{self.filename}:{self.lineno} in {self.function}" + (f":\n    {code}" if code else "")
        if self.derived is None:
            return f"at {where}"
        name, how = self.derived
        return f"part of {_DERIVED[how]} of `{name}` at {where}"


class SourcedEqn(Eqn):
    """An equation recorded while debug_nans is on: it knows its `source`."""
    __slots__ = ("source",)


# ------------------------------------------------------------- the stack

def _is_ours(frame) -> bool:
    return frame.f_code.co_filename.startswith(_PACKAGE)


def _rule_kind(frame) -> str:
    """What the interpreter in `frame` does with its equation `eqn`: "eval",
    or the rule it applies ("jvp", "batch", "transpose")."""
    if frame.f_code.co_name == "backward_pass":
        return "transpose"
    if frame.f_code.co_name == "interpret":
        return frame.f_locals.get("rule_name", "eval")
    return "eval"


def _innermost_equation(frame):
    """(eqn, kind) of the innermost functrans frame evaluating or
    transforming an equation that knows its source, or None."""
    while frame is not None:
        if _is_ours(frame):
            eqn = frame.f_locals.get("eqn")
            if isinstance(eqn, SourcedEqn):
                return eqn, _rule_kind(frame)
        frame = frame.f_back
    return None


def _user_frame(frame):
    while frame is not None and _is_ours(frame):
        frame = frame.f_back
    return frame


def _source_here(prim, frame) -> Source | None:
    """The source of an equation of `prim` being recorded now: the user's
    line if the user's code is calling (tracing), else that of the equation
    whose rule or evaluation is recording it (a rule that binds its own
    primitive again is computing the primal value: not a derived equation)."""
    walk = frame
    while walk is not None and _is_ours(walk):
        eqn = walk.f_locals.get("eqn")
        if isinstance(eqn, SourcedEqn):
            parent, kind = eqn.source, _rule_kind(walk)
            own = kind == "eval" or eqn.primitive is prim
            derived = parent.derived or (None if own else (eqn.primitive.name, kind))
            return Source(parent.filename, parent.lineno, parent.function, derived)
        walk = walk.f_back
    if walk is None:
        return None
    return Source(walk.f_code.co_filename, walk.f_lineno, walk.f_code.co_name)


# ------------------------------------------------------------- the checks

def _has_nan(values) -> bool:
    """Whether a concrete value among `values` holds a NaN (traced ones are
    checked where they are evaluated)."""
    for x in values:
        if type(x) is Tracer:
            continue
        dtype = getattr(x, "dtype", None)
        if dtype is None:
            if isinstance(x, (float, complex)) and x != x:
                return True
        elif dtype.kind in "fc" and np.isnan(x).any():
            return True
    return False


def _describe_operands(args) -> str:
    return ", ".join(f"{np.asarray(a).dtype.name}{list(np.shape(a))}" for a in args)


def _nan_error(prim, args, frame) -> FloatingPointError:
    found = _innermost_equation(frame)
    message = f"debug_nans: `{prim.name}` produced NaN from inputs without NaN ({_describe_operands(args)})"
    if found is not None:
        eqn, kind = found
        # (a primitive evaluated by its own JVP rule is the primal computation itself)
        in_rule = kind != "eval" and eqn.primitive is not prim
        rule = f", in the {_RULES[kind]} of `{eqn.primitive.name}`" if in_rule else ""
        return FloatingPointError(f"{message}{rule}, {eqn.source.describe()}")
    user = _user_frame(frame)
    if user is not None:
        return FloatingPointError(
            f"{message}, {Source(user.f_code.co_filename, user.f_lineno, user.f_code.co_name).describe()}")
    return FloatingPointError(message)


def _checking(prim, impl):
    def checked_impl(*args, **params):
        with np.errstate(invalid="ignore"):    # NumPy's warning would only precede the error
            out = impl(*args, **params)
        outs = out if prim.multiple_results else (out,)
        if _has_nan(outs) and not _has_nan(args):
            if prim.inline is not None:
                # A compiled call (jit under a transform): evaluating its Jaxpr
                # equation by equation raises at the primitive.
                eval_closed(prim.inline(params), list(args))
            raise _nan_error(prim, args, sys._getframe(1))
        return out
    checked_impl.unchecked = impl
    return checked_impl


def _recording(record):
    def record_with_source(self, prim, args, params):
        out = record(self, prim, args, params)
        source = _source_here(prim, sys._getframe(1))
        if source is not None:
            eqn = self.eqns[-1]
            sourced = self.eqns[-1] = SourcedEqn(eqn.primitive, eqn.invars, eqn.outvars, eqn.params)
            sourced.source = source
        return out
    record_with_source.unchecked = record
    return record_with_source


def _jit_checking(call):
    def call_checking_nans(self, *args, **kwargs):
        try:
            out = call(self, *args, **kwargs)
        except FloatingPointError:
            out = None     # tier 0 found it without the user's lines: locate it eagerly
        else:
            if not _has_nan(tree_leaves(out)):
                return out
        inputs = tree_leaves((args, kwargs))
        if _has_nan(inputs):
            return out
        try:
            self.fun(*args, **kwargs)
        except FloatingPointError as error:
            error.add_note(f"debug_nans found it by running the jitted {self.__name__} again without jit")
            raise
        raise FloatingPointError(
            f"debug_nans: the jitted {self.__name__} returned NaN from inputs without NaN, but running it "
            "again without jit gave none: the compiled code's rounding differs (e.g. vector math, "
            "FUNCTRANS_VECTOR_MATH=0 turns it off)")
    call_checking_nans.unchecked = call
    return call_checking_nans


def _set(on: bool):
    """Swap the checking versions in (on) or the originals back (off)."""
    for prim in REGISTRY.values():
        checked = hasattr(prim.impl, "unchecked")
        if on and not checked:
            prim.impl = _checking(prim, prim.impl)
        elif not on and checked:
            prim.impl = prim.impl.unchecked
    for owner, name, wrap in ((Trace, "record", _recording), (JitFunction, "__call__", _jit_checking)):
        current = getattr(owner, name)
        if on and not hasattr(current, "unchecked"):
            setattr(owner, name, wrap(current))
        elif not on and hasattr(current, "unchecked"):
            setattr(owner, name, current.unchecked)


config.on_change("debug_nans", _set)
