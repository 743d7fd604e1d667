"""Run one case of a workload on every system: check values, then time.

A `Case` is one row of the table (say "W1 jit(grad(f)), n=10^6"): a NumPy
reference and, per system, a `setup()` that returns a zero-argument `run`.
`run_case` first calls every system once (that call's time is the
first-call column) and compares its result with the reference; only the
systems that agree are timed. A disagreement is an error row, and
`python -m benchmarks` exits non-zero on it.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import timing
from .toolkits import PEERS, Missing, NotYetSupported, load

SYSTEMS = ("functrans",) + PEERS + ("numpy", "numba")


@dataclass
class Case:
    """One row of a workload's table; see the module docstring."""
    label: str
    reference: Callable[[], Any]
    systems: dict[str, Callable[[], Callable[[], Any]]]
    value_of: Callable[[Any], Any] = lambda result: result   # what the check compares
    rtol: float = 1e-9
    first_call: bool = True    # False: the timer reports first calls itself (W5's processes)
    timer: Callable[..., timing.Stats] = timing.steady


@dataclass
class Row:
    """One system's outcome on one case."""
    system: str
    status: str = "ok"           # ok | skipped | not yet supported | error
    note: str = ""
    first: float | None = None   # seconds of the first call (includes compilation)
    diff: float | None = None    # max relative difference from the reference
    stats: timing.Stats | None = None


def toolkit_systems(build: Callable, args: tuple, names=SYSTEMS) -> dict:
    """setup() per toolkit system in `names`: `build(toolkit)` gives the
    function to time, called on `args` converted to the system's arrays."""
    def setup_for(name):
        def setup():
            tk = load(name)
            fn = build(tk)
            native = tk.asarray(args)
            return lambda: tk.block(fn(*native))
        return setup
    return {n: setup_for(n) for n in names if n in ("functrans",) + PEERS}


def compiled(tk, fun):
    """`tk.jit(fun)`, or `fun` itself for a system that only runs eagerly."""
    return tk.jit(fun) if tk.jit is not None else fun


def run_case(case: Case, names, budget: timing.Budget) -> list[Row]:
    """Check every system in `names` against the reference, then time those that agree."""
    want = leaves(case.reference())
    rows, ready = [], []
    for name in names:
        setup = case.systems.get(name)
        if setup is None:
            continue
        row = Row(name)
        rows.append(row)
        try:
            run = setup()
            first, result = timing.first_call(run)
            row.first = first if case.first_call else None
            row.diff = max_rel_diff(leaves(case.value_of(result)), want)
        except Missing as e:
            row.status, row.note = "skipped", str(e)
            continue
        except (NotYetSupported, NotImplementedError) as e:   # functrans.errors.UnsupportedError included
            row.status, row.note = "not yet supported", f"{type(e).__name__}: {e}"
            continue
        except Exception as e:   # a crash is a result to report, not a reason to stop the run
            row.status, row.note = "error", _describe(e)
            continue
        if not row.diff <= case.rtol:
            row.status, row.note = "error", f"values differ from the reference: max rel diff {row.diff:.2e}"
            continue
        ready.append((row, run))
    for row, run in ready:
        row.stats = case.timer(run, budget)
    return rows


def leaves(tree) -> list[np.ndarray]:
    """The arrays of a result (tuples, lists, dicts, torch tensors, jax arrays) as float64 NumPy."""
    if isinstance(tree, (tuple, list)):
        return [a for t in tree for a in leaves(t)]
    if isinstance(tree, dict):
        return [a for k in sorted(tree) for a in leaves(tree[k])]
    if hasattr(tree, "detach"):   # a torch tensor
        tree = tree.detach().numpy()
    return [np.asarray(tree, dtype=np.float64)]


def max_rel_diff(got: list[np.ndarray], want: list[np.ndarray]) -> float:
    """max |got - want| / max |want| over all leaves; raises on a structure mismatch."""
    if len(got) != len(want):
        raise ValueError(f"result has {len(got)} arrays, the reference {len(want)}")
    worst = 0.0
    for g, w in zip(got, want):
        if g.shape != w.shape:
            raise ValueError(f"result shape {g.shape}, reference shape {w.shape}")
        scale = max(float(np.max(np.abs(w), initial=0.0)), np.finfo(np.float64).tiny)
        err = float(np.max(np.abs(g - w), initial=0.0)) / scale
        worst = max(worst, err if np.isfinite(err) else np.inf)
    return worst


def _describe(e: Exception) -> str:
    where = traceback.extract_tb(e.__traceback__)[-1]
    return f"{type(e).__name__}: {str(e)[:200]} (at {where.filename.split('/')[-1]}:{where.lineno})"
