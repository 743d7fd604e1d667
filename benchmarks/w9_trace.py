"""W9 trace: a 2,000-op program (`x = tanh(sin(x) * 1.0001 + 0.1)` 500
times, then `sum`), a fresh function object on every call so no cache keyed
on the function helps: `make_jaxpr(f)`, eager `grad(f)(x)`, and the first
call of `jit(grad(f))` (every timed call is a first call)."""
import numpy as np

from .harness import Case, toolkit_systems

ID, TITLE = "W9", "trace"


def fresh_program(m, repeats):
    """A new function object each time, as a user's freshly defined f."""
    def f(x):
        for _ in range(repeats):
            x = m.tanh(m.sin(x) * 1.0001 + 0.1)
        return m.sum(x)
    return f


def hand_grad(x, repeats):
    """Forward pass storing every x, then the chain rule backwards."""
    xs = [x]
    for _ in range(repeats):
        xs.append(np.tanh(np.sin(xs[-1]) * 1.0001 + 0.1))
    g = np.ones_like(x)
    for k in range(repeats, 0, -1):
        g = g * (1.0 - xs[k] ** 2) * 1.0001 * np.cos(xs[k - 1])
    return g


def count_tanh(jaxpr) -> int:
    """What the make_jaxpr row checks: the IR holds one tanh per iteration."""
    return str(jaxpr).count("tanh")


def cases(quick):
    repeats = 50 if quick else 500
    x = np.random.default_rng(0).uniform(-1.0, 1.0, 100)

    def make_jaxpr(tk):
        return lambda x: tk.make_jaxpr(fresh_program(tk.m, repeats))(x)

    def eager_grad(tk):
        return lambda x: tk.grad(fresh_program(tk.m, repeats))(x)

    def first_jit_call(tk):
        return lambda x: tk.jit(tk.grad(fresh_program(tk.m, repeats)))(x)
    ops = f"{4 * repeats} ops"
    return [Case(f"make_jaxpr(f), {ops}", lambda: repeats, toolkit_systems(make_jaxpr, (x,), ("functrans", "jax")),
                 value_of=count_tanh),
            Case(f"grad(f)(x) eager, {ops}", lambda: hand_grad(x, repeats),
                 {**toolkit_systems(eager_grad, (x,)), "numpy": lambda: lambda: hand_grad(x, repeats)}),
            Case(f"first call of jit(grad(f)), {ops}", lambda: hand_grad(x, repeats),
                 toolkit_systems(first_jit_call, (x,), ("functrans", "jax")))]


def notes(results, quick, budget):
    return ["First call of jit(grad(f)): the first-call column is the very first compile of the program; "
            "the median is a fresh f on every call, so it measures tracing, transformation and whatever "
            "compilation a cache keyed on the program's content does not save (functrans keeps compiled "
            "kernels by source hash, so from the second call on it skips numba)."]
