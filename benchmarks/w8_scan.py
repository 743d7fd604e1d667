"""W8 scan: `h_{t+1} = tanh(a * h_t + x_t)` over T = 10^5 steps, loss
`sum(h)`, `jit(grad(loss))` with respect to `a`, written with `lax.scan`
(functrans, JAX) or as a Python loop (PyTorch, autograd)."""
import numba
import numpy as np

from .harness import Case, compiled, toolkit_systems

ID, TITLE = "W8", "scan"
A = 0.9


def loss_scan(tk, a, xs):
    def step(h, x):
        h = tk.m.tanh(a * h + x)
        return h, h
    _, hs = tk.scan(step, tk.m.zeros(()), xs)
    return tk.m.sum(hs)


def loss_loop(tk, a, xs):
    h, total = 0.0, 0.0
    for t in range(xs.shape[0]):
        h = tk.m.tanh(a * h + xs[t])
        total = total + h
    return total


def grad_loss(tk):
    loss = loss_scan if tk.scan is not None else loss_loop
    return compiled(tk, tk.grad(lambda a, xs: loss(tk, a, xs)))


def hand_grad(a, xs):
    """Forward pass storing h, then the adjoint recurrence backwards."""
    h = np.empty(xs.size + 1)
    h[0] = 0.0
    for t in range(xs.size):
        h[t + 1] = np.tanh(a * h[t] + xs[t])
    grad, adjoint = 0.0, 0.0
    for t in range(xs.size, 0, -1):
        adjoint += 1.0                        # d sum(h) / d h_t, plus what flows back from h_{t+1}
        pre = adjoint * (1.0 - h[t] * h[t])   # through tanh
        grad += pre * h[t - 1]
        adjoint = pre * a
    return grad


numba_grad = numba.njit(hand_grad)


def cases(quick):
    T = 10**3 if quick else 10**5
    xs = 0.5 * np.random.default_rng(0).normal(size=T)
    systems = toolkit_systems(grad_loss, (A, xs))
    systems["numpy"] = lambda: lambda: hand_grad(A, xs)
    systems["numba"] = lambda: lambda: numba_grad(A, xs)
    return [Case(f"jit(grad(loss)) wrt a, T=10^{int(np.log10(T))}", lambda: hand_grad(A, xs), systems, rtol=1e-8)]
