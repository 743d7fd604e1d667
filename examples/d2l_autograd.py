"""The automatic-differentiation chapter of Dive into Deep Learning, section
by section, in functrans.

PyTorch records operations on tensors flagged `requires_grad` and stores
gradients in `x.grad`; functrans transforms functions instead: `ft.grad(f)`
is a new function that returns the gradient. Each section computes what the
chapter computes, prints it, and checks it against the closed form.

    python examples/d2l_autograd.py [--small]
"""
import argparse
import time

import numpy as np

import functrans as ft
import functrans.numpy as fnp


def check(label, got, expected, closed_form):
    """Print `got` and whether it equals `expected`, the value of the formula
    `closed_form`; stop the example if it does not."""
    ok = np.allclose(got, expected, rtol=1e-10, atol=1e-12)
    value = " ".join(str(np.asarray(got)).split())    # matrices on one line
    print(f"  {label} = {value}   closed form {closed_form}: {'ok' if ok else 'MISMATCH'}")
    if not ok:
        raise AssertionError(f"{label}: got {got}, expected {expected}")


def section(title):
    print(f"\n== {title}")


def simple_example():
    section("1. A simple example: y = 2 x.x")
    # PyTorch: x.requires_grad_(True); y = 2 * torch.dot(x, x); y.backward(); x.grad
    x = np.arange(4.0)
    check("grad(2 x.x) at x = [0 1 2 3]", ft.grad(lambda x: 2 * fnp.dot(x, x))(x), 4 * x, "4x")


def another_function():
    section("2. The gradient of another function: y = sum(x)")
    # PyTorch adds each new gradient into x.grad, so the chapter first calls
    # x.grad.zero_(). ft.grad returns a fresh array on every call and x holds
    # no gradient slot, so there is nothing to accumulate and nothing to reset.
    x = np.arange(4.0)
    check("grad(sum(x))", ft.grad(lambda x: x.sum())(x), np.ones(4), "ones")


def non_scalar_backward(rng):
    section("3. Backward for non-scalar variables: y = x * x")
    # PyTorch: y.backward(v) for a vector y computes v^T (dy/dx), a
    # vector-Jacobian product. ft.vjp returns y and that product as a function.
    x = np.arange(4.0)
    y, vjp_fn = ft.vjp(lambda x: x * x, x)
    (with_ones,) = vjp_fn(np.ones_like(y))
    check("vjp with cotangent ones", with_ones, 2 * x, "2x")
    # The chapter's y.sum().backward(): the same thing, because the gradient
    # of sum(y) is exactly the VJP with a cotangent of ones.
    check("grad(sum(x * x))", ft.grad(lambda x: (x * x).sum())(x), 2 * x, "2x")
    # Other cotangents weight the rows of the Jacobian; vjp_fn can be called
    # again without recomputing y (PyTorch's retain_graph=True).
    v = np.array([1.0, 0.0, -1.0, 0.5])
    check("vjp with cotangent v = [1 0 -1 0.5]", vjp_fn(v)[0], v * 2 * x, "v * 2x")
    # y = x^2 e^x on a random matrix: y.backward(torch.ones(y.size())).
    m = rng.standard_normal((3, 4))
    y, vjp_fn = ft.vjp(lambda x: x ** 2 * fnp.exp(x), m)
    check("d/dx x^2 e^x on a random 3x4 x", vjp_fn(np.ones_like(y))[0], (2 * m + m ** 2) * np.exp(m),
          "2x e^x + x^2 e^x")


def detaching():
    section("4. Detaching computation: z = stop_gradient(x * x) * x")
    # PyTorch: u = y.detach(). stop_gradient gives the same value, seen as a
    # constant by every derivative, so dz/dx = u, not 3 x^2.
    x = np.arange(4.0)

    def z(x):
        u = ft.stop_gradient(x * x)
        return (u * x).sum()
    check("grad(z)", ft.grad(z)(x), x * x, "u = x * x")
    # Detaching u does not change y = x * x itself: it still has its gradient.
    check("grad(sum(x * x))", ft.grad(lambda x: (x * x).sum())(x), 2 * x, "2x")


def f_with_control_flow(a):
    """The chapter's function: its number of loop steps and its branch depend on `a`."""
    b = a * 2
    while fnp.linalg.norm(b) < 1000:
        b = b * 2
    if fnp.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


def python_control_flow(rng):
    section("5. Gradients through Python control flow")
    # grad traces f at the given a, with concrete values, so `while` and `if`
    # see real numbers and the gradient is that of the path actually taken.
    # For every a, f(a) = k * a for some constant k, hence df/da = f(a) / a.
    a = rng.standard_normal(size=())     # the chapter's torch.randn(size=())
    print(f"  a = {a:.4f}, f(a) = {f_with_control_flow(a):.4f}")
    check("grad(f)(a)", ft.grad(f_with_control_flow)(a), f_with_control_flow(a) / a, "f(a) / a")


@ft.custom_vjp
def mul(w, x, b):
    """The chapter's custom autograd Function `Mul`: w * x + b."""
    return w * x + b


def mul_fwd(w, x, b):
    # PyTorch's forward with ctx.save_for_backward(w, x): the residuals are
    # what the backward rule needs from the forward pass.
    return w * x + b, (w, x)


backward_calls = []


def mul_bwd(residuals, g):
    # PyTorch's backward: one cotangent per input. Where PyTorch returns None
    # for an input that needs no gradient, here you just do not ask for it
    # (argnums), and the rule's entry for it goes unused.
    w, x = residuals
    backward_calls.append(g.shape)
    return g * x, g * w, g


mul.defvjp(mul_fwd, mul_bwd)


def custom_rule(rng):
    section("6. A custom gradient rule: the chapter's Mul as custom_vjp")
    w, x, b = rng.standard_normal((3, 4))
    dw, dx, db = ft.grad(lambda w, x, b: mul(w, x, b).sum(), argnums=(0, 1, 2))(w, x, b)
    print(f"  mul_bwd was called {len(backward_calls)} time(s): the rule replaced autodiff")
    check("dz/dw", dw, x, "x")
    check("dz/dx", dx, w, "w")
    check("dz/db", db, np.ones(4), "ones")


def intermediate_gradient(rng):
    section("7. The gradient of an intermediate value: y = x * w, z = sum(y)")
    # PyTorch frees the gradients of non-leaf tensors; the chapter reads dz/dy
    # with torch.autograd.grad(z, y) or a hook on y. In functrans a value has a
    # gradient only as the input of a function, so make y one:
    x, w = np.ones(3), rng.random(3)
    y = x * w
    _, from_y = ft.vjp(lambda y: y.sum(), y)
    check("dz/dy, by vjp from y", from_y(np.float64(1.0))[0], np.ones(3), "ones")

    # Or, without splitting the function: add a zero "probe" to y and
    # differentiate with respect to it. It changes no value, and dz/dprobe is
    # dz/dy, like a hook, while dz/dx comes from the same function.
    def z(x, probe):
        y = x * w + probe
        return y.sum()
    dx, dy = ft.grad(z, argnums=(0, 1))(x, np.zeros(3))
    check("dz/dy, by a zero probe on y", dy, np.ones(3), "ones")
    check("dz/dx", dx, w, "w")


def second_derivatives():
    section("8. Second derivatives")
    # Derivatives are functions again, so they can be differentiated again.
    xs = np.linspace(-3.0, 3.0, 5)
    check("grad(grad(sin)) at x = [-3 -1.5 0 1.5 3]", ft.vmap(ft.grad(ft.grad(fnp.sin)))(xs), -np.sin(xs),
          "-sin(x)")
    check("hessian(2 x.x) at x = [0 1 2]", ft.hessian(lambda x: 2 * fnp.dot(x, x))(np.arange(3.0)),
          4 * np.eye(3), "4 I")


def best_time(fn, *args, repeats=3):
    """Seconds of the fastest of `repeats` calls, after one warm-up call."""
    fn(*args)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def forward_versus_reverse(rng, n):
    section(f"9. Forward versus reverse mode (n = {n})")
    # jacfwd pushes one tangent per input through f, jacrev pulls one
    # cotangent per output back. A loss has n inputs and one output, so
    # reverse mode does one pass where forward mode does n: that is why
    # backpropagation is reverse mode. For a tall f (few inputs, many
    # outputs) the roles swap.
    a = rng.standard_normal((n, n)) / np.sqrt(n)

    def wide(x):   # R^n -> R, a loss
        return fnp.sum(fnp.tanh(a @ x) ** 2)

    def tall(s):   # R^2 -> R^n, a curve
        return fnp.tanh(a[:, :2] @ s)

    x, s = rng.standard_normal(n), rng.standard_normal(2)
    for name, f, arg in [(f"wide R^{n} -> R  ", wide, x), (f"tall R^2 -> R^{n}", tall, s)]:
        fwd, rev = best_time(ft.jacfwd(f), arg), best_time(ft.jacrev(f), arg)
        winner = "reverse" if rev < fwd else "forward"
        print(f"  {name}: jacfwd {fwd * 1e3:8.2f} ms, jacrev {rev * 1e3:8.2f} ms -> {winner} mode wins")
    t = np.tanh(a @ x)
    for name, jac in [("jacrev", ft.jacrev), ("jacfwd", ft.jacfwd)]:
        check(f"{name}(wide)", jac(wide)(x), a.T @ (2 * t * (1 - t ** 2)), "A^T (2t (1 - t^2)), t = tanh(A x)")


def main(small=False):
    """Run every section; `small` shrinks the timing section's size."""
    np.set_printoptions(precision=4, suppress=True, threshold=8)
    rng = np.random.default_rng(0)
    simple_example()
    another_function()
    non_scalar_backward(rng)
    detaching()
    python_control_flow(rng)
    custom_rule(rng)
    intermediate_gradient(rng)
    second_derivatives()
    forward_versus_reverse(rng, n=200 if small else 2000)
    print("\nAll sections match their closed forms.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a fast run with small sizes")
    main(small=parser.parse_args().small)
