"""Which of glibc's vector math functions (libmvec) this process can use,
found without importing numba or LLVM, and the cache tag that says so.

`vector_math` emits calls of these variants into fused loops. A kernel's
machine code calls them by name, so the set in use is part of every
kernel's cache key (`CACHE_TAG`): code calling a variant is never loaded
where it is not registered. The caller computes that key before any kernel
is built, which is why this check lives apart from the LLVM side.
"""
from __future__ import annotations

import ctypes
import os

FUNCTIONS = ("exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh", "cosh",
             "asin", "acos", "atan", "asinh", "acosh", "atanh", "erf")
# (lanes, libm suffix) of the AVX2 variants of each float type: 4 float64s, 8 float32s.
LANES_AND_SUFFIX = ((4, ""), (8, "f"))


def vector_name(name: str, lanes: int, suffix: str) -> str:
    """The AVX2 ("d"), unmasked ("N"), one-vector-argument ("v") variant of `name`."""
    return f"_ZGVdN{lanes}v_{name}{suffix}"


def _has_avx2() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and " avx2" in line for line in f)
    except OSError:
        return False


def _available() -> tuple:
    """The names in FUNCTIONS whose scalar and vector versions, in every
    float type, this process can call; () when vector math is off."""
    if os.environ.get("FUNCTRANS_VECTOR_MATH") == "0" or not _has_avx2():
        return ()
    try:
        libm, libmvec = ctypes.CDLL("libm.so.6"), ctypes.CDLL("libmvec.so.1")
    except OSError:
        return ()
    return tuple(name for name in FUNCTIONS
                 if all(hasattr(libmvec, vector_name(name, lanes, suffix)) and hasattr(libm, name + suffix)
                        for lanes, suffix in LANES_AND_SUFFIX))


AVAILABLE = _available()
CACHE_TAG = "vector math: " + ", ".join(sorted(AVAILABLE))
