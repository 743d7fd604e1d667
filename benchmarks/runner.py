"""Run the selected workloads, add the 2-thread functrans row from a
subprocess, print and write the report. `__main__` pins threads, then
calls `main`."""
from __future__ import annotations

import argparse
import atexit
import dataclasses
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import WORKLOADS, report, timing
from .harness import SYSTEMS, Row, run_case

RESULTS = Path(__file__).with_name("RESULTS.md")


@dataclass
class Result:
    """One workload's rows: [(case label, [Row per system])], plus notes."""
    id: str
    title: str
    cases: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes and short timing (seconds, not minutes)")
    p.add_argument("--only", default=",".join(WORKLOADS), help="comma-separated workload ids, e.g. W1,W4")
    p.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {','.join(SYSTEMS)}")
    p.add_argument("--threads", type=int, default=1, help="NUMBA_NUM_THREADS for this process")
    p.add_argument("--no-threads2", action="store_true", help="skip the functrans 2-thread subprocess")
    p.add_argument("--out", default=None,
                   help="Markdown file to write ('' for none); default RESULTS.md for a full run, none otherwise")
    p.add_argument("--json", default="", help="also write the rows as JSON here (used for the 2-thread run)")
    args = p.parse_args(argv)
    args.only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [w for w in args.only if w not in WORKLOADS] + [s for s in args.systems if s not in SYSTEMS]
    if unknown:
        p.error(f"unknown workload or system: {', '.join(unknown)}")
    if args.out is None:    # a partial or quick run must not replace the full results
        full = set(args.only) == set(WORKLOADS) and set(args.systems) == set(SYSTEMS) and not args.quick
        args.out = str(RESULTS) if full else ""
    return args


def run_workload(wid, systems, quick) -> Result:
    module = importlib.import_module(f".{WORKLOADS[wid]}", __package__)
    budget = timing.Budget.quick() if quick else timing.Budget()
    result = Result(module.ID, module.TITLE)
    for case in module.cases(quick):
        print(f"{wid} {case.label} ...", file=sys.stderr, flush=True)
        result.cases.append((case.label, run_case(case, systems, budget)))
    if hasattr(module, "notes"):
        result.notes = module.notes(result.cases, quick, budget)
    return result


def extra_sections(path: Path) -> str:
    """The `## Extra: ...` sections of an existing results file (written by
    other scripts, e.g. benchmarks/linalg_grad.py), which a new run keeps."""
    old = path.read_text() if path.exists() else ""
    start = old.find("\n## Extra:")
    return "\n" + old[start + 1:] if start >= 0 else ""


def two_thread_rows(args, results) -> list[str]:
    """Re-run functrans alone with NUMBA_NUM_THREADS=2 in a fresh process
    (thread counts are fixed at import) and add its rows; warnings if it failed."""
    ids = [r.id for r in results if r.id != "W5"]   # W5 measures process start-up, not threads
    if not ids:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, "-m", "benchmarks", "--only", ",".join(ids), "--systems", "functrans",
               "--threads", "2", "--no-threads2", "--out", "", "--json", str(out)] + (["--quick"] if args.quick else [])
        print("2-thread functrans run ...", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL)
        if not out.exists():
            return [f"the 2-thread functrans run failed (exit {proc.returncode}); its column is empty"]
        extra = json.loads(out.read_text())
    for result in results:
        for label, rows in result.cases:
            for d in extra.get(result.id, {}).get(label, []):
                stats = d.pop("stats")
                rows.append(Row(**{**d, "system": report.TWO_THREADS},
                                stats=timing.Stats(**stats) if stats else None))
    return []


def main(argv=None, warnings=()) -> int:
    args = parse(argv)
    # A fresh on-disk kernel cache: first-call columns mean a cold compile (W5 measures the warm cache).
    os.environ["FUNCTRANS_CACHE_DIR"] = cache = tempfile.mkdtemp(prefix="functrans-bench-cache-")
    atexit.register(shutil.rmtree, cache, True)
    load = os.getloadavg()
    results = [run_workload(w, args.systems, args.quick) for w in args.only]
    if args.json:
        Path(args.json).write_text(json.dumps(
            {r.id: {label: [dataclasses.asdict(row) for row in rows] for label, rows in r.cases} for r in results}))
    warnings = list(warnings)
    if not args.no_threads2 and "functrans" in args.systems:
        warnings += two_thread_rows(args, results)
    command = " ".join(["python -m benchmarks"] + list(argv if argv is not None else sys.argv[1:]))
    header = report.header(command, (load[0], os.getloadavg()[0]), warnings)
    text = report.markdown(results, header)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n" + extra_sections(Path(args.out)))
    failed = any(r.status == "error" for res in results for _, rows in res.cases for r in rows)
    return 1 if failed else 0
