"""First calls: every jitted case of W1-W8 in a fresh process with an empty
kernel cache, JAX beside it, and how long functrans takes to reach tier 1.

`python -m benchmarks.first_call [--only W1,W8] [--systems functrans,jax] [--runs 3]`

Each (case, system) runs in its own interpreter: import, build the function
and its arguments, then time the first call. For functrans the child then
waits until every kernel it asked for is in use and reports when that
happened, measured from the start of the first call ("until tier 1"); a
second call then shows what tier 1 costs per call. JAX runs without a
persistent compilation cache, so its first call includes its whole compile.
Medians over `--runs` processes. The table goes to stdout and, with
`--out`, to a Markdown file.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from . import WORKLOADS
from .report import seconds

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = ("functrans", "jax")
# The cases whose first call compiles: label prefixes per workload (W5 is a process benchmark of its own).
JITTED = {"W1": ("jit(grad(f)), n=10^6",), "W2": ("jit(",), "W3": ("jit(",), "W4": ("jit(",),
          "W6": ("200 steps",), "W7": ("jit(",), "W8": ("jit(",)}

# The child: pin threads, import, build, call once, wait for tier 1, call again.
_CHILD = """\
import json, sys, time
sys.path.insert(0, {root!r})
from benchmarks.threads import pin
pin()
import importlib
module = importlib.import_module("benchmarks." + {module!r})
case = next(c for c in module.cases(False) if c.label == {label!r})
start = time.perf_counter()
run = case.systems[{system!r}]()
built = time.perf_counter()
run()
first = time.perf_counter()
out = {{"setup": built - start, "first": first - built}}
if {system!r} == "functrans":
    from functrans.backend import tiers
    ready = tiers.wait_all()
    if not tiers.BUILDER.builds:     # compiled on the first call (a long scan, no warm worker yet)
        ready = first
    out["tier1"] = None if ready is None else max(ready - built, first - built)
    second = time.perf_counter()
    run()
    out["second"] = time.perf_counter() - second
print(json.dumps(out))
"""


def jitted_cases(only) -> list[tuple[str, str, str]]:
    """(workload id, module name, case label) of every jitted case."""
    out = []
    for wid, prefixes in JITTED.items():
        if wid not in only:
            continue
        module = importlib.import_module(f".{WORKLOADS[wid]}", __package__)
        out += [(wid, WORKLOADS[wid], c.label) for c in module.cases(False) if c.label.startswith(prefixes)]
    return out


def child(module: str, label: str, system: str, env: dict) -> dict:
    """One fresh process with its own empty cache; its JSON line."""
    with tempfile.TemporaryDirectory(prefix="functrans-first-call-") as cache:
        script = _CHILD.format(root=str(ROOT), module=module, label=label, system=system)
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                              env={**env, "FUNCTRANS_CACHE_DIR": cache}, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def measure(cases, systems, runs: int, env: dict) -> list[dict]:
    rows = []
    for wid, module, label in cases:
        row = {"workload": wid, "case": label}
        for system in systems:
            print(f"{wid} {label} {system} ...", file=sys.stderr, flush=True)
            results = [child(module, label, system, env) for _ in range(runs)]
            errors = [r["error"] for r in results if "error" in r]
            row[system] = {"error": errors[0]} if errors else {k: median(results, k) for k in results[0]}
        rows.append(row)
    return rows


def _ratio(a, b) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def markdown(rows) -> str:
    lines = ["| workload | case | functrans first call | JAX first call | ratio | functrans until tier 1 "
             "| functrans second call |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        ft, jx = row.get("functrans", {}), row.get("jax", {})
        if "error" in ft:
            lines.append(f"| {row['workload']} | {row['case']} | error: {ft['error'][:80]} | | | | |")
            continue
        jax_first = jx.get("first") if "error" not in jx else None
        lines.append(f"| {row['workload']} | {row['case']} | {seconds(ft.get('first'))} | {seconds(jax_first)} "
                     f"| {_ratio(ft.get('first'), jax_first)} | {seconds(ft.get('tier1')) or 'stays on tier 0'} "
                     f"| {seconds(ft.get('second'))} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.first_call", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=",".join(JITTED), help="comma-separated workload ids")
    p.add_argument("--systems", default=",".join(SYSTEMS))
    p.add_argument("--runs", type=int, default=3, help="fresh processes per (case, system); the median is shown")
    p.add_argument("--out", default="", help="also write the table to this Markdown file")
    args = p.parse_args(argv)
    only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    env = {k: v for k, v in os.environ.items() if k != "FUNCTRANS_JIT_TIERED"}   # the default: tiered
    text = markdown(measure(jitted_cases(only), systems, args.runs, env))
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
