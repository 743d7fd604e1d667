"""The scalar types `fnp.float32`, `fnp.int64`, ...: usable as dtypes
wherever NumPy takes one (`np.dtype(fnp.float32)`, `dtype=fnp.int32`),
equal to and hashing like NumPy's types, and callable as casts that keep
traced values traced, as in JAX: `fnp.float32(x)` is `x.astype(float32)`
under grad, jit and vmap, and an array (0-d for a scalar) otherwise."""
from __future__ import annotations

import numpy as np

from ..arrays import to_array
from ..core import Tracer
from ._math import astype
from ._shape import asarray


class _ScalarMeta(type):
    """The type of the scalar types: they stand for `dtype` (NumPy reads
    their `dtype` attribute) and calling one casts."""

    def __hash__(cls):
        return hash(cls.dtype.type)

    def __eq__(cls, other):
        return other is cls or other == cls.dtype.type

    def __ne__(cls, other):
        return not cls == other

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls.dtype.type)

    def __call__(cls, x=0):
        if type(x) is Tracer or isinstance(x, (list, tuple)):
            return astype(asarray(x), cls.dtype)
        return to_array(np.asarray(x, dtype=cls.dtype))

    def __repr__(cls):
        return f"functrans.numpy.{cls.__name__}"


def _scalar_type(name, dtype):
    return _ScalarMeta(name, (), {"dtype": np.dtype(dtype), "__module__": "functrans.numpy",
                                  "__doc__": f"The {np.dtype(dtype).name} type; calling it casts to {name}."})


bool_ = _scalar_type("bool_", np.bool_)
int8, int16, int32, int64 = (_scalar_type(f"int{b}", f"int{b}") for b in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (_scalar_type(f"uint{b}", f"uint{b}") for b in (8, 16, 32, 64))
float16, float32, float64 = (_scalar_type(f"float{b}", f"float{b}") for b in (16, 32, 64))
complex64, complex128 = _scalar_type("complex64", np.complex64), _scalar_type("complex128", np.complex128)
# functrans computes in 64 bits by default (JAX with jax_enable_x64).
int_, float_, complex_ = int64, float64, complex128
