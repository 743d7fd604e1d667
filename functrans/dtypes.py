"""Dtypes and type promotion, including JAX's weak types.

A value born from a Python scalar is *weakly typed*: it adapts to the dtype of
the other operand (`float32_array * 2.0` is float32), which is NumPy 2's rule
for Python scalars too (NEP 50). Promotion results are memoised: the facade
asks for them on every binary operation.
"""
from functools import lru_cache

import numpy as np

float32 = np.dtype("float32")
float64 = np.dtype("float64")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")
complex64 = np.dtype("complex64")
complex128 = np.dtype("complex128")

DEFAULT_FLOAT = float64
DEFAULT_INT = int64

_PYTHON_SCALAR_DTYPES = {bool: bool_, int: DEFAULT_INT, float: DEFAULT_FLOAT, complex: complex128}
# The Python value that stands for a weakly typed operand of each kind when
# asking NumPy for a result type: NumPy treats Python scalars weakly too.
_WEAK_STANDINS = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}


def is_float(dtype) -> bool:
    return np.dtype(dtype).kind in "fc"


def python_scalar_dtype(value):
    """The dtype a Python scalar becomes: bool, int64, float64 or complex128."""
    return _PYTHON_SCALAR_DTYPES[type(value)]


def is_python_scalar(value) -> bool:
    return type(value) in _PYTHON_SCALAR_DTYPES


@lru_cache(maxsize=4096)
def result_type(*typed: tuple) -> tuple:
    """Promote `(dtype, weak)` pairs; return the `(dtype, weak)` of the result.

    >>> result_type((float32, False), (float64, True))
    (dtype('float32'), False)
    """
    if all(weak for _, weak in typed):
        # Among weak types only the kind matters: the widest kind wins.
        dtype = np.result_type(*[_WEAK_STANDINS[d.kind] for d, _ in typed])
        return np.dtype(dtype), True
    operands = [_WEAK_STANDINS[d.kind] if weak else d for d, weak in typed]
    return np.dtype(np.result_type(*operands)), False


_COMPILABLE_KINDS = frozenset("biuf")


def jit_unsupported(dtype) -> str | None:
    """Why jit cannot compile values of `dtype`, with the fix, or None if it can.

    >>> jit_unsupported(np.float16).split(";")[0]
    'jit cannot compile float16 values (numba has no half precision)'
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return f"jit does not support {dtype.name} values yet; run the function without jit"
    if dtype.kind not in _COMPILABLE_KINDS:
        return (f"jit cannot compile {dtype.name} values, only booleans and numbers; "
                "pass numeric arrays, or make the value static")
    if dtype.kind == "f" and dtype.itemsize == 2:
        what, cast = "half precision", "np.float32"
    elif (dtype.kind == "f" and dtype.itemsize > 8) or (dtype.kind == "c" and dtype.itemsize > 16):
        what, cast = "extended precision", "np.float64" if dtype.kind == "f" else "np.complex128"
    else:
        return None
    return (f"jit cannot compile {dtype.name} values (numba has no {what}); "
            f"cast with x.astype({cast}), or run without jit")
