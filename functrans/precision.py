"""`lax.Precision` and the `precision=` / `preferred_element_type=`
arguments of the products (`fnp.dot`, `matmul`, `einsum`, `lax.dot`,
`lax.dot_general`), accepted for JAX compatibility.

functrans computes products on the CPU in the operands' dtype (BLAS for
floats), which is already JAX's HIGHEST there: precision has no effect on
CPU float64 (or float32), so it is validated and then ignored.
"""
from __future__ import annotations

import enum


class Precision(enum.Enum):
    """JAX's precision levels of a product; `Precision("highest")` and the
    strings themselves are accepted too. None of them changes a result."""
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value):
        names = {"default": cls.DEFAULT, "bfloat16": cls.DEFAULT, "fastest": cls.DEFAULT,
                 "high": cls.HIGH, "tensorfloat32": cls.HIGH, "bfloat16_3x": cls.HIGH,
                 "highest": cls.HIGHEST, "float32": cls.HIGHEST}
        return names.get(value.lower()) if isinstance(value, str) else None

    def __str__(self):
        return self.name


def check_precision(precision, fn: str):
    """A ValueError unless `precision` is None, a `Precision` (or its
    name), or a pair of them (one per operand), as JAX accepts."""
    values = precision if isinstance(precision, (tuple, list)) else (precision,)
    if isinstance(precision, (tuple, list)) and len(precision) != 2:
        raise ValueError(f"{fn}: precision must be None, a lax.Precision or a pair of them, got {precision!r}")
    for value in values:
        if value is None or isinstance(value, Precision):
            continue
        try:
            Precision(value)
        except ValueError:
            raise ValueError(f"{fn}: precision={value!r} is not a lax.Precision; use None, "
                             "lax.Precision.DEFAULT / HIGH / HIGHEST or 'default' / 'high' / 'highest' "
                             "(on the CPU all of them compute the same)") from None
