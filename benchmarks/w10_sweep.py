"""W10 sweep: a batch of independent fits (a logistic regression per group,
gradient descent with `jit(grad(loss))`), in 1 process, on a 2-process pool
(concurrent.futures, spawn) and on a 2-worker dask.distributed LocalCluster
when it is installed. One timed call is the whole batch; an executor stays
up between calls, so its start-up (processes, imports, tracing, kernels) is
in the first-call column. Each executor starts on a cold kernel cache of its
own, shared by its workers: the notes give the kernels each worker compiled
and loaded from disk (1 compile on one worker, 0 on the others, when the
workers share kernels). jit runs untiered here, as in every workload, so a
worker compiles in its own process (FUNCTRANS_LOG_COMPILES counts them).
"""
from __future__ import annotations

import atexit
import contextlib
import io
import multiprocessing
import os
import re
import shutil
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from .harness import Case
from .toolkits import Missing

ID, TITLE = "W10", "sweep"
WORKERS = 2
LEARNING_RATE = 0.5
_COUNTS = {}       # case label -> {worker pid: [compiled, loaded]}, from the first batch


def sizes(quick):
    """(fits, rows, columns, steps)."""
    return (8, 200, 8, 30) if quick else (32, 2000, 16, 300)


def group(seed, rows, cols):
    """One group's data: features and 0/1 labels of a noisy linear rule."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols))
    return X, (X @ rng.normal(size=cols) + rng.normal(size=rows) > 0).astype(np.float64)


def hand_fit(seed, rows, cols, steps):
    """The NumPy reference: the same descent with the hand-derived gradient."""
    X, y = group(seed, rows, cols)
    w = np.zeros(cols)
    for _ in range(steps):
        w = w - LEARNING_RATE * (X.T @ (1.0 / (1.0 + np.exp(-(X @ w))) - y)) / rows
    return w


_STEP = []


def _step():
    if not _STEP:
        import functrans as ft
        import functrans.numpy as fnp

        def loss(w, X, y):
            logits = X @ w
            return fnp.mean(ft.nn.softplus(logits) - y * logits)
        _STEP.append(ft.jit(ft.grad(loss)))
    return _STEP[0]


def fit(task):
    """(pid, weights, kernels compiled, kernels loaded) of one fit, in whichever
    process runs it; the counts come from FUNCTRANS_LOG_COMPILES's lines."""
    seed, rows, cols, steps = task
    X, y = group(seed, rows, cols)
    log, logging = io.StringIO(), os.environ.get("FUNCTRANS_LOG_COMPILES")
    os.environ["FUNCTRANS_LOG_COMPILES"] = "1"
    try:
        with contextlib.redirect_stderr(log):
            step = _step()
            w = np.zeros(cols)
            for _ in range(steps):
                w = w - LEARNING_RATE * step(w, X, y)
    finally:
        if logging is None:
            del os.environ["FUNCTRANS_LOG_COMPILES"]
        else:
            os.environ["FUNCTRANS_LOG_COMPILES"] = logging
    lines = log.getvalue()
    compiled = len(re.findall(r"kernel \w+ compiled in", lines))
    return os.getpid(), np.asarray(w), compiled, lines.count("loaded from disk")


def _use_cache(directory):
    """A worker's initializer: the kernel cache its executor's workers share."""
    os.environ["FUNCTRANS_CACHE_DIR"] = directory


def _batch(label, map_fn, tasks):
    """Run the batch through `map_fn`; the first batch's counts are kept for the notes."""
    results = list(map_fn(fit, tasks))
    if label not in _COUNTS:
        counts = defaultdict(lambda: [0, 0])
        for pid, _, compiled, loaded in results:
            counts[pid][0] += compiled
            counts[pid][1] += loaded
        _COUNTS[label] = dict(counts)
    return [w for _, w, _, _ in results]


def _cold_cache():
    directory = tempfile.mkdtemp(prefix="functrans-bench-w10-")
    atexit.register(shutil.rmtree, directory, True)
    return directory


def serial_setup(label, tasks):
    def setup():     # this process's cache is the run's fresh one, and this kernel is new in it
        return lambda: _batch(label, map, tasks)
    return setup


def pool_setup(label, tasks):
    def setup():
        pool = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_use_cache, initargs=(_cold_cache(),))
        atexit.register(pool.shutdown)
        return lambda: _batch(label, pool.map, tasks)
    return setup


def cluster_setup(label, tasks):
    def setup():
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise Missing('dask.distributed is not installed (pip install -e ".[dask]")') from None
        cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        atexit.register(lambda: (client.close(), cluster.close()))
        client.run(_use_cache, _cold_cache())
        return lambda: _batch(label, lambda f, ts: client.gather(client.map(f, ts, pure=False)), tasks)
    return setup


LABELS = ("1 process", f"{WORKERS}-process pool (spawn)", f"{WORKERS}-worker dask LocalCluster")


def cases(quick):
    fits, rows, cols, steps = sizes(quick)
    tasks = [(seed, rows, cols, steps) for seed in range(fits)]
    _COUNTS.clear()

    def reference():
        return [hand_fit(*t) for t in tasks]
    what = f"{fits} fits of {steps} steps, X {rows}x{cols}"
    out = [Case(f"{label}: {what}", reference, {"functrans": make(f"{label}: {what}", tasks)})
           for label, make in zip(LABELS, (serial_setup, pool_setup, cluster_setup))]
    out[0].systems["numpy"] = lambda: reference     # the hand-derived gradient, in this process
    return out


def notes(results, quick, budget):
    """Speed-up over one process, and kernels compiled / loaded per worker."""
    times = {label: {r.system: r for r in rows}.get("functrans") for label, rows in results}
    base = next(iter(times.values()))
    out = []
    for label, row in times.items():
        if row is None or row.stats is None:
            continue
        speedup = base.stats.median / row.stats.median if base and base.stats else float("nan")
        counts = _COUNTS.get(label, {})
        per_worker = ", ".join(f"{built} compiled / {loaded} loaded"
                               for built, loaded in sorted(counts.values(), reverse=True))
        out.append(f"{label.split(':')[0]}: speed-up {speedup:.2f}x over 1 process; kernels per worker on its "
                   f"first batch (cold cache of its own): {per_worker or 'none seen'}")
    return out
