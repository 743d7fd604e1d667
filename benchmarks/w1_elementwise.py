"""W1 elementwise: `jit(grad(f))` of a long elementwise chain, n = 10^6 and
10^7, and how close that comes to the memory-bandwidth bound."""
import numba
import numpy as np

from . import report, timing
from .harness import Case, compiled, toolkit_systems

ID, TITLE = "W1", "elementwise"


def program(m, x):
    """The workload, written once against a numpy-like namespace `m`."""
    return m.sum(m.tanh(x) * m.exp(-x * x) + m.sin(x) * m.cos(x) + m.log1p(x * x))


def hand_grad(x):
    """d program / dx, derived by hand, in NumPy."""
    t, e = np.tanh(x), np.exp(-x * x)
    return (1.0 - t * t) * e - 2.0 * x * t * e + np.cos(2.0 * x) + 2.0 * x / (1.0 + x * x)


def grad_loop(x):
    """The same gradient as one fused loop: one read and one write per element."""
    g = np.empty_like(x)
    for i in range(x.size):
        xi = x[i]
        t, e = np.tanh(xi), np.exp(-xi * xi)
        g[i] = (1.0 - t * t) * e - 2.0 * xi * t * e + np.cos(2.0 * xi) + 2.0 * xi / (1.0 + xi * xi)
    return g


numba_grad = numba.njit(grad_loop)


def sizes(quick):
    return (10**4, 10**5) if quick else (10**6, 10**7)


def cases(quick):
    out = []
    for n in sizes(quick):
        x = np.random.default_rng(0).uniform(-2.0, 2.0, n)
        systems = toolkit_systems(lambda tk: compiled(tk, tk.grad(lambda x: program(tk.m, x))), (x,))
        systems["numpy"] = lambda x=x: lambda: hand_grad(x)
        systems["numba"] = lambda x=x: lambda: numba_grad(x)
        out.append(Case(f"jit(grad(f)), n=10^{int(np.log10(n))}", lambda x=x: hand_grad(x), systems))
    return out


def notes(results, quick, budget):
    """The bandwidth bound at the largest n: the gradient must read x and
    write g, 16 bytes per element, which is exactly the traffic of a copy of
    x; a NumPy copy (STREAM "copy") measures what one thread sustains."""
    label, rows = results[-1]
    n = sizes(quick)[-1]
    src, dst = np.random.default_rng(1).random(n), np.empty(n)
    bound = timing.steady(lambda: np.copyto(dst, src), budget).median
    lines = [f"{label}: the gradient reads and writes {16 * n / 1e6:.0f} MB; a STREAM-like copy moves that "
             f"at {16 * n / bound / 1e9:.1f} GB/s, so the memory-bandwidth bound is {report.seconds(bound)}."]
    lines += [f"{row.system}: {report.seconds(row.stats.median)}, {100 * bound / row.stats.median:.2g}% of the bound"
              for row in rows if row.stats is not None]
    return lines
