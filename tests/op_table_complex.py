"""The complex rows of the op table (import `op_table`, which adds these to
`ROWS`): the complex primitives, complex operands of the elementwise ones,
and the `functrans.numpy` functions of complex numbers.

Derivatives follow JAX's convention (transposes pair values by Re(a * b),
no conjugation); the oracles compare with central differences along
complex directions, and reverse mode through the inner-product identity
under that pairing. Complex values do not lower under jit (jit raises
UnsupportedError), so the backend batches leave these rows out.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from op_table import F64, Row, args_of, nonzero, positive, prim_row, real

import functrans.numpy as fnp

C128, C64 = np.dtype("complex128"), np.dtype("complex64")


def complex_of(domain):
    """Complex values whose real and imaginary parts come from `domain`."""
    def draw(rng, shape, dtype):
        part = np.finfo(dtype).dtype
        return (domain(rng, shape, part) + 1j * domain(rng, shape, part)).astype(dtype)
    return draw


plane = complex_of(real)
off_axes = complex_of(nonzero)       # away from 0 and the axes, where abs and angle are smooth
right_half = complex_of(positive)    # away from log's and sqrt's branch cut on the negative axis


def _unary(name, domain, reference, linear=False, shapes=((2, 3), ()), dtypes=(C128, C64)):
    rows = []
    for dtype in dtypes:
        for shape in shapes if dtype == C128 else shapes[:1]:
            checked = dtype == C128
            rows.append(prim_row(name, f"c{dtype.itemsize * 8}[{','.join(map(str, shape))}]",
                                 args_of((domain, shape, dtype)), reference,
                                 diff=(0,) if checked else (), linear=(0,) if linear and checked else (),
                                 smooth=checked, rtol=1e-12 if checked else 1e-6))
    return rows


PRIMITIVES = [
    *_unary("real", plane, np.real, linear=True),
    *_unary("imag", plane, np.imag, linear=True),
    *_unary("conj", plane, np.conj, linear=True),
    *[prim_row("complex", f"f64{a}-f64{b}", args_of((real, a, F64), (real, b, F64)),
               lambda x, y: x + 1j * y, diff=(0, 1), linear=(0, 1), smooth=True)
      for a, b in (((2, 3), (2, 3)), ((), (2, 3)), ((), ()))],
    *_unary("abs", off_axes, np.abs),
    *[row for name, domain, ref in (("exp", plane, np.exp), ("log", right_half, np.log),
                                    ("sqrt", right_half, np.sqrt), ("sin", plane, np.sin),
                                    ("cos", plane, np.cos), ("tanh", complex_of(lambda r, s, d: 0.5 * real(r, s, d)),
                                                            np.tanh), ("neg", plane, np.negative))
      for row in _unary(name, domain, ref, linear=name == "neg", shapes=((2, 3),))],
    *[prim_row(name, "c128[2,3]-c128[2,3]", args_of((domain, (2, 3), C128), (off_axes, (2, 3), C128)), ref,
               diff=(0, 1), linear=(0, 1) if name in ("add", "sub") else (), smooth=True)
      for name, domain, ref in (("add", plane, np.add), ("sub", plane, np.subtract), ("mul", plane, np.multiply),
                                ("div", plane, np.divide), ("pow", right_half, np.power))],
    *[prim_row("convert_element_type", f"{src.name}-to-{dst.name}", args_of((dom, (2, 3), src)),
               lambda x, dst=dst: (x.real if dst.kind != "c" else x).astype(dst),
               {"new_dtype": dst, "weak_type": False}, diff=(0,), linear=(0,), smooth=True)
      for src, dst, dom in ((F64, C128, real), (C128, F64, plane))],
]


def _np_row(name, domain, shape=(2, 3), dtype=C128, fun=None, reference=None, diff=True, case=None, **kwargs):
    case = case or "c128[" + ",".join(map(str, shape)) + "]"
    return Row(id=f"np.{name}-{case}", fun=fun or partial(getattr(fnp, name), **kwargs),
               reference=reference or partial(getattr(np, name), **kwargs),
               make_args=args_of((domain, shape, dtype)), numpy_name=name.split(".")[-1], diff=(0,) if diff else (),
               smooth=diff)


FACADE = [
    *[_np_row(name, plane) for name in ("real", "imag", "conj", "conjugate")],
    *[_np_row(name, real, dtype=F64, case="f64[2,3]") for name in ("real", "imag", "conj", "conjugate")],
    _np_row("angle", off_axes), _np_row("angle", off_axes, case="c128-deg", deg=True),
    _np_row("angle", nonzero, dtype=F64, case="f64[2,3]", diff=False),
    _np_row("abs", off_axes), _np_row("exp", plane), _np_row("sqrt", right_half),
    _np_row("iscomplexobj", plane, diff=False, fun=fnp.iscomplexobj, reference=np.iscomplexobj),
    *[_np_row("linalg.norm", off_axes, shape=shape, fun=fnp.linalg.norm, reference=np.linalg.norm,
              case=f"c128[{shape}]-complex") for shape in ((5,), (2, 3))],
]
