"""The FFT rows of the op table (import `op_table`, which adds these to
`ROWS`): the `fft` primitive of ops/fft.py for each FftType, and
functrans.numpy.fft against numpy.fft in every norm mode, with `n`/`s`
cropping and padding and `axis`/`axes` moved.

Every transform is linear over the reals: rows check the JVP against
central differences along complex directions and the transpose by the
inner-product identity under JAX's pairing Re(a * b). IRFFT reads only the
real part of the zero (and, for even n, the Nyquist) frequency: it is
linear over the reals but not over the complex numbers, which these checks
(random complex directions) exercise. Compositions with a real output,
such as sum(abs(fft(x))**2), are checked under grad to second order.
Complex values do not lower under jit (tier 0 runs them; tests/test_fft.py),
so the backend batches leave these rows out.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from op_table import F32, F64, Row, args_of, prim_row, real, short
from op_table_complex import C64, C128, plane

import functrans.numpy as fnp
from functrans.ops.fft import FftType

_NUMPY = {FftType.FFT: np.fft.fftn, FftType.IFFT: np.fft.ifftn, FftType.RFFT: np.fft.rfftn,
          FftType.IRFFT: np.fft.irfftn}


def _reference(fft_type, lengths):
    def ref(x):
        axes = tuple(range(x.ndim - len(lengths), x.ndim))
        out = _NUMPY[fft_type](x, s=lengths, axes=axes)
        dtype = np.result_type(x, np.complex64) if fft_type != FftType.IRFFT else np.finfo(x.dtype).dtype
        return out.astype(dtype)
    return ref


def _prim_rows(fft_type, cases):
    rows = []
    for shape, lengths, dtype in cases:
        checked = dtype in (F64, C128)
        name = {"f": "f", "c": "c"}[dtype.kind] + str(dtype.itemsize * 8)
        rows.append(prim_row("fft", f"{fft_type.name}-{name}[{','.join(map(str, shape))}]-lengths{lengths}",
                             args_of((real if dtype.kind == "f" else plane, shape, dtype)),
                             _reference(fft_type, lengths), {"fft_type": fft_type, "fft_lengths": lengths},
                             diff=(0,) if checked else (), linear=(0,) if checked else (), smooth=checked,
                             rtol=1e-12 if checked else 1e-5))
    return rows


PRIMITIVES = [
    *_prim_rows(FftType.FFT, (((5,), (5,), C128), ((2, 3, 4), (3, 4), C128), ((2, 4), (4,), C64))),
    *_prim_rows(FftType.IFFT, (((5,), (5,), C128), ((2, 3, 4), (3, 4), C128), ((2, 4), (4,), C64))),
    *_prim_rows(FftType.RFFT, (((5,), (5,), F64), ((2, 6), (6,), F64), ((2, 3, 4), (3, 4), F64),
                               ((2, 4), (4,), F32))),
    # IRFFT's input: the n // 2 + 1 non-negative frequencies along the last axis.
    *_prim_rows(FftType.IRFFT, (((3,), (5,), C128), ((2, 4), (6,), C128), ((2, 3, 3), (3, 4), C128),
                                ((2, 3), (4,), C64))),
]


def fft_row(name, shape, dtype=C128, case=None, diff=True, fun=None, reference=None, **kwargs):
    """A facade row: `fnp.fft.<name>(x, **kwargs)` against `np.fft.<name>`."""
    case = case or short_any(dtype, shape) + "".join(f"-{k}={v}" for k, v in kwargs.items())
    checked = diff and dtype in (F64, C128)
    return Row(id=f"np.fft.{name}-{case}", fun=fun or partial(getattr(fnp.fft, name), **kwargs),
               reference=reference or partial(getattr(np.fft, name), **kwargs),
               make_args=args_of((plane if dtype.kind == "c" else real, shape, dtype)), numpy_name=name,
               diff=(0,) if checked else (), smooth=checked, rtol=1e-12 if dtype in (F64, C128) else 1e-5)


def short_any(dtype, shape):
    return short(dtype, shape) if dtype.kind != "c" else f"c{dtype.itemsize * 8}[{','.join(map(str, shape))}]"


_NORMS = ("backward", "ortho", "forward")

FACADE = [
    *[fft_row(name, (2, 5), norm=norm) for name in ("fft", "ifft", "hfft") for norm in (None, *_NORMS)],
    *[fft_row(name, (2, 5), dtype=F64, norm=norm) for name in ("rfft", "ihfft") for norm in (None, *_NORMS)],
    *[fft_row("irfft", (2, 4), norm=norm) for norm in (None, *_NORMS)],
    # n crops or pads; axis picks another axis.
    fft_row("fft", (3, 4), n=6, axis=0), fft_row("ifft", (3, 4), n=2), fft_row("rfft", (3, 6), dtype=F64, n=4),
    fft_row("rfft", (5, 2), dtype=F64, n=7, axis=0), fft_row("irfft", (3, 4), n=5),
    fft_row("irfft", (4, 3), n=8, axis=0),
    fft_row("hfft", (3, 4), n=5, norm="ortho"), fft_row("ihfft", (3, 5), dtype=F64, n=4, axis=0),
    *[fft_row(name, (2, 3, 4), norm=norm) for name in ("fftn", "ifftn", "fft2", "ifft2") for norm in ("ortho", None)],
    *[fft_row(name, (2, 3, 4), dtype=F64, norm=norm) for name in ("rfftn", "rfft2") for norm in ("forward", None)],
    *[fft_row(name, (2, 3, 3), norm=norm) for name in ("irfftn", "irfft2") for norm in ("ortho", None)],
    fft_row("fftn", (2, 3, 4), s=(4, 2), axes=(0, 2)), fft_row("ifftn", (2, 3, 4), s=(2, 5), axes=(1, 2)),
    fft_row("fftn", (2, 3, 4), axes=(2, 0)), fft_row("fft2", (3, 4), s=(2, 6), norm="forward"),
    fft_row("rfftn", (2, 3, 4), dtype=F64, s=(3, 5), axes=(2, 0)), fft_row("rfft2", (3, 4), dtype=F64, s=(5, 3)),
    fft_row("irfftn", (2, 3, 4), s=(4, 5), axes=(0, 2)), fft_row("irfft2", (3, 4), s=(2, 7), norm="forward"),
    fft_row("ifft2", (2, 3, 4), axes=(0, 1)),
    # single precision and integer input: NumPy 2's dtypes (complex64, complex128).
    *[fft_row(name, (2, 4), dtype=C64) for name in ("fft", "ifftn", "irfft", "hfft")],
    *[fft_row(name, (2, 4), dtype=F32) for name in ("fft", "rfft", "rfftn", "ihfft")],
    fft_row("fft", (2, 4), dtype=np.dtype(np.int64), diff=False),
    *[fft_row(name, (4, 5), dtype=F64, axes=axes) for name in ("fftshift", "ifftshift")
      for axes in (None, 1, (0, 1))],
    fft_row("fftshift", (2, 5), axes=(-1,)), fft_row("ifftshift", (5,), dtype=F32),
    *[Row(id=f"np.fft.{name}-n{n}-d{d}", fun=lambda n=n, d=d, name=name: getattr(fnp.fft, name)(n, d),
          reference=lambda n=n, d=d, name=name: getattr(np.fft, name)(n, d), make_args=lambda rng: (),
          numpy_name=name) for name in ("fftfreq", "rfftfreq") for n, d in ((8, 1.0), (7, 0.1))],
    # Real-valued compositions, differentiated to second order: the power
    # spectrum, a real part, and a round trip.
    fft_row("fft", (6,), dtype=F64, case="f64[6]-power-spectrum", fun=lambda x: fnp.sum(fnp.abs(fnp.fft.fft(x)) ** 2),
            reference=lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2)),
    fft_row("rfft", (2, 5), dtype=F64, case="f64[2,5]-real-part-ortho",
            fun=lambda x: fnp.real(fnp.fft.rfft(x, norm="ortho")) * fnp.sin(x[:, :3]),
            reference=lambda x: np.real(np.fft.rfft(x, norm="ortho")) * np.sin(x[:, :3])),
    fft_row("irfft", (2, 6), dtype=F64, case="f64[2,6]-round-trip-squared",
            fun=lambda x: fnp.fft.irfft(fnp.fft.rfft(x) * fnp.fft.rfft(x), n=6),
            reference=lambda x: np.fft.irfft(np.fft.rfft(x) ** 2, n=6)),
]
