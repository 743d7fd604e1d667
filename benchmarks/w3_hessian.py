"""W3 hessian: `hessian(f)` of `sum(sin(x) * x**2) + dot(x, x)**2` at n = 100
and `grad(grad(grad(grad(tanh))))` at a scalar, each eager and under jit.

Eager rows compare with the eager peers (JAX without jit, PyTorch,
autograd); jit rows with compiled JAX and the hand-written NumPy and numba.
"""
import numba
import numpy as np

from .harness import Case, toolkit_systems

ID, TITLE = "W3", "hessian"
EAGER = ("functrans", "jax", "torch", "autograd")
JIT = ("functrans", "jax")


def f(m, x):
    return m.sum(m.sin(x) * x ** 2) + m.dot(x, x) ** 2


def hand_hessian(x):
    """diag(d2/dx2 of sin(x) x^2) + 4|x|^2 I + 8 x x^T."""
    h = 8.0 * np.outer(x, x)
    h[np.diag_indices_from(h)] += 4.0 * (x @ x) - x * x * np.sin(x) + 4.0 * x * np.cos(x) + 2.0 * np.sin(x)
    return h


@numba.njit
def numba_hessian(x):
    n = x.size
    r = 0.0
    for i in range(n):
        r += x[i] * x[i]
    h = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            h[i, j] = 8.0 * x[i] * x[j]
        s, c = np.sin(x[i]), np.cos(x[i])
        h[i, i] += 4.0 * r - x[i] * x[i] * s + 4.0 * x[i] * c + 2.0 * s
    return h


def hand_d4_tanh(x):
    """d^4/dx^4 tanh(x) = 8 t (1 - t^2)(2 - 3 t^2), t = tanh(x)."""
    t = np.tanh(x)
    return 8.0 * t * (1.0 - t * t) * (2.0 - 3.0 * t * t)


numba_d4_tanh = numba.njit(hand_d4_tanh)


def grad4(tk):
    g = lambda x: tk.m.tanh(x)  # noqa: E731
    for _ in range(4):
        g = tk.grad(g)
    return g


def cases(quick):
    n = 20 if quick else 100
    x = np.random.default_rng(0).uniform(-1.0, 1.0, n)
    s = 0.3
    hess = lambda tk: tk.hessian(lambda x: f(tk.m, x))  # noqa: E731
    jit_hess = {**toolkit_systems(lambda tk: tk.jit(hess(tk)), (x,), JIT),
                "numpy": lambda: lambda: hand_hessian(x), "numba": lambda: lambda: numba_hessian(x)}
    jit_d4 = {**toolkit_systems(lambda tk: tk.jit(grad4(tk)), (s,), JIT),
              "numpy": lambda: lambda: hand_d4_tanh(s), "numba": lambda: lambda: numba_d4_tanh(s)}
    return [Case(f"hessian(f) eager, n={n}", lambda: hand_hessian(x), toolkit_systems(hess, (x,), EAGER)),
            Case(f"jit(hessian(f)), n={n}", lambda: hand_hessian(x), jit_hess),
            Case("grad^4(tanh)(0.3) eager", lambda: hand_d4_tanh(s), toolkit_systems(grad4, (s,), EAGER)),
            Case("jit(grad^4(tanh))(0.3)", lambda: hand_d4_tanh(s), jit_d4)]
