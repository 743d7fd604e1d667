"""User-facing error types.

Each error subclasses what a NumPy or JAX user would already catch
(`TypeError`, `ValueError`) and its message says which argument was wrong and
what to do instead. Broken internal invariants are `assert`s, not these.
"""


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
