"""Paired A/B of functrans between two checkouts, on a shared machine:
`python -m benchmarks.ab A_DIR B_DIR [--only W1,W4] [--rounds 5] [--quick]`.

Each round runs the workloads once per checkout, in fresh processes, in
alternating order (so slow drift in the machine's load hits both alike);
the table gives, per case, the median over rounds of each side's median
and the ratio B / A. The checkouts share a kernel cache directory, so
compile times do not enter either side.
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


def run_side(checkout, only, quick, cache_dir) -> dict:
    """{(workload, case): median seconds} of functrans in `checkout`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        env = {**os.environ, "PYTHONPATH": str(checkout), "FUNCTRANS_CACHE_DIR": cache_dir}
        cmd = [sys.executable, "-m", "benchmarks", "--only", only, "--systems", "functrans", "--no-threads2",
               "--out", "", "--json", str(out)] + (["--quick"] if quick else [])
        subprocess.run(cmd, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        rows = json.loads(out.read_text())
    return {(wid, label): row["stats"]["median"] for wid, cases in rows.items()
            for label, systems in cases.items() for row in systems if row["status"] == "ok"}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__)
    p.add_argument("a", help="checkout A (the baseline)")
    p.add_argument("b", help="checkout B")
    p.add_argument("--only", default="W1,W4")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    sides = {"A": Path(args.a).resolve(), "B": Path(args.b).resolve()}
    samples = {"A": [], "B": []}
    with tempfile.TemporaryDirectory() as cache_dir:
        for side in sides:             # warm-up: fills the shared kernel cache
            run_side(sides[side], args.only, True, cache_dir)
        for r in range(args.rounds):
            for side in (("A", "B") if r % 2 == 0 else ("B", "A")):
                samples[side].append(run_side(sides[side], args.only, args.quick, cache_dir))
                print(f"round {r + 1}/{args.rounds}: {side} done", file=sys.stderr, flush=True)
    print(f"| case | A: {sides['A']} | B: {sides['B']} | B / A |\n|---|---|---|---|")
    for key in samples["A"][0]:
        a = statistics.median(s[key] for s in samples["A"])
        b = statistics.median(s[key] for s in samples["B"])
        print(f"| {key[0]} {key[1]} | {a * 1e6:.3f} µs | {b * 1e6:.3f} µs | {b / a:.3f} |")


if __name__ == "__main__":
    main()
