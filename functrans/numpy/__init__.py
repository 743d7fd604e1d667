"""functrans.numpy: the jax.numpy-style facade.

Functions here only compose primitives (they have no rules of their own) and
work the same on NumPy arrays, Python scalars and traced values; outside any
transformation they return NumPy arrays equal to NumPy's results. This module
also gives traced values their operators and methods.
"""
import sys as _sys

import numpy as _np

from .. import arrays as _arrays
from ..core import Tracer as _Tracer
from . import _dispatch, fft, linalg  # noqa: F401
from ._base import broadcast_shapes, broadcast_to  # noqa: F401
from ._complex import angle, conj, conjugate, imag, iscomplexobj, real  # noqa: F401
from ._indexing import getitem as _getitem  # noqa: F401
from ._indexing import take, take_along_axis  # noqa: F401
from ._linalg import dot, einsum, inner, matmul, outer, tensordot, vdot  # noqa: F401
from ._math import (  # noqa: F401
    abs,
    absolute,
    add,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    astype,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    clip,
    cos,
    cosh,
    divide,
    equal,
    exp,
    exp2,
    expm1,
    floor,
    floor_divide,
    fmod,
    greater,
    greater_equal,
    invert,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    positive,
    power,
    reciprocal,
    remainder,
    round,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    stop_gradient,
    subtract,
    tan,
    tanh,
    true_divide,
)
from ._reductions import amax, amin, argmax, argmin, cumsum, max, mean, min, prod, std, sum, var  # noqa: F401
from ._shape import (  # noqa: F401
    arange,
    array,
    asarray,
    atleast_1d,
    concatenate,
    empty,
    expand_dims,
    eye,
    flip,
    full,
    full_like,
    hstack,
    moveaxis,
    ndim,
    ones,
    ones_like,
    ravel,
    repeat,
    reshape,
    shape,
    size,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    transpose,
    vstack,
    zeros,
    zeros_like,
)
from ._updates import IndexUpdateHelper as _IndexUpdateHelper

pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None
ndarray = _arrays.Array


def _reflected(fn):
    return lambda self, other: fn(other, self)


def _attach_tracer_methods():
    """Operators and array methods of traced values, and what `Array` adds
    to NumPy's."""
    T = _Tracer
    T.__add__, T.__radd__ = add, _reflected(add)
    T.__sub__, T.__rsub__ = subtract, _reflected(subtract)
    T.__mul__, T.__rmul__ = multiply, _reflected(multiply)
    T.__truediv__, T.__rtruediv__ = true_divide, _reflected(true_divide)
    T.__floordiv__, T.__rfloordiv__ = floor_divide, _reflected(floor_divide)
    T.__mod__, T.__rmod__ = remainder, _reflected(remainder)
    T.__pow__, T.__rpow__ = power, _reflected(power)
    T.__matmul__, T.__rmatmul__ = matmul, _reflected(matmul)
    T.__and__, T.__rand__ = bitwise_and, _reflected(bitwise_and)
    T.__or__, T.__ror__ = bitwise_or, _reflected(bitwise_or)
    T.__xor__, T.__rxor__ = bitwise_xor, _reflected(bitwise_xor)
    T.__neg__, T.__pos__, T.__abs__, T.__invert__ = negative, positive, abs, invert
    T.__eq__, T.__ne__ = equal, not_equal
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = less, less_equal, greater, greater_equal
    T.__getitem__ = _getitem
    # NumPy's functions on traced values run their facade counterparts.
    T.__array_ufunc__, T.__array_function__ = _dispatch.array_ufunc, _dispatch.array_function
    _dispatch.FACADE[0] = _sys.modules[__name__]
    T.at = property(_IndexUpdateHelper)
    T.T = property(lambda self: transpose(self))
    T.sum, T.mean, T.prod, T.max, T.min = sum, mean, prod, max, min
    T.var, T.std, T.cumsum, T.argmax, T.argmin = var, std, cumsum, argmax, argmin
    T.dot, T.astype, T.ravel, T.flatten, T.squeeze = dot, astype, ravel, ravel, squeeze
    T.clip, T.swapaxes, T.take = clip, swapaxes, take
    T.real, T.imag = property(real), property(imag)
    T.conj = T.conjugate = conjugate
    T.reshape = lambda self, *sizes, order="C": reshape(
        self, sizes[0] if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes, order)
    T.transpose = lambda self, *axes: transpose(
        self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else (axes or None))
    # Functional, as jax.Array's: x.sort() returns the sorted values.
    T.all, T.any, T.cumprod, T.ptp, T.copy = all, any, cumprod, ptp, copy
    T.sort = lambda self, axis=-1, **kwargs: sort(self, axis, **kwargs)
    T.argsort = lambda self, axis=-1, **kwargs: argsort(self, axis, **kwargs)
    T.argpartition = lambda self, kth, axis=-1: argpartition(self, kth, axis)
    T.searchsorted = lambda self, v, side="left", sorter=None: searchsorted(self, v, side, sorter)
    T.round = lambda self, decimals=0: around(self, decimals)
    T.repeat = lambda self, repeats, axis=None: repeat(self, repeats, axis)
    T.nonzero = lambda self, **kwargs: nonzero(self, **kwargs)
    T.diagonal = lambda self, offset=0, axis1=0, axis2=1: diagonal(self, offset, axis1, axis2)
    T.mT = property(matrix_transpose)
    T.itemsize = property(lambda self: self.dtype.itemsize)
    T.nbytes = property(lambda self: self.size * self.dtype.itemsize)
    # Arrays: JAX's functional updates, and indexing by traced values.
    _arrays.Array.at = property(_IndexUpdateHelper)
    _arrays.getitem_hook[0] = _getitem


from ._covariance import corrcoef, cov  # noqa: E402, F401
from ._dtype_names import (  # noqa: E402, F401
    bool,
    can_cast,
    cdouble,
    complexfloating,
    csingle,
    double,
    dtype,
    euler_gamma,
    finfo,
    floating,
    generic,
    iinfo,
    index_exp,
    inexact,
    integer,
    isscalar,
    issubdtype,
    iterable,
    number,
    promote_types,
    result_type,
    s_,
    signedinteger,
    single,
    unsignedinteger,
)
from ._elementwise_extra import (  # noqa: F401, E402
    cbrt,
    copysign,
    deg2rad,
    degrees,
    fabs,
    float_power,
    fmax,
    fmin,
    heaviside,
    hypot,
    logaddexp,
    logaddexp2,
    nan_to_num,
    rad2deg,
    radians,
    signbit,
    sinc,
)
from ._extra_names import (  # noqa: E402, F401
    concat,
    copy,
    diagflat,
    ediff1d,
    empty_like,
    identity,
    ldexp,
    matrix_transpose,
    matvec,
    permute_dims,
    trapezoid,
    unstack,
    vander,
    vecdot,
    vecmat,
)
from ._index_tricks import c_, indices, ix_, meshgrid, mgrid, ogrid, r_  # noqa: E402, F401
from ._matrix_shape import (  # noqa: E402, F401
    cross,
    diag,
    diag_indices,
    diag_indices_from,
    diagonal,
    fill_diagonal,
    kron,
    trace,
    tri,
    tril,
    tril_indices,
    tril_indices_from,
    triu,
    triu_indices,
    triu_indices_from,
)
from ._more_math import (  # noqa: F401, E402
    acos,
    acosh,
    around,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    average,
    bitwise_invert,
    count_nonzero,
    cumulative_prod,
    cumulative_sum,
    divmod,
    iscomplex,
    isneginf,
    isposinf,
    isreal,
    isrealobj,
    pow,
    ptp,
    rint,
    trunc,
)
from ._nan_reductions import (  # noqa: F401, E402
    nanargmax,
    nanargmin,
    nancumprod,
    nancumsum,
    nanmax,
    nanmean,
    nanmin,
    nanprod,
    nanstd,
    nansum,
    nanvar,
)
from ._nonzero import argwhere, flatnonzero, nonzero, where  # noqa: E402, F401
from ._ordering import (  # noqa: F401, E402
    argpartition,
    argsort,
    cumprod,
    digitize,
    interp,
    lexsort,
    partition,
    searchsorted,
    select,
    sort,
)
from ._pad import pad  # noqa: E402, F401
from ._polynomials import (  # noqa: E402, F401
    convolve,
    correlate,
    isin,
    polyadd,
    polyder,
    polyint,
    polymul,
    polysub,
    polyval,
)
from ._predicates import all, allclose, any, array_equal, array_equiv, isclose  # noqa: F401, E402
from ._quantiles import median, nanmedian, nanpercentile, nanquantile, percentile, quantile  # noqa: F401, E402
from ._scalar_types import (  # noqa: E402, F401
    bool_,
    complex64,
    complex128,
    complex_,
    float16,
    float32,
    float64,
    float_,
    int8,
    int16,
    int32,
    int64,
    int_,
    uint8,
    uint16,
    uint32,
    uint64,
)
from ._spaces import geomspace, linspace, logspace  # noqa: F401, E402
from ._structural import (  # noqa: E402, F401
    append,
    array_split,
    atleast_2d,
    atleast_3d,
    broadcast_arrays,
    column_stack,
    diff,
    dsplit,
    dstack,
    fliplr,
    flipud,
    hsplit,
    roll,
    rollaxis,
    rot90,
    row_stack,
    vsplit,
)

_attach_tracer_methods()   # last: the methods use functions from every module imported above
