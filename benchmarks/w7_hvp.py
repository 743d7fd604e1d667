"""W7 hvp: Hessian-vector product of the extended Rosenbrock function,
forward-over-reverse `jvp(grad(f), (x,), (v,))`, n = 10^6, eager and under
jit. Eager rows compare with the eager peers, jit rows with compiled JAX
and the hand-written NumPy and numba."""
import numba
import numpy as np

from .harness import Case, toolkit_systems

ID, TITLE = "W7", "hvp"
EAGER = ("functrans", "jax", "torch", "autograd")
JIT = ("functrans", "jax")


def rosenbrock(m, x):
    odd, even = x[0::2], x[1::2]
    return m.sum(100.0 * (even - odd ** 2) ** 2 + (1.0 - odd) ** 2)


def hand_grad_hvp(x, v):
    """(grad f(x), H(x) v) from the 2x2 blocks of the Hessian."""
    a, b, va, vb = x[0::2], x[1::2], v[0::2], v[1::2]
    g, hv = np.empty_like(x), np.empty_like(x)
    g[0::2] = -400.0 * a * (b - a * a) - 2.0 * (1.0 - a)
    g[1::2] = 200.0 * (b - a * a)
    hv[0::2] = (1200.0 * a * a - 400.0 * b + 2.0) * va - 400.0 * a * vb
    hv[1::2] = -400.0 * a * va + 200.0 * vb
    return g, hv


@numba.njit
def numba_grad_hvp(x, v):
    g, hv = np.empty_like(x), np.empty_like(x)
    for i in range(0, x.size, 2):
        a, b, va, vb = x[i], x[i + 1], v[i], v[i + 1]
        g[i] = -400.0 * a * (b - a * a) - 2.0 * (1.0 - a)
        g[i + 1] = 200.0 * (b - a * a)
        hv[i] = (1200.0 * a * a - 400.0 * b + 2.0) * va - 400.0 * a * vb
        hv[i + 1] = -400.0 * a * va + 200.0 * vb
    return g, hv


def hvp(tk):
    grad_f = tk.grad(lambda x: rosenbrock(tk.m, x))
    return lambda x, v: tk.jvp(grad_f, (x,), (v,))


def cases(quick):
    n = 10**4 if quick else 10**6
    rng = np.random.default_rng(0)
    x, v = rng.uniform(-1.5, 1.5, n), rng.normal(size=n)
    jit_systems = {**toolkit_systems(lambda tk: tk.jit(hvp(tk)), (x, v), JIT),
                   "numpy": lambda: lambda: hand_grad_hvp(x, v), "numba": lambda: lambda: numba_grad_hvp(x, v)}
    exp = int(np.log10(n))
    return [Case(f"jvp(grad(f)) eager, n=10^{exp}", lambda: hand_grad_hvp(x, v), toolkit_systems(hvp, (x, v), EAGER)),
            Case(f"jit(jvp(grad(f))), n=10^{exp}", lambda: hand_grad_hvp(x, v), jit_systems)]
