"""Complex numbers, NumPy-style: real and imaginary parts, conjugates and
angles, as compositions of the `real` / `imag` / `conj` / `complex`
primitives. On real input they return what NumPy does (`real(x)` is `x`,
`imag(x)` zeros), with no complex value in the trace."""
from __future__ import annotations

import numpy as np

from ..ops import elementwise as ew
from ._base import aval, operand, result, to_float


def iscomplexobj(x) -> bool:
    """Whether `x` has a complex dtype (its values are not looked at)."""
    return aval(operand(x)).dtype.kind == "c"


def real(x):
    """The real part; `x` itself when it is real."""
    x = operand(x)
    return ew.real(x) if iscomplexobj(x) else result(x)


def imag(x):
    """The imaginary part; zeros of `x`'s dtype when it is real."""
    x = operand(x)
    return ew.imag(x) if iscomplexobj(x) else _zeros_like(x)


def _zeros_like(x):
    return np.zeros(aval(x).shape, aval(x).dtype)


def conjugate(x):
    """The complex conjugate; `x` itself when it is real."""
    x = operand(x)
    return ew.conj(x) if iscomplexobj(x) else result(x)


conj = conjugate


def angle(z, deg=False):
    """The argument of `z` in radians (degrees with `deg=True`), in (-pi, pi]."""
    z = operand(z)
    if iscomplexobj(z):
        out = ew.atan2(ew.imag(z), ew.real(z))
    else:
        z = to_float(z)
        out = ew.atan2(_zeros_like(z), z)
    return ew.mul(out, np.asarray(180.0 / np.pi, aval(out).dtype)) if deg else out
