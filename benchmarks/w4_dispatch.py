"""W4 dispatch: the per-call overhead of `jit(lambda x: x * 2.0 + 1.0)` on
a scalar and on a 3-vector. PyTorch runs the expression eagerly; NumPy
(on np.float64 / ndarray) and numba are the floor. autograd is left out:
without a transformation it is NumPy."""
import numba
import numpy as np

from .harness import Case, compiled, toolkit_systems

ID, TITLE = "W4", "dispatch"


def affine(x):
    return x * 2.0 + 1.0


numba_affine = numba.njit(affine)


def cases(quick):
    out = []
    for label, x in (("scalar", 3.0), ("3-vector", np.arange(3.0))):
        systems = toolkit_systems(lambda tk: compiled(tk, affine), (x,), ("functrans", "jax", "torch"))
        numpy_x = np.float64(x) if label == "scalar" else x
        systems["numpy"] = lambda x=numpy_x: lambda: affine(x)
        systems["numba"] = lambda x=x: lambda: numba_affine(x)
        out.append(Case(f"jit(x * 2.0 + 1.0), {label}", lambda x=x: affine(np.asarray(x)), systems))
    return out
