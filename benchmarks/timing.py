"""The one timer every workload uses.

A measurement has two parts that are never mixed: the first call (which
includes tracing and compilation for the systems that compile) and the
steady state (median, min and max seconds per call after warm-up). Calls
far shorter than the clock's resolution are timed in batches, like `timeit`.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Budget:
    """How long to measure one system on one case."""
    seconds: float = 1.0     # keep sampling until this much time is spent ...
    max_samples: int = 1000  # ... or this many samples are taken
    min_samples: int = 3     # but never fewer than this (slow calls)
    warmup: float = 0.1      # seconds of untimed calls after the first call
    batch_seconds: float = 1e-3   # a sample lasts at least this long

    @classmethod
    def quick(cls) -> "Budget":
        return cls(seconds=0.05, max_samples=50, min_samples=1, warmup=0.0, batch_seconds=2e-4)


@dataclass(frozen=True)
class Stats:
    """Steady-state seconds per call, and how they were obtained."""
    median: float
    min: float
    max: float
    calls: int
    extra: dict = field(default_factory=dict)   # workload-specific numbers (W5: import time)


def first_call(run):
    """(seconds, result) of the very first call of `run`."""
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def steady(run, budget: Budget) -> Stats:
    """Median/min/max seconds per call of `run` after warm-up.

    >>> steady(lambda: sum(range(100)), Budget.quick()).median < 1e-3
    True
    """
    per_call = _warm_up(run, budget.warmup)
    batch = max(1, int(budget.batch_seconds / max(per_call, 1e-9)))
    samples = []
    deadline = time.perf_counter() + budget.seconds
    while len(samples) < budget.min_samples or (
            len(samples) < budget.max_samples and time.perf_counter() < deadline):
        start = time.perf_counter()
        for _ in range(batch):
            run()
        samples.append((time.perf_counter() - start) / batch)
    return Stats(statistics.median(samples), min(samples), max(samples), len(samples) * batch)


def _warm_up(run, seconds: float) -> float:
    """Call `run` for about `seconds` (at least once); the mean seconds per call,
    which sizes the batches (a mean, so one preempted call cannot skew it)."""
    calls, start = 0, time.perf_counter()
    while True:
        run()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / calls
