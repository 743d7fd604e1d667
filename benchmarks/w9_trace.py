"""W9 trace: a 2,000-op program (`x = tanh(sin(x) * 1.0001 + 0.1)` 500
times, then `sum`), a fresh function object on every call so no cache keyed
on the function helps: `make_jaxpr(f)`, eager `grad(f)(x)`, and the first
call of `jit(grad(f))` (every timed call is a first call), once with the
same program every call and once with a program never seen before."""
import itertools

import numpy as np

from .harness import Case, toolkit_systems

ID, TITLE = "W9", "trace"


def fresh_program(m, repeats, shift=0.1):
    """A new function object each time, as a user's freshly defined f."""
    def f(x):
        for _ in range(repeats):
            x = m.tanh(m.sin(x) * 1.0001 + shift)
        return m.sum(x)
    return f


def hand_grad(x, repeats, shift=0.1):
    """Forward pass storing every x, then the chain rule backwards."""
    xs = [x]
    for _ in range(repeats):
        xs.append(np.tanh(np.sin(xs[-1]) * 1.0001 + shift))
    g = np.ones_like(x)
    for k in range(repeats, 0, -1):
        g = g * (1.0 - xs[k] ** 2) * 1.0001 * np.cos(xs[k - 1])
    return g


def count_tanh(jaxpr) -> int:
    """What the make_jaxpr row checks: the IR holds one tanh per iteration."""
    return str(jaxpr).count("tanh")


def cases(quick):
    repeats = 25 if quick else 500
    x = np.random.default_rng(0).uniform(-1.0, 1.0, 100)

    def make_jaxpr(tk):
        return lambda x: tk.make_jaxpr(fresh_program(tk.m, repeats))(x)

    def eager_grad(tk):
        return lambda x: tk.grad(fresh_program(tk.m, repeats))(x)

    def first_jit_call(tk, base, step):
        # With step > 0 each call's program differs in one constant, so no cache keyed
        # on the program's content can serve it; the checked first call uses `base`.
        counter = itertools.count()
        return lambda x: tk.jit(tk.grad(fresh_program(tk.m, repeats, base + step * next(counter))))(x)
    ops = f"{4 * repeats} ops"
    jit_systems = ("functrans", "jax")
    return [Case(f"make_jaxpr(f), {ops}", lambda: repeats, toolkit_systems(make_jaxpr, (x,), jit_systems),
                 value_of=count_tanh),
            Case(f"grad(f)(x) eager, {ops}", lambda: hand_grad(x, repeats),
                 {**toolkit_systems(eager_grad, (x,)), "numpy": lambda: lambda: hand_grad(x, repeats)}),
            Case(f"first call of jit(grad(f)), same program, {ops}", lambda: hand_grad(x, repeats),
                 toolkit_systems(lambda tk: first_jit_call(tk, 0.1, 0.0), (x,), jit_systems)),
            Case(f"first call of jit(grad(f)), new program, {ops}", lambda: hand_grad(x, repeats, 0.2),
                 toolkit_systems(lambda tk: first_jit_call(tk, 0.2, 1e-12), (x,), jit_systems))]

def notes(results, quick, budget):
    return ["First call of jit(grad(f)): every timed call defines a fresh f. With the same program, a cache "
            "keyed on the program's content may serve the compiled code (functrans keeps kernels by source "
            "hash, so after the first call it traces and transforms but skips numba); with a new program "
            "(one constant differs) every call compiles."]
