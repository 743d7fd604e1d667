"""The functrans tour in twenty lines: trace, differentiate, look at the IR.

    python examples/quickstart.py
"""
import argparse

import numpy as np

import functrans as ft
import functrans.numpy as fnp


def f(x):
    return fnp.sum(fnp.tanh(x) ** 2)


def main(small=False):
    """Print the tour. `small` is accepted as by every example; the tour is
    already small."""
    x = np.linspace(-1.0, 1.0, 5)
    print("The traced IR of f:")
    print(ft.make_jaxpr(f)(x))
    print("\nThe IR of grad(f), rewritten from it:")
    print(ft.make_jaxpr(ft.grad(f))(x))
    print("\ngrad(f)(x)        =", ft.grad(f)(x))
    print("closed form       =", 2 * np.tanh(x) * (1 - np.tanh(x) ** 2))
    d2 = ft.grad(ft.grad(fnp.sin))(1.0)
    print("\nd^2/dx^2 sin(1.0) =", d2, " (-sin(1.0) =", -np.sin(1.0), ")")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a fast run (the same run here)")
    main(small=parser.parse_args().small)
