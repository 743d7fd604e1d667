"""functrans.numpy.fft: NumPy's discrete Fourier transforms, differentiable
and batchable, over the `fft` primitive (ops/fft.py) as jax.numpy.fft.

The transformed axes are moved to the end, cropped or zero-padded to `n` /
`s`, transformed, scaled for `norm` ("backward", the default, "ortho" or
"forward") and moved back, as NumPy and JAX do. float32 input gives
complex64 (NumPy 2 and JAX), integers complex128.

Under jit: complex values do not lower to numba kernels yet, so a jitted
function with a transform runs on jit's NumPy tier (tier 0); an untiered
compile (FUNCTRANS_JIT_TIERED=0, `.lower().compile()`) raises
UnsupportedError.
"""
from __future__ import annotations

import math

import numpy as np

from ..ops import elementwise as ew
from ..ops import shaping as sh
from ..ops.fft import FftType
from ..ops.fft import fft as _lax_fft
from ._base import aval, normalize_axis, operand

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn",
           "hfft", "ihfft", "fftshift", "ifftshift", "fftfreq", "rfftfreq"]

_NORMS = (None, "backward", "ortho", "forward")


def _scale(x, name, norm, lengths):
    """x scaled for `norm`; the primitive's inverses already carry 1/N."""
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or "forward".')
    if norm in (None, "backward"):
        return x
    size = math.prod(lengths)
    factor = math.sqrt(size) if norm == "ortho" else size
    inverse = name.startswith("i")
    factor = factor if inverse else 1.0 / factor
    return ew.mul(x, np.asarray(factor, aval(x).dtype))


def _permute(x, perm):
    return x if list(perm) == list(range(len(perm))) else sh.transpose(x, permutation=tuple(perm))


def _fit(x, sizes):
    """x cropped or zero-padded at the end of each axis to `sizes`."""
    shape = aval(x).shape
    if any(n < m for n, m in zip(sizes, shape)):
        x = sh.slice(x, start_indices=(0,) * len(shape), limit_indices=tuple(min(n, m) for n, m in zip(sizes, shape)),
                     strides=None)
    if any(n > m for n, m in zip(sizes, shape)):
        config = tuple((0, max(n - m, 0), 0) for n, m in zip(sizes, shape))
        x = sh.pad(x, np.zeros((), aval(x).dtype), padding_config=config)
    return x


def _fft_core(name, fft_type, a, s, axes, norm):
    """The transform `fft_type` of `a` over `axes` (default: the last
    len(s), or all) with output lengths `s`, as jax.numpy.fft's."""
    a = operand(a)
    ndim = aval(a).ndim
    if s is not None:
        s = tuple(int(n) for n in s)
        if any(n < 1 for n in s):
            raise ValueError(f"{name}: invalid number of data points {s}; every length must be positive")
    if axes is None:
        axes = tuple(range(ndim - len(s), ndim)) if s is not None else tuple(range(ndim))
    axes = tuple(normalize_axis(ax, ndim, name) for ax in axes)
    if s is not None and len(s) != len(axes):
        raise ValueError(f"{name}: s {s} and axes {axes} have different lengths")
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name} does not support repeated axes, got axes {axes}")
    if not axes:
        return _lax_fft(a, fft_type, ())
    # The transformed axes at the end, in the order given.
    perm = [i for i in range(ndim) if i not in axes] + list(axes)
    x = _permute(a, perm)
    shape = aval(x).shape
    k = len(axes)
    if s is None:
        s = shape[-k:] if fft_type != FftType.IRFFT else shape[-k:-1] + (2 * (shape[-1] - 1),)
        if min(s) < 1:
            raise ValueError(f"{name}: invalid number of data points {s}; every length must be positive")
    sizes = list(shape[:-k]) + list(s)
    if fft_type == FftType.IRFFT:
        sizes[-1] = s[-1] // 2 + 1
    out = _scale(_lax_fft(_fit(x, sizes), fft_type, s), name, norm, s)
    return _permute(out, [int(i) for i in np.argsort(perm)])


def _one_axis(name, fft_type, a, n, axis, norm):
    return _fft_core(name, fft_type, a, None if n is None else (n,), (axis,), norm)


def fft(a, n=None, axis=-1, norm=None):
    """The one-dimensional discrete Fourier transform along `axis`."""
    return _one_axis("fft", FftType.FFT, a, n, axis, norm)


def ifft(a, n=None, axis=-1, norm=None):
    """The one-dimensional inverse discrete Fourier transform along `axis`."""
    return _one_axis("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a, n=None, axis=-1, norm=None):
    """The transform of real input: the n // 2 + 1 non-negative frequencies."""
    return _one_axis("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a, n=None, axis=-1, norm=None):
    """The inverse of `rfft`: n real values (default 2 * (m - 1))."""
    return _one_axis("irfft", FftType.IRFFT, a, n, axis, norm)


def fftn(a, s=None, axes=None, norm=None):
    """The n-dimensional discrete Fourier transform over `axes`."""
    return _fft_core("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm=None):
    """The n-dimensional inverse discrete Fourier transform over `axes`."""
    return _fft_core("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm=None):
    """The n-dimensional transform of real input (halved along the last axis)."""
    return _fft_core("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None):
    """The inverse of `rfftn`."""
    return _fft_core("irfftn", FftType.IRFFT, a, s, axes, norm)


def fft2(a, s=None, axes=(-2, -1), norm=None):
    """The two-dimensional discrete Fourier transform."""
    return _fft_core("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm=None):
    """The two-dimensional inverse discrete Fourier transform."""
    return _fft_core("ifft2", FftType.IFFT, a, s, axes, norm)


def rfft2(a, s=None, axes=(-2, -1), norm=None):
    """The two-dimensional transform of real input."""
    return _fft_core("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm=None):
    """The inverse of `rfft2`."""
    return _fft_core("irfft2", FftType.IRFFT, a, s, axes, norm)


_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


def _swapped(norm):
    if norm not in _SWAPPED:
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or "forward".')
    return _SWAPPED[norm]


def hfft(a, n=None, axis=-1, norm=None):
    """The transform of a Hermitian-symmetric signal given by its first half:
    n real values (default 2 * (m - 1)), as NumPy's: irfft(conj(a)) scaled the other way."""
    a = operand(a)
    return irfft(ew.conj(a) if aval(a).dtype.kind == "c" else a, n, axis, _swapped(norm))


def ihfft(a, n=None, axis=-1, norm=None):
    """The inverse of `hfft`: conj(rfft(a)) scaled the other way."""
    return ew.conj(rfft(a, n, axis, _swapped(norm)))


def _roll_halves(x, axes, inverse):
    """x rolled by half of each axis' length (fftshift; ifftshift undoes it)."""
    x = operand(x)
    shape = aval(x).shape
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    name = "ifftshift" if inverse else "fftshift"
    for axis in (normalize_axis(ax, len(shape), name) for ax in axes):
        n = shape[axis]
        split = (n - n // 2) if not inverse else n // 2    # the first entry of the rolled array
        if n < 2 or split in (0, n):
            continue
        starts, stops = [0] * len(shape), list(shape)
        starts[axis] = split
        tail = sh.slice(x, start_indices=tuple(starts), limit_indices=tuple(stops), strides=None)
        starts[axis], stops[axis] = 0, split
        head = sh.slice(x, start_indices=tuple(starts), limit_indices=tuple(stops), strides=None)
        x = sh.concatenate(tail, head, dimension=axis)
    return x


def fftshift(x, axes=None):
    """The zero frequency moved to the centre of each of `axes` (default all)."""
    return _roll_halves(x, axes, inverse=False)


def ifftshift(x, axes=None):
    """The inverse of `fftshift`."""
    return _roll_halves(x, axes, inverse=True)


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of an n-point transform with sample spacing d."""
    out = np.fft.fftfreq(n, d)
    return out.astype(dtype) if dtype is not None else out


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """The non-negative sample frequencies of `rfft`."""
    out = np.fft.rfftfreq(n, d)
    return out.astype(dtype) if dtype is not None else out
