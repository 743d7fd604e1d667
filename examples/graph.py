"""Seeing the computation graph: the IR of `z = w x + b` and of its backward
pass, exported as Graphviz DOT with `ft.to_dot`.

The chapter draws `z = w x + b` as the graph y = MUL(w, x), z = ADD(y, b),
operators as boxes and variables as ellipses. `ft.make_jaxpr` records exactly
that graph; `ft.to_dot` draws it. The backward pass is a graph too: it is
what `vjp` runs to turn the cotangent g = dL/dz into dL/dw, dL/dx, dL/db.

Writes z.dot and z_backward.dot to --out (default examples/out/), and
renders them to .svg and .png when Graphviz's `dot` program is installed.

    python examples/graph.py [--small] [--out DIR]
"""
import argparse
import inspect
import shutil
import subprocess
from pathlib import Path

import numpy as np

import functrans as ft


def z(w, x, b):
    """The chapter's example: y = w x, then z = y + b."""
    return w * x + b


def z_backward(w, x, b, g):
    """The backward pass of `z` for the cotangent `g`: (dL/dw, dL/dx, dL/db)
    when g = dL/dz. PyTorch runs this graph inside `z.backward(g)`."""
    _, vjp_fn = ft.vjp(z, w, x, b)
    return vjp_fn(g)


def write_graph(fun, args, name, out_dir):
    """Print the IR of `fun` at `args`, write it as `name`.dot, and render
    it when Graphviz is installed. Returns the paths written."""
    closed = ft.make_jaxpr(fun)(*args)
    # The IR names values a, b, c, ... in order; say which argument is which.
    inputs = ", ".join(f"{letter} = {param}" for letter, param in zip("abcd", inspect.signature(fun).parameters))
    print(f"\n{name}: the IR as text (inputs {inputs})")
    print(closed)
    dot_path = out_dir / f"{name}.dot"
    dot_path.write_text(ft.to_dot(closed, name=name))
    written = [dot_path]
    if shutil.which("dot"):
        for fmt in ("svg", "png"):
            target = dot_path.with_suffix("." + fmt)
            subprocess.run(["dot", f"-T{fmt}", str(dot_path), "-o", str(target)], check=True)
            written.append(target)
    print("wrote", ", ".join(str(p) for p in written))
    return written


def main(small=False, out_dir=None):
    """Write both graphs; `small` uses length-1 vectors (the graphs are
    the same, only the shapes in the labels change)."""
    out_dir = Path(out_dir) if out_dir else Path(__file__).parent / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    n = 1 if small else 3
    w, x, b, g = (np.full(n, v) for v in (2.0, 3.0, 1.0, 1.0))
    write_graph(z, (w, x, b), "z", out_dir)
    # Reading the backward graph: dL/dw = g * x and dL/dx = w * g are one
    # mul each (the chain rule through MUL), and dL/db is g itself: ADD
    # passes its cotangent through unchanged, so it costs no operation.
    write_graph(z_backward, (w, x, b, g), "z_backward", out_dir)
    if not shutil.which("dot"):
        print("\nGraphviz's `dot` program was not found, so no SVG/PNG was rendered. Install it\n"
              "(apt-get install graphviz, brew install graphviz, conda install graphviz) or\n"
              "paste the .dot files into any Graphviz viewer.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a fast run with small sizes")
    parser.add_argument("--out", help="where to write the files (default: examples/out/)")
    args = parser.parse_args()
    main(small=args.small, out_dir=args.out)
