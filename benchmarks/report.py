"""The results as Markdown: a summary of ratios, one table per workload, and
the machine they were measured on. The same text is printed and written to
`benchmarks/RESULTS.md`."""
from __future__ import annotations

import datetime
import os
import platform
from importlib import metadata

from .harness import Row

RATIO_PEERS = ("jax", "torch", "autograd", "numpy")   # "best peer"; numba is the limit, apart
TWO_THREADS = "functrans (2 threads)"


def seconds(s: float | None) -> str:
    """1.23 s, 4.56 ms, 7.89 µs, 12 ns."""
    if s is None:
        return ""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def machine() -> list[str]:
    """CPU model, cores, versions, date."""
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = []
    for dist in ("functrans", "numpy", "numba", "scipy", "jax", "jaxlib", "torch", "autograd"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} not installed")
    return [f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            f"- Machine: {model}, {os.cpu_count()} logical cores ({len(os.sched_getaffinity(0))} usable), "
            f"{platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}; " + ", ".join(versions)]


def _cell(row: Row | None) -> str:
    if row is None:
        return "-"
    return seconds(row.stats.median) if row.stats else row.status


def _ratio(a: Row | None, b: Row | None) -> str:
    if a is None or b is None or a.stats is None or b.stats is None:
        return "-"
    return f"{a.stats.median / b.stats.median:.2f}"


def summary(results) -> list[str]:
    """One line per case: functrans against the best peer and the numba limit."""
    lines = ["| workload | case | functrans | functrans / best peer | best peer | functrans / numba limit "
             "| numba limit | functrans, 2 threads |", "|---|---|---|---|---|---|---|---|"]
    for result in results:
        for label, rows in result.cases:
            by = {r.system: r for r in rows}
            timed = [r for r in rows if r.system in RATIO_PEERS and r.stats]
            best = min(timed, key=lambda r: r.stats.median, default=None)
            best_cell = f"{seconds(best.stats.median)} ({best.system})" if best else "-"
            ft, numba = by.get("functrans"), by.get("numba")
            lines.append(f"| {result.id} {result.title} | {label} | {_cell(ft)} | {_ratio(ft, best)} | {best_cell} "
                         f"| {_ratio(ft, numba)} | {_cell(numba)} | {_cell(by.get(TWO_THREADS))} |")
    return lines


def details(result) -> list[str]:
    """Every system on every case of one workload, with its notes."""
    lines = [f"### {result.id} {result.title}", "",
             "| case | system | median | min | max | calls | first call | max rel diff | note |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, rows in result.cases:
        for r in rows:
            s = r.stats
            note = "; ".join(filter(None, [r.note] + [f"{k} {seconds(v)}" for k, v in (s.extra if s else {}).items()]))
            status = "" if r.status == "ok" else f"**{r.status}** "
            diff = "" if r.diff is None else f"{r.diff:.1e}"
            lines.append(f"| {label} | {r.system} | {seconds(s.median) if s else ''} | {seconds(s.min) if s else ''} "
                         f"| {seconds(s.max) if s else ''} | {s.calls if s else ''} | {seconds(r.first)} | {diff} "
                         f"| {status}{note} |")
    lines += [""] + [f"- {n}" for n in result.notes]
    return lines


def check_line(results) -> str:
    """Whether every system that ran agreed with the reference."""
    rows = [r for res in results for _, rs in res.cases for r in rs]
    checked = [r for r in rows if r.diff is not None]
    errors = [r for r in rows if r.status == "error"]
    worst = max((r.diff for r in checked if r.status == "ok"), default=0.0)
    verdict = "values check passed" if not errors else f"values check FAILED ({len(errors)} errors)"
    return (f"{verdict}: {len(checked) - len(errors)} of {len(checked)} results agree with the NumPy "
            f"reference, worst max rel diff {worst:.1e}")


def header(command: str, loads, warnings) -> list[str]:
    """How the numbers were obtained: command, machine load, thread settings."""
    return [f"Command: `{command}`",
            f"Load average (1 min) before / after: {loads[0]:.2f} / {loads[1]:.2f} on a machine shared "
            "with other work: a high load means noisy times.",
            "",
            "Every system runs on one thread for the ratio columns (numba's workqueue layer, NPROC=1 for JAX, "
            "torch.set_num_threads(1), OMP/MKL/OPENBLAS_NUM_THREADS=1); the last column is functrans with "
            "NUMBA_NUM_THREADS=2 in its own process. Times are medians of steady-state calls; the first call "
            "(tracing and compilation, cold cache) is its own column. 'numpy' is NumPy with a hand-derived "
            "gradient, 'numba' a hand-written numba.njit kernel: the practical limit. Best peer: the fastest "
            "of " + ", ".join(RATIO_PEERS) + "."] + [f"Warning: {w}" for w in warnings]


def markdown(results, header: list[str]) -> str:
    parts = ["# functrans benchmarks", ""] + header + [""] + machine() + ["", "## Summary", "",
             check_line(results), ""] + summary(results) + ["", "## Details", ""]
    for result in results:
        parts += details(result) + [""]
    return "\n".join(parts)
