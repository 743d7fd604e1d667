"""The `fft` primitive, as jax.lax.fft: one primitive with params `fft_type`
(FFT, IFFT, RFFT, IRFFT) and `fft_lengths`, a transform over the trailing
len(fft_lengths) axes; leading axes are batch axes.

FFT and IFFT map complex to complex, RFFT real to complex (the last axis
n -> n // 2 + 1), IRFFT complex to real (n // 2 + 1 -> n, reading only
those entries). The inverses carry NumPy's default 1/N ("backward").

Every type is linear over the reals, so the JVP is the primitive on the
tangent. Transposes pair values by Re(a * b), without conjugation (JAX's
convention, as the complex primitives here): the DFT matrix is symmetric,
so FFT and IFFT are their own transposes; RFFT and IRFFT transpose to each
other through a mask that counts the entries Hermitian symmetry left out
twice (JAX's lax/fft.py).

jit: complex values do not lower to numba kernels yet, so there is no
numba lowering; tiered jit runs these equations on NumPy (tier 0) and an
untiered compile raises UnsupportedError saying so.
"""
from __future__ import annotations

import enum
import math

import numpy as np

from ..core import Primitive
from ..errors import DTypeError, ShapeError
from ..ir import ShapedArray
from . import elementwise as ew
from . import rules, shaping
from .rules import Zero, aval_of


class FftType(enum.IntEnum):
    """Which transform an `fft` equation performs (jax.lax.FftType)."""
    FFT = 0     # forward, complex to complex
    IFFT = 1    # inverse, complex to complex, scaled by 1/N
    RFFT = 2    # forward, real to complex (the non-negative frequencies)
    IRFFT = 3   # inverse of RFFT, complex to real, scaled by 1/N

    def __repr__(self):     # as printed in a Jaxpr's params
        return f"FftType.{self.name}"


def _fft_shape(x, fft_type, fft_lengths):
    lengths = tuple(fft_lengths)
    k = len(lengths)
    if k > len(x.shape) or not k:
        raise ShapeError(f"fft: fft_lengths {lengths} need 1 to {len(x.shape)} trailing axes of the operand of "
                         f"shape {x.shape}")
    lead, trail = x.shape[:-k], x.shape[-k:]
    if fft_type == FftType.RFFT:
        if x.dtype.kind != "f":
            raise DTypeError(f"fft (RFFT) needs a real floating-point operand, got {x.dtype.name}")
        if trail != lengths:
            raise ShapeError(f"fft (RFFT): the operand's trailing axes {trail} must equal fft_lengths {lengths}")
        return ShapedArray(lead + lengths[:-1] + (lengths[-1] // 2 + 1,), ew.complex_dtype(x.dtype))
    if x.dtype.kind != "c":
        raise DTypeError(f"fft ({FftType(fft_type).name}) needs a complex operand, got {x.dtype.name}")
    if fft_type == FftType.IRFFT:
        if trail != lengths[:-1] + (lengths[-1] // 2 + 1,):
            raise ShapeError(f"fft (IRFFT): the operand's trailing axes {trail} must be fft_lengths {lengths} "
                             f"with the last one {lengths[-1]} // 2 + 1")
        return ShapedArray(lead + lengths, ew.real_dtype(x.dtype))
    if trail != lengths:
        raise ShapeError(f"fft ({FftType(fft_type).name}): the operand's trailing axes {trail} must equal "
                         f"fft_lengths {lengths}")
    return x


_NUMPY = {FftType.FFT: np.fft.fftn, FftType.IFFT: np.fft.ifftn, FftType.RFFT: np.fft.rfftn,
          FftType.IRFFT: np.fft.irfftn}


def _fft_impl(x, fft_type, fft_lengths):
    x = np.asarray(x)
    out = _fft_shape(ShapedArray(x.shape, x.dtype), fft_type, fft_lengths)
    if 0 in out.shape or 0 in x.shape:     # NumPy refuses zero-length transforms; a zero batch has no entries
        return np.zeros(out.shape, out.dtype)
    axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
    # NumPy 2 computes float32 / complex64 in single precision, as JAX.
    return np.asarray(_NUMPY[FftType(fft_type)](x, s=tuple(fft_lengths), axes=axes), out.dtype)


def _hermitian_mask(n, m, dtype, ndim):
    """(1, 2, ..., 2, 1): how often each of the m = n // 2 + 1 kept
    frequencies stands in the full spectrum (the last one once only when n
    is even), shaped to broadcast along the last of ndim axes."""
    mask = np.full(m, 2.0)
    mask[0] = 1.0
    if n % 2 == 0:
        mask[-1] = 1.0
    return mask.astype(dtype).reshape((1,) * (ndim - 1) + (m,))


def _times(x, constant):
    """x times a NumPy constant broadcast to x's shape."""
    x_aval = aval_of(x)
    constant = np.asarray(constant, x_aval.dtype)
    if constant.ndim:
        constant = shaping.broadcast_in_dim(constant, shape=x_aval.shape,
                                            broadcast_dimensions=tuple(range(len(x_aval.shape))))
    return ew.mul(x, constant)


def _fft_transpose(ct, x, fft_type, fft_lengths):
    assert type(x) is rules.UndefinedPrimal
    if type(ct) is Zero:
        return [Zero(x.aval)]
    lengths = tuple(fft_lengths)
    ndim, n, size = len(x.aval.shape), lengths[-1], math.prod(lengths)
    if fft_type == FftType.RFFT:
        # <ct, rfft x> = Re sum_k ct_k sum_j x_j w^jk = N * irfft(conj(ct) / mask): irfft counts middle entries twice.
        m = aval_of(ct).shape[-1]
        halved = _times(ew.conj(ct), 1.0 / _hermitian_mask(n, m, ew.real_dtype(aval_of(ct).dtype), ndim))
        return [_times(fft_p(halved, fft_type=FftType.IRFFT, fft_lengths=lengths), float(size))]
    if fft_type == FftType.IRFFT:
        spectrum = fft_p(ct, fft_type=FftType.RFFT, fft_lengths=lengths)
        m = aval_of(spectrum).shape[-1]
        return [ew.conj(_times(spectrum, _hermitian_mask(n, m, ew.real_dtype(aval_of(spectrum).dtype), ndim) / size))]
    return [fft_p(ct, fft_type=fft_type, fft_lengths=lengths)]   # the DFT matrix is symmetric


def _fft_batch(args, dims, params):
    (x,), (d,) = args, dims
    return fft_p(rules.move_bdim(x, d, 0), **params), 0


fft_p = Primitive("fft", shape_rule=_fft_shape, impl=_fft_impl, transpose=_fft_transpose, batch=_fft_batch)
fft_p.jvp = rules.linear_jvp(fft_p)


def fft(x, fft_type, fft_lengths):
    """jax.lax.fft: the transform `fft_type` (an FftType or its name, e.g.
    "rfft") over the trailing len(fft_lengths) axes of x. FFT, IFFT and
    IRFFT take x as complex (float32 -> complex64, as JAX), RFFT as real."""
    if isinstance(fft_type, str):
        try:
            fft_type = FftType[fft_type.upper()]
        except KeyError:
            raise ValueError(f"Unknown FFT type {fft_type!r}; expected one of fft, ifft, rfft, irfft") from None
    fft_type = FftType(fft_type)
    dtype = aval_of(x).dtype
    if fft_type == FftType.RFFT:
        if dtype.kind == "c":
            raise DTypeError("rfft needs real input, got complex; take x.real, or use fft")
        wanted = dtype if dtype.kind == "f" else np.dtype(np.float64)
    else:
        wanted = ew.complex_dtype(dtype if dtype.kind in "fc" else np.dtype(np.float64))
    if dtype != wanted:
        x = ew.convert_element_type(x, new_dtype=wanted, weak_type=False)
    if not len(fft_lengths):
        return x
    return fft_p(x, fft_type=fft_type, fft_lengths=tuple(int(n) for n in fft_lengths))


fft.primitive = fft_p
