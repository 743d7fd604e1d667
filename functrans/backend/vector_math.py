"""glibc's vector math (libmvec) for the float64 libm calls in fused loops.

numba lowers `math.tanh(x)` to a scalar libm call, and LLVM, seeing a known
library function, at best calls it four times per vector: W1's gradient
spent ~90% of its time in scalar tanh/exp/sin/cos. glibc (2.35 and newer)
ships 4-wide AVX2 versions of these functions, `_ZGVdN4v_tanh` and so on,
accurate to a few ulp (measured here: at most 3 ulp against NumPy, with the
same NaN and infinity results). `call` emits the scalar call under a name
LLVM does not know as a builtin, tagged with the vector variant (the
`vector-function-abi-variant` attribute of LLVM's vector function ABI), so
that the loop vectorizer calls the vector version four elements at a time
and the scalar one for the remainder.

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

import llvmlite.binding as llvm
from llvmlite import ir

FUNCTIONS = ("exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh", "cosh",
             "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf")
WIDTH = 4
_PREFIX = "functrans_libm_"


def _register() -> dict:
    """{math function: libm name} for the functions whose vector variant
    this process can call; {} where there are none."""
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
        if hasattr(libmvec, _vector_name(name)) and hasattr(libm, name):
            # The scalar function under a name of ours: LLVM would otherwise
            # treat `tanh` as its own builtin and ignore the variant.
            llvm.add_symbol(_PREFIX + name, ctypes.cast(getattr(libm, name), ctypes.c_void_p).value)
            available[getattr(math, name)] = name
    return available


def _vector_name(name: str) -> str:
    return f"_ZGVdN{WIDTH}v_{name}"     # AVX2 ("d"), unmasked, 4 lanes, one vector argument


class _CallAttributes(ir.instructions.CallInstrAttributes):
    """Call-site attributes, including the string ones llvmlite does not list."""

    def add(self, name):
        return set.add(self, name)


VECTORIZABLE = _register()
# Part of every kernel's cache key: machine code that calls the variants
# must never be loaded by a process that did not register them.
CACHE_TAG = "vector math: " + ", ".join(sorted(VECTORIZABLE.values()))


def call(builder, function, x):
    """Emit `function(x)` (a key of VECTORIZABLE) on a float64 `x`."""
    name = VECTORIZABLE[function]
    module, double = builder.module, ir.DoubleType()
    scalar = module.globals.get(_PREFIX + name)
    if scalar is None:
        scalar = ir.Function(module, ir.FunctionType(double, [double]), _PREFIX + name)
        scalar.attributes.add("nounwind")
        scalar.attributes.add("readnone")
    _declare_variants(module)
    result = builder.call(scalar, [x])
    result.attributes = _CallAttributes(
        f'"vector-function-abi-variant"="_ZGV_LLVM_N{WIDTH}v_{_PREFIX}{name}({_vector_name(name)})"')
    return result


def _declare_variants(module):
    """Declare every vector variant, listed in `llvm.compiler.used` so that
    no pass deletes an unused declaration before the vectorizer looks for it."""
    names = [_vector_name(n) for n in VECTORIZABLE.values()]
    if names[0] in module.globals:
        return
    vector = ir.VectorType(ir.DoubleType(), WIDTH)
    pointer = ir.IntType(8).as_pointer()
    variants = [ir.Function(module, ir.FunctionType(vector, [vector]), n) for n in names]
    array = ir.ArrayType(pointer, len(variants))
    used = ir.GlobalVariable(module, array, "llvm.compiler.used")
    used.linkage = "appending"
    used.section = "llvm.metadata"
    used.initializer = ir.Constant(array, [v.bitcast(pointer) for v in variants])
