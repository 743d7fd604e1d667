"""User-facing error types, and the argument checks every layer shares.

Each error subclasses what a NumPy or JAX user would already catch
(`TypeError`, `ValueError`, NumPy's `AxisError`) and its message says which
argument was wrong and what to do instead. Broken internal invariants are
`assert`s, not these. `canonicalize_axis` and `canonicalize_argnums` are the
one place user-given axes and argument indices are range-checked: never
`axis % ndim` on an unchecked value, which turns a mistake into a wrong answer.
"""
import inspect
import operator
import os
import socket

import numpy as np


class ConcretizationError(TypeError):
    """A traced value with no concrete value was used where Python needs one
    (`bool()`, `int()`, `float()`, `if`, `while`, NumPy conversion)."""


class UnexpectedTracerError(RuntimeError):
    """A tracer was used after the transformation that created it had ended."""


class TracerConversionError(TypeError):
    """A traced value was handed to NumPy, which would silently drop it from
    the trace."""


class ShapeError(ValueError):
    """Operand shapes that do not fit together."""


class AxisError(ShapeError, np.exceptions.AxisError):
    """An axis outside an array's rank; also caught as NumPy's `AxisError`
    and as `IndexError`, as NumPy's is."""


class DTypeError(TypeError):
    """Operand dtypes that a primitive does not accept."""


class GradError(TypeError):
    """`grad` was asked for something that has no gradient (non-scalar
    output, integer input, malformed `has_aux` output)."""


class BatchingError(ValueError):
    """`vmap` axes or sizes that do not fit the arguments."""


class CustomRuleError(TypeError):
    """A `custom_jvp` / `custom_vjp` rule returned the wrong structure."""


class UnsupportedError(NotImplementedError):
    """A valid request that functrans does not implement; the message says
    what to do instead."""


class TransformTypeError(UnsupportedError, TypeError):
    """A transformation JAX refuses with a TypeError (forward mode of a
    `custom_vjp` function): `except TypeError` catches it as in JAX, and
    `except UnsupportedError` as functrans's other refusals."""


class KernelBuildError(RuntimeError):
    """jit cannot build kernels in this process (numba is missing or cannot
    be imported here: say a pool worker or cluster node set up differently
    from the process that pickled the function)."""


def kernel_build_error(label: str, why: str) -> KernelBuildError:
    """The error naming the function, the process and the reason."""
    return KernelBuildError(f"jit cannot build the kernel of {label} in process {os.getpid()} on host "
                            f"{socket.gethostname()}: {why}. Install numba (pip install 'numba>=0.59') in this "
                            "environment, or call the function without jit")


_CONTROL_FLOW_HINT = (
    "Use functrans.lax.cond / lax.switch instead of Python `if`, "
    "lax.while_loop / lax.fori_loop instead of Python `while`, or mark the "
    "argument static with jit(f, static_argnums=...) so that it is a Python "
    "value when f is traced."
)


def concretization_error(aval, context: str, why: str) -> ConcretizationError:
    """The error for `bool()` / `int()` / `float()` on an abstract tracer."""
    return ConcretizationError(
        f"{context} needs a concrete value, but it got an abstract traced value "
        f"of type {aval.str_short()} ({why}). {_CONTROL_FLOW_HINT}"
    )


def canonicalize_axis(axis, ndim: int, argname: str = "axis", fn: str = "operation", error=AxisError) -> int:
    """`axis` (negative counts from the end) as an index in [0, ndim), or a
    typed error naming the function, the argument, the rank and the valid range.

    >>> canonicalize_axis(-1, 3, "axis", "sum")
    2
    """
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{fn}: {argname} must be an integer, got the bool {axis}")
    try:
        index = operator.index(axis)
    except TypeError:
        raise TypeError(f"{fn}: {argname} must be an integer, got {type(axis).__name__} {axis!r}") from None
    if not -ndim <= index < ndim:
        valid = f"use an axis in [{-ndim}, {ndim})" if ndim else "a rank-0 array has no axes"
        raise error(f"{fn}: {argname}={index} is out of range for an array of rank {ndim}; {valid}")
    return index + ndim if index < 0 else index


def canonicalize_argnums(argnums, nargs: int | None, fn: str, argname: str = "argnums") -> tuple:
    """`argnums` (an int or a sequence of ints) as a tuple of non-negative
    positions among `nargs` positional arguments (type-checked only when
    `nargs` is None, before the function is called).

    >>> canonicalize_argnums(-1, 2, "grad")
    (1,)
    """
    several = isinstance(argnums, (tuple, list))
    items = tuple(argnums) if several else (argnums,)
    for i in items:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"{fn}: {argname} must be an int or a tuple of ints, got {argnums!r}; "
                            f"e.g. {argname}=0 or {argname}=(0, 1)")
    if nargs is None:
        return tuple(int(i) for i in items)
    for i in items:
        if not -nargs <= i < nargs:
            raise ValueError(f"{fn}: {argname}={argnums!r} is out of range for a call with {nargs} "
                             f"positional argument{'s' if nargs != 1 else ''}; valid positions are "
                             f"{-nargs} to {nargs - 1}" if nargs else
                             f"{fn}: {argname}={argnums!r}, but the function was called with no "
                             "positional arguments; pass the arguments to differentiate positionally")
    return tuple(int(i) % nargs for i in items)


def check_callable(fun, fn: str):
    """`fun`, or a TypeError if it is not callable (caught when the
    transformation is made, not on its first call)."""
    if not callable(fun):
        raise TypeError(f"{fn} expects a function as its first argument, got {type(fun).__name__} {fun!r}; "
                        f"write {fn}(f)(x), not {fn}(f(x))")
    return fun


def check_argnames(fun, argnames, fn: str, what: str = "static_argnames"):
    """A ValueError if a name in `argnames` is not a parameter of `fun`
    (a misspelt name would otherwise be silently ignored)."""
    names = (argnames,) if isinstance(argnames, str) else tuple(argnames)
    try:
        params = inspect.signature(fun).parameters
    except (TypeError, ValueError):    # a builtin without a signature: nothing to check
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    unknown = [n for n in names if n not in params]
    if unknown:
        verb = "is not a parameter" if len(unknown) == 1 else "are not parameters"
        raise ValueError(f"{fn}: {what} {unknown} {verb} "
                         f"of {getattr(fun, '__name__', 'the function')}, whose parameters are {list(params)}")


class MatrixShapeError(ShapeError, np.linalg.LinAlgError):
    """A linear-algebra function got operands that are not (stacks of)
    matrices of the shapes it needs; also NumPy's LinAlgError, which NumPy
    raises for the same mistakes."""
