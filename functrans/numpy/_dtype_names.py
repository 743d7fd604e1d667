"""NumPy's dtype vocabulary under `functrans.numpy`, as `jax.numpy` has it:
the abstract scalar classes (`floating`, `integer`, ...) and the dtype
helpers (`finfo`, `result_type`, ...) are NumPy's own objects, and the
concrete aliases (`bool`, `double`, `single`, ...) are functrans's
cast-capable scalar types, so `fnp.bool(x)` casts a traced `x` the way
`fnp.float32(x)` does."""
from __future__ import annotations

import numpy as np

from ..core import Tracer
from ._scalar_types import bool_, complex64, complex128, float32, float64

# jnp.bool is jnp.bool_; the other aliases name the same widths as in NumPy.
bool = bool_  # noqa: A001 - jax.numpy's name
single, double = float32, float64
csingle, cdouble = complex64, complex128

# The abstract classes of NumPy's scalar hierarchy, for `issubdtype`.
generic, number, inexact, floating, complexfloating = (np.generic, np.number, np.inexact, np.floating,
                                                       np.complexfloating)
integer, signedinteger, unsignedinteger = np.integer, np.signedinteger, np.unsignedinteger

# These read `.dtype` from functrans's scalar types and from traced values.
dtype, finfo, iinfo = np.dtype, np.finfo, np.iinfo
can_cast, result_type, promote_types, issubdtype = np.can_cast, np.result_type, np.promote_types, np.issubdtype
iterable = np.iterable
euler_gamma = np.euler_gamma
s_, index_exp = np.s_, np.index_exp


def isscalar(element):
    """True for Python and NumPy scalars and for 0-d arrays, traced or not
    (as `jnp.isscalar`, which counts 0-d arrays as scalars)."""
    if isinstance(element, (Tracer, np.ndarray, np.generic)):
        return element.ndim == 0
    return np.isscalar(element)
