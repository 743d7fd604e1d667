"""Linear-algebra gradients (issue 17's extra table): `jit(grad)` of
f(A) = slogdet(A)[1] and of f(A, b) = sum(solve(A, b)) at n = 200, against
NumPy's hand-written gradients and JAX; and the compile time of one linalg
kernel.

`python -m benchmarks.linalg_grad [--quick] [--runs 3] [--out benchmarks/RESULTS.md]`

The hand-written gradients: d logdet / dA = inv(A)^T; for solve, with
x = solve(A, b), g_b = solve(A^T, 1) and g_A = -outer(g_b, x). Steady-state
medians come from the shared timer (`timing.steady`), on one thread, with
jit untiered so that the kernel (tier 1) is what is timed, as in
`python -m benchmarks`. The compile time is the first call of
jit(grad(logdet)) in a fresh interpreter with an empty kernel cache (and,
in the "cold" row, an empty numba cache too, so that the LAPACK cfuncs of
backend/linalg_kernels.py are compiled as well), split into the seconds
numba spent compiling (numba's own compile events, nested ones counted
once) and the rest (import, tracing, transforms, rendering). Medians over
`--runs` processes. With `--out`, the table replaces its section of that
file (or is appended).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .threads import pin

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Extra: linear-algebra gradients (issue 17)"
SYSTEMS = ("functrans", "jax", "numpy")


def problem(n: int):
    """A well-conditioned A (n x n) and b (n,)."""
    import numpy as np
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, n)) + np.sqrt(n) * np.eye(n), rng.standard_normal(n)


def hand_logdet_grad(A):
    import numpy as np
    return np.linalg.inv(A).T


def hand_solve_grads(A, b):
    import numpy as np
    x = np.linalg.solve(A, b)
    g_b = np.linalg.solve(A.T, np.ones_like(b))
    return -np.outer(g_b, x), g_b


def cases(quick):
    """The two rows, in the harness's form (a `Case` per function)."""
    from .harness import Case, compiled, toolkit_systems
    n = 40 if quick else 200
    A, b = problem(n)

    def logdet_build(tk):
        return compiled(tk, tk.grad(lambda A: tk.m.linalg.slogdet(A)[1]))

    def solve_build(tk):
        return compiled(tk, tk.grad(lambda A, b: tk.m.sum(tk.m.linalg.solve(A, b)), argnums=(0, 1)))
    logdet = toolkit_systems(logdet_build, (A,), names=SYSTEMS)
    logdet["numpy"] = lambda: lambda: hand_logdet_grad(A)
    solve = toolkit_systems(solve_build, (A, b), names=SYSTEMS)
    solve["numpy"] = lambda: lambda: hand_solve_grads(A, b)
    return [Case(f"jit(grad(slogdet(A)[1])), n={n}", lambda: hand_logdet_grad(A), logdet, rtol=1e-8),
            Case(f"jit(grad(sum(solve(A, b)), argnums=(0, 1))), n={n}", lambda: hand_solve_grads(A, b), solve,
                 rtol=1e-8)]


# The child of the compile-time rows: one first call, numba's compile events recorded.
_CHILD = """\
import json, sys, time
sys.path.insert(0, {root!r})
from benchmarks.threads import pin
pin()
start = time.perf_counter()
import numpy as np
from numba.core import event
recording = event.install_recorder("numba:compile")     # held: collected, it would stop recording
recorder = recording.__enter__()
import functrans as ft
import functrans.numpy as fnp
from benchmarks.linalg_grad import problem
A, _ = problem({n})
f = ft.jit(ft.grad(lambda A: fnp.linalg.slogdet(A)[1]))
ready, cpu = time.perf_counter(), time.process_time()
f(A)
first, cpu = time.perf_counter(), time.process_time() - cpu
spans, opened = [], {{}}
for stamp, ev in recorder.buffer:
    if ev.is_start:
        opened.setdefault(id(ev.data), []).append(stamp)
    else:
        spans.append((opened[id(ev.data)].pop(), stamp))
numba_seconds, end = 0.0, float("-inf")
for lo, hi in sorted(spans):      # nested compiles (callees) count once
    if hi > end:
        numba_seconds += hi - max(lo, end)
        end = hi
print(json.dumps({{"first": first - ready, "cpu": cpu, "numba": numba_seconds, "compiles": len(spans),
                  "import": ready - start}}))
"""


def compile_run(n: int, cold_numba: bool) -> dict:
    """One fresh interpreter: the first call of jit(grad(logdet)), untiered."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FUNCTRANS_CACHE_DIR": str(Path(tmp) / "kernels"), "FUNCTRANS_JIT_TIERED": "0",
               "PYTHONPATH": str(ROOT)}
        if cold_numba:
            env["NUMBA_CACHE_DIR"] = str(Path(tmp) / "numba")
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), n=n)], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])


def compile_rows(n: int, runs: int) -> list[dict]:
    rows = []
    for cold in (True, False):
        compile_run(n, cold_numba=False)    # fills numba's own cache for the warm row (and warms the disk)
        samples = [compile_run(n, cold) for _ in range(runs)]
        rows.append({"caches": "kernel and numba caches empty" if cold else "kernel cache empty, LAPACK cfuncs cached",
                     **{k: statistics.median(s[k] for s in samples) for k in samples[0]}})
    return rows


def markdown(results, compiles, n, runs, quick) -> str:
    from .report import machine, seconds
    lines = [SECTION, "",
             f"Command: `python -m benchmarks.linalg_grad{' --quick' if quick else ''} --runs {runs}`. "
             "One thread; medians of steady-state calls (first call, including compilation, in its own column). "
             "'numpy' is the hand-written gradient: inv(A)^T; x = solve(A, b), g_b = solve(A^T, 1), "
             "g_A = -outer(g_b, x).", "", *machine(),
             f"- Load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores shared with other "
             "work: a high load inflates wall times.", "",
             "| case | system | median | min | max | first call | functrans / system | max rel diff |",
             "|---|---|---|---|---|---|---|---|"]
    for label, rows in results:
        ours = next((r for r in rows if r.system == "functrans" and r.stats), None)
        for r in rows:
            if r.stats is None:
                lines.append(f"| {label} | {r.system} | - | - | - | - | - | {r.status}: {r.note} |")
                continue
            ratio = f"{ours.stats.median / r.stats.median:.2f}" if ours else "-"
            lines.append(f"| {label} | {r.system} | {seconds(r.stats.median)} | {seconds(r.stats.min)} | "
                         f"{seconds(r.stats.max)} | {seconds(r.first)} | {ratio} | {r.diff:.1e} |")
    lines += ["", f"Compile time of one linalg kernel: the first call of jit(grad(slogdet(A)[1])), n={n}, in a fresh "
              f"process (untiered), medians of {runs} processes. 'in numba' is the time inside numba's compiler "
              "(the kernel and, when not cached, the LAPACK cfuncs it calls); the rest of the first call is "
              "tracing, differentiation, simplification, rendering and loading. On a shared machine the wall "
              "times include waiting for a core; the CPU time does not.", "",
              "| caches | first call | its CPU time | in numba | numba compiles | rest | import functrans + numba |",
              "|---|---|---|---|---|---|---|"]
    for c in compiles:
        lines.append(f"| {c['caches']} | {seconds(c['first'])} | {seconds(c['cpu'])} | {seconds(c['numba'])} | "
                     f"{c['compiles']:.0f} | {seconds(c['first'] - c['numba'])} | {seconds(c['import'])} |")
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str):
    """Replace this benchmark's section of `path` (up to the next `## `), or append it."""
    old = path.read_text() if path.exists() else ""
    start = old.find(SECTION)
    if start < 0:
        path.write_text(old.rstrip("\n") + "\n\n" + text)
        return
    end = old.find("\n## ", start + len(SECTION))
    path.write_text(old[:start] + text + ("\n" + old[end + 1:] if end >= 0 else ""))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.linalg_grad", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="n=40 and short timing")
    p.add_argument("--runs", type=int, default=3, help="fresh processes per compile-time row")
    p.add_argument("--out", default="", help="Markdown file whose section to replace (e.g. benchmarks/RESULTS.md)")
    args = p.parse_args(argv)
    pin()
    os.environ["FUNCTRANS_JIT_TIERED"] = "0"
    from . import timing
    from .harness import run_case
    budget = timing.Budget.quick() if args.quick else timing.Budget()
    results = []
    for case in cases(args.quick):
        print(f"{case.label} ...", file=sys.stderr, flush=True)
        results.append((case.label, run_case(case, SYSTEMS, budget)))
    n = 40 if args.quick else 200
    print("compile time ...", file=sys.stderr, flush=True)
    text = markdown(results, compile_rows(n, args.runs), n, args.runs, args.quick)
    print(text)
    if args.out:
        write_section(Path(args.out), text)
    return 1 if any(r.status == "error" for _, rows in results for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
