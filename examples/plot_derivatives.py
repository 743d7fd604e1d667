"""Plotting functions and their derivatives, as the calculus section of Dive
into Deep Learning does, with every derivative computed by functrans:

- sin.png: f(x) = sin(x) and its derivative `vmap(grad(f))(x)`, one
  derivative per grid point in a single batched call (no `cos` involved);
- tangent.png: f(x) = 3x^2 - 4x and its tangent line at x = 1, whose slope
  is `grad(f)(1.0)`.

Needs matplotlib (`pip install -e ".[plot]"`). Without it the derivatives
are still computed and checked, then the example prints how to install
matplotlib and exits with status 1, since the plots it was asked for were
not made.

    python examples/plot_derivatives.py [--small] [--out DIR]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

import functrans as ft
import functrans.numpy as fnp


def f_quadratic(x):
    """The chapter's example function."""
    return 3 * x ** 2 - 4 * x


def derivative_of_sin(xs):
    """d/dx sin at every point of `xs`: grad handles one scalar, vmap maps it
    over the grid."""
    return ft.vmap(ft.grad(fnp.sin))(xs)


def tangent_line(f, x0):
    """(slope, intercept) of the tangent of `f` at `x0`."""
    slope = float(ft.grad(f)(x0))
    return slope, float(f(x0)) - slope * x0


def line_text(slope, intercept):
    """'y = 2x - 3' for slope 2 and intercept -3."""
    return f"y = {slope:g}x {'-' if intercept < 0 else '+'} {abs(intercept):g}"


def plot(out_dir, xs, curves, xlabel, filename, dpi):
    """Draw `curves` ({label: ys}) over `xs` into out_dir/filename."""
    import matplotlib
    matplotlib.use("Agg")    # draw to files; no window, no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.4), layout="constrained")
    for (label, ys), style in zip(curves.items(), ["-", "m--", "g-."]):
        ax.plot(xs, ys, style, label=label)
    ax.set_xlabel(xlabel)
    ax.grid(True)
    fig.legend(loc="outside upper center", ncol=len(curves))
    path = out_dir / filename
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    print("wrote", path)
    return path


def main(small=False, out_dir=None):
    """Compute and check the derivatives, then plot them. Returns the exit
    status: 0, or 1 when matplotlib is missing."""
    xs = np.linspace(-2 * np.pi, 2 * np.pi, 50 if small else 400)
    d_sin = derivative_of_sin(xs)
    print(f"vmap(grad(sin)) on {len(xs)} points: max |d_sin - cos| = {np.abs(d_sin - np.cos(xs)).max():.1e}")
    slope, intercept = tangent_line(f_quadratic, 1.0)
    print(f"tangent of 3x^2 - 4x at x = 1: {line_text(slope, intercept)}   (closed form: y = 2x - 3)")
    assert np.allclose(d_sin, np.cos(xs)) and (slope, intercept) == (2.0, -3.0)

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print('matplotlib is not installed, so no plot was drawn. Install it with\n'
              '    pip install -e ".[plot]"\n'
              'from the root of the functrans clone, then run this example again.')
        return 1
    out_dir = Path(out_dir) if out_dir else Path(__file__).parent / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    dpi = 50 if small else 150
    plot(out_dir, xs, {"f(x) = sin(x)": np.sin(xs), "vmap(grad(f))(x)": d_sin}, "x", "sin.png", dpi)
    grid = np.arange(0.0, 3.0, 0.1)
    plot(out_dir, grid, {"f(x) = 3x^2 - 4x": f_quadratic(grid),
                         f"tangent at x = 1: {line_text(slope, intercept)}": slope * grid + intercept},
         "x", "tangent.png", dpi)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a fast run with small sizes")
    parser.add_argument("--out", help="where to write the PNG files (default: examples/out/)")
    args = parser.parse_args()
    sys.exit(main(small=args.small, out_dir=args.out))
