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
scalar results). Kernels are cached under a key that includes which
variants are in use (`CACHE_TAG`), so machine code calling them is never
loaded where they are not registered.
"""
from __future__ import annotations

import ctypes
import math
import os
from typing import NamedTuple

import llvmlite.binding as llvm
from llvmlite import ir
from numba.core import types

FUNCTIONS = ("exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh", "cosh",
             "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf")
_PREFIX = "functrans_libm_"


class _Kind(NamedTuple):
    """One float type: its LLVM type, the lanes of its AVX2 variants and
    libm's suffix (`tanhf` is tanh on float32)."""
    llvm: ir.Type
    lanes: int
    suffix: str

    def scalar_name(self, name):
        return f"{name}{self.suffix}"

    def vector_name(self, name):   # AVX2 ("d"), unmasked ("N"), one vector argument ("v")
        return f"_ZGVdN{self.lanes}v_{name}{self.suffix}"


KINDS = {types.float64: _Kind(ir.DoubleType(), 4, ""), types.float32: _Kind(ir.FloatType(), 8, "f")}


def _register() -> dict:
    """{math function: name} for the functions whose vector variants (in
    every kind) this process can call; {} where there are none."""
    if os.environ.get("FUNCTRANS_VECTOR_MATH") == "0" or not llvm.get_host_cpu_features().get("avx2", False):
        return {}
    try:
        libm = ctypes.CDLL("libm.so.6")
        libmvec = ctypes.CDLL("libmvec.so.1")
        llvm.load_library_permanently("libmvec.so.1")
    except OSError:
        return {}
    available = {}
    for name in FUNCTIONS:
        if all(hasattr(libmvec, k.vector_name(name)) and hasattr(libm, k.scalar_name(name)) for k in KINDS.values()):
            for kind in KINDS.values():
                # The scalar function under a name of ours: LLVM would otherwise
                # treat `tanh` as its own builtin and ignore the variant.
                scalar = kind.scalar_name(name)
                llvm.add_symbol(_PREFIX + scalar, ctypes.cast(getattr(libm, scalar), ctypes.c_void_p).value)
            available[getattr(math, name)] = name
    return available


class _CallAttributes(ir.instructions.CallInstrAttributes):
    """Call-site attributes, including the string ones llvmlite does not list."""

    def add(self, name):
        return set.add(self, name)


VECTORIZABLE = _register()
# Part of every kernel's cache key: machine code that calls the variants
# must never be loaded by a process that did not register them.
CACHE_TAG = "vector math: " + ", ".join(sorted(VECTORIZABLE.values()))


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
