"""W6 linreg: 200 steps of gradient descent on `mean((X @ w + b - y)**2)`,
X 10000x100, with `jit(grad(loss, argnums=(0, 1)))` driven from Python:
one timed call is the whole loop."""
import numpy as np

from .harness import Case, compiled, toolkit_systems

ID, TITLE = "W6", "linreg"
LEARNING_RATE = 0.1


def descend(grad_fn, w, b, steps):
    """The driver loop, the same for every system."""
    for _ in range(steps):
        gw, gb = grad_fn(w, b)
        w, b = w - LEARNING_RATE * gw, b - LEARNING_RATE * gb
    return w, b


def hand_grads(X, y):
    def grads(w, b):
        r = X @ w + b - y
        return 2.0 / y.size * (X.T @ r), 2.0 / y.size * r.sum()
    return grads


def cases(quick):
    rows, cols, steps = (1000, 20, 20) if quick else (10000, 100, 200)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, cols))
    y = X @ rng.normal(size=cols) + 0.5 + 0.1 * rng.normal(size=rows)
    w0, b0 = np.zeros(cols), 0.0

    def build(tk):
        Xn, yn = tk.asarray((X, y))   # closed over, as in the seeds' example
        loss = lambda w, b: tk.m.mean((Xn @ w + b - yn) ** 2)  # noqa: E731
        step = compiled(tk, tk.grad(loss, argnums=(0, 1)))
        return lambda w, b: descend(step, w, b, steps)
    systems = toolkit_systems(build, (w0, b0))
    systems["numpy"] = lambda: lambda: descend(hand_grads(X, y), w0, b0, steps)
    label = f"{steps} steps of jit(grad(loss, argnums=(0, 1))), X {rows}x{cols}"
    return [Case(label, lambda: descend(hand_grads(X, y), w0, b0, steps), systems)]
