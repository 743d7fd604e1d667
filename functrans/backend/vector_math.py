"""glibc's vector math (libmvec) for the libm calls in fused loops.

numba lowers `math.tanh(x)` to a scalar libm call, and LLVM, seeing a known
library function, at best calls it four times per vector: W1's gradient
spent ~90% of its time in scalar tanh/exp/sin/cos. glibc (2.35 and newer)
ships AVX2 versions of these functions, 4 float64 or 8 float32 lanes wide
(`_ZGVdN4v_tanh`, `_ZGVdN8v_tanhf`, ...), accurate to a few ulp (measured
here: at most 3 ulp against NumPy in float64, with the same NaN and
infinity results). `call` emits the scalar call under a name LLVM does not
know as a builtin, tagged with the vector variant (the
`vector-function-abi-variant` attribute of LLVM's vector function ABI), so
that the loop vectorizer calls the vector version a vector at a time and
the scalar one for the remainder.

Used only where it works: Linux with glibc's libmvec, on a CPU with AVX2,
and not disabled with `FUNCTRANS_VECTOR_MATH=0` (which gives libm's exact
scalar results; decided in `libmvec`, which needs no LLVM). Kernels are
cached under a key that includes which variants are in use (`CACHE_TAG`),
so machine code calling them is never loaded where they are not registered.
"""
from __future__ import annotations

import ctypes
import math
from typing import NamedTuple

import llvmlite.binding as llvm
from llvmlite import ir
from numba.core import types

from . import libmvec

FUNCTIONS = libmvec.FUNCTIONS
_PREFIX = "functrans_libm_"


class _Kind(NamedTuple):
    """One float type: its LLVM type, the lanes of its AVX2 variants and
    libm's suffix (`tanhf` is tanh on float32)."""
    llvm: ir.Type
    lanes: int
    suffix: str

    def scalar_name(self, name):
        return f"{name}{self.suffix}"

    def vector_name(self, name):
        return libmvec.vector_name(name, self.lanes, self.suffix)


KINDS = {types.float64: _Kind(ir.DoubleType(), *libmvec.LANES_AND_SUFFIX[0]),
         types.float32: _Kind(ir.FloatType(), *libmvec.LANES_AND_SUFFIX[1])}


def _register() -> dict:
    """{math function: name} for the functions of `libmvec.AVAILABLE`, with
    their scalar versions made known to LLVM under names of ours: LLVM would
    otherwise treat `tanh` as its own builtin and ignore the variant."""
    if not libmvec.AVAILABLE:
        return {}
    libm = ctypes.CDLL("libm.so.6")
    llvm.load_library_permanently("libmvec.so.1")
    for name in libmvec.AVAILABLE:
        for kind in KINDS.values():
            scalar = kind.scalar_name(name)
            llvm.add_symbol(_PREFIX + scalar, ctypes.cast(getattr(libm, scalar), ctypes.c_void_p).value)
    return {getattr(math, name): name for name in libmvec.AVAILABLE}


class _CallAttributes(ir.instructions.CallInstrAttributes):
    """Call-site attributes, including the string ones llvmlite does not list."""

    def add(self, name):
        return set.add(self, name)


VECTORIZABLE = _register()
CACHE_TAG = libmvec.CACHE_TAG   # part of every kernel's cache key


def call(builder, function, x, float_type):
    """Emit `function(x)` (a key of VECTORIZABLE) on `x` of `float_type`
    (a key of KINDS)."""
    kind, name = KINDS[float_type], VECTORIZABLE[function]
    module, scalar_name = builder.module, _PREFIX + kind.scalar_name(name)
    scalar = module.globals.get(scalar_name)
    if scalar is None:
        scalar = ir.Function(module, ir.FunctionType(kind.llvm, [kind.llvm]), scalar_name)
        scalar.attributes.add("nounwind")
        scalar.attributes.add("readnone")
    _declare_variants(module)
    result = builder.call(scalar, [x])
    result.attributes = _CallAttributes(
        f'"vector-function-abi-variant"="_ZGV_LLVM_N{kind.lanes}v_{scalar_name}({kind.vector_name(name)})"')
    return result


def _declare_variants(module):
    """Declare every vector variant, listed in `llvm.compiler.used` so that
    no pass deletes an unused declaration before the vectorizer looks for it."""
    wanted = [(kind, kind.vector_name(n)) for kind in KINDS.values() for n in VECTORIZABLE.values()]
    if wanted[0][1] in module.globals:
        return
    pointer = ir.IntType(8).as_pointer()
    variants = []
    for kind, name in wanted:
        vector = ir.VectorType(kind.llvm, kind.lanes)
        variants.append(ir.Function(module, ir.FunctionType(vector, [vector]), name))
    array = ir.ArrayType(pointer, len(variants))
    used = ir.GlobalVariable(module, array, "llvm.compiler.used")
    used.linkage = "appending"
    used.section = "llvm.metadata"
    used.initializer = ir.Constant(array, [v.bitcast(pointer) for v in variants])
